"""The buyer's actions on one 1688 order: 6.7 cancel (unpaid only), 6.10 confirm receipt and
6.11 the logistics trace, through the core (``daigou.purchasing.actions``): a cancel carries an
``opRequestId`` fixed per attempt; a lost answer keeps ``pendingOperation: cancel`` and answers
50401, and calling again settles it (CONTRACT section 8)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from daigou.core.errors import NotFound
from daigou.core.wire import DecimalId
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.orders1688 import schemas as S
from daigou.orders1688.profile import PROFILE
from daigou.purchasing import actions as core
from daigou.purchasing.buyer import Buyer


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


def cancel(
    db: Database, market: P.Marketplace, buyer: Buyer, *, body: CancelRequest, now_ms: int
) -> dict[str, Any]:
    """6.7"""
    row = core.cancel(db, market, PROFILE, buyer, body.orderId, body.cancelReason, now_ms)
    return {
        "success": row.status == PROFILE.cancelled,
        "orderId": row.order_id,
        "status": row.status,
    }


def receive(
    db: Database, market: P.Marketplace, buyer: Buyer, *, body: ReceiveRequest, now_ms: int
) -> dict[str, Any]:
    """6.10"""
    entries = tuple(body.orderEntryIds or ())
    row = core.confirm_receipt(db, market, PROFILE, buyer, body.orderId, entries, now_ms)
    return {"success": True, "errorInfo": "", "errorCode": "", "status": row.status}


def trace(
    db: Database, market: P.Marketplace, buyer: Buyer, *, query: TraceQuery
) -> dict[str, Any]:
    """6.11: the parcels of an order and their steps, read from the marketplace."""
    row, parcels = core.parcels(db, market, PROFILE, buyer, query.orderId)
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
