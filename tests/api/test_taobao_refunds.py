"""Taobao reverse orders through the signed API (ENDPOINTS 3.1-3.10) on the after-sales core:
the form, a refund before shipment agreed by the sandbox seller and applied by the feed
(credited once, per sub-order; the whole purchase order refunded ends 4), a refusal modified
and agreed, a return sent back and received, a withdrawal and a new reverse order, the list,
the messages, and the purchase order's sub-orders showing their reverse orders."""

from __future__ import annotations

from tests.support.api import assert_error, assert_ok
from tests.support.orders1688 import balance
from tests.support.taobao import detail, ledger, run_feed
from tests.support.taobao_refunds import (
    IMAGES,
    LIST,
    MESSAGE,
    MESSAGES,
    MODIFY,
    RETURN_RENDER,
    RETURN_SUBMIT,
    answered,
    cancel,
    opened,
    paid_order,
    post,
    query,
    refund_messages,
    render,
    ship_all,
    submit,
    subs,
    wallet_refunds,
)


def test_a_refund_before_shipment_agreed_credits_the_line_once_then_all_lines_end_4(
    api, dev, settings, db, app
):
    order = paid_order(api, dev, settings)
    a, b = subs(order)
    assert a["salesOrderId"] != b["salesOrderId"]  # two shops: two shop orders

    form = assert_ok(render(api, dev, a["subOrderId"]))
    template = form["refundOrderTemplate"]
    assert form["distributorId"] == dev.develop_id and form["currency"] == "CNY"
    assert form["saleFlag"] is True
    assert template["goodsStatusList"] == [1]  # not shipped: not received
    assert template["maxRefundFee"]["refundFee"] == a["productAmount"]
    assert template["maxRefundFee"]["minRefundFee"] == 1
    reasons = {r["reasonId"] for r in template["refundReasons"]}
    assert reasons and all(r["reasonDesc"] for r in template["refundReasons"])
    prefill = template["refundOrder"]
    assert (prefill["subOrderId"], prefill["payOrderId"]) == (a["subOrderId"], a["salesOrderId"])
    assert prefill["purchaseOrderId"] == order["orderId"] and prefill["refundStatus"] == 0
    # a return before shipment is not offered
    assert assert_ok(render(api, dev, a["subOrderId"], refund_type=2))["saleFlag"] is False

    available = balance(api, dev)["availableAmount"]
    refund = opened(api, dev, a, reason_id=min(reasons), refundDesc="wrong size")
    ro = refund["refundOrder"]
    rid = ro["refundId"]
    assert rid.startswith("TQ") and ro["refundStatus"] == 10 and ro["refundType"] == 1
    assert (ro["refundFee"], ro["goodsStatus"], ro["refundDesc"]) == (
        a["productAmount"],
        1,
        "wrong size",
    )
    assert ro["subOrderId"] == a["subOrderId"] and ro["payOrderId"] == a["salesOrderId"]
    assert ro["pendingOperation"] is None and ro["canEditFee"] is True
    line = refund["purchaseOrderLine"]
    assert line["purchaseOrderId"] == order["orderId"]
    assert line["purchaseOrderLineId"] == a["subOrderId"]
    assert line["salesOrderId"] == a["salesOrderId"] and line["salesMarket"] == "taobao"
    assert (line["quantity"], line["price"], line["productFee"]) == (
        a["quantity"],
        a["price"],
        a["productAmount"],
    )
    assert line["totalPrice"] == line["productFee"] + line["postFee"]
    assert line["itemTitle"] == a["title"] and line["supplierId"]
    assert refund["logistics"] is None and refund["sequence"] == 1
    assert query(api, dev, rid) == refund

    # one open reverse order per sub-order
    assert_error(render(api, dev, a["subOrderId"]), 40901)
    assert_error(submit(api, dev, a["subOrderId"], 1), 40901)
    shown = {s["subOrderId"]: s for s in detail(api, dev, order["orderId"])["subOrders"]}
    assert (shown[a["subOrderId"]]["refundId"], shown[a["subOrderId"]]["refundStatus"]) == (rid, 10)
    assert (shown[b["subOrderId"]]["refundId"], shown[b["subOrderId"]]["refundStatus"]) == (None, 0)

    answered(api, app, rid, "agree")
    done = query(api, dev, rid)["refundOrder"]
    assert done["refundStatus"] == 100 and done["refundedFee"] == a["productAmount"]
    assert done["creditedAmount"] == a["productAmount"]
    run_feed(app)  # nothing new: nothing moves twice
    assert balance(api, dev)["availableAmount"] == available + a["productAmount"]
    entries = [e for e in ledger(api, dev) if e["type"] == "refund"]
    assert [(e["refundId"], e["orderId"], e["amount"]) for e in entries] == [
        (rid, a["salesOrderId"], a["productAmount"])
    ]
    assert len(wallet_refunds(db, rid)) == 1
    bodies = refund_messages(db, rid)
    assert [(m["previousRefundStatus"], m["refundStatus"]) for m in bodies] == [
        (None, 10),
        (10, 100),
    ]
    assert bodies[-1]["purchaseOrderId"] == order["orderId"]
    assert bodies[-1]["salesOrderId"] == a["salesOrderId"]
    assert bodies[-1]["refund"]["refundOrder"]["creditedAmount"] == a["productAmount"]
    # one sub-order of two refunded: the purchase order goes on (10) with the other shop
    seen = detail(api, dev, order["orderId"])
    assert seen["status"] == 10
    shown = {s["subOrderId"]: s for s in seen["subOrders"]}
    assert (shown[a["subOrderId"]]["refundId"], shown[a["subOrderId"]]["refundStatus"]) == (
        rid,
        100,
    )
    # nothing is left to refund on that line
    assert_error(submit(api, dev, a["subOrderId"], 1), 40901)

    # the other sub-order refunded too: the whole purchase order is refunded, 4
    other = opened(api, dev, b)["refundOrder"]["refundId"]
    answered(api, app, other, "agree")
    assert (
        balance(api, dev)["availableAmount"] == available + a["productAmount"] + b["productAmount"]
    )
    seen = detail(api, dev, order["orderId"])
    assert seen["status"] == 4
    assert {s["refundStatus"] for s in seen["subOrders"]} == {100}
    assert len([e for e in ledger(api, dev) if e["type"] == "refund"]) == 2


def test_a_refusal_is_modified_then_agreed_and_messages_are_left_and_read(
    api, dev, settings, db, app
):
    order = paid_order(api, dev, settings, shops=1)
    (a,) = subs(order)
    half = a["productAmount"] // 2
    rid = opened(api, dev, a, fee=half, refundImages=",".join(IMAGES))["refundOrder"]["refundId"]
    assert query(api, dev, rid)["refundOrder"]["refundImages"] == IMAGES

    note = assert_ok(post(api, dev, MESSAGE, {"refundId": rid, "refundMessage": "any news?"}))
    assert note["refundId"] == rid and note["refundStatus"] == 10 and note["id"]
    answered(api, app, rid, "refuse", reason="the goods are fine")
    refused = query(api, dev, rid)["refundOrder"]
    assert refused["refundStatus"] == -10
    assert refused["sellerRefuseReason"] == "the goods are fine"
    assert refused["timeoutType"] == "buyerModify" and refused["timeoutDate"]
    notes = assert_ok(post(api, dev, MESSAGES, {"refundId": rid}))
    assert [(n["owner"], n["content"]) for n in notes["data"]] == [
        ("buyer", "any news?"),
        ("seller", "the goods are fine"),
    ]
    assert notes["totalRecords"] == 2 and notes["currentPage"] == 1 and notes["nextCursor"] is None
    second = assert_ok(post(api, dev, MESSAGES, {"refundId": rid, "pageNo": 2, "pageSize": 1}))
    assert [n["owner"] for n in second["data"]] == ["seller"] and second["totalPage"] == 2

    # more than the line: refused with the field; then the whole line, a new reason and pictures
    err = assert_error(
        post(api, dev, MODIFY, {"refundId": rid, "refundFee": a["productAmount"] + 1}), 40001
    )
    assert [e["field"] for e in err["data"]["errors"]] == ["refundFee"]
    err = assert_error(post(api, dev, MODIFY, {"refundId": rid, "reasonId": 999}), 40001)
    assert [e["field"] for e in err["data"]["errors"]] == ["reasonId"]
    changed = assert_ok(
        post(
            api,
            dev,
            MODIFY,
            {
                "refundId": rid,
                "refundFee": a["productAmount"],
                "reasonId": 2,
                "refundImages": IMAGES[:1],
            },
        )
    )["refundOrder"]
    assert (changed["refundStatus"], changed["refundFee"], changed["reasonId"]) == (
        10,
        a["productAmount"],
        2,
    )
    assert changed["refundImages"] == IMAGES[:1] and changed["sellerRefuseReason"] is None
    # left out: kept (the description, the pictures, the fee)
    kept = assert_ok(post(api, dev, MODIFY, {"refundId": rid, "refundDesc": "please"}))
    assert kept["refundOrder"]["refundFee"] == a["productAmount"]
    assert kept["refundOrder"]["refundImages"] == IMAGES[:1]
    assert kept["refundOrder"]["refundDesc"] == "please"

    answered(api, app, rid, "agree")
    done = query(api, dev, rid)
    assert done["refundOrder"]["refundStatus"] == 100
    assert done["refundOrder"]["creditedAmount"] == a["productAmount"]
    assert [e["amount"] for e in ledger(api, dev) if e["type"] == "refund"] == [a["productAmount"]]
    # over: no modify, no message, no withdrawal
    assert_error(post(api, dev, MODIFY, {"refundId": rid, "refundDesc": "x"}), 40901)
    assert_error(post(api, dev, MESSAGE, {"refundId": rid, "refundMessage": "x"}), 40901)
    assert_error(cancel(api, dev, rid), 40901)
    moves = [(m["previousRefundStatus"], m["refundStatus"]) for m in refund_messages(db, rid)]
    assert moves == [(None, 10), (10, -10), (-10, 10), (None, 10), (10, 100)]
    # the purchase order: its only shop order refunded whole
    assert detail(api, dev, order["orderId"])["status"] == 4


def test_a_return_is_agreed_sent_back_received_and_credited(api, dev, settings, db, app):
    order = paid_order(api, dev, settings, shops=1)
    ship_all(api, app, order)
    (a,) = subs(detail(api, dev, order["orderId"]))
    form = assert_ok(render(api, dev, a["subOrderId"], refund_type=2, goods_status=2))
    assert form["saleFlag"] is True
    assert form["refundOrderTemplate"]["goodsStatusList"] == [1, 2]
    reason = form["refundOrderTemplate"]["refundReasons"][0]["reasonId"]
    refund = opened(api, dev, a, refund_type=2, goods_status=2, reason_id=reason)
    rid = refund["refundOrder"]["refundId"]
    assert (refund["refundOrder"]["refundType"], refund["refundOrder"]["goodsStatus"]) == (2, 2)
    # goods go back only once the seller agreed
    assert_error(api.call(dev, "GET", RETURN_RENDER, params={"refundId": rid}), 40901)
    sent = {"refundId": rid, "logisticsCompanyCode": "SF", "logisticsNo": "SF1234567890"}
    assert_error(post(api, dev, RETURN_SUBMIT, sent), 40901)

    answered(api, app, rid, "agree", reason="请勿到付")
    agreed = query(api, dev, rid)
    assert agreed["refundOrder"]["refundStatus"] == 20
    assert agreed["refundOrder"]["timeoutType"] == "buyerReturn"
    where = assert_ok(api.call(dev, "GET", RETURN_RENDER, params={"refundId": rid}))
    assert where["refundId"] == rid and where["sellerAgreeReturnDescribe"] == "请勿到付"
    address = where["receiverAddress"]
    assert address["receiver"] and address["phone"] and address["detailAddress"]
    codes = {
        c["logisticsCompanyCode"]: c["logisticsCompanyName"] for c in where["logisticsCompanies"]
    }
    # 10.6's Taobao codes: 韵达 is YUNDA (YD, the first table's code, is still accepted by 3.10)
    assert codes["SF"] == "顺丰速运" and {"ZTO", "YTO", "YUNDA", "STO", "EMS", "JD"} <= set(codes)
    assert agreed["logistics"]["receiverAddress"] == address
    assert agreed["logistics"]["logisticsNo"] is None

    back = assert_ok(
        post(
            api, dev, RETURN_SUBMIT, {**sent, "buyerPhone": "13800000000", "returnGoodsDesc": "box"}
        )
    )
    assert back["refundOrder"]["refundStatus"] == 30
    logistics = back["logistics"]
    assert logistics["logisticsCompany"] == {
        "logisticsCompanyCode": "SF",
        "logisticsCompanyName": "顺丰速运",
    }
    assert (logistics["logisticsNo"], logistics["buyerPhone"], logistics["returnGoodsDesc"]) == (
        "SF1234567890",
        "13800000000",
        "box",
    )
    assert logistics["receiverAddress"] == address
    assert_error(cancel(api, dev, rid), 40901)  # the goods are on their way back
    assert_error(post(api, dev, RETURN_SUBMIT, sent), 40901)  # reported once

    answered(api, app, rid, "receiveGoods")
    done = query(api, dev, rid)
    assert done["refundOrder"]["refundStatus"] == 100
    assert done["refundOrder"]["creditedAmount"] == a["productAmount"]
    assert done["logistics"]["buyerPhone"] == "13800000000"
    assert [(e["refundId"], e["amount"]) for e in ledger(api, dev) if e["type"] == "refund"] == [
        (rid, a["productAmount"])
    ]
    moves = [m["refundStatus"] for m in refund_messages(db, rid)]
    assert moves == [10, 20, 30, 100]
    assert len(wallet_refunds(db, rid)) == 1


def test_a_withdrawn_reverse_order_frees_the_sub_order_for_a_new_one(api, dev, settings, db, app):
    order = paid_order(api, dev, settings, shops=1)
    (a,) = subs(order)
    first = opened(api, dev, a, fee=100)["refundOrder"]["refundId"]
    out = assert_ok(cancel(api, dev, first))
    assert out["cancelSuccess"] is True and out["distributorId"] == dev.develop_id
    assert out["currency"] == "CNY"
    assert out["refundOrderAggregate"]["refundOrder"]["refundStatus"] == -20
    assert_error(cancel(api, dev, first), 40901)
    assert query(api, dev, first)["refundOrder"]["refundStatus"] == -20

    # a new one on the same line; withdrawn by POST with an Idempotency-Key, replayed
    second = opened(api, dev, a, fee=200)["refundOrder"]["refundId"]
    assert second != first
    shown = detail(api, dev, order["orderId"])["subOrders"][0]
    assert (shown["refundId"], shown["refundStatus"]) == (second, 10)
    key = {"Idempotency-Key": "withdraw-" + second}
    once = cancel(api, dev, second, method="POST", extra=key)
    again = cancel(api, dev, second, method="POST", extra=key)
    assert assert_ok(once)["cancelSuccess"] is True
    assert again.headers.get("idempotent-replayed") == "true"
    assert assert_ok(again)["refundOrderAggregate"] == assert_ok(once)["refundOrderAggregate"]
    # nothing was credited; the purchase order is as it was
    assert [e for e in ledger(api, dev) if e["type"] == "refund"] == []
    assert detail(api, dev, order["orderId"])["status"] == 10
    assert [m["refundStatus"] for m in refund_messages(db, second)] == [10, -20]
    # a numeric id is the same reverse order (CONTRACT section 5)
    assert query(api, dev, second[2:])["refundOrder"]["refundId"] == second


def test_the_list_filters_and_pages_newest_first(api, dev, settings, app):
    one = paid_order(api, dev, settings)
    two = paid_order(api, dev, settings, shops=1)
    a, b = subs(one)
    (c,) = subs(two)
    ra = opened(api, dev, a, fee=100)["refundOrder"]
    rb = opened(api, dev, b, fee=100)["refundOrder"]
    rc = opened(api, dev, c, fee=100)["refundOrder"]
    assert_ok(cancel(api, dev, rb["refundId"]))

    def ids(**body):
        data = assert_ok(post(api, dev, LIST, body))
        return [r["refundOrder"]["refundId"] for r in data["data"]], data

    everything, page = ids()
    assert everything == [rc["refundId"], rb["refundId"], ra["refundId"]]
    assert page["totalRecords"] == 3 and page["pageSize"] == 20 and page["nextCursor"] is None
    assert ids(purchaseOrderId=one["orderId"])[0] == [rb["refundId"], ra["refundId"]]
    assert ids(salesOrderId=c["salesOrderId"])[0] == [rc["refundId"]]
    assert ids(refundId=ra["refundId"])[0] == [ra["refundId"]]
    assert ids(refundStatus=-20)[0] == [rb["refundId"]]
    assert ids(refundStatus=10)[0] == [rc["refundId"], ra["refundId"]]
    assert ids(refundStartTime=rc["createTime"])[0] == [rc["refundId"]]
    assert ids(refundEndTime=ra["createTime"])[0][-1] == ra["refundId"]
    first, page = ids(pageSize=2)
    assert first == everything[:2] and page["nextCursor"] and page["totalPage"] == 2
    rest, page = ids(pageSize=2, cursor=page["nextCursor"])
    assert rest == everything[2:] and page["nextCursor"] is None and page["totalRecords"] is None
    assert ids(pageNo=2, pageSize=2)[0] == everything[2:]
