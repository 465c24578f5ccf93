"""Paying 1688 orders from the wallet (6.8 pay URL, password-free; 6.9 bulk pay): the core's
pay (``daigou.purchasing.payments``) with the 1688 profile, and PandaPon's answer shapes."""

from __future__ import annotations

from typing import Any

from daigou.core.clock import Clock
from daigou.core.errors import ApiError
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.orders1688.profile import PROFILE
from daigou.purchasing import pay_answers
from daigou.purchasing import payments as core
from daigou.purchasing.buyer import Buyer

MAX_ORDERS = core.MAX_ORDERS


def pay_orders(
    db: Database,
    market: P.Marketplace,
    clock: Clock,
    buyer: Buyer,
    order_ids: list[str],
    *,
    batch: bool,
) -> tuple[list[core.Item], str | None]:
    return core.pay_orders(db, market, clock, PROFILE, buyer, order_ids, batch=batch)


bulk_answer = pay_answers.bulk_answer
wants_english = pay_answers.wants_english


def pay_url_answer(items: list[core.Item]) -> dict[str, Any]:
    """6.8: everything is paid password-free from the balance; this gateway has no cashier,
    so ``payUrl`` is null and the unpaid orders are listed in ``cantPayOrderList``."""
    if len(items) == 1 and items[0].outcome != core.PAID_ITEM:
        only = items[0]
        data: dict[str, Any] = {"orderId": only.order_id, "reasonCode": only.reason}
        if only.outcome == core.PENDING:
            data["pendingOperation"] = "pay"
        raise ApiError(only.code, only.msg, {**data, **only.upstream})
    return {
        "orderId": items[0].order_id,
        "protocolPaySuccess": all(i.outcome == core.PAID_ITEM for i in items),
        "payUrl": None,
        "cantPayOrderList": [i.order_id for i in items if i.outcome == core.FAILED_ITEM],
        "results": [i.wire() for i in items],
    }
