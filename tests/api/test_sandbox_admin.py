"""Operator sandbox controls over HTTP, ENDPOINTS 12.15 to 12.18 and 12.20 to 12.22. Orders and
refunds are made directly through the app's marketplace port (``app.state.marketplace``); the
routes act through the sandbox's controls (``app.state.sandbox``)."""

from __future__ import annotations

import pytest

from daigou.core.clock import wall_ms
from daigou.marketplace import port as P
from tests.support.api import assert_error, assert_ok
from tests.support.databases import ONE_BACKEND
from tests.support.gateway import ADMIN_TOKEN
from tests.support.seller import A, T, one_warehouse_draft, refund_draft

ADVANCE = "/admin/sandbox/clock/advance"
SHIP = "/admin/sandbox/order/ship"
PRICE = "/admin/sandbox/order/price/modify"
CLOSE = "/admin/sandbox/order/close"
REFUND_ACT = "/admin/sandbox/refund/act"
INJECT = "/admin/sandbox/fault/inject"
CLEAR = "/admin/sandbox/fault/clear"
ALL = (ADVANCE, SHIP, PRICE, CLOSE, REFUND_ACT, INJECT, CLEAR)


@pytest.fixture
def market(app, client):
    return app.state.marketplace


@pytest.fixture
def sandbox(app, client):
    return app.state.sandbox


@pytest.fixture
def clock(app, client):
    return app.state.clock


def post(api, path, body):
    return api.admin("POST", path, body)


def new_order(market, settings, platform=A, n=2, paid=False, shipped_by=None):
    (order,) = market.create_order(one_warehouse_draft(settings, platform, n)).orders
    if paid or shipped_by:
        assert market.pay(platform, order.order_id, order.total_fen, f"p-{order.order_id}").paid
    if shipped_by:
        shipped_by.ship(platform, order.order_id)
    return market.order(platform, order.order_id)


def code(platform: P.Platform) -> int:
    return 0 if platform == T else 1


# --- 12.15 -----------------------------------------------------------------------------------
def test_advance_fires_due_timers_in_time_order(api, market, clock, settings):
    order = new_order(market, settings)
    paid = new_order(market, settings, n=1, paid=True)
    before = clock.now_ms()
    data = assert_ok(post(api, ADVANCE, {"seconds": settings.sandbox_pay_timeout_seconds}))
    assert data["now"] >= before + settings.sandbox_pay_timeout_seconds * 1000
    assert set(data) == {"now", "fired"}
    times = [f["time"] for f in data["fired"]]
    assert times == sorted(times) and all(t <= data["now"] for t in times)
    assert all(set(f) == {"time", "kind", "objectId"} for f in data["fired"])
    kinds = {(f["kind"], f["objectId"]) for f in data["fired"]}
    assert ("pay_timeout", order.order_id) in kinds and ("ship", paid.order_id) in kinds
    assert market.order(A, order.order_id).status == "cancel"
    # to: an absolute time
    target = data["now"] + 60_000
    moved = assert_ok(post(api, ADVANCE, {"to": target}))
    assert moved["now"] == target or moved["now"] > target  # the base clock keeps running
    assert moved["now"] - target < 60_000


@ONE_BACKEND
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"seconds": 1, "to": 2**40},
        {"seconds": -1},
        {"seconds": "5"},
        {"seconds": 1.5},
        {"to": -1},
    ],
)
def test_advance_validation(api, body):
    assert_error(post(api, ADVANCE, body), 40001)


def test_advance_to_the_past_is_refused(api, clock):
    past = clock.now_ms() - 10_000
    body = assert_error(post(api, ADVANCE, {"to": past}), 40001)
    assert [e["field"] for e in body["data"]["errors"]] == ["to"]
    assert clock.now_ms() < wall_ms() + 5_000  # not moved


# --- 12.16 -----------------------------------------------------------------------------------
def test_ship_some_lines_then_the_rest_then_deliver(api, market, settings):
    order = new_order(market, settings, n=3, paid=True)
    first = order.lines[0].entry_id
    data = assert_ok(
        post(
            api,
            SHIP,
            {
                "platform": 1,
                "orderId": order.order_id,
                "lineIds": [first],
                "logisticsCompanyName": "圆通速递",
                "logisticsBillNo": "YT-0001",
            },
        )
    )
    assert data["baseInfo"]["id"] == order.order_id
    assert data["baseInfo"]["status"] == "waitsellersend"
    assert [i["logisticsStatus"] for i in data["productItems"]] == [2, 1, 1]
    (parcel,) = data["nativeLogistics"]["logisticsItems"]
    assert (parcel["logisticsCompanyName"], parcel["logisticsBillNo"]) == ("圆通速递", "YT-0001")
    assert parcel["subItemIds"] == [first] and parcel["signedTime"] is None
    data = assert_ok(post(api, SHIP, {"platform": 1, "orderId": order.order_id}))
    assert data["baseInfo"]["status"] == "waitbuyerreceive"
    assert data["baseInfo"]["allDeliveredTime"] is not None
    data = assert_ok(
        post(api, SHIP, {"platform": 1, "orderId": order.order_id, "stage": "delivered"})
    )
    parcels = data["nativeLogistics"]["logisticsItems"]
    assert len(parcels) == 2 and all(p["signedTime"] for p in parcels)
    topics = [m.topic for m in market.messages(A, None, 100).messages]
    assert "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS" in topics
    assert "LOGISTICS_BUYER_VIEW_TRACE" in topics
    # nothing left to ship or deliver
    body = assert_error(post(api, SHIP, {"platform": 1, "orderId": order.order_id}), 40901)
    assert body["data"]["upstreamCode"] == "ORDER_STATUS_ERROR"
    assert_error(
        post(api, SHIP, {"platform": 1, "orderId": order.order_id, "stage": "delivered"}), 40901
    )


def test_ship_a_taobao_order(api, market, settings):
    order = new_order(market, settings, T, n=1, paid=True)
    data = assert_ok(post(api, SHIP, {"platform": 0, "orderId": order.order_id}))
    assert data["salesOrderId"] == order.order_id and data["status"] == 11
    assert data["subOrders"][0]["logisticNumber"]
    assert market.messages(T, None, 100).messages[-2].topic == "TAOBAO_ORDER_STATUS_CHANGE"


def test_ship_errors(api, market, settings):
    assert_error(post(api, SHIP, {"platform": 1, "orderId": "3000000000000000001"}), 40401)
    unpaid = new_order(market, settings)
    body = assert_error(post(api, SHIP, {"platform": 1, "orderId": unpaid.order_id}), 40901)
    assert body["data"]["upstreamCode"] == "ORDER_STATUS_ERROR"
    assert body["data"]["upstreamMessage"]
    # the wrong platform does not find it
    assert_error(post(api, SHIP, {"platform": 0, "orderId": unpaid.order_id}), 40401)
    paid = new_order(market, settings, n=1, paid=True)
    assert_error(
        post(api, SHIP, {"platform": 1, "orderId": paid.order_id, "lineIds": ["123"]}), 40401
    )
    for bad in (
        {"platform": 2, "orderId": paid.order_id},
        {"platform": 1},
        {"platform": 1, "orderId": "abc"},
        {"platform": 1, "orderId": paid.order_id, "stage": "lost"},
        {"platform": 1, "orderId": paid.order_id, "lineIds": []},
        {"platform": 1, "orderId": paid.order_id, "logisticsBillNo": "no spaces"},
    ):
        assert_error(post(api, SHIP, bad), 40001)
    assert market.order(A, paid.order_id).status == "waitsellersend"


# --- 12.17 -----------------------------------------------------------------------------------
def test_price_modify(api, market, settings):
    order = new_order(market, settings, n=2)
    data = assert_ok(
        post(api, PRICE, {"platform": 1, "orderId": order.order_id, "totalAmount": 1234})
    )
    assert data["baseInfo"]["totalAmount"] == 1234
    line = order.lines[0]
    data = assert_ok(
        post(
            api,
            PRICE,
            {
                "platform": 1,
                "orderId": order.order_id,
                "lines": [{"lineId": line.entry_id, "price": line.unit_price_fen + 100}],
                "shippingFee": 0,
            },
        )
    )
    item = data["productItems"][0]
    assert item["price"] == line.unit_price_fen + 100
    assert item["itemAmount"] == item["price"] * line.quantity
    assert data["baseInfo"]["shippingFee"] == 0
    base = data["baseInfo"]
    assert base["totalAmount"] == base["sumProductPayment"] + 0 - base["discount"]
    assert market.order(A, order.order_id).total_fen == base["totalAmount"]
    msgs = [m for m in market.messages(A, None, 100).messages if m.topic.endswith("PRICE_MODIFY")]
    assert [m.data["totalAmount"] for m in msgs] == [1234, base["totalAmount"]]
    # a paid order's price is fixed
    market.pay(A, order.order_id, base["totalAmount"], "pay-after-modify")
    body = assert_error(
        post(api, PRICE, {"platform": 1, "orderId": order.order_id, "totalAmount": 1}), 40901
    )
    assert body["data"]["upstreamCode"] == "ORDER_STATUS_ERROR"


def test_price_modify_errors(api, market, settings):
    order = new_order(market, settings, n=1)
    oid = order.order_id
    for bad in (
        {"platform": 1, "orderId": oid},
        {"platform": 1, "orderId": oid, "totalAmount": 5, "lines": [{"lineId": "1", "price": 1}]},
        {"platform": 1, "orderId": oid, "totalAmount": 0},
        {"platform": 1, "orderId": oid, "lines": []},
        {"platform": 1, "orderId": oid, "lines": [{"lineId": "1", "price": 0}]},
        {"platform": 1, "orderId": oid, "totalAmount": 5, "shippingFee": -1},
    ):
        assert_error(post(api, PRICE, bad), 40001)
    assert_error(
        post(api, PRICE, {"platform": 1, "orderId": "3000000000000000001", "totalAmount": 5}),
        40401,
    )
    assert_error(
        post(api, PRICE, {"platform": 1, "orderId": oid, "lines": [{"lineId": "9", "price": 5}]}),
        40401,
    )
    assert market.order(A, oid).total_fen == order.total_fen


# --- 12.18 -----------------------------------------------------------------------------------
def test_close(api, market, settings):
    order = new_order(market, settings, n=1)
    data = assert_ok(post(api, CLOSE, {"platform": 1, "orderId": order.order_id}))
    base = data["baseInfo"]
    assert (base["status"], base["closeOperateType"], base["closeReason"]) == (
        "cancel",
        "seller",
        "sellerGoodsLack",
    )
    assert market.messages(A, None, 100).messages[-1].topic == "ORDER_BUYER_VIEW_ORDER_SELLER_CLOSE"
    body = assert_error(post(api, CLOSE, {"platform": 1, "orderId": order.order_id}), 40901)
    assert body["data"]["upstreamCode"] == "ORDER_STATUS_ERROR"
    tb = new_order(market, settings, T, n=1)
    data = assert_ok(post(api, CLOSE, {"platform": 0, "orderId": tb.order_id, "closeReason": "x"}))
    assert (data["status"], data["closeReason"]) == (4, "x")
    paid = new_order(market, settings, n=1, paid=True)
    assert_error(post(api, CLOSE, {"platform": 1, "orderId": paid.order_id}), 40901)
    assert_error(post(api, CLOSE, {"platform": 1, "orderId": "3000000000000000001"}), 40401)
    assert_error(
        post(api, CLOSE, {"platform": 1, "orderId": paid.order_id, "closeReason": ""}), 40001
    )


# --- 12.20 -----------------------------------------------------------------------------------
def test_refund_act(api, market, sandbox, settings):
    order = new_order(market, settings, n=2, shipped_by=sandbox)
    a, b = order.lines
    refund = market.create_refund(refund_draft(order, (a.entry_id,), dispute="returnRefund"))
    rid = refund.refund_id
    body = assert_error(
        post(api, REFUND_ACT, {"platform": 1, "refundId": rid, "action": "refuse"}), 40001
    )
    assert body["data"]["errors"]
    body = assert_error(
        post(api, REFUND_ACT, {"platform": 1, "refundId": rid, "action": "receiveGoods"}), 40901
    )
    assert body["data"]["upstreamCode"] == "REFUND_STATUS_ERROR"
    data = assert_ok(post(api, REFUND_ACT, {"platform": 1, "refundId": rid, "action": "agree"}))
    assert data["refundId"] == rid and data["refundStatus"] == "waitbuyersend"
    assert data["disputeRequest"] == "returnRefund" and data["orderEntryIds"] == [a.entry_id]
    market.return_goods(A, rid, "SF", "SF123")
    data = assert_ok(
        post(
            api,
            REFUND_ACT,
            {"platform": 1, "refundId": rid, "action": "receiveGoods", "refundAmount": 50},
        )
    )
    assert (data["refundStatus"], data["refundPayment"]) == ("refundsuccess", 50)

    other = market.create_refund(refund_draft(order, (b.entry_id,)))
    data = assert_ok(
        post(
            api,
            REFUND_ACT,
            {"platform": 1, "refundId": other.refund_id, "action": "refuse", "reason": "no"},
        )
    )
    assert (data["refundStatus"], data["sellerRefuseReason"]) == ("waitbuyermodify", "no")
    data = assert_ok(
        post(api, REFUND_ACT, {"platform": 1, "refundId": other.refund_id, "action": "close"})
    )
    assert data["refundStatus"] == "refundclose"
    assert_error(
        post(api, REFUND_ACT, {"platform": 1, "refundId": "TQ1", "action": "agree"}), 40401
    )
    assert_error(post(api, REFUND_ACT, {"platform": 0, "refundId": rid, "action": "agree"}), 40401)
    for bad in (
        {"platform": 1, "refundId": "R1", "action": "agree"},
        {"platform": 1, "refundId": rid, "action": "approve"},
        {"platform": 1, "refundId": rid, "action": "agree", "refundAmount": 0},
    ):
        assert_error(post(api, REFUND_ACT, bad), 40001)


def test_refund_act_on_a_taobao_refund(api, market, settings):
    order = new_order(market, settings, T, n=1, paid=True)
    refund = market.create_refund(refund_draft(order))
    data = assert_ok(
        post(api, REFUND_ACT, {"platform": 0, "refundId": refund.refund_id, "action": "agree"})
    )
    view = data["refundOrder"]
    assert (view["refundStatus"], view["refundType"], view["payOrderId"]) == (
        100,
        1,
        order.order_id,
    )
    assert market.order(T, order.order_id).status == "4"  # every line refunded: terminated


# --- 12.21 / 12.22 ---------------------------------------------------------------------------
def test_fault_inject_list_and_clear(api, market, settings):
    first = assert_ok(
        post(
            api,
            INJECT,
            {
                "operation": "1688.order.pay",
                "mode": "error",
                "upstreamCode": "ORDER_STATUS_ERROR",
                "upstreamMessage": "injected",
                "count": 2,
            },
        )
    )
    assert set(first) == {"faultId", "active"} and first["faultId"].startswith("flt_")
    (fault,) = first["active"]
    assert fault["faultId"] == first["faultId"]
    assert (fault["remaining"], fault["hits"], fault["probability"]) == (2, 0, 100)
    assert (fault["upstreamCode"], fault["developId"], fault["latencyMs"]) == (
        "ORDER_STATUS_ERROR",
        None,
        0,
    )
    assert isinstance(fault["createTime"], int)
    order = new_order(market, settings, n=1)
    with pytest.raises(P.MarketplaceError, match="ORDER_STATUS_ERROR"):
        market.pay(A, order.order_id, order.total_fen, "p1")
    second = assert_ok(
        post(
            api,
            INJECT,
            {"operation": "*", "mode": "latency", "latencyMs": 1, "count": 0, "developId": "D1"},
        )
    )
    active = {f["faultId"]: f for f in second["active"]}
    assert list(active) == [first["faultId"], second["faultId"]]
    assert (active[first["faultId"]]["remaining"], active[first["faultId"]]["hits"]) == (1, 1)
    assert (active[second["faultId"]]["remaining"], active[second["faultId"]]["developId"]) == (
        None,
        "D1",
    )
    assert assert_ok(post(api, CLEAR, {"faultIds": [first["faultId"], "flt_nope"]})) == {
        "cleared": 1
    }
    assert market.pay(A, order.order_id, order.total_fen, "p2").paid
    third = assert_ok(post(api, INJECT, {"operation": "taobao.*", "mode": "timeout"}))
    assert [f["faultId"] for f in third["active"]] == [second["faultId"], third["faultId"]]
    assert assert_ok(post(api, CLEAR, {})) == {"cleared": 2}
    assert assert_ok(post(api, CLEAR, {})) == {"cleared": 0}


@ONE_BACKEND
@pytest.mark.parametrize(
    "body",
    [
        {"operation": "*", "mode": "explode"},
        {"mode": "error"},
        {"operation": "*"},
        {"operation": "1688 order", "mode": "error"},
        {"operation": "*", "mode": "latency"},  # a latency needs latencyMs
        {"operation": "*", "mode": "error", "probability": 101},
        {"operation": "*", "mode": "error", "count": -1},
        {"operation": "*", "mode": "latency", "latencyMs": 60_001},
    ],
)
def test_fault_inject_validation(api, market, sandbox, body):
    assert_error(post(api, INJECT, body), 40001)
    assert sandbox.active_faults() == []  # nothing injected
    assert market.messages(A, None, 1) is not None
    assert assert_ok(post(api, CLEAR, {})) == {"cleared": 0}


def test_fault_clear_validation(api):
    assert_error(post(api, CLEAR, {"faultIds": []}), 40001)
    assert_error(post(api, CLEAR, {"faultIds": "flt_1"}), 40001)


# --- auth ------------------------------------------------------------------------------------
def test_the_sandbox_controls_need_the_admin_bearer(client):
    js = {"content-type": "application/json"}
    for path in ALL:
        for headers, expected in (
            ({}, 40100),
            ({"Authorization": ADMIN_TOKEN}, 40100),
            ({"Authorization": "Bearer wrong-token"}, 40101),
        ):
            r = client.post(path, content=b'{"seconds": 1}', headers={**js, **headers})
            assert_error(r, expected)
    # the refused advance did not move the clock
    assert client.app.state.clock.now_ms() < wall_ms() + 5_000
