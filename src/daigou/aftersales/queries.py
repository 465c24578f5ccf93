"""Reading refunds: one with its history, the page (newest first, by cursor or page number),
and how much of an order is still refundable.

A sub-account sees its own refunds; the main account sees all of the developer's; another
sub-account's answers 40302, another developer's 40401 (CONTRACT section 4)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daigou.aftersales.models import RefundEvent, RefundRecord
from daigou.aftersales.profile import CLOSED, SUCCEEDED, RefundProfile
from daigou.core.pagination import Page, PageRequest
from daigou.db.paging import count_of, next_cursor, seek
from daigou.db.session import Database
from daigou.purchasing import records as orders
from daigou.purchasing.models import PurchaseOrder


@dataclass(frozen=True)
class RefundFilter:
    refund_id: str | None = None
    order_id: str | None = None  # the core's order (1688 order, Taobao shop order)
    group_id: str | None = None  # Taobao: the purchase order
    statuses: list[str] | None = None
    dispute_request: str | None = None
    created_from: int | None = None
    created_to: int | None = None


def page(
    db: Database,
    profile: RefundProfile,
    developer_id: int,
    user_id: str | None,
    flt: RefundFilter,
    req: PageRequest,
) -> Page[RefundRecord]:
    """The caller's refunds of ``profile``'s platform matching ``flt``, newest first."""
    t = RefundRecord.__table__
    where: list[Any] = [t.c.platform == profile.platform.value, t.c.developer_id == developer_id]
    if user_id is not None:
        where.append(t.c.user_id == user_id)
    for column, value in (
        (t.c.refund_id, flt.refund_id),
        (t.c.order_id, flt.order_id),
        (t.c.group_id, flt.group_id),
        (t.c.dispute_request, flt.dispute_request),
    ):
        if value is not None:
            where.append(column == value)
    if flt.statuses:
        where.append(t.c.status.in_(flt.statuses))
    if flt.created_from is not None:
        where.append(t.c.created_at >= flt.created_from)
    if flt.created_to is not None:
        where.append(t.c.created_at <= flt.created_to)
    query = select(t).where(*where).order_by(t.c.created_at.desc(), t.c.refund_id.desc())
    with db.reading() as conn:
        total = None if req.cursor is not None else conn.execute(count_of(where, t)).scalar_one()
        query = seek(query, req, t.c.created_at, t.c.refund_id)
        rows = [RefundRecord(**r._mapping) for r in conn.execute(query.limit(req.page_size + 1))]
    more = len(rows) > req.page_size
    rows = rows[: req.page_size]
    cursor = next_cursor(rows, more, "created_at", "refund_id")
    return Page(rows, req.page_size, total, req.page_no if req.cursor is None else None, cursor)


def events(s: Session, row: RefundRecord) -> list[dict[str, Any]]:
    """The refund's history, oldest first (1688 7.5 ``operations``)."""
    found = s.execute(
        select(RefundEvent)
        .where(RefundEvent.platform == row.platform, RefundEvent.refund_id == row.refund_id)
        .order_by(RefundEvent.id)
    ).scalars()
    return [
        {
            "operateType": e.operate_type,
            "operator": e.operator,
            "previousStatus": e.status_before,
            "refundStatus": e.status_after,
            "remark": e.remark,
            "vouchers": json.loads(e.vouchers),
            "createTime": e.created_at,
        }
        for e in found
    ]


def of_order(s: Session, platform: str, order_ids: list[str]) -> list[RefundRecord]:
    """The refunds of these orders, oldest first."""
    if not order_ids:
        return []
    return list(
        s.execute(
            select(RefundRecord)
            .where(RefundRecord.platform == platform, RefundRecord.order_id.in_(order_ids))
            .order_by(RefundRecord.created_at, RefundRecord.refund_id)
        ).scalars()
    )


@dataclass(frozen=True)
class Limits:
    """What a new refund of some lines may still ask (fen): at most what the lines cost less
    what refunds of them asked, and with every other refund of the order at most what was
    paid; the freight at most once. Both maxima can be asked together: the goods money is
    what was paid less the freight still refundable (a shop discount lowers what was paid for
    the goods, never the freight)."""

    paid: int  # what the gateway paid for the order
    refunded: int  # credited back so far
    in_progress: int  # asked by refunds still open
    max_payment: int
    max_carriage: int
    max_total: int = 0  # payment and carriage together: what was paid less what others asked


def limits(
    s: Session,
    order: PurchaseOrder,
    entry_ids: list[str],
    quantities: dict[str, int] | None = None,
) -> Limits:
    lines = {ln.entry_id: ln for ln in orders.snapshot_of(order).lines}
    chosen = entry_ids or list(lines)
    asked = asked_carriage = in_progress = lines_asked = 0
    for r in of_order(s, order.platform, [order.order_id]):
        if r.state == CLOSED:
            continue
        done = r.state == SUCCEEDED
        pay = r.refund_payment_fen if done else r.apply_payment_fen
        car = r.refund_carriage_fen if done else r.apply_carriage_fen
        asked += pay + car
        asked_carriage += car
        if not done:
            in_progress += pay + car
        if set(json.loads(r.entry_ids)) & set(chosen):
            lines_asked += pay
    cost = 0
    for e in chosen:
        ln = lines.get(e)
        if ln is None:
            continue
        count = (quantities or {}).get(e)
        cost += ln.amount_fen if count is None else min(ln.amount_fen, ln.unit_price_fen * count)
    paid_left = max(0, order.paid_fen - asked)
    max_carriage = max(0, min(order.shipping_fen - asked_carriage, paid_left))
    return Limits(
        paid=order.paid_fen,
        refunded=order.refunded_fen,
        in_progress=in_progress,
        max_payment=max(0, min(cost - lines_asked, paid_left - max_carriage)),
        max_carriage=max_carriage,
        max_total=paid_left,
    )
