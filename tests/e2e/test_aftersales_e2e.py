"""Issue 12's after-sales as a developer meets it, through real HTTP on loopback against
`daigou serve` (a subprocess with its in-process worker: the sandbox seller's timers, both push
feeds and callback delivery run there), the signed callbacks checked at each step:

- 1688: a full refund before shipping credits the wallet; after delivery, a return and refund
  with a waybill, the seller receives the goods and the wallet is credited; a refund withdrawn;
- Taobao: the seller refuses, the buyer modifies, the seller agrees (credited); a return with
  the seller's address and a waybill; a reverse order withdrawn, then a new one on that line.
"""

from __future__ import annotations

import json
from typing import Any

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
IN_SALES = "ORDER_BUYER_VIEW_ORDER_BUYER_REFUND_IN_SALES"
AFTER_SALES = "ORDER_BUYER_VIEW_ORDER_REFUND_AFTER_SALES"
TAOBAO_REFUND = "TAOBAO_ORDER_REFUND"
WALLET = "WALLET_BALANCE_CHANGE"


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

    def seller(self, platform: int, refund_id: str, action: str, **extra: Any) -> Any:
        body = {"platform": platform, "refundId": refund_id, "action": action, **extra}
        return self.admin("/admin/sandbox/refund/act", body)

    def ship(self, platform: int, order_id: str) -> None:
        """The seller ships the whole order and the carrier delivers it."""
        for stage in ("shipped", "delivered"):
            self.admin(
                "/admin/sandbox/order/ship",
                {"platform": platform, "orderId": order_id, "stage": stage},
            )

    def refund_messages(self, refund_id: str) -> list[dict[str, Any]]:
        return [m for m in self.cb.all() if m["messageBody"].get("refundId") == refund_id]

    def wait_refund(self, refund_id: str, status: Any) -> list[dict[str, Any]]:
        """The refund's callbacks, once the last reports ``status``; their sequence 1, 2, ..."""

        def reached(_: Any) -> bool:
            got = self.refund_messages(refund_id)
            return bool(got) and _status(got[-1]) == status

        try:
            self.cb.wait(reached)
        except AssertionError:
            seen = [_status(m) for m in self.refund_messages(refund_id)]
            raise AssertionError(f"refund {refund_id} reported {seen}, not {status}") from None
        got = self.refund_messages(refund_id)
        assert [m["messageBody"]["sequence"] for m in got] == list(range(1, len(got) + 1))
        for m in got:  # the whole refund rides along, showing the message's own sequence
            refund = m["messageBody"]["refund"]
            assert (
                refund.get("sequence", m["messageBody"]["sequence"]) == m["messageBody"]["sequence"]
            )
        return got

    def wait_credit(self, refund_id: str) -> dict[str, Any]:
        """The one WALLET_BALANCE_CHANGE of the refund's credit."""

        def credits(ms: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [
                m
                for m in ms
                if m["messageType"] == WALLET
                and m["messageBody"]["entry"]["type"] == "refund"
                and m["messageBody"]["entry"]["refundId"] == refund_id
            ]

        got = credits(self.cb.wait(lambda ms: len(credits(ms)) >= 1))
        assert len(got) == 1, got
        return got[0]["messageBody"]["entry"]


def _status(message: dict[str, Any]) -> Any:
    body = message["messageBody"]
    return body["currentStatus"] if "currentStatus" in body else body["refundStatus"]


def _world(served: Any, rx: Receiver, client: Client) -> World:
    base, _env, data_dir, _proc = served
    creds = json.loads((data_dir / "demo-credentials.json").read_text())
    token = (data_dir / "admin-token").read_text().strip()
    secret = client.post("/open/callback/config", {"callbackUrl": rx.url})["secret"]
    rx.wait_for(1)
    rx.clear()
    return World(base, token, client, Callbacks(rx, secret), creds["developId"])


def _client(served: Any) -> Client:
    base, _env, data_dir, _proc = served
    creds = json.loads((data_dir / "demo-credentials.json").read_text())
    return Client(base, creds["accessKey"], creds["secret"])


# --- 1688 ------------------------------------------------------------------------------------
def _offers_1688(client: Client, wanted: int) -> list[list[dict[str, Any]]]:
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


def _paid_1688(w: World, cargo: list[dict[str, Any]], key: str) -> dict[str, Any]:
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


def _reason(
    w: World, order: dict[str, Any], goods_status: str, carriage: bool = True
) -> tuple[int, dict[str, Any]]:
    entry_ids = [i["subItemID"] for i in order["productItems"]]
    listed = w.client.post(
        "/alibaba/refund/reason/list",
        {
            "orderId": order["baseInfo"]["id"],
            "orderEntryIds": entry_ids,
            "goodsStatus": goods_status,
        },
    )
    # a reason that needs no picture (and, when asked, refunds the freight too)
    reason = next(
        r
        for r in listed["reasons"]
        if not r["needVoucher"] and not (carriage and r["noRefundCarriage"])
    )
    return reason["id"], listed


def test_1688_refunds_returns_and_withdrawals(served):
    with Receiver() as rx, _client(served) as client:
        w = _world(served, rx, client)
        before_cargo, after_cargo, cancel_cargo = _offers_1688(client, 3)

        # a full refund before shipping: the whole payment comes back, once
        order = _paid_1688(w, before_cargo, "e2e-refund-before")
        oid = order["baseInfo"]["id"]
        total = order["baseInfo"]["totalAmount"]
        reason_id, limits = _reason(w, order, "refundWaitSellerSend")
        assert limits["maxApplyPayment"] + limits["maxApplyCarriage"] == total
        available = w.available()
        made = client.post(
            "/alibaba/refund/detail/create",
            {
                "orderId": oid,
                "orderEntryIds": [i["subItemID"] for i in order["productItems"]],
                "disputeRequest": "refund",
                "applyPayment": limits["maxApplyPayment"],
                "applyCarriage": limits["maxApplyCarriage"],
                "applyReasonId": reason_id,
                "description": "ordered by mistake",
                "goodsStatus": "refundWaitSellerSend",
            },
        )
        refund_id = made["refundId"]
        assert refund_id.startswith("TQ") and made["refundStatus"] == "waitselleragree"
        w.wait_refund(refund_id, "waitselleragree")
        w.seller(1, refund_id, "agree")
        got = w.wait_refund(refund_id, "refundsuccess")
        assert {m["messageType"] for m in got} == {IN_SALES}
        assert got[-1]["messageBody"]["refund"]["refundPayment"] == limits["maxApplyPayment"]
        entry = w.wait_credit(refund_id)
        assert (entry["amount"], entry["orderId"]) == (total, oid)
        assert w.available() == available + total
        detail = client.post("/alibaba/refund/detail/get", {"refundId": refund_id})
        assert detail["refundStatus"] == "refundsuccess"
        assert [op["operator"] for op in detail["operations"]][:1] == ["buyer"]
        again = client.post("/alibaba/order/detail", {"webSite": "1688", "orderId": oid})
        assert again["gatewayInfo"]["refundedAmount"] == total

        # after delivery: return and refund with a waybill; the seller receives the goods
        order = _paid_1688(w, after_cargo, "e2e-return-after")
        oid = order["baseInfo"]["id"]
        w.ship(1, oid)
        w.cb.wait(lambda _: "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS" in w.cb.for_order(oid))
        order = client.post("/alibaba/order/detail", {"webSite": "1688", "orderId": oid})
        reason_id, limits = _reason(w, order, "refundBuyerReceived", carriage=False)
        part = limits["maxApplyPayment"] // 2 or 1
        made = client.post(
            "/alibaba/refund/detail/create",
            {
                "orderId": oid,
                "orderEntryIds": [order["productItems"][0]["subItemID"]],
                "disputeRequest": "returnRefund",
                "applyPayment": part,
                "applyCarriage": 0,
                "applyReasonId": reason_id,
                "description": "not as described",
                "goodsStatus": "refundBuyerReceived",
            },
        )
        refund_id = made["refundId"]
        w.seller(1, refund_id, "agree")
        w.wait_refund(refund_id, "waitbuyersend")
        returned = client.post(
            "/alibaba/refund/goods/return",
            {"refundId": refund_id, "logisticsCompanyNo": "SF", "freightBill": "SF1234567890"},
        )
        assert returned["refundStatus"] == "waitsellerreceive"
        available = w.available()
        w.seller(1, refund_id, "receiveGoods")
        w.wait_refund(refund_id, "refundsuccess")
        entry = w.wait_credit(refund_id)
        assert entry["amount"] == part
        assert w.available() == available + part
        detail = client.post("/alibaba/refund/detail/get", {"refundId": refund_id})
        assert detail["freightBill"] == "SF1234567890"

        # withdrawn: nothing comes back, and the order may be refunded again
        order = _paid_1688(w, cancel_cargo, "e2e-refund-cancel")
        oid = order["baseInfo"]["id"]
        reason_id, limits = _reason(w, order, "refundWaitSellerSend")
        made = client.post(
            "/alibaba/refund/detail/create",
            {
                "orderId": oid,
                "orderEntryIds": [i["subItemID"] for i in order["productItems"]],
                "disputeRequest": "refund",
                "applyPayment": limits["maxApplyPayment"],
                "applyCarriage": 0,
                "applyReasonId": reason_id,
                "description": "changed my mind",
                "goodsStatus": "refundWaitSellerSend",
            },
        )
        refund_id = made["refundId"]
        available = w.available()
        cancelled = client.post("/alibaba/refund/cancel", {"refundId": refund_id})
        assert cancelled["refundStatus"] == "refundclose"
        w.wait_refund(refund_id, "refundclose")
        assert w.available() == available
        listed = client.post("/alibaba/refund/page", {"orderId": oid})
        assert [r["refundId"] for r in listed["data"]] == [refund_id]


# --- Taobao ----------------------------------------------------------------------------------
def _items_taobao(client: Client, wanted: int) -> list[dict[str, Any]]:
    """Lines of distinct shops, each to be ordered alone (its line number ``L1``)."""
    found = taobao_lines(client, RECEIVER_TAOBAO, wanted, stock_factor=4)
    return [{**line, "orderLineNo": "L1"} for line in found]


def _paid_taobao(w: World, line: dict[str, Any], number: str) -> dict[str, Any]:
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


def _submit(w: World, sub_order_id: str, refund_type: int, goods_status: int, **extra: Any) -> Any:
    form = w.client.post(
        "/open/order/refund/render",
        {"subOrderId": sub_order_id, "refundType": refund_type, "goodsStatus": goods_status},
    )
    template = form["refundOrderTemplate"]
    body = {
        "subOrderId": sub_order_id,
        "refundType": refund_type,
        "goodsStatus": goods_status,
        "reasonId": template["refundReasons"][0]["reasonId"],
        "refundFee": template["maxRefundFee"]["refundFee"],
        "refundDesc": "e2e",
        **extra,
    }
    return w.client.post("/open/order/refund/submit", body), template


def test_taobao_reverse_orders(served):
    with Receiver() as rx, _client(served) as client:
        w = _world(served, rx, client)
        refused_line, return_line = _items_taobao(client, 2)

        # the seller refuses, the buyer modifies (a lower fee), the seller agrees: credited
        order = _paid_taobao(w, refused_line, "e2e-tb-refund")
        sub = order["subOrders"][0]["subOrderId"]
        made, template = _submit(w, sub, 1, 1)
        refund_id = made["refundOrder"]["refundId"]
        assert made["refundOrder"]["refundStatus"] == 10
        w.seller(0, refund_id, "refuse", reason="the goods are already packed")
        w.wait_refund(refund_id, -10)
        fee = template["maxRefundFee"]["refundFee"] - 1
        modified = client.post(
            "/open/order/refund/modify",
            {"refundId": refund_id, "refundFee": fee, "refundDesc": "a little less then"},
        )
        assert (modified["refundOrder"]["refundStatus"], modified["refundOrder"]["refundFee"]) == (
            10,
            fee,
        )
        note = client.post(
            "/open/order/refund/submit/message",
            {"refundId": refund_id, "refundMessage": "please agree, thank you"},
        )
        assert note["refundId"] == refund_id
        notes = client.post("/open/order/refund/message/list", {"refundId": refund_id})
        owners = [n["owner"] for n in notes["data"]]
        assert "seller" in owners and owners[-1] == "buyer"
        available = w.available()
        w.seller(0, refund_id, "agree")
        got = w.wait_refund(refund_id, 100)
        assert {m["messageType"] for m in got} == {TAOBAO_REFUND}
        assert [_status(m) for m in got] == [10, -10, 10, 100]
        entry = w.wait_credit(refund_id)
        assert entry["amount"] == fee
        assert w.available() == available + fee
        queried = client.get("/open/order/refund/query", {"refundId": refund_id})
        assert queried["refundOrderAggregate"]["refundOrder"]["refundStatus"] == 100

        # a return: agreed (20), the seller's address (3.9), the waybill (3.10), received (100)
        order = _paid_taobao(w, return_line, "e2e-tb-return")
        (sales_order_id,) = order["salesOrderIds"]
        w.ship(0, sales_order_id)
        w.cb.wait(
            lambda ms: any(
                m["messageType"] == "TAOBAO_ORDER_STATUS_CHANGE"
                and m["messageBody"].get("orderId") == order["orderId"]
                and m["messageBody"].get("status") == 11
                for m in ms
            )
        )
        sub = order["subOrders"][0]["subOrderId"]

        # first withdrawn: a reverse order cancelled (-20) leaves the line open for a new one
        made, _ = _submit(w, sub, 2, 2)
        cancelled_id = made["refundOrder"]["refundId"]
        withdrawn = client.get(f"/open/order/refund/cancel/{cancelled_id}")
        assert withdrawn["cancelSuccess"] is True
        assert withdrawn["refundOrderAggregate"]["refundOrder"]["refundStatus"] == -20
        w.wait_refund(cancelled_id, -20)

        made, template = _submit(w, sub, 2, 2)
        refund_id = made["refundOrder"]["refundId"]
        assert refund_id != cancelled_id
        w.seller(0, refund_id, "agree")
        w.wait_refund(refund_id, 20)
        where = client.get("/open/order/refund/logistics/render", {"refundId": refund_id})
        assert where["receiverAddress"]["receiver"] and where["logisticsCompanies"]
        carrier = where["logisticsCompanies"][0]["logisticsCompanyCode"]
        sent = client.post(
            "/open/order/refund/logistics/submit",
            {"refundId": refund_id, "logisticsCompanyCode": carrier, "logisticsNo": "YT998877"},
        )
        assert sent["refundOrder"]["refundStatus"] == 30
        available = w.available()
        w.seller(0, refund_id, "receiveGoods")
        w.wait_refund(refund_id, 100)
        entry = w.wait_credit(refund_id)
        assert entry["amount"] == template["maxRefundFee"]["refundFee"]
        assert w.available() == available + entry["amount"]
        listed = client.post("/open/order/refund/queryList", {"purchaseOrderId": order["orderId"]})
        assert {r["refundOrder"]["refundId"] for r in listed["data"]} == {refund_id, cancelled_id}
        final = client.get("/open/order/detail", {"orderId": order["orderId"]})
        assert final["subOrders"][0]["refundId"] == refund_id
