"""Taobao purchase orders through the signed API, shared by the Taobao order, pay, voucher,
cart and isolation tests: orderable lines per shop, render, create, pay, vouchers
and their review, the sandbox seller's moves, the feed run, the messages recorded per order,
and items whose SKU has stock to spare (the cart's picks: ``orderable``, ``off_sale``,
paired ``mp`` ids)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, text

from daigou.marketplace import port as P
from daigou.marketplace.sandbox import catalogue as C
from daigou.messages.models import OutboxMessage
from tests.support.api import assert_ok
from tests.support.seller import catalogue, picks_by_seller

RECEIVER = {
    "name": "张三",
    "mobile_phone": "13800000000",
    "zip": "310000",
    "state": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "address": "文三路 1 号",
}
RENDER = "/open/order/render"
CREATE = "/open/order"
DETAIL = "/open/order/detail"
PAGE = "/open/order/page"
PAY = "/open/order/pay"
BULK = "/open/order/batch/pay"
CANCEL = "/open/order/cancel"
RECEIVE = "/open/order/receivegoods"
LOGISTICS = "/open/order/logistics/detail/get"
VOUCHER = "/open/order/payment/voucher/upload"
REVIEW = "/admin/finance/voucher/review"
VOUCHERS = "/admin/finance/voucher/list"
UPDATE_WAREHOUSE = "/open/order/updateWarehouse"
CHAT_LINK = "/open/order/page/link/get"
LEDGER = "/open/account/ledger"
STATUS_CHANGE = "TAOBAO_ORDER_STATUS_CHANGE"
PRICE_MODIFY = "TAOBAO_ORDER_BUYER_VIEW_ORDER_PRICE_MODIFY"
IMAGES = ["https://img.example.com/transfer-1.jpg", "https://img.example.com/transfer-2.jpg"]
T = P.Platform.TAOBAO


def shop_lines(settings: Any, shops: int = 2, per: int = 2) -> list[list[dict[str, Any]]]:
    """`shops` Taobao shops with `per` orderable lines each (the minimum quantity; one
    warehouse per shop, so each shop makes one marketplace order)."""
    out = []
    n = 0
    for _, picks in picks_by_seller(settings.sandbox_seed, "taobao").items():
        same = [p for p in picks if p.warehouse == 0][:per]
        if len(same) < per:
            continue
        lines = []
        for p in same:
            n += 1
            sku = next(s for s in p.offer.skus if s.spec_id == p.spec_id)
            lines.append(
                {
                    "itemId": p.offer.offer_id,
                    "skuId": sku.sku_id,
                    "orderLineNo": f"L{n}",
                    "quantity": p.moq,
                }
            )
        out.append(lines)
        if len(out) == shops:
            return out
    raise AssertionError(f"the test catalogue has fewer than {shops} shops with {per} lines")


def render(api: Any, dev: Any, lines: list[dict[str, Any]], user_id: str | None = None) -> Any:
    body = {"receiver": RECEIVER, "orderLineList": lines}
    return assert_ok(api.call(dev, "POST", RENDER, body=body, user_id=user_id))


def create(
    api: Any,
    dev: Any,
    lines: list[dict[str, Any]],
    user_id: str | None = None,
    amount: int | None = None,
    **extra: Any,
) -> Any:
    """The raw answer of 2.2 (purchaseAmount from a render unless given)."""
    if amount is None:
        amount = render(api, dev, lines, user_id)["purchaseAmount"]
    body = {"receiver": RECEIVER, "orderLineList": lines, "purchaseAmount": amount, **extra}
    return api.call(dev, "POST", CREATE, body=body, user_id=user_id)


def created(api: Any, dev: Any, lines: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = assert_ok(create(api, dev, lines, **kw))
    return data


def detail(api: Any, dev: Any, order_id: str, user_id: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = assert_ok(
        api.call(dev, "GET", DETAIL, params={"orderId": order_id}, user_id=user_id)
    )
    return data


def pay(api: Any, dev: Any, order_id: str, user_id: str | None = None) -> Any:
    return api.call(dev, "POST", PAY, body={"orderId": order_id}, user_id=user_id)


def ship(api: Any, sales_order_id: str, stage: str = "shipped") -> Any:
    body = {"platform": 0, "orderId": sales_order_id, "stage": stage}
    return assert_ok(api.admin("POST", "/admin/sandbox/order/ship", body))


def run_feed(app: Any) -> None:
    """Apply what the sandbox pushed on the Taobao stream (the worker's feed job, once)."""
    app.state.gateway.feeds[T].run_once()


# --- items of the test catalogue, as the cart takes them --------------------------------------
MP_PREFIX = "2048"  # PandaPon's paired ids: mpId = 2048 + itemId, mpSkuId = 2048 + skuId


def mp(value: str) -> str:
    return MP_PREFIX + value


def items(settings: Any) -> tuple[C.Offer, ...]:
    return catalogue(settings.sandbox_seed, "taobao")[1]


def orderable(settings: Any, *, multi_sku: bool | None = None) -> list[tuple[C.Offer, C.Sku]]:
    """(item, sku) of on-sale items whose best-stocked SKU has room above the minimum (at least
    20 more); ``multi_sku`` picks items of several SKUs (True) or of one (False)."""
    out = []
    for item in items(settings):
        if not item.on_sale or (multi_sku is not None and (len(item.skus) > 1) != multi_sku):
            continue
        sku = max(item.skus, key=lambda s: s.stock)
        if sku.stock >= item.min_order_quantity + 20:
            out.append((item, sku))
    return out


def off_sale(settings: Any) -> list[C.Offer]:
    """Items the catalogue itself has off sale."""
    return [item for item in items(settings) if not item.on_sale]


def upload(
    api: Any,
    dev: Any,
    order_id: str,
    amount: int,
    images: Any = None,
    user_id: str | None = None,
    **extra: Any,
) -> Any:
    """The raw answer of 2.6 (two https images unless given)."""
    body = {
        "orderId": order_id,
        "transferAccountImgs": IMAGES if images is None else images,
        "amount": amount,
        **extra,
    }
    return api.call(dev, "POST", VOUCHER, body=body, user_id=user_id)


def uploaded(api: Any, dev: Any, order: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """2.6 for the whole purchaseAmount: the order (status 1) with its pending voucher."""
    data: dict[str, Any] = assert_ok(
        upload(api, dev, order["orderId"], order["purchaseAmount"], **kw)
    )
    return data


def review(api: Any, voucher_id: str, decision: str, **fields: Any) -> Any:
    """The raw answer of 12.8."""
    return api.admin("POST", REVIEW, {"voucherId": voucher_id, "decision": decision, **fields})


def approve(api: Any, order: dict[str, Any]) -> dict[str, Any]:
    """12.8 approve of the order's voucher, for its amount."""
    v = order["voucher"]
    data: dict[str, Any] = assert_ok(
        review(api, v["voucherId"], "approve", receivedAmount=v["amount"])
    )
    return data


def voucher_page(api: Any, **params: Any) -> dict[str, Any]:
    data: dict[str, Any] = assert_ok(api.admin("GET", VOUCHERS, params=params))
    return data


def ledger(api: Any, dev: Any, **params: Any) -> list[dict[str, Any]]:
    """The developer's ledger entries, oldest first."""
    data = assert_ok(api.call(dev, "GET", LEDGER, params={"pageSize": 100, **params}))
    return list(reversed(data["data"]))


def advance(api: Any, seconds: int) -> Any:
    """Move the sandbox clock (the gateway's clock too); due sandbox timers fire."""
    return assert_ok(api.admin("POST", "/admin/sandbox/clock/advance", {"seconds": seconds}))


def fault(api: Any, operation: str, mode: str = "error", **fields: Any) -> Any:
    body = {"operation": operation, "mode": mode, **fields}
    return assert_ok(api.admin("POST", "/admin/sandbox/fault/inject", body))


def seller_price(api: Any, sales_order_id: str, **change: Any) -> Any:
    """The sandbox seller changes an unpaid shop order's price (12.17): ``totalAmount``, or
    ``lines=[{lineId, price}]`` (and ``shippingFee``)."""
    body = {"platform": 0, "orderId": sales_order_id, **change}
    return assert_ok(api.admin("POST", "/admin/sandbox/order/price/modify", body))


def seller_close(api: Any, sales_order_id: str) -> Any:
    """The sandbox seller closes an unpaid shop order (12.18)."""
    body = {"platform": 0, "orderId": sales_order_id}
    return assert_ok(api.admin("POST", "/admin/sandbox/order/close", body))


def messages_of(db: Any, order_id: str) -> list[dict[str, Any]]:
    """The messages recorded about a purchase order, in the order they were written: each
    body with its ``type``."""
    with db.reading() as conn:
        rows = conn.execute(
            select(OutboxMessage.message_type, OutboxMessage.body)
            .where(OutboxMessage.object_id == order_id)
            .order_by(OutboxMessage.seq)
        ).all()
    return [{"type": t, **json.loads(b)} for t, b in rows]


def status_moves(db: Any, order_id: str) -> list[tuple[int, int]]:
    """(previousStatus, status) of each TAOBAO_ORDER_STATUS_CHANGE of the order, in order;
    their sequences strictly increase."""
    found = [m for m in messages_of(db, order_id) if m["type"] == STATUS_CHANGE]
    sequences = [m["sequence"] for m in found]
    assert sequences == sorted(set(sequences)), sequences
    return [(m["previousStatus"], m["status"]) for m in found]


def voucher_audit(db: Any) -> list[tuple[str, str, str | None, str | None, dict[str, Any]]]:
    """(actor, action, target, request_id, details) of every voucher decision audit-logged."""
    with db.reading() as conn:
        rows = conn.execute(
            text(
                "SELECT actor, action, target, request_id, details FROM audit_log "
                "WHERE action LIKE 'voucher.%' ORDER BY id"
            )
        ).all()
    return [(r.actor, r.action, r.target, r.request_id, json.loads(r.details)) for r in rows]
