"""The world of an end-to-end test against `daigou serve`: the operator, the demo developer's
client and the callbacks it receives; paid 1688 and Taobao orders bought through the API."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from daigou_sdk import Client, DaigouError
from tests.support.callbacks import Callbacks, admin_post
from tests.support.e2e_goods import taobao_lines
from tests.support.receiver import Receiver

ADDRESS_1688 = {
    "fullName": "张三",
    "mobile": "13800000000",
    "provinceText": "浙江省",
    "cityText": "杭州市",
    "areaText": "西湖区",
    "address": "文三路 1 号",
}
RECEIVER_TAOBAO = {
    "name": "Lin Wei",
    "mobile_phone": "13800000000",
    "state": "浙江省",
    "city": "杭州市",
    "district": "余杭区",
    "address": "文一西路 969 号",
}


class World:
    """The served gateway, its operator, a developer's client and the callbacks it receives."""

    def __init__(self, base: str, token: str, client: Client, cb: Callbacks, develop_id: str):
        self.base, self.token, self.client, self.cb = base, token, client, cb
        self.develop_id = develop_id

    def admin(self, path: str, body: dict[str, Any]) -> Any:
        return admin_post(self.base, self.token, path, body)

    def fund(self, amount: int, reference: str) -> None:
        self.admin(
            "/admin/wallet/adjust",
            {
                "developId": self.develop_id,
                "type": "adjustment",
                "amount": amount,
                "reference": reference,
                "remark": "after-sales e2e",
            },
        )

    def available(self) -> int:
        return int(self.client.balance()["availableAmount"])


W = TypeVar("W", bound=World)


def world(served: Any, rx: Receiver, client: Client, kind: type[W]) -> W:
    """The world of ``served`` (a ``kind`` of World: a test may add its own steps), with the
    callbacks going to ``rx``."""
    base, _env, data_dir, _proc = served
    creds = json.loads((data_dir / "demo-credentials.json").read_text())
    token = (data_dir / "admin-token").read_text().strip()
    secret = client.post("/open/callback/config", {"callbackUrl": rx.url})["secret"]
    rx.wait_for(1)
    rx.clear()
    return kind(base, token, client, Callbacks(rx, secret), creds["developId"])


def client(served: Any) -> Client:
    base, _env, data_dir, _proc = served
    creds = json.loads((data_dir / "demo-credentials.json").read_text())
    return Client(base, creds["accessKey"], creds["secret"])


def offers_1688(client: Client, wanted: int) -> list[list[dict[str, Any]]]:
    """``wanted`` one-line carts of orderable offers (quantity = the minimum)."""
    found: list[list[dict[str, Any]]] = []
    for keyword in ("shirt", "bag", "shoes", "cup", "phone", "lamp"):
        page = client.post(
            "/alibaba/product/keywords/query", {"keyword": keyword, "country": "en", "pageSize": 50}
        )
        for item in page["data"]:
            offer = client.post(
                "/alibaba/product/detail/get", {"offerId": item["offerId"], "country": "en"}
            )
            moq = offer["minOrderQuantity"]
            sku = next((s for s in offer["productSkuInfos"] if s["amountOnSale"] >= moq * 4), None)
            if sku is None:
                continue
            cargo = [{"offerId": offer["offerId"], "specId": sku["specId"], "quantity": moq}]
            try:
                client.post(
                    "/alibaba/order/create/preview",
                    {"addressParam": ADDRESS_1688, "cargoParamList": cargo},
                )
            except DaigouError:
                continue
            found.append(cargo)
            if len(found) == wanted:
                return found
    raise AssertionError(f"only {len(found)} orderable offers")


def paid_1688(w: World, cargo: list[dict[str, Any]], key: str) -> dict[str, Any]:
    made = w.client.post(
        "/alibaba/order/create",
        {
            "flow": "general",
            "addressParam": ADDRESS_1688,
            "cargoParamList": cargo,
            "outOrderId": key,
        },
    )
    oid = made["orderId"]
    order = w.client.post("/alibaba/order/detail", {"webSite": "1688", "orderId": oid})
    w.fund(order["baseInfo"]["totalAmount"], f"fund-{key}")
    paid = w.client.post("/alibaba/order/batch/submit/to/pay", {"orderIds": [oid]})
    assert paid["payFailOrders"] == [], paid
    return dict(w.client.post("/alibaba/order/detail", {"webSite": "1688", "orderId": oid}))


def items_taobao(client: Client, wanted: int) -> list[dict[str, Any]]:
    """Lines of distinct shops, each to be ordered alone (its line number ``L1``)."""
    found = taobao_lines(client, RECEIVER_TAOBAO, wanted, stock_factor=4)
    return [{**line, "orderLineNo": "L1"} for line in found]


def paid_taobao(w: World, line: dict[str, Any], number: str) -> dict[str, Any]:
    priced = w.client.post(
        "/open/order/render", {"receiver": RECEIVER_TAOBAO, "orderLineList": [line]}
    )
    order = w.client.post(
        "/open/order",
        {
            "receiver": RECEIVER_TAOBAO,
            "orderLineList": [line],
            "purchaseAmount": priced["purchaseAmount"],
            "sellerOrderNumber": number,
        },
    )
    w.fund(order["purchaseAmount"], f"fund-{number}")
    paid = w.client.post("/open/order/pay", {"orderId": order["orderId"]})
    assert paid["status"] == 10, paid
    return dict(w.client.get("/open/order/detail", {"orderId": order["orderId"]}))
