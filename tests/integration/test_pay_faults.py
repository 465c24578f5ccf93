"""Bulk pay under marketplace faults: errors, timeouts with nothing done, timeouts after the
payment happened, and a process that dies between the hold and the answer. After
reconciliation every order is paid exactly once or not at all, and the ledger explains every
fen: available + held + captured = top-ups, every hold settled, every entry balanced."""

from __future__ import annotations

import json
import random

import pytest
from sqlalchemy import select

from daigou.marketplace import port as P
from daigou.messages.models import OutboxMessage
from daigou.orders1688.profile import PROFILE
from daigou.purchasing import payments
from daigou.purchasing.buyer import Buyer
from daigou.purchasing.models import PurchaseOrder as Order1688
from tests.support.api import assert_ok
from tests.support.orders1688 import bulk, check_books, fund, make_orders, settle_everything
from tests.support.reconcile import reconciler_of

FAULT = "/admin/sandbox/fault/inject"
PAY_UNKNOWN = "PAY_RESULT_UNKNOWN"


def batch_messages(db) -> dict[str, list[dict]]:
    with db.reading() as conn:
        bodies = conn.execute(
            select(OutboxMessage.body).where(OutboxMessage.message_type == "ORDER_BATCH_PAY")
        ).scalars()
        out: dict[str, list[dict]] = {}
        for b in bodies:
            body = json.loads(b)
            assert body["batchId"] not in out, "one ORDER_BATCH_PAY per batch"
            out[body["batchId"]] = body["batchPay"]
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_bulk_pay_under_faults_pays_each_order_once_or_not_at_all(
    api, dev, settings, db, app, seed
):
    rnd = random.Random(seed)
    orders = make_orders(api, dev, settings, 10)
    funded = sum(t for _, t in orders) * 7 // 10
    fund(api, dev, funded)
    topups = funded
    for mode, probability in (("error", 20), ("timeout", 25), ("timeout_after_commit", 25)):
        fault = {
            "operation": "1688.order.pay",
            "mode": mode,
            "count": 0,
            "probability": probability,
        }
        assert_ok(api.admin("POST", FAULT, fault))
    ids = [oid for oid, _ in orders]
    rnd.shuffle(ids)
    first = assert_ok(bulk(api, dev, ids[:7]))
    second = assert_ok(bulk(api, dev, ids[4:]))  # overlaps the first
    batches = [(ids[:7], first), (ids[4:], second)]
    for asked, data in batches:
        assert [r["key"] for r in data["results"]] == asked
        paid, failed = set(data["successOrderIds"]), {f["orderId"] for f in data["payFailOrders"]}
        assert not paid & failed
        unknown = {f["orderId"] for f in data["payFailOrders"] if f["errorCode"] == PAY_UNKNOWN}
        for r in data["results"]:
            assert r["key"] in paid or r["key"] in failed, r  # every order in one list
            assert (r["key"] in unknown) == (r["code"] == 50401), r
    settle_everything(api, db, reconciler_of(app, db))
    check_books(api, db, app, dev, topups)
    finished = batch_messages(db)
    for asked, data in batches:
        statuses = finished[data["batchId"]]
        assert [e["orderId"] for e in statuses] == asked
        with db.reading() as conn:
            state = dict(
                conn.execute(
                    select(Order1688.order_id, Order1688.pay_state).where(
                        Order1688.order_id.in_(asked)
                    )
                ).all()
            )
        for entry in statuses:
            # final, whichever call settled the order's payment
            assert entry["status"] not in ("PENDING", PAY_UNKNOWN), entry
            if entry["status"] == "successed":
                assert state[entry["orderId"]] == "paid"


def test_a_process_dying_after_the_hold_is_settled_by_the_reconciler(api, dev, settings, db, app):
    """Step 1 ran (hold, operation written) and the process died before asking the
    marketplace: the hold stays until the lease expires, then the reconciler pays it."""
    ((a, ta), (b, tb)) = make_orders(api, dev, settings, 2)
    fund(api, dev, ta + tb)
    buyer = Buyer(developer_id=_pk(db, a), develop_id=dev.develop_id, user_id=None)
    items, batch_id = payments.claim_all(db, PROFILE, buyer, [a, b], True, app.state.clock.now_ms())
    assert [i.pay_state for i in items] == ["held", "held"]
    reconciler = reconciler_of(app, db)
    assert reconciler.run_once() == 0  # the request's lease is live
    # the marketplace had been asked for a before the process died
    market = app.state.marketplace
    assert market.pay(P.Platform.ALIBABA, a, ta, items[0].operation.market_key).paid
    settle_everything(api, db, reconciler)
    check_books(api, db, app, dev, ta + tb)
    assert batch_messages(db)[batch_id] == [
        {"orderId": a, "status": "successed"},
        {"orderId": b, "status": "successed"},
    ]


def _pk(db, order_id: str) -> int:
    with db.reading() as conn:
        return conn.execute(
            select(Order1688.developer_id).where(Order1688.order_id == order_id)
        ).scalar_one()
