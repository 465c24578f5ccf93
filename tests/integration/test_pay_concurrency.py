"""Two gateway processes on one PostgreSQL database, bulk-paying overlapping sets of one
developer's orders at the same moment (real HTTP on loopback). No order is paid twice, no
money is taken twice, every order paid is reported paid by exactly one call, and the books
balance afterwards."""

from __future__ import annotations

import subprocess
import threading

import httpx
import pytest

from tests.support.api import assert_ok
from tests.support.gateway import Api
from tests.support.orders1688 import BULK, check_books, fund, make_orders, settle_everything
from tests.support.reconcile import reconciler_of
from tests.support.serve import serve_in_background as _serve
from tests.support.serve import wait_ready as _wait_ready


@pytest.mark.postgres_only
@pytest.mark.timeout(240)
def test_two_processes_bulk_pay_overlapping_orders_once(
    api, dev, settings, db, app, db_url, tmp_path
):
    orders = make_orders(api, dev, settings, 12)
    ids = [oid for oid, _ in orders]
    funded = sum(t for _, t in orders) * 3 // 4  # not everything can be paid
    fund(api, dev, funded)
    # every marketplace pay takes 50 ms, so the two calls overlap for real
    fault = {"operation": "1688.order.pay", "mode": "latency", "latencyMs": 50, "count": 0}
    assert_ok(api.admin("POST", "/admin/sandbox/fault/inject", fault))
    servers = [_serve(db_url, settings, tmp_path, n) for n in ("a", "b")]
    try:
        for proc, base in servers:
            _wait_ready(base, proc)
        plans = [
            [ids[0:8], ids[8:12] + ids[0:2], ids[3:10]],
            [list(reversed(ids[2:10])), ids[0:6], ids[6:12]],
        ]
        answers: list[list[dict]] = [[], []]
        start = threading.Barrier(2)

        def run(k: int) -> None:
            with httpx.Client(base_url=servers[k][1], timeout=60) as http:
                caller = Api(http)
                start.wait()
                for asked in plans[k]:
                    answers[k].append(
                        assert_ok(caller.call(dev, "POST", BULK, body={"orderIds": asked}))
                    )

        threads = [threading.Thread(target=run, args=(k,)) for k in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=180)
        assert all(len(a) == 3 for a in answers), "a process did not answer every call"
    finally:
        for proc, _ in servers:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    # paid by this call (an order another call paid first is a success too, reasonCode
    # ALREADY_PAID, and moves no money): each order is paid by one call only
    reported_paid = [
        r["key"]
        for per in answers
        for data in per
        for r in data["results"]
        if r["success"] and r["reasonCode"] != "ALREADY_PAID"
    ]
    assert len(reported_paid) == len(set(reported_paid)), "an order was reported paid twice"
    listed = {oid for per in answers for data in per for oid in data["successOrderIds"]}
    assert listed == set(reported_paid) | {
        r["key"]
        for per in answers
        for data in per
        for r in data["results"]
        if r["reasonCode"] == "ALREADY_PAID"
    }
    pending = [
        r["key"] for per in answers for data in per for r in data["results"] if r["code"] == 50401
    ]
    settle_everything(api, db, reconciler_of(app, db))
    check_books(api, db, app, dev, funded)
    from sqlalchemy import select

    from daigou.purchasing.models import PurchaseOrder as Order1688

    with db.reading() as conn:
        paid = set(
            conn.execute(select(Order1688.order_id).where(Order1688.pay_state == "paid")).scalars()
        )
    assert set(reported_paid) <= paid <= set(reported_paid) | set(pending)
    assert paid, "some orders were paid"
