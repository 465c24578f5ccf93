"""1688 after-sales through the signed API (ENDPOINTS 7.1-7.7), shared by the refund route,
money, fault and isolation tests: a paid (shipped, finished) order, the routes, the seller's
answer (12.20) followed by the 1688 push feed, and what was recorded (messages, ledger)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from daigou.marketplace import port as P
from daigou.messages.models import OutboxMessage
from tests.support.api import assert_ok
from tests.support.orders1688 import bulk, create, merchants

REASONS = "/alibaba/refund/reason/list"
VOUCHER = "/alibaba/refund/voucher/upload"
CREATE = "/alibaba/refund/detail/create"
RETURN = "/alibaba/refund/goods/return"
DETAIL = "/alibaba/refund/detail/get"
PAGE = "/alibaba/refund/page"
CANCEL = "/alibaba/refund/cancel"
ORDER_DETAIL = "/alibaba/order/detail"
LEDGER = "/open/account/ledger"
IN_SALES = "ORDER_BUYER_VIEW_ORDER_BUYER_REFUND_IN_SALES"
AFTER_SALES = "ORDER_BUYER_VIEW_ORDER_REFUND_AFTER_SALES"
WALLET = "WALLET_BALANCE_CHANGE"
A = P.Platform.ALIBABA


def paid_order(
    api: Any,
    dev: Any,
    settings: Any,
    lines: int = 2,
    user_id: str | None = None,
    rank: int = 0,
    times: int = 1,
) -> dict[str, Any]:
    """A 1688 order of ``lines`` lines (the merchant ``rank``; each line ``times`` its minimum
    quantity), paid from the wallet: its Order1688."""
    chosen = [
        {**line, "quantity": line["quantity"] * times}
        for line in merchants(settings, rank + 1, lines)[rank][1]
    ]
    made = assert_ok(create(api, dev, chosen, user_id=user_id))
    paid = assert_ok(bulk(api, dev, [made["orderId"]], user_id=user_id))
    assert paid["successOrderIds"] == [made["orderId"]], paid
    return order(api, dev, made["orderId"], user_id)


def order(api: Any, dev: Any, order_id: str, user_id: str | None = None) -> dict[str, Any]:
    body = {"webSite": "1688", "orderId": order_id}
    return assert_ok(api.call(dev, "POST", ORDER_DETAIL, body=body, user_id=user_id))


def entry_ids(order_view: dict[str, Any]) -> list[str]:
    return [p["subItemID"] for p in order_view["productItems"]]


def ship(api: Any, order_id: str, stage: str = "shipped") -> dict[str, Any]:
    body = {"platform": 1, "orderId": order_id, "stage": stage}
    return assert_ok(api.admin("POST", "/admin/sandbox/order/ship", body))


def finished_order(api: Any, dev: Any, settings: Any, lines: int = 1) -> dict[str, Any]:
    """A paid order whose trade finished (``success``): shipped, delivered, receipt confirmed,
    settled on the sandbox clock."""
    made = paid_order(api, dev, settings, lines)
    order_id = made["baseInfo"]["id"]
    ship(api, order_id)
    ship(api, order_id, "delivered")
    receive = {"orderId": order_id}
    assert_ok(api.call(dev, "POST", "/alibaba/order/receivegoods", body=receive))
    advance(api, settings.sandbox_settle_after_seconds + 60)
    return made


def advance(api: Any, seconds: int) -> Any:
    return assert_ok(api.admin("POST", "/admin/sandbox/clock/advance", {"seconds": seconds}))


def reasons(api: Any, dev: Any, order_id: str, entries: list[str], **kw: Any) -> Any:
    body = {"orderId": order_id, "orderEntryIds": entries, "goodsStatus": "refundWaitSellerSend"}
    user_id = kw.pop("user_id", None)
    return api.call(dev, "POST", REASONS, body={**body, **kw}, user_id=user_id)


def refund_body(order_id: str, entries: list[str], amount: int, **kw: Any) -> dict[str, Any]:
    return {
        "orderId": order_id,
        "orderEntryIds": entries,
        "disputeRequest": "refund",
        "applyPayment": amount,
        "applyCarriage": 0,
        "applyReasonId": 2,  # not shipped in time: no voucher needed, the freight refunded
        "description": "not shipped in time",
        "goodsStatus": "refundWaitSellerSend",
        **kw,
    }


def apply_for(
    api: Any, dev: Any, body: dict[str, Any], user_id: str | None = None, **kw: Any
) -> Any:
    return api.call(dev, "POST", CREATE, body=body, user_id=user_id, **kw)


def applied(api: Any, dev: Any, body: dict[str, Any], user_id: str | None = None) -> dict[str, Any]:
    """7.3 answered 200: its ``refund``."""
    return assert_ok(apply_for(api, dev, body, user_id))["refund"]


def full_refund(api: Any, dev: Any, order_view: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """Every line and the freight back (7.1's maxima)."""
    order_id, entries = order_view["baseInfo"]["id"], entry_ids(order_view)
    limits = assert_ok(reasons(api, dev, order_id, entries))
    body = refund_body(
        order_id,
        entries,
        limits["maxApplyPayment"],
        applyCarriage=limits["maxApplyCarriage"],
        **kw,
    )
    return applied(api, dev, body)


def refund(api: Any, dev: Any, refund_id: str, user_id: str | None = None) -> Any:
    return api.call(dev, "POST", DETAIL, body={"refundId": refund_id}, user_id=user_id)


def seller(api: Any, refund_id: str, action: str, **fields: Any) -> dict[str, Any]:
    """The sandbox seller answers (12.20): agree, refuse, receiveGoods, close."""
    body = {"platform": 1, "refundId": refund_id, "action": action, **fields}
    return assert_ok(api.admin("POST", "/admin/sandbox/refund/act", body))


def run_feed(app: Any) -> None:
    """Apply what the sandbox pushed on the 1688 stream (the worker's feed job, once)."""
    app.state.gateway.feeds[A].run_once()


def messages_of(db: Any, object_id: str, *types: str) -> list[dict[str, Any]]:
    """The messages recorded about an object (an order, a refund), in order, with their type."""
    query = select(OutboxMessage.message_type, OutboxMessage.body).where(
        OutboxMessage.object_id == object_id
    )
    if types:
        query = query.where(OutboxMessage.message_type.in_(types))
    with db.reading() as conn:
        rows = conn.execute(query.order_by(OutboxMessage.seq)).all()
    return [{"type": t, **json.loads(b)} for t, b in rows]


def wallet_messages(db: Any) -> list[dict[str, Any]]:
    with db.reading() as conn:
        bodies = conn.execute(
            select(OutboxMessage.body)
            .where(OutboxMessage.message_type == WALLET)
            .order_by(OutboxMessage.seq)
        ).scalars()
        return [json.loads(b) for b in bodies]


def ledger(api: Any, dev: Any, **params: Any) -> list[dict[str, Any]]:
    return assert_ok(api.call(dev, "GET", LEDGER, params={"pageSize": 100, **params}))["data"]


def fault(api: Any, operation: str, mode: str = "timeout_after_commit", count: int = 1) -> None:
    body = {"operation": operation, "mode": mode, "count": count}
    assert_ok(api.admin("POST", "/admin/sandbox/fault/inject", body))
