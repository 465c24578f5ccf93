"""The buyer's actions on one order, on any platform: cancel (unpaid only) and confirm receipt,
and reading an order the caller may see.

A cancel carries an ``opRequestId`` fixed per attempt, so the marketplace deduplicates a
repeat. When its answer is lost the order keeps ``pendingOperation: cancel`` and the call
answers 50401; calling again takes up the same operation and asks again with the same key
(CONTRACT section 8); the reconciler does the same when nobody calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from daigou.core.clock import Clock, wall_ms
from daigou.core.errors import ApiError, Conflict, NotFound
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for
from daigou.purchasing import records
from daigou.purchasing.buyer import Buyer, check_visible
from daigou.purchasing.models import NONE, PurchaseOrder
from daigou.purchasing.profile import Profile, of_object_type
from daigou.reconcile import service as reconcile
from daigou.reconcile.models import FAILED, OPEN_STATES, SUCCEEDED, UNKNOWN, MarketOperation


def own(db: Database, profile: Profile, buyer: Buyer, order_id: str) -> PurchaseOrder:
    """The order, if the caller may see it (40401 / 40302 otherwise)."""
    with db.transaction() as s:
        row = s.get(PurchaseOrder, (profile.platform.value, order_id))
        if row is None:
            raise NotFound("no such order")
        s.expunge(row)
    check_visible(row.developer_id, row.user_id, buyer.developer_id, buyer.user_id)
    return row


def _lock(s: Session, profile: Profile, order_id: str) -> PurchaseOrder:
    row = records.lock(s, profile.platform.value, order_id)
    assert row is not None, order_id
    return row


def _begin_cancel(db: Database, profile: Profile, order_id: str, now_ms: int) -> str:
    """Mark the order ``pendingOperation: cancel`` and begin the operation (or take up an
    earlier one whose outcome is unknown) before the marketplace is asked."""
    with db.transaction() as s:
        row = _lock(s, profile, order_id)
        if row.pending_operation not in (None, "cancel"):
            raise Conflict(f"the order has a {row.pending_operation} in flight")
        if row.pay_state != NONE:
            raise Conflict("a payment of this order is held or made: it cannot be cancelled")
        earlier = list(
            s.execute(
                select(MarketOperation).where(
                    MarketOperation.object_type == profile.object_type,
                    MarketOperation.object_id == order_id,
                    MarketOperation.operation == "cancel",
                )
            ).scalars()
        )
        unsettled = [op for op in earlier if op.state in OPEN_STATES]
        if unsettled:
            (op,) = unsettled
            if op.lease_until is not None and op.lease_until >= wall_ms():
                raise ApiError(
                    50401,
                    "a cancel of this order is being asked: its outcome is not known yet",
                    {"orderId": order_id, "pendingOperation": "cancel"},
                )
            reconcile.take_over(op)
            op_id = op.operation_id
        else:
            if row.status != profile.unpaid:
                raise Conflict(f"the order is {row.status}: only an unpaid order can be cancelled")
            op_id = f"cancel-{order_id}-{len(earlier) + 1}"
            reconcile.begin(
                s,
                operation_id=op_id,
                developer_id=row.developer_id,
                user_id=row.user_id,
                object_type=profile.object_type,
                object_id=order_id,
                operation="cancel",
                market_key=op_id,
                now_ms=now_ms,
            )
        row.pending_operation = "cancel"
    return op_id


@dataclass(frozen=True)
class Cancelled:
    outcome: str
    row: PurchaseOrder | None
    error: P.MarketplaceError | None = None


def cancel(
    db: Database,
    market: P.Marketplace,
    profile: Profile,
    buyer: Buyer,
    order_id: str,
    reason: str,
    now_ms: int,
) -> PurchaseOrder:
    """Cancel an unpaid order; the record as it is after. Raises 50401 when the outcome is
    unknown, and the marketplace's refusal as it came."""
    row = own(db, profile, buyer, order_id)
    op_id = _begin_cancel(db, profile, row.order_id, now_ms)
    with acting_for(buyer.develop_id):
        settled = _ask_cancel(db, market, profile, op_id, row.order_id, reason, now_ms, None)
    if settled.outcome == UNKNOWN:
        raise ApiError(
            50401,
            "the marketplace did not answer: the cancel's outcome is unknown; call again",
            {"orderId": row.order_id, "pendingOperation": "cancel"},
        )
    if settled.error is not None:
        raise settled.error
    assert settled.row is not None
    return settled.row


def _ask_cancel(
    db: Database,
    market: P.Marketplace,
    profile: Profile,
    op_id: str,
    order_id: str,
    reason: str,
    now_ms: int,
    owner: str | None,
) -> Cancelled:
    """Ask the marketplace to cancel (again, with the same ``opRequestId``) and settle the
    operation with its answer: cancelled, refused (the record takes the marketplace's view),
    or lost (stays ``unknown``)."""
    error: P.MarketplaceError | None = None
    order: P.MarketOrder | None = None
    try:
        order = market.cancel_order(profile.platform, order_id, reason, op_id)
    except P.MarketplaceTimeout:
        pass
    except P.MarketplaceRefused as exc:
        error = exc
        try:
            order = market.order(profile.platform, order_id)
        except (P.MarketplaceError, P.MarketplaceTimeout):
            order = None
    except P.MarketplaceError as exc:
        error = exc
    with db.transaction() as s:
        op = reconcile.locked(s, op_id, owner)
        row = _lock(s, profile, order_id)
        if op is None:  # settled meanwhile by someone else
            s.expunge(row)
            return Cancelled(SUCCEEDED if row.status == profile.cancelled else FAILED, row)
        if order is None and error is None:
            outcome = reconcile.lost(op, now_ms)
        else:
            if order is not None:
                records.apply(s, row, order, now_ms)
            row.pending_operation = None
            outcome = SUCCEEDED if row.status == profile.cancelled else FAILED
            reconcile.settle(
                op, outcome, now_ms, None if error is None else f"{error.code}: {error.message}"
            )
        s.flush()
        s.expunge(row)
    return Cancelled(outcome, row, error)


def reconcile_cancel(
    db: Database, market: P.Marketplace, clock: Clock, op: MarketOperation, owner: str
) -> reconcile.Settled:
    profile = of_object_type(op.object_type)
    settled = _ask_cancel(
        db, market, profile, op.operation_id, op.object_id, "buyerCancel", clock.now_ms(), owner
    )
    obj = records.order_out(settled.row) if settled.row is not None else None
    return reconcile.Settled(settled.outcome, obj)


def mirror(
    db: Database, profile: Profile, order_id: str, order: P.MarketOrder, now_ms: int
) -> PurchaseOrder:
    """Take the marketplace's view of the order (the record catches up), in its own
    transaction; the record as it is after."""
    with db.transaction() as s:
        row = _lock(s, profile, order_id)
        records.apply(s, row, order, now_ms)
        s.flush()
        s.expunge(row)
    return row


def confirm_receipt(
    db: Database,
    market: P.Marketplace,
    profile: Profile,
    buyer: Buyer,
    order_id: str,
    entry_ids: tuple[str, ...],
    now_ms: int,
) -> PurchaseOrder:
    """Confirm receipt. The record first catches up with the marketplace (the seller may have
    shipped since it was last read), then the marketplace is asked; the record after."""
    row = own(db, profile, buyer, order_id)
    with acting_for(buyer.develop_id):
        current = market.order(profile.platform, row.order_id)
        row = mirror(db, profile, row.order_id, current, now_ms)
        if row.status != profile.shipped:
            raise Conflict(f"the order is {row.status}: receipt is confirmed once it is shipped")
        order = market.confirm_receipt(profile.platform, row.order_id, entry_ids)
    return mirror(db, profile, row.order_id, order, now_ms)


def parcels(
    db: Database, market: P.Marketplace, profile: Profile, buyer: Buyer, order_id: str
) -> tuple[PurchaseOrder, tuple[P.Parcel, ...]]:
    """The order and its parcels with their steps, read from the marketplace."""
    row = own(db, profile, buyer, order_id)
    with acting_for(buyer.develop_id):
        return row, market.logistics(profile.platform, row.order_id)
