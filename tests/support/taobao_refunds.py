"""Taobao reverse orders through the signed API (ENDPOINTS 3.1-3.10), shared by the reverse-order,
fault and isolation tests: a paid purchase order of two shops, its sub-orders shipped, the form
(3.1) and the reverse order opened (3.2), the sandbox seller's answer (12.20) applied by the feed,
and what was recorded: the refund's messages, the wallet's refund entries and their messages."""

from __future__ import annotations

import json
import secrets
from typing import Any

from sqlalchemy import select

from daigou.messages.models import OutboxMessage
from tests.support.api import assert_ok
from tests.support.taobao import created, detail, pay, run_feed, ship, shop_lines

RENDER = "/open/order/refund/render"
SUBMIT = "/open/order/refund/submit"
MODIFY = "/open/order/refund/modify"
CANCEL = "/open/order/refund/cancel/{refundId}"
QUERY = "/open/order/refund/query"
LIST = "/open/order/refund/queryList"
MESSAGE = "/open/order/refund/submit/message"
MESSAGES = "/open/order/refund/message/list"
RETURN_RENDER = "/open/order/refund/logistics/render"
RETURN_SUBMIT = "/open/order/refund/logistics/submit"
REFUND_ACT = "/admin/sandbox/refund/act"
TAOBAO_ORDER_REFUND = "TAOBAO_ORDER_REFUND"
WALLET_CHANGE = "WALLET_BALANCE_CHANGE"
IMAGES = ["https://img.example.com/broken-1.jpg", "https://img.example.com/broken-2.jpg"]


def top_up(api: Any, dev: Any, amount: int) -> None:
    body = {
        "developId": dev.develop_id,
        "type": "topup",
        "amount": amount,
        "reference": "refund-test-" + secrets.token_hex(4),
    }
    assert_ok(api.admin("POST", "/admin/wallet/adjust", body))


def paid_order(
    api: Any, dev: Any, settings: Any, *, shops: int = 2, user_id: str | None = None, **kw: Any
) -> dict[str, Any]:
    """A purchase order of ``shops`` shops, one line each, paid from the wallet (status 10): as
    2.4 shows it."""
    lines = [ln for shop in shop_lines(settings, shops=shops, per=1) for ln in shop]
    order = created(api, dev, lines, user_id=user_id, **kw)
    top_up(api, dev, order["purchaseAmount"])
    assert assert_ok(pay(api, dev, order["orderId"], user_id=user_id))["status"] == 10
    return detail(api, dev, order["orderId"], user_id=user_id)


def ship_all(api: Any, app: Any, order: dict[str, Any]) -> None:
    """Every shop of the purchase order ships; the feed applies it."""
    for sales_order_id in order["salesOrderIds"]:
        ship(api, sales_order_id)
    run_feed(app)


def subs(order: dict[str, Any]) -> list[dict[str, Any]]:
    """The purchase order's sub-orders, in line order."""
    return list(order["subOrders"])


def render(
    api: Any,
    dev: Any,
    sub_order_id: str,
    refund_type: int = 1,
    goods_status: int = 1,
    user_id: str | None = None,
) -> Any:
    body = {"subOrderId": sub_order_id, "refundType": refund_type, "goodsStatus": goods_status}
    return api.call(dev, "POST", RENDER, body=body, user_id=user_id)


def submit(
    api: Any,
    dev: Any,
    sub_order_id: str,
    fee: int,
    *,
    refund_type: int = 1,
    goods_status: int = 1,
    reason_id: int = 1,
    user_id: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Any:
    body = {
        "subOrderId": sub_order_id,
        "refundType": refund_type,
        "goodsStatus": goods_status,
        "reasonId": reason_id,
        "refundFee": fee,
        **extra,
    }
    return api.call(dev, "POST", SUBMIT, body=body, user_id=user_id, extra=headers)


def opened(api: Any, dev: Any, sub: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """3.2 for the whole line (its productAmount) unless ``fee`` is given: the TaobaoRefund."""
    fee = kw.pop("fee", sub["productAmount"])
    data: dict[str, Any] = assert_ok(submit(api, dev, sub["subOrderId"], fee, **kw))
    return data


def query(api: Any, dev: Any, refund_id: str, user_id: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = assert_ok(
        api.call(dev, "GET", QUERY, params={"refundId": refund_id}, user_id=user_id)
    )
    return data["refundOrderAggregate"]


def cancel(api: Any, dev: Any, refund_id: str, method: str = "GET", **kw: Any) -> Any:
    path = CANCEL.format(refundId=refund_id)
    return api.call(dev, method, path, body=None, **kw)


def post(api: Any, dev: Any, path: str, body: dict[str, Any], **kw: Any) -> Any:
    return api.call(dev, "POST", path, body=body, **kw)


def seller(api: Any, refund_id: str, action: str, **fields: Any) -> dict[str, Any]:
    """The sandbox seller answers (12.20): agree, refuse (``reason``), receiveGoods, close."""
    body = {"platform": 0, "refundId": refund_id, "action": action, **fields}
    data: dict[str, Any] = assert_ok(api.admin("POST", REFUND_ACT, body))
    return data


def answered(api: Any, app: Any, refund_id: str, action: str, **fields: Any) -> None:
    """The seller answers and the feed applies it."""
    seller(api, refund_id, action, **fields)
    run_feed(app)


def refund_messages(db: Any, refund_id: str) -> list[dict[str, Any]]:
    """The TAOBAO_ORDER_REFUND bodies recorded about the refund, in order; their sequences
    count 1, 2, 3... and each carries the whole refund at that sequence."""
    with db.reading() as conn:
        rows = conn.execute(
            select(OutboxMessage.message_type, OutboxMessage.order_key, OutboxMessage.body)
            .where(OutboxMessage.object_id == refund_id)
            .order_by(OutboxMessage.seq)
        ).all()
    bodies = []
    for message_type, key, body in rows:
        assert message_type == TAOBAO_ORDER_REFUND and key == f"taobao:refund:{refund_id}"
        bodies.append(json.loads(body))
    assert [b["sequence"] for b in bodies] == list(range(1, len(bodies) + 1)), bodies
    for b in bodies:
        assert b["refund"]["sequence"] == b["sequence"]
        assert b["refund"]["refundOrder"]["refundId"] == refund_id
        assert b["refundStatus"] == b["refund"]["refundOrder"]["refundStatus"]
    return bodies


def wallet_refunds(db: Any, refund_id: str) -> list[dict[str, Any]]:
    """The WALLET_BALANCE_CHANGE entries (``entry``) that credited the refund."""
    with db.reading() as conn:
        bodies = conn.execute(
            select(OutboxMessage.body)
            .where(OutboxMessage.message_type == WALLET_CHANGE)
            .order_by(OutboxMessage.seq)
        ).scalars()
        entries = [json.loads(b)["entry"] for b in bodies]
    return [e for e in entries if e.get("refundId") == refund_id]
