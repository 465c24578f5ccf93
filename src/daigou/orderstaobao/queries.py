"""2.3 page and 2.4 detail of Taobao purchase orders, newest first, by page number or cursor.
A sub-account sees its own; the main account sees all of the developer's (CONTRACT section 4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from daigou.aftersales.models import RefundRecord
from daigou.core.errors import NotFound
from daigou.core.pagination import Page as CorePage
from daigou.core.pagination import PageRequest
from daigou.db.paging import count_of, next_cursor, seek
from daigou.db.session import Database
from daigou.orderstaobao import state
from daigou.orderstaobao.models import TaobaoOrder, TaobaoVoucher
from daigou.orderstaobao.views import order_view
from daigou.purchasing.buyer import Buyer, check_visible
from daigou.purchasing.models import PurchaseOrder


@dataclass(frozen=True)
class OrderFilter:
    statuses: list[str] | None = None
    seller_order_number: str | None = None
    sales_order_id: str | None = None
    order_source: str | None = None
    created_from: int | None = None
    created_to: int | None = None
    modified_from: int | None = None
    modified_to: int | None = None


def detail(
    db: Database, buyer: Buyer, *, order_id: str | None, seller_order_number: str | None
) -> dict[str, Any]:
    """2.4: by ``orderId`` or by the caller's ``sellerOrderNumber``."""
    with db.transaction() as s:
        if order_id is not None:
            order = s.get(TaobaoOrder, order_id)
        else:
            order = s.execute(
                select(TaobaoOrder).where(
                    TaobaoOrder.developer_id == buyer.developer_id,
                    TaobaoOrder.seller_order_number == seller_order_number,
                )
            ).scalar_one_or_none()
        if order is None:
            raise NotFound("no such order")
        check_visible(order.developer_id, order.user_id, buyer.developer_id, buyer.user_id)
        return state.view(s, order)


def page(db: Database, buyer: Buyer, flt: OrderFilter, req: PageRequest) -> dict[str, Any]:
    """2.3: the caller's purchase orders matching ``flt``, newest first; each as TaobaoOrder
    (their shop orders and vouchers read in one query each)."""
    t = TaobaoOrder.__table__
    where: list[Any] = [t.c.developer_id == buyer.developer_id]
    if buyer.user_id is not None:
        where.append(t.c.user_id == buyer.user_id)
    if flt.statuses:
        where.append(t.c.status.in_(flt.statuses))
    if flt.seller_order_number is not None:
        where.append(t.c.seller_order_number == flt.seller_order_number)
    if flt.order_source is not None:
        where.append(t.c.order_source == flt.order_source)
    if flt.sales_order_id is not None:
        po = PurchaseOrder.__table__
        where.append(
            t.c.order_id.in_(
                select(po.c.group_id).where(
                    po.c.platform == state.PLATFORM, po.c.order_id == flt.sales_order_id
                )
            )
        )
    for column, low, high in (
        (t.c.created_at, flt.created_from, flt.created_to),
        (t.c.modified_at, flt.modified_from, flt.modified_to),
    ):
        if low is not None:
            where.append(column >= low)
        if high is not None:
            where.append(column <= high)
    query = select(TaobaoOrder).where(*where).order_by(t.c.created_at.desc(), t.c.order_id.desc())
    with db.transaction() as s:
        total = None if req.cursor is not None else s.execute(count_of(where, t)).scalar_one()
        query = seek(query, req, t.c.created_at, t.c.order_id)
        orders = list(s.execute(query.limit(req.page_size + 1)).scalars())
        more = len(orders) > req.page_size
        orders = orders[: req.page_size]
        ids = [o.order_id for o in orders]
        rows: dict[str, list[PurchaseOrder]] = {i: [] for i in ids}
        if ids:
            for row in s.execute(
                select(PurchaseOrder).where(
                    PurchaseOrder.platform == state.PLATFORM, PurchaseOrder.group_id.in_(ids)
                )
            ).scalars():
                rows[str(row.group_id)].append(row)
        vouchers: dict[str, TaobaoVoucher] = {}
        if ids:
            for v in s.execute(
                select(TaobaoVoucher)
                .where(TaobaoVoucher.order_id.in_(ids))
                .order_by(TaobaoVoucher.created_at, TaobaoVoucher.voucher_id)
            ).scalars():
                vouchers[v.order_id] = v  # the latest wins
        refunds: dict[str, list[RefundRecord]] = {}
        group = {r.order_id: g for g, mine in rows.items() for r in mine}
        for refund in state.refunds_of(s, [r for mine in rows.values() for r in mine]):
            refunds.setdefault(group[refund.order_id], []).append(refund)
        items = [
            order_view(o, rows[o.order_id], vouchers.get(o.order_id), refunds.get(o.order_id, []))
            for o in orders
        ]
    cursor = next_cursor(orders, more, "created_at", "order_id")
    result = CorePage(items, req.page_size, total, req.page_no if req.cursor is None else None)
    result.next_cursor = cursor
    return result.to_wire()
