"""The cross-border flow as a developer and an operator meet it, through real HTTP on loopback
against `daigou serve` (its in-process worker runs the sandbox sellers, the push feeds and the
callbacks): buy on 1688 and on Taobao, book international shipping with both as source
orders, the sellers ship, the warehouse scans both parcels by their waybills (matched through
the source orders, nothing declared), the operator packs heavier than quoted (the extra is
captured), ships and tracks to delivered; the callbacks at each step, and the money."""

from __future__ import annotations

from typing import Any

from tests.support.e2e_world import World, items_taobao, offers_1688, paid_1688, paid_taobao, world
from tests.support.e2e_world import client as demo_client
from tests.support.receiver import Receiver

ABROAD = {
    "name": "Nguyen Van A",
    "phone": "+1 408 555 0100",
    "address": "1 Market St",
    "country": "US",
    "state": "CA",
    "city": "San Jose",
    "zip": "95113",
}
ISU = "INTERNATIONAL_SHIPMENT_UPDATE"
WPR = "WAREHOUSE_PARCEL_RECEIVED"


def _shipments(msgs: list[dict[str, Any]], lo: str) -> list[dict[str, Any]]:
    return [m for m in msgs if m["messageBody"].get("logisticsOrderId") == lo]


def test_bought_goods_travel_abroad_through_the_warehouse(served):
    with Receiver() as rx, demo_client(served) as dev_client:
        w = world(served, rx, dev_client, World)
        client = dev_client
        (cargo,) = offers_1688(client, 1)
        (line,) = items_taobao(client, 1)
        start = w.available()
        o1688 = paid_1688(w, cargo, "e2e-wh-1688")
        otb = paid_taobao(w, line, "e2e-wh-tb")
        goods = o1688["baseInfo"]["totalAmount"] + otb["purchaseAmount"]
        w.fund(50_000, "e2e-wh-freight")  # for the freight
        funded = start + goods + 50_000  # every fund is an adjustment of +its amount
        assert w.available() == funded - goods

        # quote, preview and book with both orders as the sources
        item = {"itemId": line["itemId"], "skuId": line["skuId"], "quantity": line["quantity"]}
        quotes = client.post(
            "/open/pp/logistics/itemLogisticsPrice",
            {**item, "receiverAddress": ABROAD, "currency": "CNY", "price": 1000},
        )["quotes"]
        service_id = quotes[0]["freightInfo"]["serviceId"]
        render_items = [
            {**item, "freightInfo": {"serviceId": service_id}, "currency": "CNY", "price": 1000}
        ]
        preview = client.post(
            "/open/pp/logistics/orderRenderFreight",
            {"receiverAddress": ABROAD, "renderItems": render_items},
        )
        quoted = preview["totalFreight"]
        booked = client.post(
            "/open/pp/logistics/orderBookingFreight",
            {
                "renderId": preview["renderId"],
                "lineItems": [{**item, "title": "goods", "currency": "CNY", "price": 1000}],
                "sourceOrders": [
                    {"platform": 1, "orderId": o1688["baseInfo"]["id"]},
                    {"platform": 0, "orderId": otb["orderId"]},
                ],
            },
        )
        lo = booked["logisticsOrderId"]
        assert booked["status"] == "awaiting_inbound" and booked["heldFreight"] == quoted
        house = booked["warehouse"]["warehouseCode"]

        # the sellers ship; the gateway learns the waybills from the feeds
        oid = o1688["baseInfo"]["id"]
        w.admin("/admin/sandbox/order/ship", {"platform": 1, "orderId": oid})
        (sales_order_id,) = otb["salesOrderIds"]
        w.admin("/admin/sandbox/order/ship", {"platform": 0, "orderId": sales_order_id})
        w.cb.wait(lambda _: "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS" in w.cb.for_order(oid))
        w.cb.wait(
            lambda ms: any(
                m["messageType"] == "TAOBAO_ORDER_STATUS_CHANGE"
                and m["messageBody"].get("orderId") == otb["orderId"]
                and m["messageBody"].get("status") == 11
                for m in ms
            )
        )
        detail = client.post("/alibaba/order/detail", {"webSite": "1688", "orderId": oid})
        bill_1688 = detail["nativeLogistics"]["logisticsItems"][0]["logisticsBillNo"]
        tb = client.get("/open/order/detail", {"orderId": otb["orderId"]})
        bill_tb = tb["subOrders"][0]["logisticNumber"]
        assert bill_1688 and bill_tb and bill_1688 != bill_tb

        # the warehouse scans both parcels: matched through the source orders
        parcels = []
        for bill, grams in ((bill_1688, 900), (bill_tb, 800)):
            p = w.admin(
                "/admin/warehouse/inbound/scan",
                {"warehouseCode": house, "trackingNo": bill, "weight": grams},
            )
            assert p["matched"] and p["logisticsOrderId"] == lo and p["matchedBy"] == "source"
            parcels.append(p["parcelId"])

        # packed heavier than quoted: the channel's tariff for the real package
        before_pack = w.available()
        packed = w.admin(
            "/admin/warehouse/pack",
            {
                "logisticsOrderId": lo,
                "parcelIds": parcels,
                "package": {"weight": 3_400, "length": 300, "width": 250, "height": 200},
            },
        )
        final = packed["finalFreight"]
        assert packed["status"] == "packed" and final > quoted
        assert packed["chargedFreight"] == final and packed["heldFreight"] == 0
        assert w.available() == before_pack - (final - quoted)

        shipped = w.admin(
            "/admin/warehouse/ship",
            {"logisticsOrderId": lo, "carrierName": "DHL", "internationalTrackingNo": "DHL123"},
        )
        assert shipped["status"] == "shipped"
        w.admin("/admin/warehouse/track", {"logisticsOrderId": lo, "status": "in_transit"})
        done = w.admin("/admin/warehouse/track", {"logisticsOrderId": lo, "status": "delivered"})
        assert done["status"] == "delivered"

        # the callbacks, in order: every step of the logistics order
        got = _shipments(
            w.cb.wait(
                lambda ms: any(
                    m["messageType"] == ISU and m["messageBody"]["currentStatus"] == "delivered"
                    for m in _shipments(ms, lo)
                )
            ),
            lo,
        )
        assert [m["messageType"] for m in got].count(WPR) == 2
        steps = [m["messageBody"]["currentStatus"] for m in got if m["messageType"] == ISU]
        assert steps == [
            "awaiting_inbound",
            "inbound",
            "packed",
            "shipped",
            "shipped",
            "delivered",
        ]
        seqs = [m["messageBody"]["sequence"] for m in got]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        assert {m["messageBody"]["trackingNo"] for m in got if m["messageType"] == WPR} == {
            bill_1688,
            bill_tb,
        }

        # money: what came in less the goods and the final freight is what is left
        assert w.available() == funded - goods - final
        assert client.balance()["heldAmount"] == 0
        entries = client.get("/open/account/ledger", {"logisticsOrderId": lo, "pageSize": 20})
        kinds = sorted((e["type"], e["amount"], e["heldDelta"]) for e in entries["data"])
        assert kinds == sorted(
            [("hold", -quoted, quoted), ("capture", 0, -quoted), ("capture", quoted - final, 0)]
        )
