"""Paying Taobao purchase orders (two shops each) under marketplace faults, through 2.5 and 2.5b:
errors, timeouts with nothing done, timeouts after the payment happened, and a process that
dies between the hold and the answer. While a shop order's pay has no known outcome its
purchase order shows ``pendingOperation: pay`` and paying it again answers 50401 (nothing moves);
after reconciliation every shop order is paid exactly once or not at all, no hold stays open,
available + captured = top-ups, and each purchase order is 10 when all its shop orders are paid,
else 0. Paying again then pays the rest."""

from __future__ import annotations

import random

import pytest

from daigou.marketplace import port as P
from daigou.orderstaobao.profile import PROFILE
from daigou.purchasing import payments
from daigou.purchasing.buyer import Buyer
from tests.support.api import assert_error, assert_ok
from tests.support.orders1688 import balance, fund, settle_everything
from tests.support.reconcile import reconciler_of
from tests.support.taobao import BULK, detail, pay
from tests.support.taobao_faults import (
    PAY_OP,
    PAY_UNKNOWN,
    check_taobao_books,
    inject,
    shop_orders,
    status_changes,
    two_shop_orders,
)


def bulk(api, dev, ids):
    return assert_ok(api.call(dev, "POST", BULK, body={"orderIds": ids}))


def pending_pays(db) -> set[str]:
    """The purchase orders with a shop order whose pay has no known outcome."""
    return {str(r.group_id) for r in shop_orders(db) if r.pending_operation == "pay"}


def assert_pending_answers_50401(api, dev, db, order_id: str) -> None:
    """A purchase order whose pay is unknown: shown so, and paying it again (2.5, 2.5b) answers
    50401 and moves nothing."""
    before_rows = [(r.order_id, r.pay_state, r.pay_attempts) for r in shop_orders(db, order_id)]
    before_money = balance(api, dev)
    seen = detail(api, dev, order_id)
    assert seen["pendingOperation"] == "pay" and seen["status"] == 0, seen
    err = assert_error(pay(api, dev, order_id), 50401)
    assert err["data"]["orderId"] == order_id
    assert err["data"]["pendingOperation"] == "pay"
    (item,) = bulk(api, dev, [order_id])["results"]
    assert item["code"] == 50401 and item["reasonCode"] == PAY_UNKNOWN, item
    after_rows = [(r.order_id, r.pay_state, r.pay_attempts) for r in shop_orders(db, order_id)]
    assert after_rows == before_rows
    assert balance(api, dev) == before_money


@pytest.mark.parametrize("seed", [1, 2])
def test_pay_under_faults_pays_each_shop_order_once_or_not_at_all(
    api, dev, settings, db, app, seed
):
    rnd = random.Random(seed)
    orders = two_shop_orders(api, dev, settings, 6)
    amounts = {o["orderId"]: o["purchaseAmount"] for o in orders}
    funded = sum(amounts.values()) * 7 // 10
    fund(api, dev, funded)
    topups = funded
    for mode, probability in (("error", 20), ("timeout", 25), ("timeout_after_commit", 25)):
        inject(api, PAY_OP, mode, count=0, probability=probability)
    ids = list(amounts)
    rnd.shuffle(ids)
    first = bulk(api, dev, ids[:4])
    singles = {oid: pay(api, dev, oid) for oid in ids[4:]}
    second = bulk(api, dev, ids[2:])  # overlaps the first call and the single pays
    for asked, data in ((ids[:4], first), (ids[2:], second)):
        assert [r["key"] for r in data["results"]] == asked
        paid, failed = set(data["successOrderIds"]), {f["orderId"] for f in data["payFailOrders"]}
        assert not paid & failed and paid | failed == set(asked)
        unknown = {f["orderId"] for f in data["payFailOrders"] if f["errorCode"] == PAY_UNKNOWN}
        for r in data["results"]:
            assert (r["key"] in unknown) == (r["code"] == 50401), r
    for oid, r in singles.items():
        code = r.json()["code"]
        assert code in (200, 40201, 40901, 50201, 50401), r.text
        if code == 50401:
            assert r.json()["data"]["pendingOperation"] == "pay"
        if code == 200:
            assert detail(api, dev, oid)["status"] == 10
    # every purchase order with an unknown pay says so, and answers 50401 until settled
    unsettled = pending_pays(db)
    assert unsettled <= set(ids)
    for oid in sorted(unsettled):
        assert_pending_answers_50401(api, dev, db, oid)
    for oid in set(ids) - unsettled:
        assert detail(api, dev, oid)["pendingOperation"] is None

    settle_everything(api, db, reconciler_of(app, db))
    check_taobao_books(api, db, app, dev, topups)
    assert pending_pays(db) == set()

    # paying again pays the rest (shop orders already paid move no money)
    owed = sum(r.total_fen for r in shop_orders(db) if r.pay_state == "none")
    before = balance(api, dev)["availableAmount"]
    fund(api, dev, owed)
    topups += owed - before
    again = bulk(api, dev, ids)
    assert set(again["successOrderIds"]) == set(ids), again["payFailOrders"]
    assert balance(api, dev)["availableAmount"] == 0
    paid = check_taobao_books(api, db, app, dev, topups)
    assert all(paid.values())
    for oid in ids:
        assert status_changes(db, oid) == [(12, 0), (0, 10)]


def test_a_process_dying_after_the_hold_is_settled_by_the_reconciler(api, dev, settings, db, app):
    """Step 1 of a pay ran for one shop order (hold written, operation begun) and the process
    died before the marketplace answered; the balance did not cover the other shop order. The
    purchase order shows the pay in flight and answers 50401, even though the balance does not
    cover the rest, until the lease expires and the reconciler settles it."""
    (order,) = two_shop_orders(api, dev, settings, 1)
    oid = order["orderId"]
    a, b = shop_orders(db, oid)
    fund(api, dev, a.total_fen + b.total_fen - 1)
    buyer = Buyer(developer_id=a.developer_id, develop_id=dev.develop_id, user_id=None)
    items, _ = payments.claim_all(
        db, PROFILE, buyer, [a.order_id, b.order_id], False, app.state.clock.now_ms()
    )
    assert [i.pay_state for i in items] == ["held", "none"]
    assert items[1].reason == payments.NO_BALANCE
    assert balance(api, dev)["heldAmount"] == a.total_fen
    assert_pending_answers_50401(api, dev, db, oid)
    reconciler = reconciler_of(app, db)
    assert reconciler.run_once() == 0  # the request's lease is live
    # the marketplace had been asked for a before the process died
    market = app.state.marketplace
    assert market.pay(
        P.Platform.TAOBAO, a.order_id, a.total_fen, items[0].operation.market_key
    ).paid
    settle_everything(api, db, reconciler)
    assert check_taobao_books(api, db, app, dev, a.total_fen + b.total_fen - 1) == {oid: False}
    seen = detail(api, dev, oid)
    assert seen["status"] == 0 and seen["paidAmount"] == a.total_fen
    # the rest is paid once the balance covers it
    fund(api, dev, b.total_fen)
    paid = assert_ok(pay(api, dev, oid))
    assert paid["status"] == 10 and paid["paidAmount"] == b.total_fen
    assert paid["availableAmount"] == 0
    assert check_taobao_books(api, db, app, dev, a.total_fen + b.total_fen - 1 + 1) == {oid: True}
    assert status_changes(db, oid) == [(12, 0), (0, 10)]


def test_a_process_dying_before_the_marketplace_was_asked_releases_nothing_twice(
    api, dev, settings, db, app
):
    """Both shop orders held, the process died before asking: the reconciler pays both (same
    opRequestIds), the purchase order reaches 10 once, and a retry after moves nothing."""
    (order,) = two_shop_orders(api, dev, settings, 1)
    oid = order["orderId"]
    rows = shop_orders(db, oid)
    total = sum(r.total_fen for r in rows)
    fund(api, dev, total)
    buyer = Buyer(developer_id=rows[0].developer_id, develop_id=dev.develop_id, user_id=None)
    items, _ = payments.claim_all(
        db, PROFILE, buyer, [r.order_id for r in rows], False, app.state.clock.now_ms()
    )
    assert [i.pay_state for i in items] == ["held", "held"]
    assert balance(api, dev)["availableAmount"] == 0
    assert_pending_answers_50401(api, dev, db, oid)
    settle_everything(api, db, reconciler_of(app, db))
    assert check_taobao_books(api, db, app, dev, total) == {oid: True}
    again = assert_ok(pay(api, dev, oid))
    assert again["status"] == 10 and again["paidAmount"] == 0
    assert status_changes(db, oid) == [(12, 0), (0, 10)]
