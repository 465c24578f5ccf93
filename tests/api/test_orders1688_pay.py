"""6.8 pay URL and 6.9 bulk pay through the signed API, and the reconciler (12.13, 12.14):
holds, captures and releases, per-order results in input order, messages, faults."""

from __future__ import annotations

import json

from sqlalchemy import select

from daigou.marketplace import port as P
from daigou.messages.models import OutboxMessage
from daigou.wallet.models import Hold
from tests.support.api import assert_error, assert_ok, field_names
from tests.support.orders1688 import (
    BULK,
    DETAIL,
    balance,
    bulk,
    create,
    fund,
    make_orders,
    merchants,
)
from tests.support.reconcile import reconciler_of

PAY_URL = "/alibaba/order/pay/url"


def detail(api, dev, order_id):
    return assert_ok(api.call(dev, "POST", DETAIL, body={"webSite": "1688", "orderId": order_id}))


def types_of(db, object_id: str) -> list[str]:
    with db.reading() as conn:
        return list(
            conn.execute(
                select(OutboxMessage.message_type)
                .where(OutboxMessage.object_id == object_id)
                .order_by(OutboxMessage.seq)
            ).scalars()
        )


def batch_message(db, batch_id: str) -> list[dict]:
    with db.reading() as conn:
        bodies = list(
            conn.execute(
                select(OutboxMessage.body).where(
                    OutboxMessage.object_id == batch_id,
                    OutboxMessage.message_type == "ORDER_BATCH_PAY",
                )
            ).scalars()
        )
    return [json.loads(b) for b in bodies]


def holds(db, order_id: str) -> list[tuple[str, int, int, int]]:
    with db.reading() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(Hold.status, Hold.amount, Hold.captured, Hold.released)
                .where(Hold.order_id == order_id)
                .order_by(Hold.id)
            )
        ]


def test_bulk_pay_pays_what_the_balance_covers_in_input_order(api, dev, settings, db):
    cheap = sorted(make_orders(api, dev, settings, 3), key=lambda o: o[1])
    (a, ta), (c, tc), (b, tb) = cheap  # b is the dearest
    assert tb > tc, "the test needs three different totals"
    fund(api, dev, ta + tc)  # enough for a and c, not for b after a
    data = assert_ok(bulk(api, dev, [a, b, c]))
    assert data["successOrderIds"] == [a, c]
    assert data["payFailOrders"] == [
        {"orderId": b, "errorReason": "账户额度不足", "errorCode": "ACCOUNT_BALANCE_NOT_ENOUGH"}
    ]
    results = data["results"]
    assert [r["index"] for r in results] == [0, 1, 2]
    assert [r["key"] for r in results] == [a, b, c]
    assert [r["success"] for r in results] == [True, False, True]
    assert results[1]["code"] == 40201 and results[1]["payState"] == "none"
    assert results[0]["status"] == "waitsellersend" and results[0]["payState"] == "paid"
    money = balance(api, dev)
    assert money["availableAmount"] == 0 and money["heldAmount"] == 0
    assert holds(db, a) == [("captured", ta, ta, 0)] and holds(db, b) == []
    paid = detail(api, dev, a)
    assert paid["baseInfo"]["status"] == "waitsellersend"
    assert paid["gatewayInfo"]["payState"] == "paid" and paid["gatewayInfo"]["paidAmount"] == ta
    assert types_of(db, a) == ["ORDER_BUYER_VIEW_BUYER_MAKE", "ORDER_BUYER_VIEW_ORDER_PAY"]
    assert types_of(db, b) == ["ORDER_BUYER_VIEW_BUYER_MAKE"]
    (msg,) = batch_message(db, data["batchId"])
    assert msg["batchPay"] == [
        {"orderId": a, "status": "successed"},
        {"orderId": b, "status": "ACCOUNT_BALANCE_NOT_ENOUGH"},
        {"orderId": c, "status": "successed"},
    ]


def test_error_reasons_are_messages_in_chinese_or_english_with_the_code_beside(api, dev, settings):
    ((a, _),) = make_orders(api, dev, settings, 1)
    r = api.call(
        dev, "POST", BULK, body={"orderIds": ["3999", a]}, extra={"Accept-Language": "en-GB,en"}
    )
    (failed,) = assert_ok(r)["payFailOrders"]
    assert failed == {
        "orderId": "3999",
        "errorReason": "The order does not exist.",
        "errorCode": "ORDER_NOT_FOUND",
    }
    r = api.call(dev, "POST", BULK, body={"orderIds": ["3998"]}, extra={"Accept-Language": "zh"})
    assert assert_ok(r)["payFailOrders"][0]["errorReason"] == "订单不存在"


def test_paying_again_is_a_success_that_moves_no_money(api, dev, settings, db):
    """A retry after a lost answer must not mark a paid order as failed (issue 15)."""
    ((a, ta),) = make_orders(api, dev, settings, 1)
    assert assert_ok(bulk(api, dev, [a]))["successOrderIds"] == [a]
    before = balance(api, dev)
    again = assert_ok(bulk(api, dev, [a]))
    assert again["successOrderIds"] == [a] and again["payFailOrders"] == []
    (item,) = again["results"]
    assert (item["code"], item["success"], item["reasonCode"]) == (200, True, "ALREADY_PAID")
    assert item["payState"] == "paid"
    (msg,) = batch_message(db, again["batchId"])
    assert msg["batchPay"] == [{"orderId": a, "status": "successed"}]
    assert balance(api, dev) == before
    assert holds(db, a) == [("captured", ta, ta, 0)]


def test_unknown_and_foreign_orders_fail_per_item_and_the_rest_is_paid(api, dev, settings):
    ((a, _),) = make_orders(api, dev, settings, 1)
    other = api.create_developer(topup=100_000)
    ((foreign, _),) = make_orders(api, other, settings, 1)
    data = assert_ok(bulk(api, dev, ["3999", foreign, a]))
    assert data["successOrderIds"] == [a]
    reasons = [(f["orderId"], f["errorCode"]) for f in data["payFailOrders"]]
    assert reasons == [("3999", "ORDER_NOT_FOUND"), (foreign, "ORDER_NOT_FOUND")]
    assert {f["errorReason"] for f in data["payFailOrders"]} == {"订单不存在"}
    assert [r["code"] for r in data["results"]] == [40401, 40401, 200]
    assert data["results"][1]["status"] is None  # nothing of the other's order is revealed
    theirs = detail(api, other, foreign)
    assert theirs["gatewayInfo"]["payState"] == "none"
    assert balance(api, other)["availableAmount"] == 100_000


def test_bulk_pay_validates_its_input(api, dev):
    r = bulk(api, dev, ["1", "2", "1"])
    assert_error(r, 40001)
    assert field_names(r.json()) == ["orderIds[2]"]
    assert_error(bulk(api, dev, [str(10**6 + i) for i in range(101)]), 40003)
    assert_error(bulk(api, dev, []), 40001)
    assert_error(bulk(api, dev, ["12a"]), 40001)


def test_a_marketplace_refusal_releases_the_hold(api, dev, settings, db):
    ((a, ta),) = make_orders(api, dev, settings, 1)
    # the seller changes the price; the record has not caught up: the pay is refused
    modify = {"platform": 1, "orderId": a, "totalAmount": ta - 1}
    assert_ok(api.admin("POST", "/admin/sandbox/order/price/modify", modify))
    data = assert_ok(bulk(api, dev, [a]))
    (failed,) = data["payFailOrders"]
    assert (failed["orderId"], failed["errorCode"]) == (a, "PRICE_CHANGED")
    assert holds(db, a) == [("released", ta, 0, ta)]
    assert balance(api, dev)["availableAmount"] == 100_000


def test_a_marketplace_error_is_reported_with_its_code(api, dev, settings, db):
    ((a, ta),) = make_orders(api, dev, settings, 1)
    fault = {"operation": "1688.order.pay", "mode": "error", "upstreamCode": "SYSTEM_BUSY"}
    assert_ok(api.admin("POST", "/admin/sandbox/fault/inject", fault))
    data = assert_ok(bulk(api, dev, [a]))
    (item,) = data["results"]
    assert item["code"] == 50201 and item["reasonCode"] == "SYSTEM_BUSY"
    assert item["upstreamCode"] == "SYSTEM_BUSY"
    assert holds(db, a) == [("released", ta, 0, ta)]
    # it can be paid again afterwards, under a new hold
    assert assert_ok(bulk(api, dev, [a]))["successOrderIds"] == [a]
    assert holds(db, a) == [("released", ta, 0, ta), ("captured", ta, ta, 0)]


def test_a_lost_answer_keeps_the_hold_until_the_reconciler_settles_it(api, dev, settings, db, app):
    (a, ta), (b, tb) = make_orders(api, dev, settings, 2)
    fault = {"operation": "1688.order.pay", "mode": "timeout_after_commit", "count": 1}
    assert_ok(api.admin("POST", "/admin/sandbox/fault/inject", fault))
    data = assert_ok(bulk(api, dev, [a]))
    # in exactly one list: failed, with the code that says not to pay it again
    assert data["successOrderIds"] == []
    (unknown,) = data["payFailOrders"]
    assert (unknown["orderId"], unknown["errorCode"]) == (a, "PAY_RESULT_UNKNOWN")
    assert "请勿重复支付" in unknown["errorReason"]
    (item,) = data["results"]
    assert item["code"] == 50401 and item["payState"] == "held"
    assert detail(api, dev, a)["gatewayInfo"]["pendingOperation"] == "pay"
    assert balance(api, dev)["heldAmount"] == ta
    assert batch_message(db, data["batchId"]) == []  # not every order is settled yet
    # another pay of the same order while unknown: pending, no second hold
    again = assert_ok(bulk(api, dev, [a, b]))
    assert again["results"][0]["reasonCode"] == "PAY_RESULT_UNKNOWN"
    assert again["successOrderIds"] == [b]
    assert batch_message(db, again["batchId"]) == []  # it waits for a's payment too
    listed = assert_ok(api.admin("GET", "/admin/reconcile/list", {"objectType": "order1688"}))
    (op,) = listed["data"]
    assert op["objectId"] == a and op["operation"] == "pay" and op["developId"] == dev.develop_id
    done = assert_ok(api.admin("POST", "/admin/reconcile/run", {"operationId": op["operationId"]}))
    assert done["outcome"] == "succeeded"
    assert done["object"]["gatewayInfo"]["payState"] == "paid"
    assert holds(db, a) == [("captured", ta, ta, 0)]
    money = balance(api, dev)
    assert money["heldAmount"] == 0 and money["availableAmount"] == 100_000 - ta - tb
    (msg,) = batch_message(db, data["batchId"])
    assert msg["batchPay"] == [{"orderId": a, "status": "successed"}]
    # the later batch that found a's payment in flight reports its final status too
    (later,) = batch_message(db, again["batchId"])
    assert later["batchPay"] == [
        {"orderId": a, "status": "successed"},
        {"orderId": b, "status": "successed"},
    ]
    assert types_of(db, a).count("ORDER_BUYER_VIEW_ORDER_PAY") == 1
    assert assert_ok(api.admin("GET", "/admin/reconcile/list", {}))["data"] == []
    # asking again about a settled operation changes nothing
    again = assert_ok(api.admin("POST", "/admin/reconcile/run", {"operationId": op["operationId"]}))
    assert again["outcome"] == "succeeded" and holds(db, a) == [("captured", ta, ta, 0)]


def test_a_timeout_with_nothing_done_is_paid_by_the_reconciler_once(api, dev, settings, db, app):
    ((a, ta),) = make_orders(api, dev, settings, 1)
    fault = {"operation": "1688.order.pay", "mode": "timeout", "count": 1}
    assert_ok(api.admin("POST", "/admin/sandbox/fault/inject", fault))
    assert assert_ok(bulk(api, dev, [a]))["results"][0]["code"] == 50401
    reconciler = reconciler_of(app, db)
    assert reconciler.run_once() == 0  # not due yet (first check after 5 s)
    assert_ok(api.admin("POST", "/admin/sandbox/clock/advance", {"seconds": 10}))
    assert reconciler.run_once() == 1
    assert holds(db, a) == [("captured", ta, ta, 0)]
    assert app.state.marketplace.order(P.Platform.ALIBABA, a).paid_ms is not None
    assert reconciler.run_once() == 0


def test_pay_url_pays_one_order_or_answers_its_error(api, dev, settings, db):
    (a, ta), (b, tb) = make_orders(api, dev, settings, 2)
    fund(api, dev, ta)
    data = assert_ok(api.call(dev, "GET", PAY_URL, params={"orderId": a}))
    assert data["protocolPaySuccess"] is True and data["payUrl"] is None
    assert data["orderId"] == a and data["cantPayOrderList"] == []
    r = api.call(dev, "GET", PAY_URL, params={"orderId": b})
    body = assert_error(r, 40201)
    assert body["data"]["reasonCode"] == "ACCOUNT_BALANCE_NOT_ENOUGH"
    assert holds(db, b) == []
    fund(api, dev, tb)
    both = assert_ok(api.call(dev, "POST", PAY_URL, body={"orderIds": [a, b]}))
    # a was paid through the gateway already: a success that moves no money
    assert both["protocolPaySuccess"] is True and both["cantPayOrderList"] == []
    assert [r["success"] for r in both["results"]] == [True, True]
    assert both["results"][0]["reasonCode"] == "ALREADY_PAID"
    assert holds(db, a) == [("captured", ta, ta, 0)]
    assert_error(api.call(dev, "GET", PAY_URL, params={"orderId": f"{a},x"}), 40001)
    assert_error(api.call(dev, "GET", PAY_URL, params={"orderId": f"{a},{a}"}), 40001)


def test_a_held_order_cannot_be_cancelled(api, dev, settings):
    ((a, _),) = make_orders(api, dev, settings, 1)
    fault = {"operation": "1688.order.pay", "mode": "timeout", "count": 1}
    assert_ok(api.admin("POST", "/admin/sandbox/fault/inject", fault))
    assert_ok(bulk(api, dev, [a]))
    body = {"orderId": a, "cancelReason": "buyerCancel"}
    assert_error(api.call(dev, "POST", "/alibaba/order/cancel", body=body), 40901)


def test_a_sub_account_pays_only_its_own_orders(api, dev, settings):
    for user in ("alice", "bob"):
        body = {"userId": user, "userName": user}
        assert_ok(api.call(dev, "POST", "/open/subaccount/addOrUpdate", body=body))
    ((_, lines),) = merchants(settings, 1, 1)
    made = assert_ok(create(api, dev, lines, user_id="alice"))["orderId"]
    data = assert_ok(bulk(api, dev, [made], user_id="bob"))
    assert data["results"][0]["code"] == 40302
    assert data["payFailOrders"] == [
        {"orderId": made, "errorReason": "订单属于其他子账号", "errorCode": "ORDER_NOT_YOURS"}
    ]
    assert detail(api, dev, made)["gatewayInfo"]["payState"] == "none"
    assert assert_ok(bulk(api, dev, [made], user_id="alice"))["successOrderIds"] == [made]
