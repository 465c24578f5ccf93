"""A purchase order's status, derived from its shop orders, and its messages.

The developer sees one status per purchase order (PandaPon's codes, ENDPOINTS S7)::

    12 building: a shop's create has no known outcome yet
    9  placing failed: no shop order was made (nothing charged)
    0  awaiting payment (some shop order is unpaid); 1, 2, 3, 5 on the voucher path instead
    10, 11, 20: the least advanced of the shop orders still alive (paid, shipped, finished)
    4  cancelled: every shop order was cancelled (or fully refunded)

:func:`derive` computes it; :func:`refresh` stores it and records one
TAOBAO_ORDER_STATUS_CHANGE when it moved, carrying the whole TaobaoOrder and the purchase
order's next ``sequence`` (its messages are ordered by ``taobao:<orderId>``). The core hands
every change of a shop order here (:func:`report`, the Taobao profile's ``report``), so a push,
a payment the reconciler settled or a create it found all move the purchase order the same way.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daigou.aftersales.models import RefundRecord
from daigou.aftersales.queries import of_order
from daigou.messages import service as messages
from daigou.orderstaobao.models import TaobaoOrder, TaobaoVoucher
from daigou.orderstaobao.views import order_view
from daigou.purchasing.models import HELD, PurchaseOrder
from daigou.purchasing.profile import Change

PLATFORM = "taobao"
MESSAGE_PLATFORM = 0
STATUS_CHANGE = "TAOBAO_ORDER_STATUS_CHANGE"
PRICE_MODIFY = "TAOBAO_ORDER_BUYER_VIEW_ORDER_PRICE_MODIFY"
TOUCHED = ""  # a change the core reports without a message of its own (a refused payment)

BUILDING, FAILED, UNPAID, CANCELLED = "12", "9", "0", "4"
UPLOADED, APPROVED, REJECTED, GATEWAY_PAYING = "1", "2", "3", "5"
PAID, SHIPPED, FINISHED = "10", "11", "20"
FINAL = frozenset({FAILED, CANCELLED})
PAYABLE = frozenset({UNPAID, REJECTED})  # 2.5, 2.6 and 2.7 act on these
_ALIVE_RANK = {PAID: 0, SHIPPED: 1, FINISHED: 2}


def key_of(order_id: str) -> str:
    return f"taobao:{order_id}"


def lock(s: Session, order_id: str) -> TaobaoOrder | None:
    """The purchase order, locked and read afresh. The session does not autoflush, and a fresh
    read would drop unflushed changes: what this transaction changed is flushed first."""
    s.flush()
    return s.execute(
        select(TaobaoOrder)
        .where(TaobaoOrder.order_id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def rows_of(s: Session, order_id: str) -> list[PurchaseOrder]:
    """The purchase order's shop orders (the caller's session sees its own changes)."""
    return list(
        s.execute(
            select(PurchaseOrder)
            .where(PurchaseOrder.platform == PLATFORM, PurchaseOrder.group_id == order_id)
            .order_by(PurchaseOrder.out_order_id)
        ).scalars()
    )


def latest_voucher(s: Session, order_id: str) -> TaobaoVoucher | None:
    return s.execute(
        select(TaobaoVoucher)
        .where(TaobaoVoucher.order_id == order_id)
        .order_by(TaobaoVoucher.created_at.desc(), TaobaoVoucher.voucher_id.desc())
        .limit(1)
    ).scalar_one_or_none()


def shops_of(order: TaobaoOrder) -> list[dict[str, Any]]:
    shops: list[dict[str, Any]] = json.loads(order.shops)
    return shops


def derive(
    order: TaobaoOrder, rows: list[PurchaseOrder], override: dict[str, str] | None = None
) -> str:
    """The purchase order's status now (``override``: a shop order's status at the step being
    reported, when its record has already moved further)."""
    if order.status in FINAL:
        return order.status
    if any(sh["state"] == "pending" for sh in shops_of(order)):
        return BUILDING
    if not rows:
        return FAILED
    statuses = [(override or {}).get(r.order_id, r.status) for r in rows]
    alive = [st for st in statuses if st != CANCELLED]
    if not alive:
        return CANCELLED
    if UNPAID in alive:
        return order.voucher_stage or UNPAID
    return min(alive, key=lambda st: _ALIVE_RANK.get(st, 0))


def refunds_of(s: Session, rows: list[PurchaseOrder]) -> list[RefundRecord]:
    """The reverse orders of these shop orders, oldest first."""
    return of_order(s, PLATFORM, [r.order_id for r in rows])


def view(s: Session, order: TaobaoOrder) -> dict[str, Any]:
    rows = rows_of(s, order.order_id)
    voucher = latest_voucher(s, order.order_id)
    return order_view(order, rows, voucher, refunds_of(s, rows))


class Loaded:
    """Several purchase orders, locked, with their shop orders, latest vouchers and reverse
    orders: read in four statements, so a change of many (a bulk pay) costs no more statements
    than one."""

    def __init__(self, s: Session, order_ids: list[str]) -> None:
        ids = sorted(set(order_ids))
        s.flush()  # the session does not autoflush: new and changed shop orders first
        self.orders: dict[str, TaobaoOrder] = {
            o.order_id: o
            for o in s.execute(
                select(TaobaoOrder)
                .where(TaobaoOrder.order_id.in_(ids))
                .order_by(TaobaoOrder.order_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).scalars()
        }
        self.rows: dict[str, list[PurchaseOrder]] = {i: [] for i in self.orders}
        for r in s.execute(
            select(PurchaseOrder)
            .where(PurchaseOrder.platform == PLATFORM, PurchaseOrder.group_id.in_(ids))
            .order_by(PurchaseOrder.out_order_id, PurchaseOrder.order_id)
        ).scalars():
            self.rows[str(r.group_id)].append(r)
        self.vouchers: dict[str, TaobaoVoucher] = {}
        for v in s.execute(
            select(TaobaoVoucher)
            .where(TaobaoVoucher.order_id.in_(ids))
            .order_by(TaobaoVoucher.created_at, TaobaoVoucher.voucher_id)
        ).scalars():
            self.vouchers[v.order_id] = v  # the latest wins
        self.refunds: dict[str, list[RefundRecord]] = {}
        group = {r.order_id: g for g, rows in self.rows.items() for r in rows}
        for refund in refunds_of(s, [r for rows in self.rows.values() for r in rows]):
            self.refunds.setdefault(group[refund.order_id], []).append(refund)

    def view(self, order: TaobaoOrder) -> dict[str, Any]:
        oid = order.order_id
        return order_view(
            order, self.rows.get(oid, []), self.vouchers.get(oid), self.refunds.get(oid, [])
        )


def _record_many(
    s: Session,
    loaded: Loaded,
    message_type: str,
    items: list[tuple[TaobaoOrder, dict[str, Any]]],
    now_ms: int,
) -> None:
    """One message per purchase order (fields, then the whole order at its new sequence), in
    two statements per developer."""
    by_developer: dict[int, list[tuple[TaobaoOrder, dict[str, Any]]]] = {}
    for order, fields in items:
        by_developer.setdefault(order.developer_id, []).append((order, fields))
    for developer_id, mine in by_developer.items():

        def body_of(order: TaobaoOrder, fields: dict[str, Any]) -> Any:
            def body(sequence: int) -> dict[str, Any]:
                order.sequence = sequence
                return {"orderId": order.order_id, **fields, "order": loaded.view(order)}

            return body

        messages.record_each(
            s,
            developer_id=developer_id,
            platform=MESSAGE_PLATFORM,
            message_type=message_type,
            items=[
                (key_of(o.order_id), o.user_id, o.order_id, body_of(o, fields))
                for o, fields in mine
            ],
            now_ms=now_ms,
        )


def _set_status(order: TaobaoOrder, status: str, now_ms: int) -> dict[str, Any] | None:
    """Move the status (and stamp the time of reaching it); the message's fields, or None when
    it is already there."""
    previous = order.status
    if status == previous:
        return None
    order.status = status
    order.modified_at = now_ms
    if status == PAID and order.pay_time is None:
        order.pay_time = now_ms
    elif status == SHIPPED and order.ship_time is None:
        order.ship_time = now_ms
    elif status == FINISHED and order.finish_time is None:
        order.finish_time = now_ms
    elif status in FINAL and order.close_time is None:
        order.close_time = now_ms
    if status in (PAID, SHIPPED, FINISHED) and order.voucher_stage is not None:
        order.voucher_stage = None
    return {"status": int(status), "previousStatus": int(previous)}


def _move_many(
    s: Session, loaded: Loaded, moves: list[tuple[TaobaoOrder, str]], now_ms: int
) -> None:
    items = []
    for order, status in moves:
        fields = _set_status(order, status, now_ms)
        if fields is not None:
            items.append((order, fields))
    _record_many(s, loaded, STATUS_CHANGE, items, now_ms)


def move(s: Session, order: TaobaoOrder, status: str, now_ms: int) -> bool:
    """Set the status (and the time of reaching it) and record its message; False when it is
    already there."""
    if status == order.status:
        return False
    loaded = Loaded(s, [order.order_id])
    _move_many(s, loaded, [(loaded.orders[order.order_id], status)], now_ms)
    return True


def refresh(
    s: Session, order: TaobaoOrder, now_ms: int, override: dict[str, str] | None = None
) -> bool:
    """Derive the status again; record its message if it moved."""
    loaded = Loaded(s, [order.order_id])
    locked = loaded.orders[order.order_id]
    status = derive(locked, loaded.rows[order.order_id], override)
    if status == locked.status:
        return False
    _move_many(s, loaded, [(locked, status)], now_ms)
    return True


def _mark_placed(order: TaobaoOrder, rows: list[PurchaseOrder]) -> None:
    """A shop whose order is recorded is placed (a create the reconciler found included)."""
    shops = shops_of(order)
    keys = {r.out_order_id for r in rows}
    changed = False
    for sh in shops:
        if sh["state"] != "placed" and f"{order.order_id}-{sh['n']}" in keys:
            sh["state"], changed = "placed", True
    if changed:
        order.shops = json.dumps(shops)


def _paying(rows: list[PurchaseOrder]) -> bool:
    return any(r.pending_operation == "pay" or r.pay_state == HELD for r in rows)


def report(s: Session, change: Change) -> None:
    """The Taobao profile's ``report``: a change of shop orders, as changes of their purchase
    orders: all of them at once (a bulk pay reports a hundred in a few statements)."""
    mine: dict[str, list[PurchaseOrder]] = {}
    for r in change.rows:
        if r.group_id:
            mine.setdefault(r.group_id, []).append(r)
    if not mine:
        return
    loaded = Loaded(s, list(mine))
    orders = [(loaded.orders[g], rows) for g, rows in sorted(mine.items()) if g in loaded.orders]
    for order, rows in orders:
        _mark_placed(order, rows)
    if change.message_type == PRICE_MODIFY:
        shop_before = int(change.extra.get("previousTotalAmount") or 0)
        shop_after = int(change.extra.get("totalAmount") or 0)
        items = []
        for order, rows in orders:
            now = loaded.view(order)
            fields = {
                "salesOrderId": rows[0].order_id,
                "previousPurchaseAmount": now["purchaseAmount"] - (shop_after - shop_before),
                "purchaseAmount": now["purchaseAmount"],
                "subOrders": now["subOrders"],
                "purchaseOrderPriceDTO": {
                    "productAmount": now["productAmount"],
                    "postFee": now["postFee"],
                    "totalAmount": now["purchaseAmount"],
                },
            }
            items.append((order, fields))
        _record_many(s, loaded, PRICE_MODIFY, items, change.now_ms)
        return
    moves = []
    for order, rows in orders:
        if change.message_type == TOUCHED:
            # a payment ended unpaid: an approved voucher's order is payable again (5 -> 0)
            if order.voucher_stage == GATEWAY_PAYING and not _paying(loaded.rows[order.order_id]):
                order.voucher_stage = None
            override = None
        else:
            override = {r.order_id: change.current for r in rows} if change.current else None
        moves.append((order, derive(order, loaded.rows[order.order_id], override)))
    _move_many(s, loaded, moves, change.now_ms)


def settle_gateway_pay(s: Session, order: TaobaoOrder, now_ms: int) -> None:
    """The gateway's payment of an approved voucher (5) ended without paying every shop: the
    order is payable again (0), the transfer stays in the wallet. Nothing while a shop's payment
    is still unknown."""
    loaded = Loaded(s, [order.order_id])
    locked = loaded.orders[order.order_id]
    if locked.voucher_stage == GATEWAY_PAYING and not _paying(loaded.rows[order.order_id]):
        locked.voucher_stage = None
    status = derive(locked, loaded.rows[order.order_id])
    _move_many(s, loaded, [(locked, status)], now_ms)


def shop_failed(
    s: Session, order_id: str, n: int, errors: list[dict[str, Any]], now_ms: int
) -> None:
    """A shop's create was refused, or found never made: the purchase order goes on without it."""
    order = lock(s, order_id)
    if order is None:
        return
    shops = shops_of(order)
    for sh in shops:
        if sh["n"] == n and sh["state"] != "placed":
            sh["state"], sh["errors"] = "failed", errors
    order.shops = json.dumps(shops)
    refresh(s, order, now_ms)
