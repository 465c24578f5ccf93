"""Taobao purchase orders through the signed API, shared by the Taobao order, pay, voucher,
cart and isolation tests: orderable lines per shop, render, create, pay, the feed run, and items
whose SKU has stock to spare (the cart's picks: ``orderable``, ``off_sale``, paired ``mp`` ids)."""

from __future__ import annotations

from typing import Any

from daigou.marketplace import port as P
from daigou.marketplace.sandbox import catalogue as C
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
