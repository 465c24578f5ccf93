"""1688 refunds and the wallet, and the refund messages (CONTRACT sections 3 and 9, ENDPOINTS
S6-S8): a refund the seller grants credits the wallet once (one ``refund`` ledger entry naming
the order and the refund, one WALLET_BALANCE_CHANGE), however often the push feed runs; a part
credits the part; refunds of one order never ask, nor get, more than was paid; every change of
a refund is one message (REFUND_IN_SALES before the trade finished, REFUND_AFTER_SALES after)
carrying the whole refund and the refund's own increasing ``sequence``."""

from __future__ import annotations

from sqlalchemy import func, select

from daigou.messages.models import OutboxMessage
from tests.support.api import assert_error, assert_ok, field_names
from tests.support.orders1688 import balance
from tests.support.refunds1688 import (
    AFTER_SALES,
    CANCEL,
    IN_SALES,
    applied,
    apply_for,
    entry_ids,
    finished_order,
    full_refund,
    ledger,
    messages_of,
    order,
    paid_order,
    reasons,
    refund,
    refund_body,
    run_feed,
    seller,
    wallet_messages,
)

TOPUP = 100_000  # the `dev` fixture's
MAKE = "ORDER_BUYER_VIEW_BUYER_MAKE"
PAY = "ORDER_BUYER_VIEW_ORDER_PAY"


def refund_entries(api, dev) -> list[dict]:
    return [e for e in ledger(api, dev) if e["type"] == "refund"]


def refund_wallet_messages(db) -> list[dict]:
    return [m for m in wallet_messages(db) if m["entryType"] == "refund"]


def outbox_count(db) -> int:
    with db.reading() as conn:
        return conn.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()


def test_a_full_refund_before_shipping_credits_the_wallet_exactly_once(api, dev, settings, db, app):
    view = paid_order(api, dev, settings, lines=2)
    order_id, paid = view["baseInfo"]["id"], view["gatewayInfo"]["paidAmount"]
    assert balance(api, dev)["availableAmount"] == TOPUP - paid
    made = full_refund(api, dev, view)
    asked = made["applyPayment"] + made["applyCarriage"]
    assert asked == paid  # every line and the freight: what was paid
    seller(api, made["refundId"], "agree")
    assert refund_entries(api, dev) == []  # the gateway learns it from the push feed
    run_feed(app)
    done = assert_ok(refund(api, dev, made["refundId"]))
    assert done["refundStatus"] == "refundsuccess" and done["creditedAmount"] == paid
    assert (done["refundPayment"], done["refundCarriage"]) == (
        made["applyPayment"],
        made["applyCarriage"],
    )
    (entry,) = refund_entries(api, dev)
    assert (entry["amount"], entry["orderId"], entry["refundId"]) == (
        paid,
        order_id,
        made["refundId"],
    )
    assert entry["availableAfter"] == TOPUP and entry["heldDelta"] == 0
    (message,) = refund_wallet_messages(db)
    assert message["entry"]["entryId"] == entry["entryId"]
    assert message["balance"]["availableAmount"] == TOPUP
    assert balance(api, dev) == {**balance(api, dev), "availableAmount": TOPUP, "heldAmount": 0}
    after = order(api, dev, order_id)
    assert after["baseInfo"]["status"] == "terminated"
    assert after["gatewayInfo"]["refundedAmount"] == paid
    # the order reports its end; the refund its own two moves
    assert [m["type"] for m in messages_of(db, order_id)] == [MAKE, PAY, IN_SALES]
    # the feed again, and again: nothing more is credited or reported
    recorded = outbox_count(db)
    run_feed(app)
    run_feed(app)
    assert len(refund_entries(api, dev)) == 1 and len(refund_wallet_messages(db)) == 1
    assert outbox_count(db) == recorded
    assert balance(api, dev)["availableAmount"] == TOPUP
    assert order(api, dev, order_id)["gatewayInfo"]["refundedAmount"] == paid


def test_a_part_refund_credits_the_part(api, dev, settings, app):
    view = paid_order(api, dev, settings, lines=1)
    order_id, (a,) = view["baseInfo"]["id"], entry_ids(view)
    paid = view["gatewayInfo"]["paidAmount"]
    item = view["productItems"][0]["itemAmount"]
    made = applied(api, dev, refund_body(order_id, [a], item))
    part = item // 3
    seller(api, made["refundId"], "agree", refundAmount=part)  # the seller grants a part
    run_feed(app)
    done = assert_ok(refund(api, dev, made["refundId"]))
    assert (done["refundPayment"], done["creditedAmount"]) == (part, part)
    (entry,) = refund_entries(api, dev)
    assert entry["amount"] == part and entry["refundId"] == made["refundId"]
    assert balance(api, dev)["availableAmount"] == TOPUP - paid + part
    assert order(api, dev, order_id)["gatewayInfo"]["refundedAmount"] == part


def test_a_part_quantity_is_refunded_at_its_unit_price(api, dev, settings, app):
    view = paid_order(api, dev, settings, lines=1, times=2)
    order_id, (a,) = view["baseInfo"]["id"], entry_ids(view)
    (line,) = view["productItems"]
    paid = view["gatewayInfo"]["paidAmount"]
    one = [{"id": a, "count": 1}]
    most = assert_ok(reasons(api, dev, order_id, [a], orderEntryCountList=one))
    assert most["maxApplyPayment"] == line["price"] < line["itemAmount"]
    body = refund_body(order_id, [a], line["price"], orderEntryCountList=one)
    made = applied(api, dev, body)
    seller(api, made["refundId"], "agree")
    run_feed(app)
    assert assert_ok(refund(api, dev, made["refundId"]))["creditedAmount"] == line["price"]
    assert balance(api, dev)["availableAmount"] == TOPUP - paid + line["price"]
    assert order(api, dev, order_id)["gatewayInfo"]["refundedAmount"] == line["price"]


def test_two_refunds_of_an_order_never_ask_or_get_more_than_was_paid(api, dev, settings, db, app):
    view = paid_order(api, dev, settings, lines=2)
    order_id, (a, b) = view["baseInfo"]["id"], entry_ids(view)
    paid = view["gatewayInfo"]["paidAmount"]
    first_most = assert_ok(reasons(api, dev, order_id, [a]))
    first = applied(
        api,
        dev,
        refund_body(
            order_id,
            [a],
            first_most["maxApplyPayment"],
            applyCarriage=first_most["maxApplyCarriage"],
        ),
    )
    # the freight is asked once: the open first refund holds it
    second_most = assert_ok(reasons(api, dev, order_id, [b]))
    assert second_most["maxApplyCarriage"] == 0
    assert second_most["maxApplyPayment"] <= paid - first["applyPayment"] - first["applyCarriage"]
    over = refund_body(order_id, [b], second_most["maxApplyPayment"] + 1)
    assert field_names(assert_error(apply_for(api, dev, over), 40001)) == ["applyPayment"]
    freight = refund_body(order_id, [b], 1, applyCarriage=1)
    assert field_names(assert_error(apply_for(api, dev, freight), 40001)) == ["applyCarriage"]
    second = applied(api, dev, refund_body(order_id, [b], second_most["maxApplyPayment"]))
    for made in (first, second):
        seller(api, made["refundId"], "agree")
    run_feed(app)
    credited = [e["amount"] for e in refund_entries(api, dev)]
    assert len(credited) == 2 and sum(credited) <= paid
    assert sum(credited) == (
        first["applyPayment"] + first["applyCarriage"] + second["applyPayment"]
    )
    assert order(api, dev, order_id)["gatewayInfo"]["refundedAmount"] == sum(credited)
    assert balance(api, dev)["availableAmount"] == TOPUP - paid + sum(credited)
    # everything is refunded: the order is over
    assert_error(reasons(api, dev, order_id, [a]), 40901)


def test_a_refund_in_sales_is_reported_move_by_move_with_the_whole_refund(
    api, dev, settings, db, app
):
    view = paid_order(api, dev, settings, lines=1)
    order_id, (a,) = view["baseInfo"]["id"], entry_ids(view)
    made = applied(api, dev, refund_body(order_id, [a], 100))
    rid = made["refundId"]
    seller(api, rid, "refuse", reason="the goods left already")
    run_feed(app)
    assert_ok(api.call(dev, "POST", CANCEL, body={"refundId": rid}))
    run_feed(app)  # the cancel's own push: already recorded
    found = messages_of(db, rid)
    assert [m["type"] for m in found] == [IN_SALES] * 3
    assert [m["sequence"] for m in found] == [1, 2, 3]
    assert [(m["previousStatus"], m["currentStatus"]) for m in found] == [
        (None, "waitselleragree"),
        ("waitselleragree", "waitbuyermodify"),
        ("waitbuyermodify", "refundclose"),
    ]
    for m in found:
        assert (m["refundId"], m["orderId"]) == (rid, order_id)
        assert m["refund"]["refundStatus"] == m["currentStatus"]
        assert m["refund"]["sequence"] == m["sequence"]
        assert m["refund"]["afterSale"] is False
    assert found[1]["refund"]["sellerRefuseReason"] == "the goods left already"
    # the refund, not the order, reported these: the order kept its own two
    assert [m["type"] for m in messages_of(db, order_id)] == [MAKE, PAY]
    assert assert_ok(refund(api, dev, rid))["sequence"] == 3


def test_a_refund_after_the_trade_finished_is_reported_as_after_sales(api, dev, settings, db, app):
    view = finished_order(api, dev, settings, lines=1)
    order_id, (a,) = view["baseInfo"]["id"], entry_ids(view)
    assert order(api, dev, order_id)["baseInfo"]["status"] in ("confirm_goods", "success")
    in_sales = refund_body(order_id, [a], 100, goodsStatus="refundBuyerReceived")
    assert field_names(assert_error(apply_for(api, dev, in_sales), 40001)) == ["goodsStatus"]
    body = refund_body(
        order_id,
        [a],
        100,
        goodsStatus="aftersaleBuyerReceived",
        applyReasonId=4,
        vouchers=["https://img.example.com/broken.jpg"],
    )
    made = applied(api, dev, body)
    assert made["afterSale"] is True
    assert order(api, dev, order_id)["baseInfo"]["status"] == "success"  # caught up
    seller(api, made["refundId"], "agree")
    run_feed(app)
    found = messages_of(db, made["refundId"])
    assert [m["type"] for m in found] == [AFTER_SALES, AFTER_SALES]
    assert [m["sequence"] for m in found] == [1, 2]
    assert found[1]["refund"]["refundStatus"] == "refundsuccess"
    assert found[1]["refund"]["creditedAmount"] == 100
    (entry,) = refund_entries(api, dev)
    assert (entry["amount"], entry["orderId"]) == (100, order_id)
