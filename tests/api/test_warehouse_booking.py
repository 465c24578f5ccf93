"""Booking international shipping (ENDPOINTS 11.3), declaring parcels (11.4), reading (11.5,
11.6) and cancelling (11.7) logistics orders, and the warehouses with the caller's mark (11.8):
the freight held and released, the gateway's own orders linked once, sub-accounts, and one
INTERNATIONAL_SHIPMENT_UPDATE per step with increasing sequence."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from daigou.messages.models import OutboxMessage
from daigou.wallet.models import Hold
from daigou.warehouse.models import RECEIVED, Parcel
from tests.support.api import assert_error, assert_ok
from tests.support.orders1688 import balance, fund, merchants
from tests.support.orders1688 import create as create_1688
from tests.support.taobao import created as created_taobao
from tests.support.taobao import shop_lines
from tests.support.warehouse import (
    ABROAD,
    CANCEL,
    CREATE_WAREHOUSE,
    DECLARE,
    PAGE,
    SHIPMENT,
    WAREHOUSES,
    book,
    booked,
    detail,
    goods,
    rendered,
)
from tests.support.warehouse_ops import index_waybill, messages_of, scan

SUBACCOUNT = "/open/subaccount/addOrUpdate"


def fields(err: dict[str, Any]) -> list[str]:
    return [e["field"] for e in err["data"]["errors"]]


def messages(db: Any, logistics_order_id: str) -> list[tuple[str, int, dict[str, Any]]]:
    with db.reading() as conn:
        rows = conn.execute(
            select(OutboxMessage.message_type, OutboxMessage.sequence, OutboxMessage.body)
            .where(OutboxMessage.order_key == f"logistics:{logistics_order_id}")
            .order_by(OutboxMessage.sequence)
        ).all()
    return [(t, n, json.loads(b)) for t, n, b in rows]


def hold_of(db: Any, logistics_order_id: str) -> tuple[str, int]:
    with db.reading() as conn:
        status, amount = conn.execute(
            select(Hold.status, Hold.amount).where(
                Hold.hold_key == f"logistics:{logistics_order_id}:freight"
            )
        ).one()
    return status, amount


def test_booking_holds_the_freight_and_cancelling_releases_it(api, dev, settings, db):
    lines = goods(settings)
    before = balance(api, dev)
    preview = rendered(api, dev, lines)
    order = assert_ok(
        book(api, dev, preview, lines, remark="gift", tmallOrderInfo={"tmallOrderId": "T-1"})
    )
    lo = order["logisticsOrderId"]
    freight = preview["totalFreight"]
    assert lo.startswith("LO") and order["status"] == "awaiting_inbound"
    assert order["quotedFreight"] == order["heldFreight"] == freight
    assert order["chargedFreight"] == 0 and order["finalFreight"] is None
    assert order["receiverAddress"]["country"] == "US" and order["remark"] == "gift"
    assert order["tmallOrderInfo"] == {"tmallOrderId": "T-1"}
    assert [ln["itemId"] for ln in order["lineItems"]] == [ln["itemId"] for ln in lines]
    assert order["freightInfo"]["serviceId"] == "EXP-DHL"
    house = order["warehouse"]
    assert house["warehouseCode"] == order["warehouseCode"] == "GZ-BY01"  # the default
    assert house["markCode"] == order["markCode"]
    assert house["receiver"]["fullName"].endswith(order["markCode"])
    assert house["receiver"]["districtCode"] == "440111"
    assert [t["status"] for t in order["trace"]] == ["awaiting_inbound"]
    after = balance(api, dev)
    assert after["availableAmount"] == before["availableAmount"] - freight
    assert after["heldAmount"] == before["heldAmount"] + freight
    assert hold_of(db, lo) == ("held", freight)
    # the preview is used: a second booking of it answers 40901
    err = assert_error(book(api, dev, preview, lines), 40901)
    assert "used" in err["msg"] and lo in err["msg"]

    cancelled = assert_ok(
        api.call(dev, "POST", CANCEL, body={"logisticsOrderId": lo, "reason": "changed my mind"})
    )
    assert cancelled["status"] == "cancelled" and cancelled["heldFreight"] == 0
    assert cancelled["cancelReason"] == "changed my mind"
    assert [t["status"] for t in cancelled["trace"]] == ["awaiting_inbound", "cancelled"]
    assert balance(api, dev) == before
    assert hold_of(db, lo) == ("released", freight)
    assert_error(api.call(dev, "POST", CANCEL, body={"logisticsOrderId": lo}), 40901)
    # one message per step, in order, each with the whole order at its sequence
    sent = messages(db, lo)
    assert [(t, n) for t, n, _ in sent] == [(SHIPMENT, 1), (SHIPMENT, 2)]
    assert [b["currentStatus"] for _, _, b in sent] == ["awaiting_inbound", "cancelled"]
    assert [b["previousStatus"] for _, _, b in sent] == [None, "awaiting_inbound"]
    assert [b["logisticsOrder"]["sequence"] for _, _, b in sent] == [1, 2]
    assert detail(api, dev, lo)["sequence"] == 2


def test_a_booking_the_wallet_cannot_cover_answers_40201_and_leaves_the_preview_usable(
    api, dev, settings
):
    lines = goods(settings, 1)
    preview = rendered(api, dev, lines)
    fund(api, dev, preview["totalFreight"] - 1)
    err = assert_error(book(api, dev, preview, lines), 40201)
    assert err["code"] == 40201
    assert assert_ok(api.call(dev, "POST", PAGE, body={}))["totalRecords"] == 0
    fund(api, dev, preview["totalFreight"])
    order = assert_ok(book(api, dev, preview, lines))
    assert order["heldFreight"] == preview["totalFreight"]
    assert balance(api, dev)["availableAmount"] == 0


def test_booking_lines_must_match_the_preview(api, dev, settings):
    lines = goods(settings)
    preview = rendered(api, dev, lines)
    err = assert_error(book(api, dev, preview, lines[:1]), 40001)
    assert fields(err) == ["lineItems"]
    swapped = [lines[0], {**lines[1], "quantity": lines[1]["quantity"] + 1}]
    assert fields(assert_error(book(api, dev, preview, swapped), 40001)) == ["lineItems[1]"]
    other = [{**lines[0], "freightInfo": {"serviceId": "SEA-STD"}}, lines[1]]
    err = assert_error(book(api, dev, preview, other), 40001)
    assert fields(err) == ["lineItems[0].freightInfo.serviceId"]
    moved = {"receiverAddress": {**ABROAD, "country": "DE"}}
    err = assert_error(book(api, dev, preview, lines, **moved), 40001)
    assert fields(err) == ["receiverAddress.country"]
    # none of those used the preview
    assert assert_ok(book(api, dev, preview, lines))["status"] == "awaiting_inbound"


def test_source_orders_are_the_callers_own_and_booked_once(api, dev, settings):
    fund(api, dev, 5_000_000)
    (taobao_lines,) = shop_lines(settings, shops=1, per=1)
    taobao = created_taobao(api, dev, taobao_lines)["orderId"]
    ((_, lines_1688),) = merchants(settings, 1, 1)
    order_1688 = assert_ok(create_1688(api, dev, lines_1688))["orderId"]
    lines = goods(settings, 1)
    sources = [{"platform": 0, "orderId": taobao}, {"platform": 1, "orderId": order_1688}]
    order = booked(api, dev, lines, sourceOrders=sources)
    assert {(s["platform"], s["orderId"]) for s in order["sourceOrders"]} == {
        (0, taobao),
        (1, order_1688),
    }
    # the same goods again: 40901 naming the source and the booking that has them
    preview = rendered(api, dev, lines)
    err = assert_error(book(api, dev, preview, lines, sourceOrders=[sources[1]]), 40901)
    assert fields(err) == ["sourceOrders[0].orderId"]
    assert order["logisticsOrderId"] in err["msg"]
    # unknown, another developer's, the wrong platform: 40001, alike
    other = api.create_developer(topup=100_000)
    theirs = assert_ok(create_1688(api, other, lines_1688))["orderId"]
    for bad in (
        {"platform": 1, "orderId": "1999999999999999999"},
        {"platform": 1, "orderId": theirs},
        {"platform": 0, "orderId": order_1688},
    ):
        err = assert_error(book(api, dev, preview, lines, sourceOrders=[bad]), 40001)
        assert fields(err) == ["sourceOrders[0].orderId"], err
    repeated = [sources[0], sources[0]]
    assert fields(assert_error(book(api, dev, preview, lines, sourceOrders=repeated), 40001)) == [
        "sourceOrders"
    ]
    bad_platform = [{"platform": 2, "orderId": taobao}]
    err = assert_error(book(api, dev, preview, lines, sourceOrders=bad_platform), 40001)
    assert fields(err) == ["sourceOrders[0].platform"]
    # cancelling frees them for a new booking
    lo = order["logisticsOrderId"]
    assert_ok(api.call(dev, "POST", CANCEL, body={"logisticsOrderId": lo}))
    again = assert_ok(book(api, dev, preview, lines, sourceOrders=sources))
    assert len(again["sourceOrders"]) == 2
    assert detail(api, dev, lo)["sourceOrders"] == order["sourceOrders"]  # kept, not live


def test_declaring_parcels_claims_unclaimed_ones_and_refuses_anothers(api, dev, settings, db):
    fund(api, dev, 5_000_000)
    lines = goods(settings, 1)
    first = booked(api, dev, lines)
    second = booked(api, dev, lines)
    lo = first["logisticsOrderId"]
    body = {
        "orderId": lo,
        "logisticInfos": [
            {"lineItem": lines[0], "logisticNumer": "SF1000000001"},
            {
                "domesticLogisticInfo": [
                    {
                        "logisticNumber": "YT2000000001",
                        "logisticCompanyName": "圆通",
                        "rtsTime": 1_700_000_000,
                    },
                    {"logisticNumer": "YT2000000002", "logisticCompanyName": "圆通"},
                ]
            },
        ],
    }
    out = assert_ok(api.call(dev, "POST", DECLARE, body=body))["results"]
    assert [r["success"] for r in out] == [True, True]
    assert [len(r["parcelIds"]) for r in out] == [1, 2]
    assert out[0]["key"] == "SF1000000001" and out[1]["index"] == 1
    seen = detail(api, dev, lo)
    assert {p["trackingNo"]: p["status"] for p in seen["parcels"]} == {
        "SF1000000001": "expected",
        "YT2000000001": "expected",
        "YT2000000002": "expected",
    }
    assert seen["status"] == "awaiting_inbound"
    # declaring again is harmless (the same parcels)
    again = assert_ok(api.call(dev, "POST", DECLARE, body=body))["results"]
    assert [r["parcelIds"] for r in again] == [r["parcelIds"] for r in out]
    # a number another logistics order declared fails alone
    body2 = {
        "orderId": second["logisticsOrderId"],
        "logisticInfos": [{"logisticNumer": "SF1000000001"}, {"logisticNumer": "SF1000000009"}],
    }
    out2 = assert_ok(api.call(dev, "POST", DECLARE, body=body2))["results"]
    assert [(r["success"], r["code"]) for r in out2] == [(False, 40901), (True, 200)]
    # a parcel the warehouse received unclaimed is claimed by declaring it
    with db.transaction() as s:
        s.add(
            Parcel(
                parcel_id="P0000000000000001",
                warehouse_code=second["warehouseCode"],
                tracking_no="ZT3000000001",
                status=RECEIVED,
                photos="[]",
                weight=1200,
                received_at=1,
                created_at=1,
                modified_at=1,
            )
        )
    body3 = {
        "orderId": second["logisticsOrderId"],
        "logisticInfos": [{"logisticNumer": "ZT3000000001"}],
    }
    (claimed,) = assert_ok(api.call(dev, "POST", DECLARE, body=body3))["results"]
    assert claimed["parcelIds"] == ["P0000000000000001"]
    now = detail(api, dev, second["logisticsOrderId"])
    assert now["status"] == "inbound"
    assert {p["trackingNo"]: p["status"] for p in now["parcels"]}["ZT3000000001"] == "received"
    sent = [(t, b.get("currentStatus")) for t, _, b in messages(db, second["logisticsOrderId"])]
    assert sent == [
        (SHIPMENT, "awaiting_inbound"),
        ("WAREHOUSE_PARCEL_RECEIVED", None),
        (SHIPMENT, "inbound"),
    ]
    # cancelling keeps the received parcel, unclaimed; the declarations not arrived go
    assert_ok(api.call(dev, "POST", CANCEL, body={"logisticsOrderId": second["logisticsOrderId"]}))
    with db.reading() as conn:
        left = conn.execute(
            select(Parcel.tracking_no, Parcel.logistics_order_id, Parcel.status).where(
                Parcel.warehouse_code == second["warehouseCode"],
                Parcel.tracking_no.in_(["ZT3000000001", "SF1000000009"]),
            )
        ).all()
    assert [tuple(r) for r in left] == [("ZT3000000001", None, "received")]
    # bad input
    assert_error(api.call(dev, "POST", DECLARE, body={"orderId": lo, "logisticInfos": []}), 40001)
    err = assert_error(
        api.call(dev, "POST", DECLARE, body={"orderId": lo, "logisticInfos": [{}]}), 40001
    )
    assert fields(err) == ["logisticInfos[0]"]
    # a cancelled order takes no declaration
    err = assert_error(api.call(dev, "POST", DECLARE, body=body3), 40901)
    assert "cancelled" in err["msg"]


def test_the_page_sub_accounts_and_warehouses(api, dev, settings):
    fund(api, dev, 5_000_000)
    for user in ("alice", "bob"):
        assert_ok(api.call(dev, "POST", SUBACCOUNT, body={"userId": user, "userName": user}))
    lines = goods(settings, 1)
    mine = [booked(api, dev, lines)["logisticsOrderId"] for _ in range(2)]
    alices = [booked(api, dev, lines, user_id="alice")["logisticsOrderId"] for _ in range(2)]
    assert_ok(api.call(dev, "POST", CANCEL, body={"logisticsOrderId": alices[0]}))
    # newest first, by cursor
    first = assert_ok(api.call(dev, "POST", PAGE, body={"pageSize": 3}))
    assert first["totalRecords"] == 4 and first["nextCursor"]
    rest = assert_ok(
        api.call(dev, "POST", PAGE, body={"pageSize": 3, "cursor": first["nextCursor"]})
    )
    assert rest["totalRecords"] is None and rest["nextCursor"] is None
    ids = [o["logisticsOrderId"] for o in first["data"] + rest["data"]]
    assert ids == list(reversed(mine + alices))
    times = [o["createTime"] for o in first["data"] + rest["data"]]
    assert times == sorted(times, reverse=True)
    # filters and sub-accounts
    page = assert_ok(api.call(dev, "POST", PAGE, body={"status": "cancelled"}))
    assert [o["logisticsOrderId"] for o in page["data"]] == [alices[0]]
    seen = assert_ok(api.call(dev, "POST", PAGE, body={}, user_id="alice"))
    assert {o["logisticsOrderId"] for o in seen["data"]} == set(alices)
    assert all(o["userId"] == "alice" for o in seen["data"])
    assert assert_ok(api.call(dev, "POST", PAGE, body={}, user_id="bob"))["data"] == []
    late = assert_ok(api.call(dev, "POST", PAGE, body={"createStartTime": times[0] + 1}))
    assert late["data"] == []
    assert_error(api.call(dev, "POST", PAGE, body={"status": "lost"}), 40001)
    # the main account reads and acts on its sub-account's order; a sibling may not
    assert detail(api, dev, alices[1])["userId"] == "alice"
    assert_error(
        api.call(
            dev,
            "GET",
            "/open/pp/logistics/order/detail",
            params={"logisticsOrderId": alices[1]},
            user_id="bob",
        ),
        40302,
    )
    # the warehouses carry each caller's own mark
    marks = {}
    for user in (None, "alice", "bob"):
        houses = assert_ok(api.call(dev, "GET", WAREHOUSES, user_id=user))["data"]
        assert [h["warehouseCode"] for h in houses] == ["GZ-BY01", "YW-FT01"]
        mark = houses[0]["markCode"]
        assert all(h["receiver"]["fullName"].endswith(" " + mark) for h in houses)
        assert "US" in houses[0]["serviceCountries"]
        marks[user] = mark
    assert len(set(marks.values())) == 3 and marks["alice"].startswith(marks[None])
    alice_order = detail(api, dev, alices[1])
    assert alice_order["markCode"].startswith(marks["alice"] + "-")


def test_the_operator_adds_a_warehouse(api, dev):
    body = {
        "warehouseCode": "SZ-LH01",
        "name": "Shenzhen Longhua",
        "districtCode": "440309",
        "address": "观澜街道 1 号",
        "contact": "深圳集运",
        "mobile": "13800138000",
        "serviceCountries": ["JP", "kr"],
    }
    made = assert_ok(api.admin("POST", CREATE_WAREHOUSE, body))
    assert made["origin"] == "operator" and made["serviceCountries"] == ["JP", "KR"]
    assert made["receiver"]["provinceText"] == "广东省" and made["receiver"]["areaText"] == "龙华区"
    assert_error(api.admin("POST", CREATE_WAREHOUSE, body), 40901)
    err = assert_error(
        api.admin(
            "POST", CREATE_WAREHOUSE, {**body, "warehouseCode": "X-1", "districtCode": "440300"}
        ),
        40001,
    )
    assert fields(err) == ["districtCode"]
    err = assert_error(
        api.admin(
            "POST", CREATE_WAREHOUSE, {**body, "warehouseCode": "X-2", "serviceCountries": ["XX"]}
        ),
        40001,
    )
    assert fields(err) == ["serviceCountries[0]"]
    codes = [h["warehouseCode"] for h in assert_ok(api.call(dev, "GET", WAREHOUSES))["data"]]
    assert codes == ["GZ-BY01", "SZ-LH01", "YW-FT01"]


def test_a_booking_claims_the_parcels_of_its_orders_that_arrived_before_it(api, dev, settings, db):
    """Goods often reach the warehouse before their owner books the shipment abroad: the scan
    holds them unclaimed, and the booking that names their order claims them (the order is
    ``inbound`` at once, and WAREHOUSE_PARCEL_RECEIVED is sent)."""
    fund(api, dev, 5_000_000)
    ((_, lines_1688),) = merchants(settings, 1, 1)
    order_1688 = assert_ok(create_1688(api, dev, lines_1688))["orderId"]
    index_waybill(db, dev.develop_id, "1688", order_1688, "YT7000000001")
    house = assert_ok(api.call(dev, "GET", "/open/pp/logistics/warehouse/list"))["data"][0]
    early = assert_ok(scan(api, "YT7000000001", warehouse=house["warehouseCode"], weight=700))
    assert early["matched"] is False and early["logisticsOrderId"] is None

    lines = goods(settings, 1)
    order = booked(api, dev, lines, sourceOrders=[{"platform": 1, "orderId": order_1688}])
    assert order["status"] == "inbound"
    (parcel,) = order["parcels"]
    assert (parcel["parcelId"], parcel["status"], parcel["matchedBy"]) == (
        early["parcelId"],
        "received",
        "source",
    )
    kinds = [t for t, _ in messages_of(db, order["logisticsOrderId"])]
    assert kinds == [
        "INTERNATIONAL_SHIPMENT_UPDATE",
        "WAREHOUSE_PARCEL_RECEIVED",
        "INTERNATIONAL_SHIPMENT_UPDATE",
    ]
