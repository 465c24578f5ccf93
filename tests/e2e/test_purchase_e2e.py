"""Issue 5's whole 1688 purchase path as a developer meets it, through real HTTP on loopback
against `daigou serve` (a subprocess with its in-process worker: the sandbox seller's timers,
the marketplace push feed and callback delivery all run there):

search -> detail -> cart -> cart preview -> cart create -> preview -> create -> multi-merchant
create -> bulk pay with some orders unfunded -> ship -> trace -> confirm receipt,

with the signed callbacks a receiver gets checked at each step."""

from __future__ import annotations

import json
from typing import Any

from daigou_sdk import Client, DaigouError
from tests.support.callbacks import Callbacks, admin_post
from tests.support.receiver import Receiver

ADDRESS = {
    "fullName": "Lin Wei",
    "mobile": "13800000000",
    "provinceText": "浙江省",
    "cityText": "杭州市",
    "areaText": "余杭区",
    "address": "文一西路 969 号",
    "postCode": "311121",
}


def _orderable(client: Client, sellers_wanted: int) -> list[dict[str, Any]]:
    """Lines of distinct sellers found by keyword search and opened with the offer detail."""
    lines: dict[str, dict[str, Any]] = {}
    for keyword in ("shirt", "bag", "shoes", "cup", "phone", "lamp"):
        page = client.post(
            "/alibaba/product/keywords/query",
            {"keyword": keyword, "country": "en", "pageSize": 50},
        )
        for item in page["data"]:
            offer = client.post(
                "/alibaba/product/detail/get", {"offerId": item["offerId"], "country": "en"}
            )
            seller = offer["sellerOpenId"]
            moq = offer["minOrderQuantity"]
            sku = next((s for s in offer["productSkuInfos"] if s["amountOnSale"] >= moq * 2), None)
            if seller in lines or sku is None:
                continue
            try:
                client.post(
                    "/alibaba/order/create/preview",
                    {
                        "addressParam": ADDRESS,
                        "cargoParamList": [
                            {"offerId": offer["offerId"], "specId": sku["specId"], "quantity": moq}
                        ],
                    },
                )
            except DaigouError:
                continue  # off sale, or below what the seller accepts: try another
            lines[seller] = {
                "offerId": offer["offerId"],
                "specId": sku["specId"],
                "quantity": moq,
                "sellerOpenId": seller,
            }
            if len(lines) == sellers_wanted:
                return list(lines.values())
    raise AssertionError(f"only {len(lines)} sellers with an orderable line")


def test_the_whole_1688_purchase_path(served):
    base, _env, data_dir, _proc = served
    creds = json.loads((data_dir / "demo-credentials.json").read_text())
    token = (data_dir / "admin-token").read_text().strip()
    develop_id = creds["developId"]
    with Receiver() as rx, Client(base, creds["accessKey"], creds["secret"]) as client:
        secret = client.post("/open/callback/config", {"callbackUrl": rx.url})["secret"]
        rx.wait_for(1)
        rx.clear()
        cb = Callbacks(rx, secret)

        # find goods: search, open, preview (five merchants)
        found = _orderable(client, 5)
        cart_lines, single, multi = found[:2], found[2], found[2:5]

        # the cart: add, list, preview, order; ordered lines leave the cart
        for line in cart_lines:
            line_body = {k: line[k] for k in ("offerId", "specId", "quantity")}
            client.post("/alibaba/cart/add", line_body)
        listed = client.get("/alibaba/cart/list")
        cart_ids = [i["id"] for store in listed["enableList"] for i in store["cartItemInfos"]]
        assert len(cart_ids) == 2
        previewed = client.post(
            "/alibaba/cart/preview/order", {"cartIds": cart_ids, "addressParam": ADDRESS}
        )
        assert all(r["success"] for r in previewed["results"])
        from_cart = client.post(
            "/alibaba/cart/create/order",
            {"flow": "general", "cartIds": cart_ids, "addressParam": ADDRESS},
        )
        cart_orders = [oid for r in from_cart["results"] for oid in r["orderIds"]]
        assert len(from_cart["results"]) == 2 and cart_orders
        assert client.get("/alibaba/cart/list")["enableList"] == []

        # a single-merchant order: preview, create
        cargo = [{k: single[k] for k in ("offerId", "specId", "quantity")}]
        priced = client.post(
            "/alibaba/order/create/preview", {"addressParam": ADDRESS, "cargoParamList": cargo}
        )
        made = client.post(
            "/alibaba/order/create",
            {
                "flow": "general",
                "addressParam": ADDRESS,
                "cargoParamList": cargo,
                "outOrderId": "e2e-single",
            },
        )
        assert made["totalSuccessAmount"] == sum(
            p["sumPayment"] for p in priced["orderPreviewResuslt"]
        )
        single_id = made["orderId"]

        # a multi-merchant order: three merchants, one result each in order
        batch = client.post(
            "/alibaba/order/batch/create",
            {"flow": "general", "addressParam": ADDRESS, "cargoParamList": multi},
        )
        assert [r["sellerOpenId"] for r in batch["results"]] == [m["sellerOpenId"] for m in multi]
        multi_orders = [oid for r in batch["results"] for oid in r["orderIds"]]

        every = cart_orders + [single_id] + multi_orders
        for oid in every:
            cb.wait_types(oid, ["ORDER_BUYER_VIEW_BUYER_MAKE"])

        # bulk pay with a balance that covers all but the dearest order
        totals = {
            oid: client.post("/alibaba/order/detail", {"webSite": "1688", "orderId": oid})[
                "baseInfo"
            ]["totalAmount"]
            for oid in every
        }
        dearest = max(every, key=lambda o: totals[o])
        available = client.balance()["availableAmount"]
        wanted = sum(totals.values()) - totals[dearest]
        admin_post(
            base,
            token,
            "/admin/wallet/adjust",
            {
                "developId": develop_id,
                "type": "adjustment",
                "amount": wanted - available,
                "reference": "e2e-fund",
                "remark": "leave all but the dearest order funded",
            },
        )
        order_ids = [o for o in every if o != dearest] + [dearest]  # funded in input order
        paid = client.post("/alibaba/order/batch/submit/to/pay", {"orderIds": order_ids})
        assert paid["payFailOrders"] == [
            {
                "orderId": dearest,
                "errorReason": "账户额度不足",
                "errorCode": "ACCOUNT_BALANCE_NOT_ENOUGH",
            }
        ]
        assert sorted(paid["successOrderIds"]) == sorted(o for o in every if o != dearest)
        assert client.balance()["availableAmount"] == 0
        for oid in paid["successOrderIds"]:
            cb.wait_types(oid, ["ORDER_BUYER_VIEW_BUYER_MAKE", "ORDER_BUYER_VIEW_ORDER_PAY"])
        got = cb.wait(lambda ms: any(m["messageType"] == "ORDER_BATCH_PAY" for m in ms))
        (batch_msg,) = [m for m in got if m["messageType"] == "ORDER_BATCH_PAY"]
        statuses = {e["orderId"]: e["status"] for e in batch_msg["messageBody"]["batchPay"]}
        assert statuses[dearest] == "ACCOUNT_BALANCE_NOT_ENOUGH"
        assert all(statuses[o] == "successed" for o in paid["successOrderIds"])
        assert any(m["messageType"] == "WALLET_BALANCE_CHANGE" for m in got)
        assert cb.for_order(dearest) == ["ORDER_BUYER_VIEW_BUYER_MAKE"]

        # the seller ships; the trace shows the parcel; the buyer confirms receipt
        admin_post(
            base,
            token,
            "/admin/sandbox/order/ship",
            {"platform": 1, "orderId": single_id, "logisticsBillNo": "SF1234567890"},
        )
        cb.wait(lambda _: "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS" in cb.for_order(single_id))
        trace = client.get("/alibaba/order/logistics/trace", {"orderId": single_id})
        (parcel,) = trace["logisticsTrace"]
        assert parcel["logisticsBillNo"] == "SF1234567890" and parcel["logisticsSteps"]
        assert trace["status"] == "waitbuyerreceive"
        done = client.post("/alibaba/order/receivegoods", {"orderId": single_id})
        assert done["success"] is True and done["status"] == "confirm_goods"
        cb.wait(lambda _: "ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS" in cb.for_order(single_id))
        steps = [t for t in cb.for_order(single_id) if t != "LOGISTICS_BUYER_VIEW_TRACE"]
        assert steps == [
            "ORDER_BUYER_VIEW_BUYER_MAKE",
            "ORDER_BUYER_VIEW_ORDER_PAY",
            "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS",
            "ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS",
        ]
        # every message of one order came in sequence order
        for oid in every:
            seqs = [
                m["messageBody"]["sequence"]
                for m in cb.all()
                if m["messageBody"].get("orderId") == oid
            ]
            assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
