"""Reading logistics orders (ENDPOINTS 11.5, 11.6) and finding the live booking of a gateway
order (for the warehouse's scan, 12.9).

A sub-account sees its own logistics orders; the main account sees all of the developer's.
Another sub-account's order answers 40302, another developer's 40401 (CONTRACT section 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daigou.core.errors import ApiError, NotFound
from daigou.core.pagination import Page, PageRequest
from daigou.db.paging import count_of, next_cursor, seek
from daigou.db.session import Database
from daigou.purchasing.buyer import Buyer
from daigou.purchasing.models import PurchaseOrder
from daigou.warehouse import records
from daigou.warehouse.models import LogisticsOrder, LogisticsSource


def visible(row: LogisticsOrder, buyer: Buyer) -> None:
    if row.developer_id != buyer.developer_id:
        raise NotFound("no such logistics order")
    if buyer.user_id is not None and row.user_id != buyer.user_id:
        raise ApiError(40302, "the logistics order belongs to another sub-account")


def detail(db: Database, buyer: Buyer, logistics_order_id: str) -> dict[str, Any]:
    """11.5"""
    with db.transaction() as s:
        row = s.get(LogisticsOrder, logistics_order_id)
        if row is None:
            raise NotFound("no such logistics order")
        visible(row, buyer)
        return records.order_view(s, row)


@dataclass(frozen=True)
class OrderFilter:
    status: str | None = None
    created_from: int | None = None
    created_to: int | None = None


def page(db: Database, buyer: Buyer, flt: OrderFilter, req: PageRequest) -> dict[str, Any]:
    """11.6: the caller's logistics orders matching ``flt``, newest first (S1, keyset cursor)."""
    t = LogisticsOrder.__table__
    where: list[Any] = [t.c.developer_id == buyer.developer_id]
    if buyer.user_id is not None:
        where.append(t.c.user_id == buyer.user_id)
    if flt.status is not None:
        where.append(t.c.status == flt.status)
    if flt.created_from is not None:
        where.append(t.c.created_at >= flt.created_from)
    if flt.created_to is not None:
        where.append(t.c.created_at <= flt.created_to)
    query = (
        select(LogisticsOrder)
        .where(*where)
        .order_by(t.c.created_at.desc(), t.c.logistics_order_id.desc())
    )
    with db.transaction() as s:
        total = None if req.cursor is not None else s.execute(count_of(where, t)).scalar_one()
        query = seek(query, req, t.c.created_at, t.c.logistics_order_id)
        rows = list(s.execute(query.limit(req.page_size + 1)).scalars().all())
        more = len(rows) > req.page_size
        rows = rows[: req.page_size]
        views = records.order_views(s, rows)
    cursor = next_cursor(rows, more, "created_at", "logistics_order_id")
    current = req.page_no if req.cursor is None else None
    return Page(views, req.page_size, total, current, cursor).to_wire()


def source_order_id(s: Session, platform: str, order_id: str) -> str:
    """The id a booking's ``sourceOrders`` names for one of the purchasing core's orders: a
    1688 order's own id; for a Taobao shop order, its purchase order's (``group_id``)."""
    if platform != "taobao":
        return order_id
    group = s.execute(
        select(PurchaseOrder.group_id).where(
            PurchaseOrder.platform == platform, PurchaseOrder.order_id == order_id
        )
    ).scalar_one_or_none()
    return group or order_id


def live_booking(s: Session, platform: str, order_id: str) -> str | None:
    """The live logistics order (its id) that books the goods of one of the purchasing core's
    orders (``platform`` "1688" or "taobao", as ``purchasing.records.orders_with_waybill``
    answers), or None."""
    key = f"{platform}:{source_order_id(s, platform, order_id)}"
    return s.execute(
        select(LogisticsSource.logistics_order_id).where(LogisticsSource.active_key == key)
    ).scalar_one_or_none()
