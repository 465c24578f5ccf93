"""Goods a developer finds through the API, for the end-to-end tests against `daigou serve`."""

from __future__ import annotations

from typing import Any

from daigou_sdk import Client, DaigouError

KEYWORDS = ("shirt", "bag", "shoes", "cup", "phone", "lamp")


def taobao_lines(
    client: Client, receiver: dict[str, Any], wanted: int, stock_factor: int = 3
) -> list[dict[str, Any]]:
    """Orderable lines of ``wanted`` distinct shops (quantity = the minimum, stock for
    ``stock_factor`` times that), found by keyword search, opened with 1.1 and rendered."""
    lines: dict[str, dict[str, Any]] = {}
    for keyword in KEYWORDS:
        page = client.post(
            "/open/product/item/search", {"keyword": keyword, "language": "en", "pageSize": 40}
        )
        for found in page["data"]:
            if found["shopId"] in lines:
                continue
            item = client.get("/open/product/get", {"itemId": found["itemId"], "language": "en"})
            need = item["beginAmount"]
            sku = next(
                (
                    s
                    for s in item["skuList"]
                    if s["status"] == "active" and s["quantity"] >= need * stock_factor
                ),
                None,
            )
            if item["status"] != "active" or sku is None:
                continue
            line = {
                "itemId": item["itemId"],
                "skuId": sku["skuId"],
                "quantity": need,
                "orderLineNo": f"L{len(lines) + 1}",
            }
            try:
                priced = client.post(
                    "/open/order/render", {"receiver": receiver, "orderLineList": [line]}
                )
            except DaigouError:
                continue
            if priced["lines"][0]["available"]:
                lines[found["shopId"]] = line
            if len(lines) == wanted:
                return list(lines.values())
    raise AssertionError(f"only {len(lines)} shops with an orderable item")
