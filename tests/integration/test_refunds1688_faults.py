"""1688 refund writes whose answer the marketplace lost (CONTRACT section 8): a create, a cancel
and a goods return that took effect but timed out answer 50401 with ``pendingOperation``; they
are settled by querying the marketplace (the reconciler, 12.14, or the caller's next call once
the first is over), never by sending the write again: the refund is recorded once, each move is
reported once, and the marketplace got each write once. A create that was never made is given
up after the reconciler's hour and may be asked again."""

from __future__ import annotations

from sqlalchemy import select

from daigou.marketplace import port as P
from daigou.marketplace.calls import MarketCall
from tests.support.api import assert_error, assert_ok
from tests.support.reconcile import reconciler_of
from tests.support.refunds1688 import (
    CANCEL,
    IN_SALES,
    RETURN,
    advance,
    applied,
    apply_for,
    entry_ids,
    fault,
    messages_of,
    paid_order,
    refund,
    refund_body,
    run_feed,
    seller,
    ship,
)

RECONCILE_LIST = "/admin/reconcile/list"


def market_refunds(app, order_id: str) -> tuple[P.MarketRefund, ...]:
    return app.state.marketplace.order_refunds(P.Platform.ALIBABA, order_id)


def calls(app, db, operation: str) -> int:
    """How many times the gateway asked the marketplace ``operation`` (its call log)."""
    app.state.gateway.call_log.flush()
    with db.reading() as conn:
        rows = conn.execute(select(MarketCall.id).where(MarketCall.operation == operation))
        return len(rows.all())


def open_operations(api) -> list[dict]:
    return assert_ok(api.admin("GET", RECONCILE_LIST, {"objectType": "refund1688"}))["data"]


def settle(api, operation_id: str) -> dict:
    body = {"operationId": operation_id}
    return assert_ok(api.admin("POST", "/admin/reconcile/run", body))


def page_ids(api, dev) -> list[str]:
    data = assert_ok(api.call(dev, "POST", "/alibaba/refund/page", body={}))["data"]
    return [r["refundId"] for r in data]


def test_a_lost_create_is_recorded_once_by_the_reconciler(api, dev, settings, db, app):
    view = paid_order(api, dev, settings, lines=2)
    order_id, (a, b) = view["baseInfo"]["id"], entry_ids(view)
    body = refund_body(order_id, [a], 100)
    fault(api, "1688.refund.create")
    data = assert_error(apply_for(api, dev, body), 50401)["data"]
    assert (data["pendingOperation"], data["orderId"]) == ("create", order_id)
    (made,) = market_refunds(app, order_id)  # the marketplace made it; the gateway does not know
    assert page_ids(api, dev) == []
    (op,) = open_operations(api)
    assert (op["operation"], op["objectId"], op["state"]) == ("create", order_id, "unknown")
    # the reconciler reads the order's refunds and records the one made
    assert settle(api, op["operationId"])["outcome"] == "succeeded"
    assert open_operations(api) == []
    assert page_ids(api, dev) == [made.refund_id]
    shown = assert_ok(refund(api, dev, made.refund_id))
    assert shown["pendingOperation"] is None and shown["applyPayment"] == 100
    assert [m["type"] for m in messages_of(db, made.refund_id)] == [IN_SALES]
    assert [o["operateType"] for o in shown["operations"]] == ["apply"]
    run_feed(app)  # its push changes nothing
    assert [m["type"] for m in messages_of(db, made.refund_id)] == [IN_SALES]
    assert len(market_refunds(app, order_id)) == 1
    assert calls(app, db, "create_refund") == 1
    # settled, the order takes a refund of its other line
    applied(api, dev, refund_body(order_id, [b], 100))
    assert len(market_refunds(app, order_id)) == 2


def test_a_create_asked_again_settles_the_lost_one_by_reading_never_sends_it(
    api, dev, settings, db, app
):
    view = paid_order(api, dev, settings, lines=2)
    order_id, (a, b) = view["baseInfo"]["id"], entry_ids(view)
    body = refund_body(order_id, [a], 100)
    fault(api, "1688.refund.create")
    assert_error(apply_for(api, dev, body), 50401)
    (made,) = market_refunds(app, order_id)
    # the call is over: asked again, the earlier create is settled by reading the order's
    # refunds; it was made, and the answer names it
    err = assert_error(apply_for(api, dev, body), 40901)
    assert err["data"]["refundId"] == made.refund_id
    assert open_operations(api) == []
    assert page_ids(api, dev) == [made.refund_id]
    assert [m["type"] for m in messages_of(db, made.refund_id)] == [IN_SALES]
    assert calls(app, db, "create_refund") == 1
    # nothing pending any more: the other line is refunded at once
    applied(api, dev, refund_body(order_id, [b], 100))
    assert calls(app, db, "create_refund") == 2


def test_a_create_never_made_is_given_up_and_may_be_asked_again(api, dev, settings, db, app):
    view = paid_order(api, dev, settings, lines=1)
    order_id, (a,) = view["baseInfo"]["id"], entry_ids(view)
    body = refund_body(order_id, [a], 100)
    fault(api, "1688.refund.create", mode="timeout")  # nothing was done
    assert_error(apply_for(api, dev, body), 50401)
    (op,) = open_operations(api)
    # within the hour, nothing seen may still appear: it stays unknown
    assert settle(api, op["operationId"])["outcome"] == "unknown"
    advance(api, 2 * 3600)
    assert settle(api, op["operationId"])["outcome"] == "failed"
    assert page_ids(api, dev) == [] and market_refunds(app, order_id) == ()
    made = applied(api, dev, body)
    assert page_ids(api, dev) == [made["refundId"]]
    assert calls(app, db, "create_refund") == 2


def test_a_lost_cancel_is_settled_by_querying_and_reported_once(api, dev, settings, db, app):
    view = paid_order(api, dev, settings, lines=1)
    order_id, (a,) = view["baseInfo"]["id"], entry_ids(view)
    rid = applied(api, dev, refund_body(order_id, [a], 100))["refundId"]
    fault(api, "1688.refund.cancel")
    data = assert_error(api.call(dev, "POST", CANCEL, body={"refundId": rid}), 50401)["data"]
    assert (data["pendingOperation"], data["refundId"]) == ("cancel", rid)
    shown = assert_ok(refund(api, dev, rid))
    assert (shown["refundStatus"], shown["pendingOperation"]) == ("waitselleragree", "cancel")
    (at_market,) = market_refunds(app, order_id)
    assert at_market.status == "refundclose"
    # another write meanwhile is refused: the cancel's outcome comes first
    r = api.call(dev, "POST", RETURN, body={"refundId": rid, "logisticsCompanyNo": "SF",
                                             "freightBill": "SF1234567890"})  # fmt: skip
    assert assert_error(r, 40901)["data"]["pendingOperation"] == "cancel"
    (op,) = open_operations(api)
    assert (op["operation"], op["objectId"]) == ("cancel", rid)
    assert reconciler_of(app, db).run_one(op["operationId"]).outcome == "succeeded"
    shown = assert_ok(refund(api, dev, rid))
    assert (shown["refundStatus"], shown["pendingOperation"]) == ("refundclose", None)
    assert [o["operateType"] for o in shown["operations"]] == ["apply", "cancel"]
    run_feed(app)
    found = messages_of(db, rid)
    assert [(m["previousStatus"], m["currentStatus"]) for m in found] == [
        (None, "waitselleragree"),
        ("waitselleragree", "refundclose"),
    ]
    assert calls(app, db, "cancel_refund") == 1
    # settled: a cancel now is refused by the state, without a call
    assert_error(api.call(dev, "POST", CANCEL, body={"refundId": rid}), 40901)
    assert calls(app, db, "cancel_refund") == 1


def test_a_lost_goods_return_is_settled_by_the_next_call_without_sending_it_again(
    api, dev, settings, db, app
):
    view = paid_order(api, dev, settings, lines=1)
    order_id, (a,) = view["baseInfo"]["id"], entry_ids(view)
    ship(api, order_id)
    body = refund_body(
        order_id,
        [a],
        100,
        disputeRequest="returnRefund",
        goodsStatus="refundBuyerReceived",
        applyReasonId=1,
    )
    rid = applied(api, dev, body)["refundId"]
    seller(api, rid, "agree")
    run_feed(app)
    sent = {"refundId": rid, "logisticsCompanyNo": "YTO", "freightBill": "YT7512345678901"}
    fault(api, "1688.refund.return")
    data = assert_error(api.call(dev, "POST", RETURN, body=sent), 50401)["data"]
    assert data["pendingOperation"] == "returnGoods"
    (at_market,) = market_refunds(app, order_id)
    assert at_market.status == "waitsellerreceive"
    # the caller asks again: the gateway reads the refund (the waybill is there) and settles
    moved = assert_ok(api.call(dev, "POST", RETURN, body=sent))
    assert moved == {"refundId": rid, "refundStatus": "waitsellerreceive"}
    assert calls(app, db, "return_goods") == 1
    assert open_operations(api) == []
    shown = assert_ok(refund(api, dev, rid))
    assert shown["pendingOperation"] is None and shown["freightBill"] == "YT7512345678901"
    assert [o["operateType"] for o in shown["operations"]] == [
        "apply",
        "agreeReturn",
        "returnGoods",
    ]
    run_feed(app)
    statuses = [m["currentStatus"] for m in messages_of(db, rid)]
    assert statuses == ["waitselleragree", "waitbuyersend", "waitsellerreceive"]
