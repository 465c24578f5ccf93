"""Creating a Taobao purchase order (2.2) of two shops when one shop's create has no answer.

The purchase order stays building (12, ``pendingOperation: create``) and 2.2 answers 50401 with
its ``orderId``; a replay with the same ``sellerOrderNumber`` returns it (nothing is made twice).
The reconciler then finds the shop's order (the write happened: 12 -> 0, one message), or, when
the order was never made, gives up an hour later: the purchase order goes on without the shop
(0, its lines in ``errors``), or ends in 9 when no shop was placed. Nothing is charged on the way.
"""

from __future__ import annotations

from sqlalchemy import func, select

from daigou.orderstaobao.models import TaobaoOrder
from tests.support.api import assert_error, assert_ok
from tests.support.orders1688 import balance, fund, settle_everything
from tests.support.reconcile import reconciler_of
from tests.support.taobao import PAGE, create, detail, pay, render, shop_lines
from tests.support.taobao_faults import (
    CREATE_OP,
    check_taobao_books,
    inject,
    shop_orders,
    status_changes,
)

CLOCK = "/admin/sandbox/clock/advance"


def advance(api, seconds: int) -> None:
    assert_ok(api.admin("POST", CLOCK, {"seconds": seconds}))


def purchase_orders(db) -> int:
    with db.reading() as conn:
        return conn.execute(select(func.count()).select_from(TaobaoOrder)).scalar_one()


def lost_create(api, dev, db, lines, number: str, mode: str, shops_lost: int = 1) -> dict:
    """2.2 with ``shops_lost`` shops' creates unanswered: 50401 naming the purchase order, which
    is building (12) with the create pending; the purchase order as read then."""
    amount = render(api, dev, lines)["purchaseAmount"]
    inject(api, CREATE_OP, mode, count=shops_lost)
    err = assert_error(create(api, dev, lines, amount=amount, sellerOrderNumber=number), 50401)
    data = err["data"]
    order_id = data["orderId"]
    assert data["pendingOperation"] == "create"
    assert data["order"]["orderId"] == order_id and data["order"]["status"] == 12
    seen = detail(api, dev, order_id)
    assert seen["status"] == 12 and seen["pendingOperation"] == "create", seen
    assert seen["sellerOrderNumber"] == number
    assert len(seen["salesOrderIds"]) == 2 - shops_lost
    assert status_changes(db, order_id) == []  # nothing reported while building
    return seen


def assert_replayed(api, dev, db, lines, number: str, order_id: str, status: int) -> dict:
    """The same sellerOrderNumber again: the same purchase order, replayed, nothing made."""
    count, shops = purchase_orders(db), len(shop_orders(db))
    amount = render(api, dev, lines)["purchaseAmount"]
    again = assert_ok(create(api, dev, lines, amount=amount, sellerOrderNumber=number))
    assert again["orderId"] == order_id and again["replayed"] is True
    assert again["status"] == status, again
    assert purchase_orders(db) == count and len(shop_orders(db)) == shops
    return again


def test_a_lost_answer_after_the_write_is_found_by_the_reconciler(api, dev, settings, db, app):
    a, b = shop_lines(settings, shops=2, per=1)
    lines = a + b
    money = balance(api, dev)
    seen = lost_create(api, dev, db, lines, "SO-LOST-1", "timeout_after_commit")
    oid = seen["orderId"]
    # not payable while building; nothing charged
    assert_error(pay(api, dev, oid), 40901)
    assert balance(api, dev) == money
    during = assert_replayed(api, dev, db, lines, "SO-LOST-1", oid, 12)
    assert during["pendingOperation"] == "create"
    listed = assert_ok(api.call(dev, "GET", PAGE, params={"sellerOrderNumber": "SO-LOST-1"}))
    assert [o["orderId"] for o in listed["data"]] == [oid]
    assert listed["data"][0]["status"] == 12

    # the reconciler (the fault was used up) finds the shop's order by the create's key
    advance(api, 10)
    assert reconciler_of(app, db).run_once() == 1
    found = detail(api, dev, oid)
    assert found["status"] == 0 and found["pendingOperation"] is None, found
    assert len(found["salesOrderIds"]) == 2 and found["errors"] == []
    assert all(s["salesOrderId"] for s in found["subOrders"])
    assert found["purchaseAmount"] == render(api, dev, lines)["purchaseAmount"]
    assert status_changes(db, oid) == [(12, 0)]
    after = assert_replayed(api, dev, db, lines, "SO-LOST-1", oid, 0)
    assert after["salesOrderIds"] == found["salesOrderIds"]
    assert status_changes(db, oid) == [(12, 0)]  # a replay reports nothing

    # the found shop order is a shop order like the other: the purchase order pays in full
    fund(api, dev, found["purchaseAmount"])
    assert assert_ok(pay(api, dev, oid))["status"] == 10
    assert check_taobao_books(api, db, app, dev, found["purchaseAmount"]) == {oid: True}
    assert status_changes(db, oid) == [(12, 0), (0, 10)]


def test_a_create_never_made_is_given_up_after_an_hour_without_its_shop(
    api, dev, settings, db, app
):
    a, b = shop_lines(settings, shops=2, per=1)
    lines = a + b
    seen = lost_create(api, dev, db, lines, "SO-LOST-2", "timeout")
    oid = seen["orderId"]
    (placed,) = shop_orders(db, oid)
    reconciler = reconciler_of(app, db)
    # not found, and not an hour yet: still building
    advance(api, 10)
    assert reconciler.run_once() == 1
    still = detail(api, dev, oid)
    assert still["status"] == 12 and still["pendingOperation"] == "create"
    assert_replayed(api, dev, db, lines, "SO-LOST-2", oid, 12)

    settle_everything(api, db, reconciler)  # past the hour: the shop's order was never made
    done = detail(api, dev, oid)
    assert done["status"] == 0 and done["pendingOperation"] is None, done
    assert done["salesOrderIds"] == [placed.order_id]
    assert done["purchaseAmount"] == placed.total_fen
    missing = {s["orderLineNo"] for s in done["subOrders"] if s["salesOrderId"] is None}
    assert len(missing) == 1
    assert {e["orderLineNo"] for e in done["errors"]} == missing
    assert all(e["code"] == 40904 for e in done["errors"])
    assert status_changes(db, oid) == [(12, 0)]
    after = assert_replayed(api, dev, db, lines, "SO-LOST-2", oid, 0)
    assert after["errors"] == done["errors"]

    fund(api, dev, placed.total_fen)
    paid = assert_ok(pay(api, dev, oid))
    assert paid["status"] == 10 and paid["paidAmount"] == placed.total_fen
    assert check_taobao_books(api, db, app, dev, placed.total_fen) == {oid: True}
    assert status_changes(db, oid) == [(12, 0), (0, 10)]


def test_no_shop_placed_ends_the_purchase_order_in_9(api, dev, settings, db, app):
    a, b = shop_lines(settings, shops=2, per=1)
    lines = a + b
    money = balance(api, dev)
    seen = lost_create(api, dev, db, lines, "SO-LOST-3", "timeout", shops_lost=2)
    oid = seen["orderId"]
    assert_replayed(api, dev, db, lines, "SO-LOST-3", oid, 12)
    settle_everything(api, db, reconciler_of(app, db))
    done = detail(api, dev, oid)
    assert done["status"] == 9 and done["pendingOperation"] is None, done
    assert done["salesOrderIds"] == [] and done["closeTime"] is not None
    assert {e["orderLineNo"] for e in done["errors"]} == {ln["orderLineNo"] for ln in lines}
    assert status_changes(db, oid) == [(12, 9)]
    assert_replayed(api, dev, db, lines, "SO-LOST-3", oid, 9)
    assert_error(pay(api, dev, oid), 40901)
    assert balance(api, dev) == money
    assert check_taobao_books(api, db, app, dev, money["availableAmount"]) == {oid: False}


def test_a_process_dying_between_the_two_settles_is_swept(api, dev, settings, db, app):
    """The core settled the create as never made, but the process died before the shop was
    marked: the purchase order stays building until the sweep (a worker job) finds the shop
    with no open create and no order, and goes on without it."""
    from daigou.orderstaobao.settlers import sweep_placing
    from daigou.purchasing import creates
    from daigou.reconcile.service import Reconciler, Settlers

    a, b = shop_lines(settings, shops=2, per=1)
    seen = lost_create(api, dev, db, a + b, "SO-SWEEP", "timeout")
    oid = seen["orderId"]
    gateway = app.state.gateway
    assert sweep_placing(db, gateway.clock) == 0  # not due yet, and its create is open
    # the reconciler as if only the core's half ran: the create settled, the shop not marked
    core_only = Settlers()
    for (object_type, operation), settler in gateway.settlers._by_kind.items():
        wanted = creates.reconcile_create if operation == "create" else settler
        core_only.register(object_type, operation, wanted)
    reconciler = Reconciler(db, app.state.marketplace, app.state.clock, core_only)
    settle_everything(api, db, reconciler)
    stuck = detail(api, dev, oid)
    assert stuck["status"] == 12 and stuck["pendingOperation"] == "create"
    advance(api, 120)  # past the give-up time and its margin
    assert sweep_placing(db, gateway.clock) == 1
    done = detail(api, dev, oid)
    assert done["status"] == 0 and len(done["salesOrderIds"]) == 1
    assert [e["errorCode"] for e in done["errors"]] == ["NOT_PLACED"]
    assert status_changes(db, oid) == [(12, 0)]
    assert sweep_placing(db, gateway.clock) == 0  # once
