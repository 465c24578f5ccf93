"""The refund record: made when a refund is applied for (or first seen), moved by the
marketplace's newer views, reported by a message per change, and credited once.

:func:`apply` is the one way a marketplace view reaches a record (a push, the answer to a write,
the reconciler). A view is taken when it is newer than the record's and does not leave an ended
refund (CONTRACT section 7: a refused refund modified is a legitimate loop; ``refundsuccess`` and
``refundclose`` are ends). Each change records one message (the platform's refund message type)
carrying the whole refund and the refund's next ``sequence``, and one event of its history.

When a view first shows the refund succeeded, the wallet is credited in the same transaction
(:func:`_credit`): one ``refund`` ledger entry referencing the order and the refund, under the
order's captured hold, keyed by the refund (a repeat posts nothing), never more than the hold
captured less what it already gave back. The caller takes the wallet lock first
(:func:`lock_for`), as every writer that moves money does.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from daigou.aftersales import profile as profiles
from daigou.aftersales.models import RefundEvent, RefundRecord
from daigou.aftersales.profile import CLOSED, ENDED, REFUSED, REQUESTED, SUCCEEDED, RefundProfile
from daigou.http.logging import log
from daigou.marketplace import port as P
from daigou.messages import service as messages
from daigou.purchasing import records as orders
from daigou.purchasing.models import PurchaseOrder
from daigou.wallet import service as wallet

_SNAPSHOT: TypeAdapter[P.MarketRefund] = TypeAdapter(P.MarketRefund)

# who made a move the marketplace reported (the buyer's own writes name themselves)
_OBSERVED = {
    REQUESTED: ("modify", "buyer"),
    REFUSED: ("refuse", "seller"),
    profiles.AWAITING_RETURN: ("agreeReturn", "seller"),
    profiles.RETURNING: ("returnGoods", "buyer"),
    SUCCEEDED: ("refund", "seller"),
    CLOSED: ("close", "system"),
}


def dump(refund: P.MarketRefund) -> str:
    return _SNAPSHOT.dump_json(refund).decode()


def snapshot_of(row: RefundRecord) -> P.MarketRefund:
    return _SNAPSHOT.validate_json(row.snapshot)


def entry_ids_of(row: RefundRecord) -> list[str]:
    ids: list[str] = json.loads(row.entry_ids)
    return ids


def refund_out(s: Session, row: RefundRecord) -> dict[str, Any]:
    """The platform's wire view of the record."""
    return profiles.of_platform(row.platform).view(s, row, snapshot_of(row))


def lock(s: Session, platform: str, refund_id: str) -> RefundRecord | None:
    return s.execute(
        select(RefundRecord)
        .where(RefundRecord.platform == platform, RefundRecord.refund_id == refund_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def lock_for(s: Session, developer_id: int) -> None:
    """The wallet lock first (a view may credit the wallet), then the records."""
    wallet.lock_account(s, developer_id)


def _take_view(profile: RefundProfile, row: RefundRecord, refund: P.MarketRefund) -> None:
    row.snapshot = dump(refund)
    row.status, row.state = refund.status, profile.state_of(refund.status)
    row.entry_ids = json.dumps(list(refund.entry_ids))
    row.dispute_request = refund.dispute_request
    row.apply_payment_fen, row.apply_carriage_fen = (
        refund.apply_payment_fen,
        refund.apply_carriage_fen,
    )
    row.refund_payment_fen = refund.refund_payment_fen
    row.refund_carriage_fen = refund.refund_carriage_fen
    row.market_modified_at = refund.modified_ms


def event(
    s: Session,
    row: RefundRecord,
    operate_type: str,
    operator: str,
    before: str | None,
    now_ms: int,
    *,
    remark: str | None = None,
    vouchers: tuple[str, ...] | list[str] = (),
) -> None:
    s.add(
        RefundEvent(
            platform=row.platform,
            refund_id=row.refund_id,
            operate_type=operate_type,
            operator=operator,
            status_before=before,
            status_after=row.status,
            remark=remark,
            vouchers=json.dumps(list(vouchers)),
            created_at=now_ms,
        )
    )


def message(s: Session, row: RefundRecord, previous: str | None, now_ms: int) -> None:
    """Record the change as the platform's refund message, carrying the whole refund; the
    refund it carries shows the message's sequence (per refund)."""
    profile = profiles.of_platform(row.platform)
    snap = snapshot_of(row)

    def body(sequence: int) -> dict[str, Any]:
        row.sequence = sequence
        view = refund_out(s, row)
        return {**profile.message_ids(row, previous, view), "refund": view}

    messages.record_each(
        s,
        developer_id=row.developer_id,
        platform=profile.message_platform,
        message_type=profile.message_type(snap),
        items=[(profile.refund_key(row.refund_id), row.user_id, row.refund_id, body)],
        now_ms=now_ms,
    )


def record_new(
    s: Session,
    order: PurchaseOrder,
    refund: P.MarketRefund,
    now_ms: int,
    *,
    operator: str = "buyer",
    remark: str | None = None,
) -> RefundRecord:
    """The record of a refund of ``order`` seen for the first time: made by the buyer's create,
    or found by the feed or the reconciler (applied for outside the gateway, or its answer lost).
    Its messages and history; credited at once if it already succeeded."""
    profile = profiles.of_platform(order.platform)
    row = RefundRecord(
        platform=order.platform,
        refund_id=refund.refund_id,
        order_id=order.order_id,
        group_id=order.group_id,
        developer_id=order.developer_id,
        user_id=order.user_id,
        credited_fen=0,
        credited_at=None,
        pending_operation=None,
        sequence=0,
        created_at=refund.created_ms,
        modified_at=now_ms,
    )
    _take_view(profile, row, refund)
    s.add(row)
    event(
        s,
        row,
        "apply",
        operator,
        None,
        now_ms,
        remark=remark if remark is not None else refund.description,
        vouchers=refund.vouchers,
    )
    if row.state == SUCCEEDED:  # credited first: the message shows what the wallet got
        _credit(s, row, now_ms)
    message(s, row, None, now_ms)
    return row


def ahead(row: RefundRecord, refund: P.MarketRefund) -> bool:
    """Whether ``refund`` may be taken: not older than the record's view, and not leaving an
    end (a late push of an earlier state changes nothing)."""
    if refund.modified_ms < row.market_modified_at:
        return False
    return not (row.state in ENDED and refund.status != row.status)


def apply(
    s: Session,
    row: RefundRecord,
    refund: P.MarketRefund,
    now_ms: int,
    *,
    by_buyer: str | None = None,
    remark: str | None = None,
    vouchers: tuple[str, ...] = (),
) -> bool:
    """Take a newer view of the refund: one event and one message for the change, the wallet
    credited when it reached success. ``by_buyer`` names the buyer's write that caused it (its
    event; otherwise the move is told by the status reached). False when nothing was taken
    (older, leaving an end, or the same view). The caller holds the row locked (and the wallet
    lock, :func:`lock_for`) and owns the transaction."""
    if not ahead(row, refund):
        return False
    if dump(refund) == row.snapshot:
        return False
    profile = profiles.of_platform(row.platform)
    previous = row.status
    _take_view(profile, row, refund)
    row.modified_at = now_ms
    if by_buyer is not None:
        event(s, row, by_buyer, "buyer", previous, now_ms, remark=remark, vouchers=vouchers)
    elif row.status != previous:
        operate_type, operator = _OBSERVED[row.state]
        note = refund.seller_refuse_reason if row.state == REFUSED else None
        event(s, row, operate_type, operator, previous, now_ms, remark=note)
    if row.state == SUCCEEDED and row.credited_at is None:
        _credit(s, row, now_ms)  # first: the message's refund shows what the wallet got back
    message(s, row, previous if row.status != previous else None, now_ms)
    return True


def _credit(s: Session, row: RefundRecord, now_ms: int) -> None:
    """The money back: at most once per refund (the record's ``credited_at``, and the ledger's
    key), never more than the order's captured hold has left to give."""
    amount = row.refund_payment_fen + row.refund_carriage_fen
    row.credited_at = now_ms
    if amount <= 0:
        return
    order = orders.lock(s, row.platform, row.order_id)
    if order is None:  # a record always belongs to an order; nothing to credit against
        log.error("refund credit: no order record", refund_id=row.refund_id)
        return
    hold = orders.captured_hold(s, order)
    if hold is None:
        log.error("refund credit: the order has no captured payment", refund_id=row.refund_id)
        return
    left = hold.captured - hold.refunded
    if amount > left:
        log.error(
            "refund credit: the marketplace refunded more than the order's payment has left",
            refund_id=row.refund_id,
            refunded=amount,
            left=left,
        )
        amount = left
    if amount <= 0:
        return
    wallet.refund(
        s,
        developer_id=row.developer_id,
        hold_key=hold.hold_key,
        refund_key=f"{row.platform}:{row.refund_id}",
        amount=amount,
        now_ms=now_ms,
        refund_id=row.refund_id,
        remark=f"refund {row.refund_id} of order {row.order_id}",
    )
    row.credited_fen = amount
    orders.add_refunded(order, amount, now_ms)


def known_refunds(s: Session, platform: str, refund_ids: list[str]) -> set[str]:
    if not refund_ids:
        return set()
    found = s.execute(
        select(RefundRecord.refund_id).where(
            RefundRecord.platform == platform, RefundRecord.refund_id.in_(refund_ids)
        )
    )
    return set(found.scalars())


def mirror(s: Session, order_id: str, refund: P.MarketRefund, now_ms: int) -> bool:
    """Apply the marketplace's view of a refund of one of the gateway's orders, in the caller's
    transaction: the record catches up, or is made (a refund applied for outside the gateway).
    False when the order is not the gateway's."""
    platform = refund.platform.value
    found = s.execute(
        select(RefundRecord.developer_id).where(
            RefundRecord.platform == platform, RefundRecord.refund_id == refund.refund_id
        )
    ).scalar_one_or_none()
    if found is None:
        owner = s.execute(
            select(PurchaseOrder.developer_id).where(
                PurchaseOrder.platform == platform, PurchaseOrder.order_id == order_id
            )
        ).scalar_one_or_none()
        if owner is None:
            return False
        found = owner
    lock_for(s, found)
    row = lock(s, platform, refund.refund_id)
    if row is not None:
        apply(s, row, refund, now_ms)
        return True
    order = orders.lock(s, platform, order_id)
    if order is None:
        return False
    record_new(s, order, refund, now_ms, operator="buyer", remark=refund.description)
    return True
