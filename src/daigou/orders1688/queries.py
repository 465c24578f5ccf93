"""Reading the gateway's 1688 orders: 6.5 detail and 6.6 the page (newest first).

A sub-account sees its own orders; the main account sees all of the developer's. Another
sub-account's order answers 40302, another developer's 40401 (CONTRACT section 4)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictInt, model_validator

from daigou.core.errors import validation_error
from daigou.core.pagination import Page, PageRequest
from daigou.core.wire import DecimalId, StrictPageNo, StrictPageSize
from daigou.db.session import Database
from daigou.orders1688 import schemas as S
from daigou.orders1688.profile import PROFILE, RANK
from daigou.purchasing import queries as core
from daigou.purchasing.records import order_out

MAX_MS = 2**53


class DetailRequest(S.RequestBody):
    webSite: Literal["1688", "alibaba"] = "1688"
    orderId: DecimalId | None = None
    outOrderId: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _one_of(self) -> DetailRequest:
        if (self.orderId is None) == (self.outOrderId is None):
            raise ValueError("give exactly one of orderId and outOrderId")
        return self


class PageRequestBody(S.RequestBody):
    status: str | None = Field(default=None, max_length=200)
    refundStatus: str | None = Field(default=None, max_length=200)
    sellerOpenId: str | None = Field(default=None, max_length=64)
    outOrderId: str | None = Field(default=None, max_length=64)
    createStartTime: StrictInt | None = Field(default=None, ge=0, le=MAX_MS)
    createEndTime: StrictInt | None = Field(default=None, ge=0, le=MAX_MS)
    modifyStartTime: StrictInt | None = Field(default=None, ge=0, le=MAX_MS)
    modifyEndTime: StrictInt | None = Field(default=None, ge=0, le=MAX_MS)
    pageNo: StrictPageNo | None = None
    pageSize: StrictPageSize | None = None
    cursor: str | None = Field(default=None, max_length=512)


def detail(
    db: Database, developer_id: int, user_id: str | None, body: DetailRequest
) -> dict[str, Any]:
    row = core.find(
        db, PROFILE, developer_id, user_id, order_id=body.orderId, out_order_id=body.outOrderId
    )
    return order_out(row)


def _statuses(field: str, value: str | None) -> list[str] | None:
    if value is None:
        return None
    parts = [p.strip() for p in value.split(",") if p.strip()]
    unknown = [p for p in parts if field == "status" and p not in RANK]
    if not parts or unknown:
        raise validation_error(field, f"unknown status {unknown[0] if unknown else value!r}")
    return parts


def page(
    db: Database, developer_id: int, user_id: str | None, body: PageRequestBody, req: PageRequest
) -> Page[dict[str, Any]]:
    flt = core.OrderFilter(
        statuses=_statuses("status", body.status),
        refund_statuses=_statuses("refundStatus", body.refundStatus),
        seller_id=body.sellerOpenId,
        out_order_id=body.outOrderId,
        created_from=body.createStartTime,
        created_to=body.createEndTime,
        modified_from=body.modifyStartTime,
        modified_to=body.modifyEndTime,
    )
    found = core.page(db, PROFILE, developer_id, user_id, flt, req)
    return Page(
        [order_out(r) for r in found.items],
        found.page_size,
        found.total_records,
        found.current_page,
        found.next_cursor,
    )
