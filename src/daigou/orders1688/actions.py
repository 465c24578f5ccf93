"""The buyer's actions on one 1688 order: 6.7 cancel (unpaid only), 6.10 confirm receipt and
6.11 the logistics trace.

A cancel carries an ``opRequestId`` fixed per order, so the marketplace deduplicates a repeat.
When its answer is lost the order keeps ``pendingOperation: cancel`` and the call answers 50401;
calling again asks the marketplace for the order and settles it (CONTRACT section 8).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select

from daigou.core.errors import ApiError, Conflict, NotFound
from daigou.core.wire import DecimalId
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.orders1688 import records
from daigou.orders1688 import schemas as S
from daigou.orders1688.models import Order1688
from daigou.orders1688.queries import check_visible


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


def _set_pending(db: Database, order_id: str, operation: str | None) -> None:
    with db.transaction() as s:
        s.execute(
            Order1688.__table__.update()
            .where(Order1688.order_id == order_id)
            .values(pending_operation=operation)
        )


def cancel(
    db: Database,
    market: P.Marketplace,
    buyer: S.Buyer,
    *,
    body: CancelRequest,
    now_ms: int,
) -> dict[str, Any]:
    developer_id, develop_id, user_id = buyer.developer_id, buyer.develop_id, buyer.user_id
    row = _own(db, developer_id, user_id, body.orderId)
    if row.pending_operation not in (None, "cancel"):
        raise Conflict(f"the order has a {row.pending_operation} in flight")
    if row.pay_state != "none":
        raise Conflict("a payment of this order is held or made: it cannot be cancelled")
    if row.status != "waitbuyerpay" and row.pending_operation is None:
        raise Conflict(f"the order is {row.status}: only an unpaid order can be cancelled")
    _set_pending(db, row.order_id, "cancel")
    with P.acting_for(develop_id):
        try:
            order = market.cancel_order(
                P.Platform.ALIBABA, row.order_id, body.cancelReason, f"cancel-{row.order_id}"
            )
        except P.MarketplaceTimeout as exc:
            raise ApiError(
                50401,
                "the marketplace did not answer: the cancel's outcome is unknown; call again",
                {"orderId": row.order_id, "pendingOperation": "cancel"},
            ) from exc
        except P.MarketplaceRefused:
            # the marketplace says no: nothing is pending any more; learn its view
            current = market.order(P.Platform.ALIBABA, row.order_id)
            _mirror(db, row.order_id, current, now_ms, pending=None)
            raise
        except P.MarketplaceError:
            _set_pending(db, row.order_id, None)
            raise
    saved = _mirror(db, row.order_id, order, now_ms, pending=None)
    return {"success": saved.status == "cancel", "orderId": saved.order_id, "status": saved.status}


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
