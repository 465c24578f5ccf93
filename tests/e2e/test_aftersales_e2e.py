"""Issue 12's after-sales as a developer meets it, through real HTTP on loopback against
`daigou serve` (a subprocess with its in-process worker: the sandbox seller's timers, both push
feeds and callback delivery run there), the signed callbacks checked at each step:

- 1688: a full refund before shipping credits the wallet; after delivery, a return and refund
  with a waybill, the seller receives the goods and the wallet is credited; a refund withdrawn;
- Taobao: the seller refuses, the buyer modifies, the seller agrees (credited); a return with
  the seller's address and a waybill; a reverse order withdrawn, then a new one on that line.
"""

from __future__ import annotations

from typing import Any

from tests.support.e2e_world import World as BaseWorld
from tests.support.e2e_world import client as served_client
from tests.support.e2e_world import items_taobao, offers_1688, paid_1688, paid_taobao, world
from tests.support.receiver import Receiver

IN_SALES = "ORDER_BUYER_VIEW_ORDER_BUYER_REFUND_IN_SALES"
AFTER_SALES = "ORDER_BUYER_VIEW_ORDER_REFUND_AFTER_SALES"
TAOBAO_REFUND = "TAOBAO_ORDER_REFUND"
WALLET = "WALLET_BALANCE_CHANGE"


class World(BaseWorld):
    """The e2e world with the after-sales steps: the seller's answers and the refund's
    callbacks."""

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


# --- 1688 ------------------------------------------------------------------------------------
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
    with Receiver() as rx, served_client(served) as client:
        w = world(served, rx, client, World)
        before_cargo, after_cargo, cancel_cargo = offers_1688(client, 3)

        # a full refund before shipping: the whole payment comes back, once
        order = paid_1688(w, before_cargo, "e2e-refund-before")
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
        order = paid_1688(w, after_cargo, "e2e-return-after")
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
        order = paid_1688(w, cancel_cargo, "e2e-refund-cancel")
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
    with Receiver() as rx, served_client(served) as client:
        w = world(served, rx, client, World)
        refused_line, return_line = items_taobao(client, 2)

        # the seller refuses, the buyer modifies (a lower fee), the seller agrees: credited
        order = paid_taobao(w, refused_line, "e2e-tb-refund")
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
        order = paid_taobao(w, return_line, "e2e-tb-return")
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
