"""Reading the gateway's 1688 orders: 6.5 detail and 6.6 the page (newest first).

A sub-account sees its own orders; the main account sees all of the developer's. Another
sub-account's order answers 40302, another developer's 40401 (CONTRACT section 4)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictInt, model_validator
from sqlalchemy import func, literal, select, tuple_

from daigou.core.errors import ApiError, NotFound, validation_error
from daigou.core.pagination import Page, PageRequest, encode_cursor
from daigou.core.wire import DecimalId
from daigou.db.session import Database
from daigou.orders1688 import schemas as S
from daigou.orders1688.models import Order1688
from daigou.orders1688.records import RANK, order_out

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
    pageNo: StrictInt | None = Field(default=None, ge=1, le=1_000_000)
    pageSize: StrictInt | None = Field(default=None, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=512)


def check_visible(row: Order1688, developer_id: int, user_id: str | None) -> None:
    if row.developer_id != developer_id:
        raise NotFound("no such order")
    if user_id is not None and row.user_id != user_id:
        raise ApiError(40302, "the order belongs to another sub-account")


def detail(
    db: Database, developer_id: int, user_id: str | None, body: DetailRequest
) -> dict[str, Any]:
    with db.reading() as conn:
        query = select(Order1688.__table__)
        if body.orderId is not None:
            query = query.where(Order1688.order_id == body.orderId)
        else:
            query = query.where(
                Order1688.developer_id == developer_id, Order1688.out_order_id == body.outOrderId
            ).order_by(Order1688.created_at, Order1688.order_id)
        found = conn.execute(query.limit(1)).first()
    if found is None:
        raise NotFound("no such order")
    row = Order1688(**found._mapping)
    check_visible(row, developer_id, user_id)
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
    t = Order1688.__table__
    where: list[Any] = [t.c.developer_id == developer_id]
    if user_id is not None:
        where.append(t.c.user_id == user_id)
    statuses = _statuses("status", body.status)
    if statuses:
        where.append(t.c.status.in_(statuses))
    refunds = _statuses("refundStatus", body.refundStatus)
    if refunds:
        where.append(t.c.refund_status.in_(refunds))
    for column, value in (
        (t.c.seller_open_id, body.sellerOpenId),
        (t.c.out_order_id, body.outOrderId),
    ):
        if value is not None:
            where.append(column == value)
    for column, low, high in (
        (t.c.created_at, body.createStartTime, body.createEndTime),
        (t.c.modified_at, body.modifyStartTime, body.modifyEndTime),
    ):
        if low is not None:
            where.append(column >= low)
        if high is not None:
            where.append(column <= high)
    query = select(t).where(*where).order_by(t.c.created_at.desc(), t.c.order_id.desc())
    total = None
    with db.reading() as conn:
        if req.cursor is not None:
            # One row-value comparison, not `a < x OR (a = x AND b < y)`: both databases seek
            # ix_order1688_dev_created straight to the position with it; with the OR they
            # walked the developer's orders from the newest, so a page at depth D cost O(D)
            # (88 ms against 3.5 ms at 1,000,000 orders, bench/bench_order_paging.py).
            created, order_id = req.cursor
            at = literal(int(created), t.c.created_at.type)
            query = query.where(
                tuple_(t.c.created_at, t.c.order_id)
                < tuple_(at, literal(str(order_id), t.c.order_id.type))
            )
        else:
            total = conn.execute(select(func.count()).select_from(t).where(*where)).scalar_one()
            query = query.offset(req.offset)
        rows = [Order1688(**r._mapping) for r in conn.execute(query.limit(req.page_size + 1))]
    more = len(rows) > req.page_size
    rows = rows[: req.page_size]
    cursor = encode_cursor((rows[-1].created_at, rows[-1].order_id)) if more and rows else None
    return Page(
        [order_out(r) for r in rows],
        req.page_size,
        total,
        req.page_no if req.cursor is None else None,
        cursor,
    )
