"""Time in the sandbox seller: timers fire in time order as the sandbox clock passes them
(pay timeouts, shipping, logistics steps, delivery, auto-confirm, settlement, the seller's
answer to a refund, the buyer's time to send goods back), and 12.15 moves the clock."""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from daigou.marketplace import port as P
from daigou.marketplace.sandbox.negotiation import PLATFORM, TIMEOUT_NOTES
from daigou.marketplace.sandbox.refunds import RefundDesk
from daigou.marketplace.sandbox.seller_models import SandboxTimer
from daigou.marketplace.sandbox.states import (
    CONFIRMED,
    SUCCESS,
    T_SUCCESS,
    TRACE_STEPS,
    WAIT_PAY,
    WAIT_RECEIVE,
    WAIT_SEND,
    move,
)

log = logging.getLogger("daigou.sandbox")


class TimerDesk(RefundDesk):
    """Fires the seller's timers. The order actions it calls (``_close``, ``_ship``,
    ``_deliver``, ``_confirm``...) live on :class:`~daigou.marketplace.sandbox.orders.Seller`."""

    def _fire(self, s: Session, timer: SandboxTimer) -> bool:
        """Run one due timer at its due time; False when it had nothing to do any more."""
        at = timer.due_ms
        payload = json.loads(timer.payload or "{}")
        kind = timer.kind
        if kind.startswith("refund_"):
            rrow, refund = self._refund_row(s, None, timer.object_id, lock=False)
            if refund["status"] != payload.get("status") or refund["timeout_ms"] != at:
                return False
            if kind == "refund_answer":
                policy = self.settings.sandbox_refund_policy
                if policy == "manual":
                    return False
                action = "agree" if policy == "agree" else "refuse"
                reason = None if policy == "agree" else "sandbox policy: refuse"
            elif kind == "refund_receive":
                action, reason = "receiveGoods", None
            else:  # the buyer did not send goods back, or did not modify in time
                action, reason = "close", None

            def change(refund: dict[str, Any], order: dict[str, Any]) -> str:
                prev = self._answer(s, refund, order, action, reason, None, at)
                if action == "close":  # the buyer let its time run out: the platform says so
                    self._note(s, refund, PLATFORM, TIMEOUT_NOTES[prev], (), at)
                return prev

            self._refund_move(s, None, timer.object_id, at, change)
            return True

        row, order = self._order_row(s, None, timer.object_id)
        status = order["status"]
        if kind == "pay_timeout":
            if status != WAIT_PAY:
                return False
            self._close(s, row, order, at, "payTimeout", "system")
        elif kind == "ship":
            if status != WAIT_SEND:
                return False
            self._ship(s, row, order, at, None, None, None)
        elif kind in ("trace", "deliver"):
            parcel = next(
                (p for p in order["parcels"] if p["logistics_id"] == payload.get("logistics_id")),
                None,
            )
            if parcel is None or parcel["delivered_ms"] is not None:
                return False
            if status not in (WAIT_SEND, WAIT_RECEIVE, CONFIRMED, SUCCESS):
                return False  # closed or refunded in full: the parcel no longer matters
            if kind == "trace":
                parcel["steps"].append([at, TRACE_STEPS[int(payload["step"])]])
                self._save_order(s, row, order, at)
                self._trace_message(s, order, parcel, at)
            else:
                self._deliver(s, order, parcel, at)
                self._after_delivery(s, row, order, at)
        elif kind == "auto_confirm":
            if status != WAIT_RECEIVE:
                return False
            self._confirm(s, row, order, at, "system")
        elif kind == "settle":
            if status != CONFIRMED:
                return False
            prev = move("order", order, SUCCESS)
            order["completed_ms"] = at
            self._save_order(s, row, order, at)
            self._emit(s, order["platform"], T_SUCCESS, at, order=order, previous=prev)
        else:
            raise ValueError(f"unknown timer kind {kind!r}")
        return True

    def fire_due(self, until_ms: int | None = None, limit: int = 10_000) -> list[dict[str, Any]]:
        """Fire every timer due by ``until_ms`` (default now), in time order, each in its own
        transaction; a timer another process fired first is skipped. Timers a fired timer sets
        that are due too fire in the same call."""
        until = self.clock.now_ms() if until_ms is None else until_ms
        fired: list[dict[str, Any]] = []
        t = SandboxTimer.__table__
        # one at a time: a fired timer may set an earlier one than the next already due
        first_due = select(t.c.id).where(t.c.due_ms <= until).order_by(t.c.due_ms, t.c.id).limit(1)
        for _ in range(limit):
            with self.db.reading() as conn:
                timer_id = conn.execute(first_due).scalar_one_or_none()
            if timer_id is None:
                break
            entry = self._fire_one(timer_id)
            if entry is not None:
                fired.append(entry)
        return fired

    def _fire_one(self, timer_id: int) -> dict[str, Any] | None:
        try:
            with self.db.transaction() as s:
                timer = s.execute(
                    select(SandboxTimer).where(SandboxTimer.id == timer_id).with_for_update()
                ).scalar_one_or_none()
                if timer is None:
                    return None  # fired by another process
                s.execute(delete(SandboxTimer).where(SandboxTimer.id == timer_id))
                acted = self._fire(s, timer)
                entry = {
                    "time": timer.due_ms,
                    "kind": timer.kind,
                    "objectId": timer.object_id,
                    "acted": acted,
                }
        except P.MarketplaceError:
            # the object moved on in a way the timer did not expect: drop the timer
            log.warning("sandbox timer %s found nothing to do", timer_id)
            with self.db.transaction() as s:
                s.execute(delete(SandboxTimer).where(SandboxTimer.id == timer_id))
            return None
        return entry

    def advance(self, seconds: int | None = None, to_ms: int | None = None) -> dict[str, Any]:
        """12.15: move the sandbox clock forward and fire what falls due, in time order."""
        now = self.clock.now_ms()
        target = to_ms if to_ms is not None else now + int(seconds or 0) * 1000
        if target < now:
            raise ValueError(f"the clock is at {now}: it never moves back")
        with self.db.transaction() as s:
            moved = self.clock.move_to(s, target)
        fired = self.fire_due(moved)
        return {"now": moved, "fired": [f for f in fired if f["acted"]]}

    def pending_timers(self) -> list[dict[str, Any]]:
        t = SandboxTimer.__table__
        with self.db.reading() as conn:
            rows = conn.execute(select(t).order_by(t.c.due_ms, t.c.id)).all()
        return [{"time": r.due_ms, "kind": r.kind, "objectId": r.object_id} for r in rows]
