"""Issue 11's whole Taobao purchase path as a developer meets it, through real HTTP on loopback
against `daigou serve` (a subprocess with its in-process worker: the sandbox seller's timers,
the Taobao push feed and callback delivery run there):

search -> item -> cart -> cart preview -> cart order (two shops) -> pay -> the sellers ship ->
logistics -> confirm receipt, then the bank-transfer path: a voucher approved (the gateway
pays), and a voucher rejected then paid from the wallet,

with the signed callbacks a receiver gets checked at each step."""

from __future__ import annotations

import json
from typing import Any

import httpx

from daigou_sdk import Client
from tests.support.callbacks import Callbacks, admin_post
from tests.support.e2e_goods import taobao_lines
from tests.support.receiver import Receiver

RECEIVER = {
    "name": "Lin Wei",
    "mobile_phone": "13800000000",
    "state": "浙江省",
    "city": "杭州市",
    "district": "余杭区",
    "address": "文一西路 969 号",
}
STATUS = "TAOBAO_ORDER_STATUS_CHANGE"


def _items(client: Client, shops_wanted: int) -> list[dict[str, Any]]:
    """Lines of distinct shops, found by keyword search and opened with 1.1, each rendered."""
    return taobao_lines(client, RECEIVER, shops_wanted)


def _statuses(cb: Callbacks, order_id: str) -> list[tuple[int, int]]:
    return [
        (m["messageBody"]["previousStatus"], m["messageBody"]["status"])
        for m in cb.all()
        if m["messageType"] == STATUS and m["messageBody"]["orderId"] == order_id
    ]


def _wait_statuses(cb: Callbacks, order_id: str, wanted: list[tuple[int, int]]) -> None:
    try:
        cb.wait(lambda _: _statuses(cb, order_id) == wanted)
    except AssertionError:
        raise AssertionError(f"statuses {_statuses(cb, order_id)}") from None


def test_the_whole_taobao_purchase_path(served):
    base, _env, data_dir, _proc = served
    creds = json.loads((data_dir / "demo-credentials.json").read_text())
    token = (data_dir / "admin-token").read_text().strip()
    with Receiver() as rx, Client(base, creds["accessKey"], creds["secret"]) as client:
        secret = client.post("/open/callback/config", {"callbackUrl": rx.url})["secret"]
        rx.wait_for(1)
        rx.clear()
        cb = Callbacks(rx, secret)

        # find goods in two shops (and one more for the transfer orders)
        a, b, c = _items(client, 3)

        # the cart: add, list, preview, order both lines; ordered lines leave the cart
        for line in (a, b):
            client.post(
                "/open/cart/add",
                {"itemId": line["itemId"], "skuId": line["skuId"], "quantity": line["quantity"]},
            )
        listed = client.get("/open/cart/list")
        ids = [row["id"] for row in listed["data"]]
        assert len(ids) == 2 and all(row["available"] for row in listed["data"])
        previewed = client.post("/open/cart/preview/order", {"ids": ids, "orderAddress": RECEIVER})
        assert all(ln["available"] for ln in previewed["lines"])
        order = client.post(
            "/open/cart/create/order",
            {
                "ids": ids,
                "orderAddress": RECEIVER,
                "purchaseAmount": previewed["purchaseAmount"],
                "sellerOrderNumber": "e2e-tb-cart",
            },
        )
        oid = order["orderId"]
        assert order["status"] == 0 and len(order["salesOrderIds"]) >= 2
        assert order["purchaseAmount"] == previewed["purchaseAmount"]
        assert client.get("/open/cart/list")["data"] == []
        _wait_statuses(cb, oid, [(12, 0)])

        # pay from the wallet
        before = client.balance()["availableAmount"]
        paid = client.post("/open/order/pay", {"orderId": oid})
        assert paid["status"] == 10 and paid["paidAmount"] == order["purchaseAmount"]
        assert client.balance()["availableAmount"] == before - order["purchaseAmount"]
        _wait_statuses(cb, oid, [(12, 0), (0, 10)])
        cb.wait(lambda ms: any(m["messageType"] == "WALLET_BALANCE_CHANGE" for m in ms))

        # the sellers ship (the operator's seller controls); the feed moves the order to 11
        for sales_order_id in order["salesOrderIds"]:
            admin_post(
                base, token, "/admin/sandbox/order/ship", {"platform": 0, "orderId": sales_order_id}
            )
        _wait_statuses(cb, oid, [(12, 0), (0, 10), (10, 11)])
        logistics = client.get("/open/order/logistics/detail/get", {"orderId": oid})
        assert logistics["status"] == 11
        assert len(logistics["packages"]) == len(order["salesOrderIds"])
        assert all(p["logisticNumber"] and p["steps"] for p in logistics["packages"])

        # confirm receipt
        done = client.post("/open/order/receivegoods", {"orderId": oid})
        assert done["status"] == 20
        _wait_statuses(cb, oid, [(12, 0), (0, 10), (10, 11), (11, 20)])

        # a bank transfer, approved: the gateway credits the transfer and pays the order
        def new_order(number: str) -> dict[str, Any]:
            priced = client.post("/open/order/render", {"receiver": RECEIVER, "orderLineList": [c]})
            return client.post(
                "/open/order",
                {
                    "receiver": RECEIVER,
                    "orderLineList": [c],
                    "purchaseAmount": priced["purchaseAmount"],
                    "sellerOrderNumber": number,
                },
            )

        approved = new_order("e2e-tb-transfer-1")
        client.post(
            "/open/order/payment/voucher/upload",
            {
                "orderId": approved["orderId"],
                "transferAccountImgs": ["https://bank.example/receipt-1.png"],
                "amount": approved["purchaseAmount"],
                "transferAccountRemark": "ICBC ref 0001",
            },
        )
        listed = httpx.get(
            base + "/admin/finance/voucher/list",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).json()["data"]["data"]
        (voucher,) = [v for v in listed if v["orderId"] == approved["orderId"]]
        before = client.balance()["availableAmount"]
        review = admin_post(
            base,
            token,
            "/admin/finance/voucher/review",
            {
                "voucherId": voucher["voucherId"],
                "decision": "approve",
                "receivedAmount": approved["purchaseAmount"],
            },
        )
        assert review["reviewStatus"] == "approved" and review["order"]["status"] == 10
        assert client.balance()["availableAmount"] == before  # in, then out
        entries = client.get("/open/account/ledger", {"pageSize": 10})["data"]
        assert any(e["reference"] == f"voucher:{voucher['voucherId']}" for e in entries)
        _wait_statuses(cb, approved["orderId"], [(12, 0), (0, 1), (1, 2), (2, 5), (5, 10)])

        # a bank transfer, rejected; then paid from the wallet
        rejected = new_order("e2e-tb-transfer-2")
        client.post(
            "/open/order/payment/voucher/upload",
            {
                "orderId": rejected["orderId"],
                "transferAccountImgs": "https://bank.example/receipt-2.png",
                "amount": rejected["purchaseAmount"],
            },
        )
        listed = httpx.get(
            base + "/admin/finance/voucher/list",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).json()["data"]["data"]
        (voucher,) = [v for v in listed if v["orderId"] == rejected["orderId"]]
        admin_post(
            base,
            token,
            "/admin/finance/voucher/review",
            {"voucherId": voucher["voucherId"], "decision": "reject", "reason": "unreadable"},
        )
        seen = client.get("/open/order/detail", {"orderId": rejected["orderId"]})
        assert seen["status"] == 3 and seen["voucher"]["rejectReason"] == "unreadable"
        assert client.post("/open/order/pay", {"orderId": rejected["orderId"]})["status"] == 10
        _wait_statuses(cb, rejected["orderId"], [(12, 0), (0, 1), (1, 3), (3, 10)])

        # every message of one order came in sequence order
        for order_id in (oid, approved["orderId"], rejected["orderId"]):
            seqs = [
                m["messageBody"]["sequence"]
                for m in cb.all()
                if m["messageBody"].get("orderId") == order_id
            ]
            assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
