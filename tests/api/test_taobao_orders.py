"""Taobao purchase orders through the signed API (ENDPOINTS 2.1-2.11): render, create across
shops with sellerOrderNumber, read, pay from the wallet, cancel, ship (the sandbox seller through
the Taobao feed), logistics, confirm, and the messages of each step."""

from __future__ import annotations

import json

from sqlalchemy import select

from daigou.messages.models import OutboxMessage
from tests.support.api import assert_error, assert_ok
from tests.support.orders1688 import balance, fund
from tests.support.taobao import (
    BULK,
    CANCEL,
    LOGISTICS,
    RECEIVE,
    create,
    created,
    detail,
    pay,
    render,
    run_feed,
    ship,
    shop_lines,
)


def messages_of(db, order_id: str) -> list[dict]:
    with db.reading() as conn:
        rows = conn.execute(
            select(OutboxMessage.message_type, OutboxMessage.body)
            .where(OutboxMessage.object_id == order_id)
            .order_by(OutboxMessage.seq)
        ).all()
    return [{"type": t, **json.loads(b)} for t, b in rows]


def test_render_then_create_across_two_shops_and_pay(api, dev, settings, db, app):
    a, b = shop_lines(settings, shops=2, per=2)
    lines = a + b
    priced = render(api, dev, lines)
    assert [ln["orderLineNo"] for ln in priced["lines"]] == [ln["orderLineNo"] for ln in lines]
    assert all(ln["available"] for ln in priced["lines"])
    assert priced["purchaseAmount"] == (
        priced["productAmount"] + priced["postFee"] - priced["discount"]
    )
    order = created(api, dev, lines, sellerOrderNumber="SO-1")
    assert order["status"] == 0 and order["replayed"] is False
    assert len(order["salesOrderIds"]) == 2
    assert order["purchaseAmount"] == priced["purchaseAmount"]
    assert {s["orderLineNo"] for s in order["subOrders"]} == {ln["orderLineNo"] for ln in lines}
    assert all(s["subOrderId"] for s in order["subOrders"])
    # the same key again: the same order, replayed
    again = created(api, dev, lines, sellerOrderNumber="SO-1")
    assert again["orderId"] == order["orderId"] and again["replayed"] is True

    fund(api, dev, order["purchaseAmount"] + 100)
    paid = assert_ok(pay(api, dev, order["orderId"]))
    assert paid["status"] == 10 and paid["paidAmount"] == order["purchaseAmount"]
    assert paid["availableAmount"] == 100
    seen = detail(api, dev, order["orderId"])
    assert seen["status"] == 10 and seen["paidAmount"] == order["purchaseAmount"]
    assert seen["payMethod"] == "balance"
    # paying again (a retry after a lost answer) is a success that moves nothing
    again_paid = assert_ok(pay(api, dev, order["orderId"]))
    assert again_paid["status"] == 10 and again_paid["paidAmount"] == 0
    assert balance(api, dev)["availableAmount"] == 100

    # the sellers ship; the Taobao feed moves the purchase order to 11
    ship(api, seen["salesOrderIds"][0])
    run_feed(app)
    assert detail(api, dev, order["orderId"])["status"] == 10  # one shop of two
    ship(api, seen["salesOrderIds"][1])
    run_feed(app)
    shipped = detail(api, dev, order["orderId"])
    assert shipped["status"] == 11 and shipped["shipTime"] is not None
    assert all(s["logisticNumber"] for s in shipped["subOrders"])
    logistics = assert_ok(api.call(dev, "GET", LOGISTICS, params={"orderId": order["orderId"]}))
    assert len(logistics["packages"]) == 2 and all(p["steps"] for p in logistics["packages"])

    done = assert_ok(api.call(dev, "POST", RECEIVE, body={"orderId": order["orderId"]}))
    assert done["status"] == 20 and done["finishTime"] is not None

    statuses = [
        (m["previousStatus"], m["status"])
        for m in messages_of(db, order["orderId"])
        if m["type"] == "TAOBAO_ORDER_STATUS_CHANGE"
    ]
    assert statuses == [(12, 0), (0, 10), (10, 11), (11, 20)], statuses
    sequences = [m["sequence"] for m in messages_of(db, order["orderId"])]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)


def test_stale_amount_and_unknown_item(api, dev, settings):
    (lines,) = shop_lines(settings, shops=1, per=2)
    priced = render(api, dev, lines)
    err = assert_error(create(api, dev, lines, amount=priced["purchaseAmount"] + 1), 40001)
    assert "purchaseAmount" in err["msg"]
    bad = [*lines, {"itemId": "999999999999", "orderLineNo": "X", "quantity": 1}]
    err = assert_error(create(api, dev, bad, amount=priced["purchaseAmount"]), 40904)
    assert [e["orderLineNo"] for e in err["data"]["errors"]] == ["X"]


def test_cancel_and_bulk_pay(api, dev, settings, db):
    a, b = shop_lines(settings, shops=2, per=1)
    one = created(api, dev, a)
    two = created(api, dev, b)
    cancelled = assert_ok(api.call(dev, "POST", CANCEL, body={"orderId": one["orderId"]}))
    assert cancelled["status"] == 4
    fund(api, dev, two["purchaseAmount"])
    out = assert_ok(
        api.call(dev, "POST", BULK, body={"orderIds": [one["orderId"], two["orderId"]]})
    )
    assert out["successOrderIds"] == [two["orderId"]]
    assert [f["orderId"] for f in out["payFailOrders"]] == [one["orderId"]]
    assert [r["key"] for r in out["results"]] == [one["orderId"], two["orderId"]]
    assert balance(api, dev)["availableAmount"] == 0
