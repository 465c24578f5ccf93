"""Reading the gateway's 1688 refunds: 7.5 one with its history, 7.6 the page (newest first).

A sub-account sees its own refunds; the main account sees all of the developer's. Another
sub-account's refund answers 40302, another developer's 40401 (CONTRACT section 4)."""

from __future__ import annotations

from typing import Any

from daigou.aftersales import queries as core
from daigou.aftersales import records, writes
from daigou.core.errors import validation_error
from daigou.core.pagination import Page, PageRequest
from daigou.db.session import Database
from daigou.purchasing.buyer import Buyer
from daigou.refunds1688 import schemas as S
from daigou.refunds1688.profile import PROFILE, STATES


def detail(db: Database, buyer: Buyer, body: S.RefundGetRequest) -> dict[str, Any]:
    """7.5: Refund1688 and ``operations``, its history as the gateway saw it, oldest first."""
    row = writes.own(db, PROFILE, buyer, body.refundId)
    with db.transaction() as s:
        return {**records.refund_out(s, row), "operations": core.events(s, row)}


def _statuses(value: str | None) -> list[str] | None:
    if value is None:
        return None
    parts = [p.strip() for p in value.split(",") if p.strip()]
    unknown = [p for p in parts if p not in STATES]
    if not parts or unknown:
        raise validation_error(
            "refundStatus", f"unknown refund status {unknown[0] if unknown else value!r}"
        )
    return parts


def page(db: Database, buyer: Buyer, body: S.RefundPageRequest, req: PageRequest) -> Page[Any]:
    """7.6: the caller's refunds matching the filters, newest first."""
    flt = core.RefundFilter(
        order_id=body.orderId,
        statuses=_statuses(body.refundStatus),
        dispute_request=body.disputeRequest,
        created_from=body.applyStartTime,
        created_to=body.applyEndTime,
    )
    found = core.page(db, PROFILE, buyer.developer_id, buyer.user_id, flt, req)
    with db.transaction() as s:
        items = [records.refund_out(s, row) for row in found.items]
    return Page(items, found.page_size, found.total_records, found.current_page, found.next_cursor)
