"""The buyer's actions on one 1688 order: 6.7 cancel (unpaid only), 6.10 confirm receipt and
6.11 the logistics trace.

A cancel carries an ``opRequestId`` fixed per order, so the marketplace deduplicates a repeat.
When its answer is lost the order keeps ``pendingOperation: cancel`` and the call answers 50401;
calling again asks the marketplace for the order and settles it (CONTRACT section 8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select

from daigou.core.clock import Clock, wall_ms
from daigou.core.errors import ApiError, Conflict, NotFound
from daigou.core.wire import DecimalId
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.orders1688 import records
from daigou.orders1688 import schemas as S
from daigou.orders1688.models import Order1688
from daigou.orders1688.queries import check_visible
from daigou.reconcile import service as reconcile
from daigou.reconcile.models import FAILED, OPEN_STATES, SUCCEEDED, UNKNOWN, MarketOperation


class CancelRequest(S.RequestBody):
    webSite: Literal["1688", "alibaba"] = "1688"
    orderId: DecimalId
    cancelReason: str = Field(min_length=1, max_length=200)
    remark: str | None = Field(default=None, max_length=500)


class ReceiveRequest(S.RequestBody):
    orderId: DecimalId
    orderEntryIds: list[DecimalId] | None = Field(default=None, min_length=1, max_length=200)


class TraceQuery(S.RequestBody):
    orderId: DecimalId
    webSite: Literal["1688", "alibaba"] | None = None
    logisticsId: str | None = Field(default=None, min_length=1, max_length=40)


def _own(db: Database, developer_id: int, user_id: str | None, order_id: str) -> Order1688:
    with db.transaction() as s:
        row = s.get(Order1688, order_id)
        if row is None:
            raise NotFound("no such order")
        s.expunge(row)
    check_visible(row, developer_id, user_id)
    return row


def _begin_cancel(db: Database, order_id: str, now_ms: int) -> tuple[Order1688, str]:
    """Mark the order ``pendingOperation: cancel`` and write the operation (or take up an
    earlier one whose outcome is unknown) before the marketplace is asked."""
    with db.transaction() as s:
        row = s.execute(
            select(Order1688).where(Order1688.order_id == order_id).with_for_update()
        ).scalar_one()
        if row.pending_operation not in (None, "cancel"):
            raise Conflict(f"the order has a {row.pending_operation} in flight")
        if row.pay_state != "none":
            raise Conflict("a payment of this order is held or made: it cannot be cancelled")
        earlier = list(
            s.execute(
                select(MarketOperation).where(
                    MarketOperation.object_type == "order1688",
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
            op.attempts += 1
            op.lease_owner, op.lease_until = "request", wall_ms() + reconcile.LEASE_MS
            op_id = op.operation_id
        else:
            if row.status != "waitbuyerpay":
                raise Conflict(f"the order is {row.status}: only an unpaid order can be cancelled")
            op_id = f"cancel-{order_id}-{len(earlier) + 1}"
            reconcile.begin(
                s,
                operation_id=op_id,
                developer_id=row.developer_id,
                user_id=row.user_id,
                object_type="order1688",
                object_id=order_id,
                operation="cancel",
                market_key=op_id,
                now_ms=now_ms,
            )
        row.pending_operation = "cancel"
        s.flush()
        s.expunge(row)
    return row, op_id


def cancel(
    db: Database,
    market: P.Marketplace,
    buyer: S.Buyer,
    *,
    body: CancelRequest,
    now_ms: int,
) -> dict[str, Any]:
    row = _own(db, buyer.developer_id, buyer.user_id, body.orderId)
    row, op_id = _begin_cancel(db, row.order_id, now_ms)
    with P.acting_for(buyer.develop_id):
        settled = _ask_cancel(db, market, op_id, row.order_id, body.cancelReason, now_ms, None)
    if settled.outcome == UNKNOWN:
        raise ApiError(
            50401,
            "the marketplace did not answer: the cancel's outcome is unknown; call again",
            {"orderId": row.order_id, "pendingOperation": "cancel"},
        )
    if settled.error is not None:
        raise settled.error
    assert settled.row is not None
    saved = settled.row
    return {"success": saved.status == "cancel", "orderId": saved.order_id, "status": saved.status}


@dataclass(frozen=True)
class _Cancelled:
    outcome: str
    row: Order1688 | None
    error: P.MarketplaceError | None = None


def _ask_cancel(
    db: Database,
    market: P.Marketplace,
    op_id: str,
    order_id: str,
    reason: str,
    now_ms: int,
    owner: str | None,
) -> _Cancelled:
    """Ask the marketplace to cancel (again, with the same ``opRequestId``) and settle the
    operation with its answer: cancelled, refused (the record takes the marketplace's view),
    or lost (stays ``unknown``)."""
    error: P.MarketplaceError | None = None
    order: P.MarketOrder | None = None
    try:
        order = market.cancel_order(P.Platform.ALIBABA, order_id, reason, op_id)
    except P.MarketplaceTimeout:
        pass
    except P.MarketplaceRefused as exc:
        error = exc
        try:
            order = market.order(P.Platform.ALIBABA, order_id)
        except (P.MarketplaceError, P.MarketplaceTimeout):
            order = None
    except P.MarketplaceError as exc:
        error = exc
    with db.transaction() as s:
        op = reconcile.locked(s, op_id, owner)
        row = s.execute(
            select(Order1688).where(Order1688.order_id == order_id).with_for_update()
        ).scalar_one()
        if op is None:  # settled meanwhile by someone else
            s.expunge(row)
            return _Cancelled(SUCCEEDED if row.status == "cancel" else FAILED, row)
        if order is None and error is None:
            outcome = reconcile.lost(op, now_ms)
        else:
            if order is not None:
                records.apply(s, row, order, now_ms)
            row.pending_operation = None
            outcome = SUCCEEDED if row.status == "cancel" else FAILED
            op.state, op.settled_at = outcome, now_ms
            op.lease_owner, op.lease_until = None, None
            op.last_error = None if error is None else f"{error.code}: {error.message}"
        s.flush()
        s.expunge(row)
    return _Cancelled(outcome, row, error)


def reconcile_cancel(
    db: Database, market: P.Marketplace, clock: Clock, op: MarketOperation, owner: str
) -> reconcile.Settled:
    settled = _ask_cancel(
        db, market, op.operation_id, op.object_id, "buyerCancel", clock.now_ms(), owner
    )
    obj = records.order_out(settled.row) if settled.row is not None else None
    return reconcile.Settled(settled.outcome, obj)


def _mirror(
    db: Database, order_id: str, order: P.MarketOrder, now_ms: int, pending: str | None
) -> Order1688:
    with db.transaction() as s:
        row = s.execute(
            select(Order1688).where(Order1688.order_id == order_id).with_for_update()
        ).scalar_one()
        records.apply(s, row, order, now_ms)
        row.pending_operation = pending
        s.flush()
        s.expunge(row)
    return row


def receive(
    db: Database,
    market: P.Marketplace,
    buyer: S.Buyer,
    *,
    body: ReceiveRequest,
    now_ms: int,
) -> dict[str, Any]:
    """6.10: confirm receipt. The record first catches up with the marketplace (the seller may
    have shipped since it was last read), then the marketplace is asked."""
    developer_id, develop_id, user_id = buyer.developer_id, buyer.develop_id, buyer.user_id
    row = _own(db, developer_id, user_id, body.orderId)
    with P.acting_for(develop_id):
        current = market.order(P.Platform.ALIBABA, row.order_id)
        row = _mirror(db, row.order_id, current, now_ms, pending=row.pending_operation)
        if row.status != "waitbuyerreceive":
            raise Conflict(f"the order is {row.status}: receipt is confirmed once it is shipped")
        entries = tuple(body.orderEntryIds or ())
        order = market.confirm_receipt(P.Platform.ALIBABA, row.order_id, entries)
    saved = _mirror(db, row.order_id, order, now_ms, pending=row.pending_operation)
    return {"success": True, "errorInfo": "", "errorCode": "", "status": saved.status}


def trace(
    db: Database,
    market: P.Marketplace,
    buyer: S.Buyer,
    *,
    query: TraceQuery,
) -> dict[str, Any]:
    """6.11: the parcels of an order and their steps, read from the marketplace."""
    developer_id, develop_id, user_id = buyer.developer_id, buyer.develop_id, buyer.user_id
    row = _own(db, developer_id, user_id, query.orderId)
    with P.acting_for(develop_id):
        parcels = market.logistics(P.Platform.ALIBABA, row.order_id)
    if query.logisticsId is not None:
        parcels = tuple(p for p in parcels if p.logistics_id == query.logisticsId)
        if not parcels:
            raise NotFound(f"no parcel {query.logisticsId} on this order")
    return {
        "orderId": row.order_id,
        "status": row.status,
        "logisticsTrace": [
            {
                "logisticsId": p.logistics_id,
                "logisticsBillNo": p.bill_no,
                "logisticsCompanyName": p.company_name,
                "orderEntryIds": list(p.entry_ids),
                "logisticsSteps": [
                    {"acceptTime": st.time_ms, "remark": st.remark} for st in p.steps
                ],
            }
            for p in parcels
        ],
    }
