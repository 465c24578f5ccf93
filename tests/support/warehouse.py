"""The warehouse's developer routes (ENDPOINTS 11.1-11.8) through the signed API, shared by the
warehouse quote, booking and isolation tests: goods to ship (sandbox Taobao items and 1688
offers with their weights), quotes, previews and bookings."""

from __future__ import annotations

from typing import Any

from tests.support.api import assert_ok
from tests.support.taobao import shop_lines

QUOTE = "/open/pp/logistics/itemLogisticsPrice"
RENDER = "/open/pp/logistics/orderRenderFreight"
BOOK = "/open/pp/logistics/orderBookingFreight"
DECLARE = "/open/pp/logistics/updateLogisticInfo"
DETAIL = "/open/pp/logistics/order/detail"
PAGE = "/open/pp/logistics/order/page"
CANCEL = "/open/pp/logistics/order/cancel"
WAREHOUSES = "/open/pp/logistics/warehouse/list"
CREATE_WAREHOUSE = "/admin/warehouse/create"
SHIPMENT = "INTERNATIONAL_SHIPMENT_UPDATE"
PARCEL_RECEIVED = "WAREHOUSE_PARCEL_RECEIVED"

ABROAD = {
    "name": "Nguyen Van A",
    "phone": "+84 28 3822 1234",
    "mobilePhone": "+84 912 345 678",
    "address": "12 Le Loi, District 1",
    "country": "US",
    "state": "CA",
    "city": "San Jose",
    "zip": "95112",
}


def goods(settings: Any, count: int = 2) -> list[dict[str, Any]]:
    """`count` orderable Taobao lines (itemId, skuId, quantity) of one shop."""
    (lines,) = shop_lines(settings, shops=1, per=count)
    return [
        {"itemId": ln["itemId"], "skuId": ln["skuId"], "quantity": ln["quantity"]} for ln in lines
    ]


def render_items(lines: list[dict[str, Any]], service_id: str) -> list[dict[str, Any]]:
    return [
        {**ln, "freightInfo": {"serviceId": service_id}, "currency": "CNY", "price": 1000}
        for ln in lines
    ]


def rendered(
    api: Any,
    dev: Any,
    lines: list[dict[str, Any]],
    service_id: str = "EXP-DHL",
    country: str = "US",
    user_id: str | None = None,
) -> dict[str, Any]:
    body = {
        "receiverAddress": {**ABROAD, "country": country},
        "renderItems": render_items(lines, service_id),
    }
    data: dict[str, Any] = assert_ok(api.call(dev, "POST", RENDER, body=body, user_id=user_id))
    return data


def book(
    api: Any,
    dev: Any,
    render: dict[str, Any],
    lines: list[dict[str, Any]],
    user_id: str | None = None,
    **extra: Any,
) -> Any:
    """The raw answer of 11.3 for a preview of `lines`."""
    body = {"renderId": render["renderId"], "lineItems": lines, **extra}
    return api.call(dev, "POST", BOOK, body=body, user_id=user_id)


def booked(
    api: Any, dev: Any, lines: list[dict[str, Any]], user_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    """Preview `lines` and book them: the LogisticsOrder (with its warehouse)."""
    preview = rendered(api, dev, lines, user_id=user_id)
    data: dict[str, Any] = assert_ok(book(api, dev, preview, lines, user_id=user_id, **extra))
    return data


def detail(
    api: Any, dev: Any, logistics_order_id: str, user_id: str | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = assert_ok(
        api.call(
            dev, "GET", DETAIL, params={"logisticsOrderId": logistics_order_id}, user_id=user_id
        )
    )
    return data
