"""6.2 create, 6.5 detail and 6.6 page through the signed API, against the sandbox seller:
business keys, replays, line failures, timeouts with the outcome unknown, messages, scoping."""

from __future__ import annotations

from sqlalchemy import select

from daigou.messages.models import OutboxMessage
from tests.support.api import assert_error, assert_ok
from tests.support.orders1688 import ADDRESS, CREATE, DETAIL, create, merchants

PAGE = "/alibaba/order/page"


def test_create_makes_a_waiting_order_with_its_message(api, dev, settings, db):
    ((seller, lines),) = merchants(settings, 1, 2)
    data = assert_ok(create(api, dev, lines, outOrderId="erp-1", message="gift wrap, please"))
    assert data["status"] == "waitbuyerpay" and data["replayed"] is False
    assert data["failedOfferList"] == [] and data["outOrderId"] == "erp-1"
    (listed,) = data["orderList"]
    assert (
        listed["orderId"] == data["orderId"] and listed["totalAmount"] == data["totalSuccessAmount"]
    )
    order = assert_ok(
        api.call(dev, "POST", DETAIL, body={"webSite": "1688", "orderId": data["orderId"]})
    )
    base, info = order["baseInfo"], order["gatewayInfo"]
    assert base["id"] == data["orderId"] and base["status"] == "waitbuyerpay"
    assert base["sellerOpenId"] == seller and len(order["productItems"]) == 2
    assert base["flow"] == "general" and base["buyerFeedback"] == "gift wrap, please"
    shipping = order["nativeLogistics"]
    assert (shipping["contactPerson"], shipping["mobile"]) == (
        ADDRESS["fullName"],
        ADDRESS["mobile"],
    )
    assert shipping["address"] == ADDRESS["address"] and shipping["logisticsItems"] == []
    assert info["outOrderId"] == "erp-1" and info["payState"] == "none"
    assert info["pendingOperation"] is None and info["sequence"] == 1
    with db.reading() as conn:
        (msg,) = conn.execute(
            select(OutboxMessage.message_type, OutboxMessage.order_key).where(
                OutboxMessage.object_id == data["orderId"]
            )
        ).all()
    assert tuple(msg) == ("ORDER_BUYER_VIEW_BUYER_MAKE", f"1688:{data['orderId']}")
    by_out = assert_ok(
        api.call(dev, "POST", DETAIL, body={"webSite": "1688", "outOrderId": "erp-1"})
    )
    assert by_out["baseInfo"]["id"] == data["orderId"]


def test_the_same_out_order_id_returns_the_same_orders_and_makes_nothing(api, dev, settings):
    ((_, lines),) = merchants(settings, 1, 1)
    first = assert_ok(create(api, dev, lines, outOrderId="erp-2"))
    again = assert_ok(create(api, dev, lines, outOrderId="erp-2"))
    assert again["replayed"] is True and again["orderId"] == first["orderId"]
    page = assert_ok(api.call(dev, "POST", PAGE, body={"outOrderId": "erp-2"}))
    assert page["totalRecords"] == 1


def test_another_sub_account_cannot_reuse_a_key_or_see_the_order(api, dev, settings):
    ((_, lines),) = merchants(settings, 1, 1)
    for user in ("alice", "bob"):
        assert_ok(
            api.call(
                dev, "POST", "/open/subaccount/addOrUpdate", body={"userId": user, "userName": user}
            )
        )
    made = assert_ok(create(api, dev, lines, user_id="alice", outOrderId="shared"))
    assert_error(create(api, dev, lines, user_id="bob", outOrderId="shared"), 40902)
    r = api.call(dev, "POST", DETAIL, body={"orderId": made["orderId"]}, user_id="bob")
    assert_error(r, 40302)
    assert assert_ok(api.call(dev, "POST", DETAIL, body={"orderId": made["orderId"]}))  # main
    other = api.create_developer()
    assert_error(api.call(other, "POST", DETAIL, body={"orderId": made["orderId"]}), 40401)
    bob_page = assert_ok(api.call(dev, "POST", PAGE, body={}, user_id="bob"))
    assert bob_page["data"] == []


def test_refused_lines_are_listed_and_nothing_orderable_is_40904(api, dev, settings):
    ((_, lines),) = merchants(settings, 1, 2)
    mixed = [lines[0], {**lines[1], "quantity": 999_999}]
    data = assert_ok(create(api, dev, mixed))
    (failed,) = data["failedOfferList"]
    assert failed["offerId"] == lines[1]["offerId"] and failed["errorCode"] == "STOCK_NOT_ENOUGH"
    r = create(api, dev, [{**lines[0], "quantity": 999_999}], outOrderId="nothing")
    assert_error(r, 40904)
    # nothing was made, so the key is free again
    assert assert_ok(create(api, dev, [lines[0]], outOrderId="nothing"))["replayed"] is False


def test_a_lost_answer_is_settled_by_the_next_call_with_the_same_key(api, dev, settings):
    ((_, lines),) = merchants(settings, 1, 1)
    fault = {"operation": "1688.order.create", "mode": "timeout_after_commit", "count": 1}
    assert_ok(api.admin("POST", "/admin/sandbox/fault/inject", fault))
    r = create(api, dev, lines, outOrderId="lost")
    assert_error(r, 50401)
    assert r.json()["data"]["pendingOperation"] == "create"
    # the marketplace made the order; the gateway learns it by the key and records it once
    settled = assert_ok(create(api, dev, lines, outOrderId="lost"))
    assert settled["replayed"] is True
    again = assert_ok(create(api, dev, lines, outOrderId="lost"))
    assert again["orderId"] == settled["orderId"]
    page = assert_ok(api.call(dev, "POST", PAGE, body={"outOrderId": "lost"}))
    assert page["totalRecords"] == 1


def test_a_lost_create_is_recorded_by_the_reconciler(api, dev, settings, db, app):
    from tests.support.reconcile import reconciler_of

    ((_, lines),) = merchants(settings, 1, 1)
    fault = {"operation": "1688.order.create", "mode": "timeout_after_commit", "count": 1}
    assert_ok(api.admin("POST", "/admin/sandbox/fault/inject", fault))
    assert_error(create(api, dev, lines, outOrderId="found-later"), 50401)
    listed = assert_ok(api.admin("GET", "/admin/reconcile/list", {"objectType": "order1688"}))
    (op,) = listed["data"]
    assert op["operation"] == "create" and op["objectId"] == "found-later"
    assert op["state"] == "unknown"
    assert_ok(api.admin("POST", "/admin/sandbox/clock/advance", {"seconds": 10}))
    assert reconciler_of(app, db).run_once() == 1
    page = assert_ok(api.call(dev, "POST", PAGE, body={"outOrderId": "found-later"}))
    (order,) = page["data"]
    assert order["baseInfo"]["outOrderId"] == "found-later"
    assert [t for t, _ in order_messages(db, order["baseInfo"]["id"])] == [
        "ORDER_BUYER_VIEW_BUYER_MAKE"
    ]
    again = assert_ok(create(api, dev, lines, outOrderId="found-later"))
    assert again["replayed"] is True and again["orderId"] == order["baseInfo"]["id"]
    assert assert_ok(api.admin("GET", "/admin/reconcile/list", {}))["data"] == []


def test_a_timeout_with_nothing_done_lets_the_retry_create(api, dev, settings):
    ((_, lines),) = merchants(settings, 1, 1)
    fault = {"operation": "1688.order.create", "mode": "timeout", "count": 1}
    assert_ok(api.admin("POST", "/admin/sandbox/fault/inject", fault))
    assert_error(create(api, dev, lines, outOrderId="retry"), 50401)
    made = assert_ok(create(api, dev, lines, outOrderId="retry"))
    assert made["replayed"] is False and made["status"] == "waitbuyerpay"


def test_the_page_is_newest_first_with_filters_and_a_cursor(api, dev, settings):
    ((seller, lines),) = merchants(settings, 1, 3)
    made = [assert_ok(create(api, dev, [ln]))["orderId"] for ln in lines]
    first = assert_ok(api.call(dev, "POST", PAGE, body={"pageSize": 2}))
    assert first["totalRecords"] == 3 and first["nextCursor"]
    rest = assert_ok(
        api.call(dev, "POST", PAGE, body={"pageSize": 2, "cursor": first["nextCursor"]})
    )
    seen = [o["baseInfo"]["id"] for o in first["data"] + rest["data"]]
    assert sorted(seen) == sorted(made) and len(set(seen)) == 3
    assert rest["totalRecords"] is None and rest["nextCursor"] is None
    assert assert_ok(api.call(dev, "POST", PAGE, body={"status": "success"}))["data"] == []
    assert_error(api.call(dev, "POST", PAGE, body={"status": "nonsense"}), 40001)
    same = assert_ok(api.call(dev, "POST", PAGE, body={"sellerOpenId": seller}))
    assert same["totalRecords"] == 3


def test_create_validates_its_input(api, dev, settings):
    ((_, lines),) = merchants(settings, 1, 1)
    body = {"addressParam": ADDRESS, "cargoParamList": lines}
    assert_error(api.call(dev, "POST", CREATE, body=body), 40001)  # flow is required
    assert_error(create(api, dev, lines, tradeType="fxassure"), 40001)
    assert_error(create(api, dev, lines, outOrderId="x" * 65), 40001)
    assert_error(api.call(dev, "POST", DETAIL, body={"webSite": "1688"}), 40001)


CANCEL = "/alibaba/order/cancel"
TRACE = "/alibaba/order/logistics/trace"


def _one_order(api, dev, settings, **extra) -> str:
    ((_, lines),) = merchants(settings, 1, 1)
    return assert_ok(create(api, dev, lines, **extra))["orderId"]


def test_cancel_closes_an_unpaid_order_with_its_message(api, dev, settings, db):
    order_id = _one_order(api, dev, settings)
    body = {"webSite": "1688", "orderId": order_id, "cancelReason": "buyerCancel"}
    data = assert_ok(api.call(dev, "POST", CANCEL, body=body))
    assert data == {"success": True, "orderId": order_id, "status": "cancel"}
    order = assert_ok(api.call(dev, "POST", DETAIL, body={"orderId": order_id}))
    assert order["baseInfo"]["status"] == "cancel" and order["gatewayInfo"]["sequence"] == 2
    with db.reading() as conn:
        types = [
            r[0]
            for r in conn.execute(
                select(OutboxMessage.message_type)
                .where(OutboxMessage.object_id == order_id)
                .order_by(OutboxMessage.sequence)
            )
        ]
    assert types == ["ORDER_BUYER_VIEW_BUYER_MAKE", "ORDER_BUYER_VIEW_ORDER_BUYER_CLOSE"]
    # cancelling again: the order is no longer unpaid
    assert_error(api.call(dev, "POST", CANCEL, body=body), 40901)


def order_messages(db, order_id: str) -> list[tuple[str, str]]:
    import json

    with db.reading() as conn:
        rows = conn.execute(
            select(OutboxMessage.message_type, OutboxMessage.body)
            .where(OutboxMessage.object_id == order_id)
            .order_by(OutboxMessage.sequence)
        ).all()
    return [(t, json.loads(b)["currentStatus"]) for t, b in rows]


def test_cancel_of_an_order_the_marketplace_already_moved_is_refused_and_mirrored(
    api, dev, settings, app, db
):
    from daigou.marketplace import port as P

    order_id = _one_order(api, dev, settings)
    market = app.state.marketplace
    total = market.order(P.Platform.ALIBABA, order_id).total_fen
    assert market.pay(P.Platform.ALIBABA, order_id, total, "outside").paid  # paid elsewhere
    body = {"orderId": order_id, "cancelReason": "other"}
    r = api.call(dev, "POST", CANCEL, body=body)
    assert_error(r, 40901)
    assert r.json()["data"]["upstreamCode"] == "ORDER_STATUS_ERROR"
    order = assert_ok(api.call(dev, "POST", DETAIL, body={"orderId": order_id}))
    assert order["baseInfo"]["status"] == "waitsellersend"  # the record caught up, forward
    assert order["gatewayInfo"]["pendingOperation"] is None
    # and reported the move with the message of the status it reached
    assert order_messages(db, order_id) == [
        ("ORDER_BUYER_VIEW_BUYER_MAKE", "waitbuyerpay"),
        ("ORDER_BUYER_VIEW_ORDER_PAY", "waitsellersend"),
    ]


def test_a_cancel_whose_answer_was_lost_is_settled_by_calling_again(api, dev, settings):
    order_id = _one_order(api, dev, settings)
    fault = {"operation": "1688.order.cancel", "mode": "timeout_after_commit", "count": 1}
    assert_ok(api.admin("POST", "/admin/sandbox/fault/inject", fault))
    body = {"orderId": order_id, "cancelReason": "buyerCancel"}
    r = api.call(dev, "POST", CANCEL, body=body)
    assert_error(r, 50401)
    order = assert_ok(api.call(dev, "POST", DETAIL, body={"orderId": order_id}))
    assert order["gatewayInfo"]["pendingOperation"] == "cancel"
    data = assert_ok(api.call(dev, "POST", CANCEL, body=body))
    assert data["status"] == "cancel"
    order = assert_ok(api.call(dev, "POST", DETAIL, body={"orderId": order_id}))
    assert order["gatewayInfo"]["pendingOperation"] is None


def test_cancel_and_trace_only_for_the_owner(api, dev, settings):
    order_id = _one_order(api, dev, settings)
    other = api.create_developer()
    body = {"orderId": order_id, "cancelReason": "buyerCancel"}
    assert_error(api.call(other, "POST", CANCEL, body=body), 40401)
    assert_error(api.call(other, "GET", TRACE, params={"orderId": order_id}), 40401)
    assert_error(api.call(dev, "POST", CANCEL, body={**body, "orderId": "3999"}), 40401)


def test_the_trace_shows_each_parcel_and_its_steps(api, dev, settings, app):
    from daigou.marketplace import port as P

    order_id = _one_order(api, dev, settings)
    before = assert_ok(api.call(dev, "GET", TRACE, params={"orderId": order_id}))
    assert before["logisticsTrace"] == []
    market = app.state.marketplace
    total = market.order(P.Platform.ALIBABA, order_id).total_fen
    market.pay(P.Platform.ALIBABA, order_id, total, "pay-trace")
    shipped = {"platform": 1, "orderId": order_id, "logisticsBillNo": "ZTO123456789"}
    assert_ok(api.admin("POST", "/admin/sandbox/order/ship", shipped))
    data = assert_ok(api.call(dev, "GET", TRACE, params={"orderId": order_id}))
    (parcel,) = data["logisticsTrace"]
    assert parcel["logisticsBillNo"] == "ZTO123456789" and parcel["logisticsSteps"]
    one = assert_ok(
        api.call(
            dev, "GET", TRACE, params={"orderId": order_id, "logisticsId": parcel["logisticsId"]}
        )
    )
    assert one["logisticsTrace"] == data["logisticsTrace"]
    r = api.call(dev, "GET", TRACE, params={"orderId": order_id, "logisticsId": "LPnope"})
    assert_error(r, 40401)


RECEIVE = "/alibaba/order/receivegoods"


def test_receipt_is_confirmed_once_shipped_and_reported(api, dev, settings, app, db):
    from daigou.marketplace import port as P

    order_id = _one_order(api, dev, settings)
    assert_error(api.call(dev, "POST", RECEIVE, body={"orderId": order_id}), 40901)
    market = app.state.marketplace
    total = market.order(P.Platform.ALIBABA, order_id).total_fen
    market.pay(P.Platform.ALIBABA, order_id, total, "pay-receive")
    assert_ok(api.admin("POST", "/admin/sandbox/order/ship", {"platform": 1, "orderId": order_id}))
    data = assert_ok(api.call(dev, "POST", RECEIVE, body={"orderId": order_id}))
    assert data == {"success": True, "errorInfo": "", "errorCode": "", "status": "confirm_goods"}
    assert [t for t, _ in order_messages(db, order_id)] == [
        "ORDER_BUYER_VIEW_BUYER_MAKE",
        # the record caught up with the seller: one message per step it had missed
        "ORDER_BUYER_VIEW_ORDER_PAY",
        "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS",
        "LOGISTICS_BUYER_VIEW_TRACE",
        "ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS",
    ]
    assert_error(api.call(dev, "POST", RECEIVE, body={"orderId": order_id}), 40901)
