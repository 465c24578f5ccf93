"""1688 after-sales through the signed API (ENDPOINTS 7.1, 7.3-7.7): reasons and limits, a
refund applied for, read, listed, returned and withdrawn; every bad input answered 40001 naming
its field, every move the refund's state does not allow 40901, and nothing asked of the
marketplace when the gateway can tell first. (7.2 vouchers: test_refunds1688_vouchers.py;
money and messages: test_refunds1688_money.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from daigou.marketplace import port as P
from tests.support.api import assert_error, assert_ok, field_names
from tests.support.orders1688 import create, merchants
from tests.support.refunds1688 import (
    CANCEL,
    CREATE,
    PAGE,
    RETURN,
    applied,
    apply_for,
    entry_ids,
    order,
    paid_order,
    reasons,
    refund,
    refund_body,
    run_feed,
    seller,
    ship,
)

VOUCHER = "https://img.example.com/evidence/1.jpg"


def ids(view: dict[str, Any]) -> tuple[str, list[str]]:
    return view["baseInfo"]["id"], entry_ids(view)


def market_refunds(app, order_id: str) -> tuple[P.MarketRefund, ...]:
    return app.state.marketplace.order_refunds(P.Platform.ALIBABA, order_id)


def page(api, dev, user_id=None, **body) -> dict[str, Any]:
    return assert_ok(api.call(dev, "POST", PAGE, body=body, user_id=user_id))


# --- 7.1 ----------------------------------------------------------------------------------------
def test_reasons_and_maxima_follow_the_lines_and_the_goods_status(api, dev, settings):
    view = paid_order(api, dev, settings, lines=2, times=2)
    order_id, (a, b) = ids(view)
    line_a, line_b = view["productItems"]
    data = assert_ok(reasons(api, dev, order_id, [a]))
    assert [r["id"] for r in data["reasons"]] == [1, 2]  # not received: no damage reasons
    assert set(data["reasons"][0]) == {"id", "name", "needVoucher", "noRefundCarriage", "tip"}
    assert data["maxApplyPayment"] == line_a["itemAmount"]
    assert data["maxApplyCarriage"] == view["baseInfo"]["shippingFee"]
    both = assert_ok(reasons(api, dev, order_id, [a, b]))
    assert both["maxApplyPayment"] == line_a["itemAmount"] + line_b["itemAmount"]
    received = assert_ok(reasons(api, dev, order_id, [a], goodsStatus="refundBuyerReceived"))
    assert [r["id"] for r in received["reasons"]] == [1, 3, 4, 5, 6]
    assert all(r["needVoucher"] for r in received["reasons"][1:])
    # ours: part of a line's quantity, at its unit price
    part = assert_ok(reasons(api, dev, order_id, [a], orderEntryCountList=[{"id": a, "count": 1}]))
    assert part["maxApplyPayment"] == line_a["price"]


def test_reasons_refuse_an_unpaid_order_and_lines_not_on_the_order(api, dev, settings):
    ((_, lines),) = merchants(settings, 1, 1)
    unpaid = assert_ok(create(api, dev, lines))["orderId"]
    body = reasons(api, dev, unpaid, ["1"])
    assert_error(body, 40901)
    assert_error(reasons(api, dev, "1999999999999999999", ["1"]), 40401)
    view = paid_order(api, dev, settings, lines=1)
    order_id, (a,) = ids(view)
    cases = [
        ({"orderEntryIds": ["42"]}, "orderEntryIds[0]"),
        ({"orderEntryIds": [a, a]}, "orderEntryIds[1]"),
        ({"orderEntryIds": []}, "orderEntryIds"),
        ({"goodsStatus": "lost"}, "goodsStatus"),
        ({"goodsStatus": "aftersaleBuyerReceived"}, "goodsStatus"),  # the trade is not over
        ({"orderEntryCountList": [{"id": "42", "count": 1}]}, "orderEntryCountList[0].id"),
        ({"orderEntryCountList": [{"id": a, "count": 0}]}, "orderEntryCountList[0].count"),
        ({"orderEntryCountList": [{"id": a, "count": 10**6}]}, "orderEntryCountList[0].count"),
        ({"orderId": "x1"}, "orderId"),
    ]
    for change, where in cases:
        r = reasons(api, dev, order_id, [a], **change)
        assert field_names(assert_error(r, 40001)) == [where], (change, r.text)


# --- 7.3 / 7.5 / 7.6 ----------------------------------------------------------------------------
def test_a_refund_is_applied_for_then_read_with_its_history_and_listed(api, dev, settings, app):
    view = paid_order(api, dev, settings, lines=2)
    order_id, (a, b) = ids(view)
    amount = view["productItems"][0]["itemAmount"]
    body = refund_body(order_id, [a], amount, applyCarriage=100, vouchers=[VOUCHER])
    made = assert_ok(apply_for(api, dev, body))
    rid = made["refundId"]
    assert rid.startswith("TQ")
    assert (made["refundStatus"], made["disputeRequest"], made["goodsStatus"]) == (
        "waitselleragree",
        "refund",
        "refundWaitSellerSend",
    )
    shown = made["refund"]
    assert shown["refundId"] == rid and shown["orderId"] == order_id
    assert shown["orderEntryIds"] == [a] and shown["orderEntryCountList"] == []
    assert (shown["applyPayment"], shown["applyCarriage"]) == (amount, 100)
    assert (shown["applyReasonId"], shown["vouchers"]) == (2, [VOUCHER])
    assert shown["afterSale"] is False and shown["sequence"] == 1
    assert shown["pendingOperation"] is None and shown["creditedAmount"] == 0
    (at_market,) = market_refunds(app, order_id)
    assert at_market.refund_id == rid and at_market.apply_payment_fen == amount

    detail = assert_ok(refund(api, dev, rid))
    assert {k: v for k, v in detail.items() if k != "operations"} == shown
    (applied_op,) = detail["operations"]
    assert applied_op["operateType"] == "apply" and applied_op["operator"] == "buyer"
    assert (applied_op["previousStatus"], applied_op["refundStatus"]) == (None, "waitselleragree")
    assert applied_op["vouchers"] == [VOUCHER]
    assert_error(refund(api, dev, "TQ99999999999999999"), 40401)
    assert field_names(assert_error(refund(api, dev, "123"), 40001)) == ["refundId"]

    # a second refund, of the other line; the page is newest first, by page or cursor
    second = applied(api, dev, refund_body(order_id, [b], 1))
    listed = page(api, dev)
    assert [r["refundId"] for r in listed["data"]] == [second["refundId"], rid]
    assert (listed["totalRecords"], listed["currentPage"], listed["nextCursor"]) == (2, 1, None)
    first = page(api, dev, pageSize=1)
    assert [r["refundId"] for r in first["data"]] == [second["refundId"]]
    rest = page(api, dev, cursor=first["nextCursor"], pageSize=1)
    assert [r["refundId"] for r in rest["data"]] == [rid]
    assert rest["totalRecords"] is None and rest["nextCursor"] is None
    assert page(api, dev, pageNo=2, pageSize=1)["data"][0]["refundId"] == rid
    # filters
    assert page(api, dev, orderId=order_id)["totalRecords"] == 2
    assert page(api, dev, orderId="1999999999999999999")["totalRecords"] == 0
    assert page(api, dev, refundStatus="waitselleragree,refundclose")["totalRecords"] == 2
    assert page(api, dev, refundStatus="refundsuccess")["totalRecords"] == 0
    assert page(api, dev, disputeRequest="returnRefund")["totalRecords"] == 0
    t0 = shown["gmtApply"]
    within = page(api, dev, applyStartTime=t0, applyEndTime=t0)["data"]
    assert rid in {r["refundId"] for r in within}
    assert page(api, dev, applyEndTime=t0 - 1)["totalRecords"] == 0
    for bad, where in (
        ({"refundStatus": "waiting"}, "refundStatus"),
        ({"disputeRequest": "both"}, "disputeRequest"),
        ({"pageSize": 101}, "pageSize"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"applyStartTime": 1.5}, "applyStartTime"),
    ):
        r = api.call(dev, "POST", PAGE, body=bad)
        assert field_names(assert_error(r, 40001)) == [where], bad


def test_every_bad_field_of_a_create_is_named_and_nothing_is_asked(api, dev, settings, app):
    view = paid_order(api, dev, settings, lines=2, times=2)
    order_id, (a, b) = ids(view)
    line_a = view["productItems"][0]
    most = assert_ok(reasons(api, dev, order_id, [a]))
    base = refund_body(order_id, [a], 100)
    cases = [
        ({"orderEntryIds": []}, "orderEntryIds"),
        ({"orderEntryIds": ["42"]}, "orderEntryIds[0]"),
        ({"orderEntryIds": [a, a]}, "orderEntryIds[1]"),
        ({"orderEntryIds": ["1.5"]}, "orderEntryIds[0]"),
        ({"disputeRequest": "exchange"}, "disputeRequest"),
        ({"disputeRequest": "returnRefund"}, "disputeRequest"),  # nothing was shipped
        ({"applyPayment": 0}, "applyPayment"),
        ({"applyPayment": 1.5}, "applyPayment"),
        ({"applyPayment": "100"}, "applyPayment"),
        ({"applyPayment": most["maxApplyPayment"] + 1}, "applyPayment"),
        ({"applyCarriage": -1}, "applyCarriage"),
        ({"applyCarriage": most["maxApplyCarriage"] + 1}, "applyCarriage"),
        ({"applyCarriage": 1, "applyReasonId": 1}, "applyCarriage"),  # reason 1: no freight
        ({"applyReasonId": 99}, "applyReasonId"),
        ({"applyReasonId": 3}, "applyReasonId"),  # damaged: not for goods not received
        (
            {"applyReasonId": 3, "goodsStatus": "refundBuyerReceived"},
            "vouchers",
        ),  # damaged needs a picture
        ({"description": "x"}, "description"),
        ({"description": "x" * 151}, "description"),
        ({"goodsStatus": "received"}, "goodsStatus"),
        ({"goodsStatus": "aftersaleBuyerNotReceived"}, "goodsStatus"),
        ({"vouchers": [VOUCHER] * 6}, "vouchers"),
        ({"vouchers": ["ftp://img.example.com/1.jpg"]}, "vouchers[0]"),
        ({"orderEntryCountList": [{"id": b, "count": 1}]}, "orderEntryCountList[0].id"),
        (
            {"orderEntryCountList": [{"id": a, "count": line_a["quantity"] + 1}]},
            "orderEntryCountList[0].count",
        ),
        (
            {"orderEntryCountList": [{"id": a, "count": 1}], "applyPayment": line_a["price"] + 1},
            "applyPayment",
        ),
    ]
    for change, where in cases:
        r = apply_for(api, dev, {**base, **change})
        assert field_names(assert_error(r, 40001)) == [where], (change, r.text)
    # several at once: each named
    r = apply_for(api, dev, {**base, "applyReasonId": 99, "applyPayment": 10**9})
    assert field_names(assert_error(r, 40001)) == ["applyReasonId", "applyPayment"]
    assert market_refunds(app, order_id) == ()
    assert page(api, dev)["totalRecords"] == 0
    # the same body, corrected, is taken
    assert applied(api, dev, base)["refundStatus"] == "waitselleragree"


def test_a_line_refunded_once_at_a_time_and_an_order_over_is_not_refundable(
    api, dev, settings, app
):
    view = paid_order(api, dev, settings, lines=2)
    order_id, (a, b) = ids(view)
    first = applied(api, dev, refund_body(order_id, [a], 100))
    for path, body in (
        (CREATE, refund_body(order_id, [a, b], 100)),
        ("/alibaba/refund/reason/list", {**refund_body(order_id, [a], 1)}),
    ):
        r = api.call(dev, "POST", path, body=body)
        data = assert_error(r, 40901)["data"]
        assert (data["orderEntryId"], data["refundStatus"]) == (a, "waitselleragree")
    assert len(market_refunds(app, order_id)) == 1
    # withdrawn, the line may be refunded again
    gone = assert_ok(api.call(dev, "POST", CANCEL, body={"refundId": first["refundId"]}))
    assert gone == {"refundId": first["refundId"], "refundStatus": "refundclose"}
    again = applied(api, dev, refund_body(order_id, [a, b], 100))
    assert again["refundId"] != first["refundId"]
    # an order whose every line was refunded is terminated: nothing more to refund
    seller(api, again["refundId"], "agree")
    run_feed(app)
    assert order(api, dev, order_id)["baseInfo"]["status"] == "terminated"
    assert_error(reasons(api, dev, order_id, [a]), 40901)
    assert_error(apply_for(api, dev, refund_body(order_id, [a], 1)), 40901)


def test_part_quantities_reach_the_marketplace_and_the_view(api, dev, settings, app):
    view = paid_order(api, dev, settings, lines=1, times=2)
    order_id, (a,) = ids(view)
    (line,) = view["productItems"]
    assert line["quantity"] >= 2
    body = refund_body(order_id, [a], line["price"], orderEntryCountList=[{"id": a, "count": 1}])
    shown = applied(api, dev, body)
    assert shown["orderEntryCountList"] == [{"id": a, "count": 1}]
    assert shown["applyPayment"] == line["price"]
    (at_market,) = market_refunds(app, order_id)
    assert at_market.quantities == ((a, 1),)
    # the marketplace holds it to the count too (the gateway's check skipped, straight to it)
    draft = P.RefundDraft(
        P.Platform.ALIBABA, order_id, (a,), "refund", "refundWaitSellerSend", line["price"] + 1,
        0, 2, "more than one", quantities=((a, 1),),
    )  # fmt: skip
    assert_ok(api.call(dev, "POST", CANCEL, body={"refundId": shown["refundId"]}))
    with pytest.raises(P.MarketplaceRefused) as refused:
        app.state.marketplace.create_refund(draft)
    assert refused.value.code == "REFUND_AMOUNT_INVALID"


def test_a_return_is_reported_once_the_seller_agreed_and_refunded_on_receipt(
    api, dev, settings, app
):
    view = paid_order(api, dev, settings, lines=1)
    order_id, (a,) = ids(view)
    ship(api, order_id)
    amount = view["productItems"][0]["itemAmount"]
    body = refund_body(
        order_id,
        [a],
        amount,
        disputeRequest="returnRefund",
        goodsStatus="refundBuyerReceived",
        applyReasonId=4,
        vouchers=[VOUCHER],
    )
    made = applied(api, dev, body)
    rid = made["refundId"]
    assert made["disputeRequest"] == "returnRefund"
    good = {"refundId": rid, "logisticsCompanyNo": "YTO", "freightBill": "YT7512345678901"}
    # nothing to send back before the seller agrees
    assert_error(api.call(dev, "POST", RETURN, body=good), 40901)
    seller(api, rid, "agree", reason="send it back unopened")
    run_feed(app)
    agreed = assert_ok(refund(api, dev, rid))
    assert agreed["refundStatus"] == "waitbuyersend"
    assert agreed["returnAddress"]["address"] and agreed["returnAddress"]["contactPerson"]
    assert agreed["operations"][-1]["operateType"] == "agreeReturn"
    for bad, where in (
        ({"logisticsCompanyNo": "Y"}, "logisticsCompanyNo"),
        ({"logisticsCompanyNo": "YT O"}, "logisticsCompanyNo"),
        ({"freightBill": "YT1"}, "freightBill"),
        ({"freightBill": "YT#12345"}, "freightBill"),
        ({"vouchers": [VOUCHER] * 6}, "vouchers"),
        ({"refundId": "1234"}, "refundId"),
        ({"description": "x" * 501}, "description"),
    ):
        r = api.call(dev, "POST", RETURN, body={**good, **bad})
        assert field_names(assert_error(r, 40001)) == [where], bad
    sent = {**good, "description": "two boxes", "vouchers": [VOUCHER]}
    moved = assert_ok(api.call(dev, "POST", RETURN, body=sent))
    assert moved == {"refundId": rid, "refundStatus": "waitsellerreceive"}
    shown = assert_ok(refund(api, dev, rid))
    assert (shown["logisticsCompanyNo"], shown["freightBill"]) == ("YTO", "YT7512345678901")
    returned = shown["operations"][-1]
    assert (returned["operateType"], returned["operator"]) == ("returnGoods", "buyer")
    assert returned["vouchers"] == [VOUCHER] and "YT7512345678901" in returned["remark"]
    # sent once; and the goods on their way back, the refund is no longer withdrawn
    assert_error(api.call(dev, "POST", RETURN, body=good), 40901)
    assert_error(api.call(dev, "POST", CANCEL, body={"refundId": rid}), 40901)
    seller(api, rid, "receiveGoods")
    run_feed(app)
    done = assert_ok(refund(api, dev, rid))
    assert done["refundStatus"] == "refundsuccess" and done["creditedAmount"] == amount
    assert [op["operateType"] for op in done["operations"]] == [
        "apply",
        "agreeReturn",
        "returnGoods",
        "refund",
    ]


def test_cancel_withdraws_a_refund_once_and_a_closed_one_stays_closed(api, dev, settings, app):
    view = paid_order(api, dev, settings, lines=1)
    order_id, (a,) = ids(view)
    made = applied(api, dev, refund_body(order_id, [a], 100))
    rid = made["refundId"]
    body = {"refundId": rid, "remark": "bought elsewhere"}
    assert assert_ok(api.call(dev, "POST", CANCEL, body=body))["refundStatus"] == "refundclose"
    shown = assert_ok(refund(api, dev, rid))
    assert shown["gmtCompleted"] is not None and shown["sequence"] == 2
    cancelled = shown["operations"][-1]
    assert (cancelled["operateType"], cancelled["remark"]) == ("cancel", "bought elsewhere")
    assert_error(api.call(dev, "POST", CANCEL, body=body), 40901)
    assert_error(api.call(dev, "POST", CANCEL, body={"refundId": "TQ1999999999"}), 40401)
    r = api.call(dev, "POST", CANCEL, body={"refundId": rid, "remark": "x" * 201})
    assert field_names(assert_error(r, 40001)) == ["remark"]
    (at_market,) = market_refunds(app, order_id)
    assert at_market.status == "refundclose"


def test_an_idempotency_key_replays_a_create_and_refuses_another_body(api, dev, settings, app):
    view = paid_order(api, dev, settings, lines=2)
    order_id, (a, b) = ids(view)
    key = {"Idempotency-Key": "refund-1"}
    first = apply_for(api, dev, refund_body(order_id, [a], 100), extra=key)
    again = apply_for(api, dev, refund_body(order_id, [a], 100), extra=key)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert assert_ok(again)["refundId"] == assert_ok(first)["refundId"]
    assert len(market_refunds(app, order_id)) == 1
    assert_error(apply_for(api, dev, refund_body(order_id, [b], 100), extra=key), 40902)
