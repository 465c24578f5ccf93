"""The order record: made by a create, moved by the marketplace's newer views, reported by a
message per step.

:func:`apply` is the one way a marketplace view reaches a record (a push, a read before an
action, the reconciler): it takes the view only when it is ahead of the record (CONTRACT section
7: never backwards, a repeat changes nothing) and records one message per step the platform's
profile finds between the stored view and the new one, each message carrying the order as it is
now and the order's next ``sequence``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from daigou.db.upsert import insert_ignore_many
from daigou.marketplace import port as P
from daigou.messages import service as messages
from daigou.purchasing import profile as profiles
from daigou.purchasing.models import (
    NONE,
    PAID,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderWaybill,
)
from daigou.purchasing.profile import Profile
from daigou.wallet import service as wallet
from daigou.wallet.models import Hold

_SNAPSHOT: TypeAdapter[P.MarketOrder] = TypeAdapter(P.MarketOrder)


def dump(order: P.MarketOrder) -> str:
    return _SNAPSHOT.dump_json(order).decode()


def snapshot_of(row: PurchaseOrder) -> P.MarketOrder:
    """The marketplace's last view of the order, as the port's DTO."""
    return _SNAPSHOT.validate_json(row.snapshot)


def gateway_info(row: PurchaseOrder) -> dict[str, Any]:
    """What the gateway adds to every order view (``gatewayInfo``)."""
    return {
        "outOrderId": row.out_order_id,
        "userId": row.user_id,
        "staffName": row.staff_name,
        "payState": row.pay_state,
        "heldAmount": row.held_fen,
        "paidAmount": row.paid_fen,
        "refundedAmount": row.refunded_fen,
        "pendingOperation": row.pending_operation,
        "sequence": row.sequence,
    }


def order_out(row: PurchaseOrder) -> dict[str, Any]:
    """The platform's wire view of the record."""
    return profiles.of_platform(row.platform).view(row, snapshot_of(row))


def set_status(profile: Profile, row: PurchaseOrder, status: str) -> None:
    row.status, row.state = status, profile.state_of(status)


def _take_view(profile: Profile, row: PurchaseOrder, order: P.MarketOrder) -> None:
    row.snapshot = dump(order)
    set_status(profile, row, order.status)
    row.refund_status = order.refund_status
    row.total_fen, row.product_fen = order.total_fen, order.product_fen
    row.shipping_fen, row.discount_fen = order.shipping_fen, order.discount_fen
    row.paid_at, row.market_modified_at = order.paid_ms, order.modified_ms


def _message_body(
    row: PurchaseOrder, current: str, previous: str | None, extra: dict[str, Any]
) -> dict[str, Any]:
    return {
        "orderId": row.order_id,
        "currentStatus": current,
        "previousStatus": previous,
        **extra,
        "order": order_out(row),
    }


def message(
    s: Session,
    row: PurchaseOrder,
    message_type: str,
    previous: str | None,
    now_ms: int,
    *,
    current: str | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Record the change as a message; the order it carries shows the message's sequence.
    ``current`` is the status the reported step reached (default: the record's); ``extra``
    adds fields about the step (a parcel, a logistics step, the old total)."""
    profile = profiles.of_platform(row.platform)
    message_each(
        s,
        row.developer_id,
        message_type,
        [(row, previous)],
        now_ms,
        current=current,
        extra=extra,
        profile=profile,
    )


def message_each(
    s: Session,
    developer_id: int,
    message_type: str,
    steps: list[tuple[PurchaseOrder, str | None]],
    now_ms: int,
    *,
    current: str | None = None,
    extra: dict[str, Any] | None = None,
    profile: Profile | None = None,
) -> None:
    """One message for each of several orders of one developer and platform (a bulk pay's
    pay messages): the same bodies as one by one, in two statements."""
    if not steps:
        return
    profile = profile or profiles.of_platform(steps[0][0].platform)
    if profile.report is not None:
        profile.report(
            s,
            profiles.Change(
                message_type,
                [row for row, _ in steps],
                [previous for _, previous in steps],
                current,
                extra or {},
                now_ms,
            ),
        )
        return

    def body_of(row: PurchaseOrder, previous: str | None) -> Callable[[int], dict[str, Any]]:
        def body(sequence: int) -> dict[str, Any]:
            row.sequence = sequence
            return _message_body(row, current or row.status, previous, extra or {})

        return body

    messages.record_each(
        s,
        developer_id=developer_id,
        platform=profile.message_platform,
        message_type=message_type,
        items=[
            (profile.order_key(row.order_id), row.user_id, row.order_id, body_of(row, previous))
            for row, previous in steps
        ],
        now_ms=now_ms,
    )


def touched(s: Session, profile: Profile, rows: list[PurchaseOrder], now_ms: int) -> None:
    """Records changed in a way that has no message of their own (a payment refused, the hold
    released): a platform that reports changes its own way (``Profile.report``) is told."""
    if profile.report is not None and rows:
        profile.report(s, profiles.Change("", rows, [r.status for r in rows], None, {}, now_ms))


def record_created(
    s: Session,
    profile: Profile,
    *,
    developer_id: int,
    user_id: str | None,
    out_order_id: str | None,
    order: P.MarketOrder,
    now_ms: int,
    staff_name: str | None = None,
    group_id: str | None = None,
) -> PurchaseOrder:
    """A new order made by a create: its record and the platform's create message."""
    row = PurchaseOrder(
        platform=profile.platform.value,
        order_id=order.order_id,
        developer_id=developer_id,
        user_id=user_id,
        out_order_id=out_order_id,
        group_id=group_id,
        seller_id=order.seller_open_id,
        pay_state=NONE,
        held_fen=0,
        paid_fen=0,
        refunded_fen=0,
        pending_operation=None,
        pay_attempts=0,
        staff_name=staff_name,
        sequence=0,
        created_at=now_ms,
        modified_at=now_ms,
    )
    _take_view(profile, row, order)
    s.add(row)
    _index_lines(s, row, order.lines)
    _index_waybills(s, row, order.parcels)
    message(s, row, profile.message_on_create, None, now_ms)
    return row


def _index_lines(s: Session, row: PurchaseOrder, lines: tuple[P.OrderLine, ...]) -> None:
    """Index the order's lines by their marketplace ids (``purchase_order_line``)."""
    insert_ignore_many(
        s,
        PurchaseOrderLine.__table__,
        [
            {
                "platform": row.platform,
                "entry_id": ln.entry_id,
                "order_id": row.order_id,
                "developer_id": row.developer_id,
            }
            for ln in lines
        ],
        ["platform", "entry_id"],
    )


def _index_waybills(s: Session, row: PurchaseOrder, parcels: tuple[P.Parcel, ...]) -> None:
    """Index the order's parcels by their waybills (``purchase_order_waybill``)."""
    insert_ignore_many(
        s,
        PurchaseOrderWaybill.__table__,
        [
            {
                "bill_no": p.bill_no,
                "platform": row.platform,
                "order_id": row.order_id,
                "developer_id": row.developer_id,
            }
            for p in {p.bill_no: p for p in parcels if p.bill_no}.values()
        ],
        ["bill_no", "platform", "order_id"],
    )


def orders_with_waybill(s: Session, bill_no: str) -> list[tuple[str, str, int]]:
    """The orders (platform, order id, developer) whose parcels carry this waybill."""
    found = s.execute(
        select(
            PurchaseOrderWaybill.platform,
            PurchaseOrderWaybill.order_id,
            PurchaseOrderWaybill.developer_id,
        ).where(PurchaseOrderWaybill.bill_no == bill_no)
    )
    return [(p, o, d) for p, o, d in found]


def _steps(
    profile: Profile, row: PurchaseOrder, order: P.MarketOrder
) -> list[profiles.Step] | None:
    """The steps from the record to ``order``; None when ``order`` is behind the record: its
    status is behind or off the arrows, or it is the same status as last modified earlier than
    the stored view."""
    stored = snapshot_of(row)
    found = profile.steps(row.status, stored, order)
    if found is None:
        return None
    if row.status == order.status and order.modified_ms < row.market_modified_at:
        return None
    return found


def apply(s: Session, row: PurchaseOrder, order: P.MarketOrder, now_ms: int) -> bool:
    """Mirror a newer view of the order and record one message per step it took since the
    stored view, each carrying the order as it is now. False (nothing changed, nothing
    recorded) when the view is behind the record. The caller holds the row locked
    (``SELECT ... FOR UPDATE``) and owns the transaction."""
    profile = profiles.of_platform(row.platform)
    found = _steps(profile, row, order)
    if found is None:
        return False
    new = dump(order)
    if new == row.snapshot and row.status == order.status:
        return True  # the same view again
    current = row.status
    stored = snapshot_of(row)
    known = {ln.entry_id for ln in stored.lines}
    bills = {p.bill_no for p in stored.parcels}
    _take_view(profile, row, order)
    _index_lines(s, row, tuple(ln for ln in order.lines if ln.entry_id not in known))
    _index_waybills(s, row, tuple(p for p in order.parcels if p.bill_no not in bills))
    row.modified_at = now_ms
    for st in found:
        before = None
        if st.status is not None:
            before, current = current, st.status
        message(s, row, st.message_type, before, now_ms, current=current, extra=st.extra)
    return True


def lock(s: Session, platform: str, order_id: str) -> PurchaseOrder | None:
    return s.execute(
        select(PurchaseOrder)
        .where(PurchaseOrder.platform == platform, PurchaseOrder.order_id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def captured_hold(s: Session, row: PurchaseOrder) -> Hold | None:
    """The wallet hold that paid for the order, when its payment was captured (the one a
    refund of the order gives money back from)."""
    if row.pay_state != PAID or row.pay_attempts < 1:
        return None
    profile = profiles.of_platform(row.platform)
    hold = wallet.find_hold(s, row.developer_id, profile.hold_key(row.order_id, row.pay_attempts))
    return hold if hold is not None and hold.status == "captured" else None


def add_refunded(row: PurchaseOrder, amount_fen: int, now_ms: int) -> None:
    """Count money given back for the order (``gatewayInfo.refundedAmount``)."""
    row.refunded_fen += amount_fen
    row.modified_at = now_ms


def known_orders(s: Session, platform: str, order_ids: list[str]) -> set[str]:
    """Which of these order ids of ``platform`` the gateway has a record of (made through it)."""
    if not order_ids:
        return set()
    found = s.execute(
        select(PurchaseOrder.order_id).where(
            PurchaseOrder.platform == platform, PurchaseOrder.order_id.in_(order_ids)
        )
    )
    return set(found.scalars())


def mirror(
    s: Session, platform: str, order_id: str, order: P.MarketOrder, now_ms: int
) -> bool | None:
    """Lock the record of ``order_id`` and :func:`apply` ``order`` to it, in the caller's
    transaction; None when the gateway has no such record."""
    row = lock(s, platform, order_id)
    if row is None:
        return None
    return apply(s, row, order, now_ms)
