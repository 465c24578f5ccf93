"""Two gateway processes on one PostgreSQL database paying overlapping sets of one developer's
Taobao purchase orders (two shops each) at the same moment, through 2.5b and 2.5 mixed (real
HTTP on loopback). The balance covers every order exactly: each shop order is paid exactly once
(one captured hold, one payment at the marketplace), the balance never goes below zero, a call
answers only success or "in flight elsewhere", every purchase order ends paid (10) with one
0 -> 10 message, and the books balance.

Two races of that test are also provoked on purpose, one at a time: another call holding an
order's money between 2.5's reads of the balance and of the order, and another call's payment
committing between 2.5b's reads of the purchase order and of its shop orders."""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy import event

from daigou.orderstaobao import payments as taobao_payments
from daigou.orderstaobao.profile import PROFILE
from daigou.purchasing import payments
from daigou.purchasing.buyer import Buyer
from daigou.wallet import service as wallet
from tests.support.api import assert_error, assert_ok
from tests.support.gateway import Api
from tests.support.orders1688 import balance, fund, settle_everything
from tests.support.reconcile import reconciler_of
from tests.support.serve import serve_in_background, wait_ready
from tests.support.taobao import BULK, PAY, pay
from tests.support.taobao_faults import (
    PAY_OP,
    check_taobao_books,
    inject,
    shop_orders,
    status_changes,
    two_shop_orders,
)

IN_FLIGHT = "PAY_RESULT_UNKNOWN"


@pytest.mark.postgres_only
@pytest.mark.timeout(240)
def test_two_processes_pay_overlapping_purchase_orders_once(
    api, dev, settings, db, app, db_url, tmp_path
):
    orders = two_shop_orders(api, dev, settings, 8)
    ids = [o["orderId"] for o in orders]
    funded = sum(o["purchaseAmount"] for o in orders)
    fund(api, dev, funded)
    # every marketplace pay takes 50 ms, so the calls overlap for real
    inject(api, PAY_OP, "latency", count=0, latency_ms=50)
    servers = [serve_in_background(db_url, settings, tmp_path, n) for n in ("a", "b")]
    # (path, order ids): a bulk pay, or a single pay of one order
    plans: list[list[tuple[str, list[str]]]] = [
        [(BULK, ids[0:5]), (PAY, ids[5:6]), (BULK, ids[3:8]), (PAY, ids[1:2])],
        [(PAY, ids[4:5]), (BULK, list(reversed(ids[2:8]))), (PAY, ids[0:1]), (BULK, ids[0:4])],
    ]
    answers: list[list[tuple[str, list[str], dict]]] = [[], []]
    balances: list[int] = []
    done = threading.Event()
    try:
        for child, base in servers:
            wait_ready(base, child)
        start = threading.Barrier(3)

        def run(k: int) -> None:
            with httpx.Client(base_url=servers[k][1], timeout=60) as http:
                caller = Api(http)
                start.wait()
                for path, asked in plans[k]:
                    body = {"orderIds": asked} if path == BULK else {"orderId": asked[0]}
                    answers[k].append(
                        (path, asked, caller.call(dev, "POST", path, body=body).json())
                    )

        def watch() -> None:
            """The available balance, read again and again while the calls run."""
            with httpx.Client(base_url=servers[0][1], timeout=60) as http:
                caller = Api(http)
                start.wait()
                while not done.is_set():
                    money = assert_ok(caller.call(dev, "GET", "/open/account/balance"))
                    balances.extend([money["availableAmount"], money["heldAmount"]])

        threads = [threading.Thread(target=run, args=(k,)) for k in (0, 1)]
        watcher = threading.Thread(target=watch)
        for t in (*threads, watcher):
            t.start()
        for t in threads:
            t.join(timeout=180)
        done.set()
        watcher.join(timeout=60)
        assert all(len(a) == len(p) for a, p in zip(answers, plans, strict=True)), (
            "a process did not answer every call"
        )
    finally:
        done.set()
        for child, _ in servers:
            child.stop()
    assert balances and min(balances) >= 0, "the balance went below zero"

    for per in answers:
        for path, asked, body in per:
            if path == PAY:
                # paid now, or in flight in the other process (nothing moved here)
                assert body["code"] in (200, 50401), body
                continue
            assert body["code"] == 200, body
            data = body["data"]
            assert [r["key"] for r in data["results"]] == asked
            for r in data["results"]:
                assert r["success"] or r["reasonCode"] == IN_FLIGHT, r
    settle_everything(api, db, reconciler_of(app, db))
    paid = check_taobao_books(api, db, app, dev, funded)
    # every call's orders were paid, by one call or the other, each shop order once
    assert paid == {oid: True for oid in ids}
    assert all(r.pay_attempts == 1 for r in shop_orders(db))
    assert balance(api, dev)["availableAmount"] == 0
    for oid in ids:
        assert status_changes(db, oid) == [(12, 0), (0, 10)]


def test_a_pay_racing_another_calls_hold_answers_in_flight_not_short(
    api, dev, settings, db, app, monkeypatch
):
    """2.5 checks that the balance covers the purchase order before paying. Another call (in
    this process or another) holds the order's money just as 2.5 reads the order: the balance is
    short by exactly that hold, but the order is being paid, so 2.5 answers 50401 (in flight,
    nothing moved), never 40201; the reconciler settles the other call's pay."""
    (order,) = two_shop_orders(api, dev, settings, 1)
    oid = order["orderId"]
    rows = shop_orders(db, oid)
    total = sum(r.total_fen for r in rows)
    fund(api, dev, total)
    buyer = Buyer(developer_id=rows[0].developer_id, develop_id=dev.develop_id, user_id=None)
    real = wallet.get_balance
    raced: list[bool] = []

    def balance_after_another_call_held(database, developer_id, *args, **kwargs):
        if not raced:  # the other call claims and holds both shop orders, once
            items, _ = payments.claim_all(
                db, PROFILE, buyer, [r.order_id for r in rows], False, app.state.clock.now_ms()
            )
            raced.append(all(i.pay_state == "held" for i in items))
        return real(database, developer_id, *args, **kwargs)

    monkeypatch.setattr(wallet, "get_balance", balance_after_another_call_held)
    r = pay(api, dev, oid)
    monkeypatch.undo()
    assert raced == [True]
    err = assert_error(r, 50401)
    assert err["data"]["pendingOperation"] == "pay"
    assert [s.pay_attempts for s in shop_orders(db, oid)] == [1, 1]  # one claim each
    settle_everything(api, db, reconciler_of(app, db))
    assert check_taobao_books(api, db, app, dev, total) == {oid: True}
    assert status_changes(db, oid) == [(12, 0), (0, 10)]


@pytest.mark.postgres_only
def test_a_bulk_pay_reading_an_order_paid_meanwhile_reports_it_paid(api, dev, settings, db, app):
    """2.5b reads the purchase orders, then their shop orders; another call's payment of an
    order commits between the two reads (PostgreSQL reads each statement afresh). The order is
    paid: 2.5b reports it paid (ALREADY_PAID, no money moved), never "not payable"."""
    (order,) = two_shop_orders(api, dev, settings, 1)
    oid = order["orderId"]
    rows = shop_orders(db, oid)
    total = sum(r.total_fen for r in rows)
    fund(api, dev, total)
    buyer = Buyer(developer_id=rows[0].developer_id, develop_id=dev.develop_id, user_id=None)
    fired: list[str] = []

    def pay_meanwhile(conn, cursor, statement, parameters, context, executemany):
        if fired or "FROM purchase_order" not in statement or ".group_id IN" not in statement:
            return
        fired.append("paying")
        market, clock = app.state.marketplace, app.state.clock
        (item,) = taobao_payments.pay_many(db, market, clock, buyer, [oid])
        fired.append(item.outcome)

    event.listen(db.engine, "before_cursor_execute", pay_meanwhile)
    try:
        out = assert_ok(api.call(dev, "POST", BULK, body={"orderIds": [oid]}))
    finally:
        event.remove(db.engine, "before_cursor_execute", pay_meanwhile)
    assert fired == ["paying", "paid"]
    (result,) = out["results"]
    assert out["successOrderIds"] == [oid], result
    assert result["reasonCode"] == "ALREADY_PAID", result
    assert check_taobao_books(api, db, app, dev, total) == {oid: True}
    assert status_changes(db, oid) == [(12, 0), (0, 10)]
