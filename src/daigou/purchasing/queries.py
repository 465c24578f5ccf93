"""Reading the gateway's orders of one platform: one order (by id or by the caller's key) and
the page, newest first, by cursor or page number.

A sub-account sees its own orders; the main account sees all of the developer's. Another
sub-account's order answers 40302, another developer's 40401 (CONTRACT section 4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from daigou.core.errors import NotFound
from daigou.core.pagination import Page, PageRequest
from daigou.db.paging import count_of, next_cursor, seek
from daigou.db.session import Database
from daigou.purchasing.buyer import check_visible
from daigou.purchasing.models import PurchaseOrder
from daigou.purchasing.profile import Profile


def find(
    db: Database,
    profile: Profile,
    developer_id: int,
    user_id: str | None,
    *,
    order_id: str | None = None,
    out_order_id: str | None = None,
) -> PurchaseOrder:
    """One order the caller may see, by its id or by the caller's business key (the first
    order that key made)."""
    t = PurchaseOrder.__table__
    query = select(t).where(t.c.platform == profile.platform.value)
    if order_id is not None:
        query = query.where(t.c.order_id == order_id)
    else:
        query = query.where(
            t.c.developer_id == developer_id, t.c.out_order_id == out_order_id
        ).order_by(t.c.created_at, t.c.order_id)
    with db.reading() as conn:
        found = conn.execute(query.limit(1)).first()
    if found is None:
        raise NotFound("no such order")
    row = PurchaseOrder(**found._mapping)
    check_visible(row.developer_id, row.user_id, developer_id, user_id)
    return row


@dataclass(frozen=True)
class OrderFilter:
    statuses: list[str] | None = None
    refund_statuses: list[str] | None = None
    seller_id: str | None = None
    out_order_id: str | None = None
    created_from: int | None = None
    created_to: int | None = None
    modified_from: int | None = None
    modified_to: int | None = None


def page(
    db: Database,
    profile: Profile,
    developer_id: int,
    user_id: str | None,
    flt: OrderFilter,
    req: PageRequest,
) -> Page[PurchaseOrder]:
    """The caller's orders of ``profile``'s platform matching ``flt``, newest first."""
    t = PurchaseOrder.__table__
    where: list[Any] = [t.c.platform == profile.platform.value, t.c.developer_id == developer_id]
    if user_id is not None:
        where.append(t.c.user_id == user_id)
    if flt.statuses:
        where.append(t.c.status.in_(flt.statuses))
    if flt.refund_statuses:
        where.append(t.c.refund_status.in_(flt.refund_statuses))
    for column, value in ((t.c.seller_id, flt.seller_id), (t.c.out_order_id, flt.out_order_id)):
        if value is not None:
            where.append(column == value)
    for column, low, high in (
        (t.c.created_at, flt.created_from, flt.created_to),
        (t.c.modified_at, flt.modified_from, flt.modified_to),
    ):
        if low is not None:
            where.append(column >= low)
        if high is not None:
            where.append(column <= high)
    query = select(t).where(*where).order_by(t.c.created_at.desc(), t.c.order_id.desc())
    with db.reading() as conn:
        total = None if req.cursor is not None else conn.execute(count_of(where, t)).scalar_one()
        query = seek(query, req, t.c.created_at, t.c.order_id)
        rows = [PurchaseOrder(**r._mapping) for r in conn.execute(query.limit(req.page_size + 1))]
    more = len(rows) > req.page_size
    rows = rows[: req.page_size]
    cursor = next_cursor(rows, more, "created_at", "order_id")
    return Page(rows, req.page_size, total, req.page_no if req.cursor is None else None, cursor)
