"""The marketplace's pushes consumed into the gateway's 1688 order records
(``daigou.feed.consumer`` and ``daigou.purchasing.records.apply``): one message per step an
order took, in order, whatever the pushes did (repeated, reordered, lost), on SQLite and
PostgreSQL. Time is a ManualClock under the sandbox clock; the seller's timers fire on demand."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import delete, select

from daigou.bootstrap import ORDER_RECORDS, bootstrap
from daigou.core import ids
from daigou.developers.models import Developer
from daigou.feed.consumer import FeedConsumer
from daigou.feed.models import MarketFeed
from daigou.marketplace import port as P
from daigou.marketplace.sandbox import faults
from daigou.marketplace.sandbox.seller_models import SandboxMessage
from daigou.messages.models import OutboxMessage
from daigou.orders1688.profile import PROFILE
from daigou.platforms import register_platforms
from daigou.purchasing import records
from daigou.purchasing.models import PurchaseOrder
from tests.support.gateway import make_settings
from tests.support.seller import START_MS, A, T, new_market, one_order

DAY = 86_400
MAKE = "ORDER_BUYER_VIEW_BUYER_MAKE"
PAY = "ORDER_BUYER_VIEW_ORDER_PAY"
SEND = "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS"
TRACE = "LOGISTICS_BUYER_VIEW_TRACE"
CONFIRM = "ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS"
SUCCESS = "ORDER_BUYER_VIEW_ORDER_SUCCESS"
PRICE = "ORDER_BUYER_VIEW_ORDER_PRICE_MODIFY"
SELLER_CLOSE = "ORDER_BUYER_VIEW_ORDER_SELLER_CLOSE"
BUYER_CLOSE = "ORDER_BUYER_VIEW_ORDER_BUYER_CLOSE"
REFUND_IN = "ORDER_BUYER_VIEW_ORDER_BUYER_REFUND_IN_SALES"

register_platforms()  # the 1688 profile, as the app does at start
ORDERS_1688 = ORDER_RECORDS[A]


@pytest.fixture
def feed_settings(tmp_path, db_url):
    # the seller ships only when told, so each shipment is the test's
    return make_settings(tmp_path, db_url, sandbox_ship_after_seconds=0)


@pytest.fixture
def market(feed_settings, db):
    return new_market(feed_settings, db)


@pytest.fixture
def developer(db) -> int:
    with db.transaction() as s:
        dev = Developer(
            develop_id=ids.develop_id(),
            main_user_id=ids.numeric_id(13),
            name="feed",
            status="enabled",
            rate_limit_per_minute=600,
            cashier_pay_allowed=False,
            created_at=START_MS,
            modified_at=START_MS,
        )
        s.add(dev)
        s.flush()
        return dev.id


@pytest.fixture
def consumer(db, market):
    return FeedConsumer(db, market, market.clock, A, ORDERS_1688)


def ours(db, market, settings, developer: int, n_lines: int = 3) -> P.MarketOrder:
    """An order made at the marketplace and recorded by the gateway (as a create does)."""
    order = one_order(market, settings, A, n_lines)
    with db.transaction() as s:
        records.record_created(
            s,
            PROFILE,
            developer_id=developer,
            user_id=None,
            out_order_id=None,
            order=order,
            now_ms=market.clock.now_ms(),
        )
    return order


def pay(market, order: P.MarketOrder) -> None:
    total = market.order(A, order.order_id).total_fen
    assert market.pay(A, order.order_id, total, f"pay-{order.order_id}").paid


def outbox(db, order_id: str) -> list[dict[str, Any]]:
    """The gateway's messages about one order, by sequence."""
    with db.reading() as conn:
        rows = conn.execute(
            select(OutboxMessage.message_type, OutboxMessage.sequence, OutboxMessage.body)
            .where(OutboxMessage.object_id == order_id)
            .order_by(OutboxMessage.sequence)
        ).all()
    return [{"type": t, "sequence": n, **json.loads(b)} for t, n, b in rows]


def types(db, order_id: str) -> list[str]:
    return [m["type"] for m in outbox(db, order_id)]


def record_of(db, order_id: str) -> PurchaseOrder:
    with db.transaction() as s:
        row = s.get(PurchaseOrder, ("1688", order_id))
        assert row is not None
        s.expunge(row)
    return row


def feed_cursor(db, name: str = "market:1688") -> str | None:
    with db.reading() as conn:
        return conn.execute(select(MarketFeed.cursor).where(MarketFeed.name == name)).scalar()


def assert_sequenced(db, order_id: str) -> None:
    msgs = outbox(db, order_id)
    seqs = [m["sequence"] for m in msgs]
    assert seqs == list(range(1, len(msgs) + 1))
    # each message carries the order as it was when recorded, with its own sequence
    assert [m["order"]["gatewayInfo"]["sequence"] for m in msgs] == seqs
    assert record_of(db, order_id).sequence == seqs[-1]


# --- the whole life of an order ------------------------------------------------------------
def test_a_lifecycle_is_reported_step_by_step_in_order(db, market, feed_settings, developer):
    seller = market.seller
    order = ours(db, market, feed_settings, developer, n_lines=3)
    oid = order.order_id
    consumer = FeedConsumer(db, market, market.clock, A, ORDERS_1688)
    assert consumer.run_once() == 1  # the create's push: nothing new to record
    assert types(db, oid) == [MAKE]

    pay(market, order)
    assert consumer.run_once() == 1
    assert types(db, oid)[1:] == [PAY]

    first = order.lines[0].entry_id
    seller.ship(A, oid, entry_ids=(first,))  # a partial shipment: still waitsellersend
    consumer.run_once()
    partial = outbox(db, oid)[2:]
    assert [m["type"] for m in partial] == [SEND, TRACE]
    assert partial[0]["currentStatus"] == "waitsellersend"
    assert partial[0]["previousStatus"] is None
    assert partial[0]["subItemIds"] == [first]
    assert record_of(db, oid).status == "waitsellersend"

    seller.advance(seconds=3600)
    seller.ship(A, oid)  # the rest: the order is now all sent
    consumer.run_once()
    rest = outbox(db, oid)[4:]
    assert [m["type"] for m in rest] == [SEND, TRACE]  # one SEND: parcel and move together
    assert (rest[0]["previousStatus"], rest[0]["currentStatus"]) == (
        "waitsellersend",
        "waitbuyerreceive",
    )
    assert sorted(rest[0]["subItemIds"]) == sorted(ln.entry_id for ln in order.lines[1:])
    parcels = market.order(A, oid).parcels
    assert len(parcels) == 2

    seller.advance(seconds=3 * DAY)  # every logistics step, then both deliveries
    consumer.run_once()
    traces = outbox(db, oid)[6:]
    assert [m["type"] for m in traces] == [TRACE] * 8
    times = [m["step"]["acceptTime"] for m in traces]
    assert times == sorted(times)
    assert [m["logisticsId"] for m in traces] == [p.logistics_id for p in parcels] * 4

    seller.advance(seconds=10 * DAY - 7200)  # auto-confirm, ten days after the last delivery
    consumer.run_once()
    assert types(db, oid)[14:] == [CONFIRM]
    seller.advance(seconds=2 * DAY)  # settlement
    consumer.run_once()

    assert types(db, oid) == [MAKE, PAY, SEND, TRACE, SEND, TRACE, *[TRACE] * 8, CONFIRM, SUCCESS]
    assert_sequenced(db, oid)
    last = outbox(db, oid)[-1]
    assert (last["previousStatus"], last["currentStatus"]) == ("confirm_goods", "success")
    assert last["order"]["baseInfo"]["status"] == "success"
    assert record_of(db, oid).status == "success"

    # nothing new: a second run records nothing
    assert consumer.run_once() == 0
    assert len(outbox(db, oid)) == 16


def test_the_price_change_of_an_unpaid_order_is_reported(db, market, feed_settings, developer):
    order = ours(db, market, feed_settings, developer)
    consumer = FeedConsumer(db, market, market.clock, A, ORDERS_1688)
    market.seller.modify_price(A, order.order_id, total_fen=order.total_fen - 100)
    consumer.run_once()
    msgs = outbox(db, order.order_id)
    assert [m["type"] for m in msgs] == [MAKE, PRICE]
    assert (msgs[1]["previousTotalAmount"], msgs[1]["totalAmount"]) == (
        order.total_fen,
        order.total_fen - 100,
    )
    assert msgs[1]["order"]["baseInfo"]["totalAmount"] == order.total_fen - 100
    assert record_of(db, order.order_id).total_fen == order.total_fen - 100
    pay(market, order)
    consumer.run_once()
    assert types(db, order.order_id) == [MAKE, PRICE, PAY]
    assert_sequenced(db, order.order_id)


def test_a_price_change_and_payment_read_together_are_both_reported(
    db, market, feed_settings, developer
):
    order = ours(db, market, feed_settings, developer)
    market.seller.modify_price(A, order.order_id, total_fen=order.total_fen - 1)
    pay(market, order)
    FeedConsumer(db, market, market.clock, A, ORDERS_1688).run_once()
    assert types(db, order.order_id) == [MAKE, PRICE, PAY]


def test_a_seller_close_is_reported_as_such(db, market, feed_settings, developer):
    order = ours(db, market, feed_settings, developer)
    market.seller.seller_close(A, order.order_id)
    FeedConsumer(db, market, market.clock, A, ORDERS_1688).run_once()
    msgs = outbox(db, order.order_id)
    assert [m["type"] for m in msgs] == [MAKE, SELLER_CLOSE]
    assert msgs[1]["order"]["baseInfo"]["closeOperateType"] == "seller"
    row = record_of(db, order.order_id)
    assert row.status == "cancel"
    assert (row.pay_state, row.held_fen) == ("none", 0)  # money is not the mirror's business


def test_the_pay_timeout_is_a_buyer_close(db, market, feed_settings, developer):
    order = ours(db, market, feed_settings, developer)
    market.seller.advance(seconds=feed_settings.sandbox_pay_timeout_seconds + 1)
    FeedConsumer(db, market, market.clock, A, ORDERS_1688).run_once()
    msgs = outbox(db, order.order_id)
    assert [m["type"] for m in msgs] == [MAKE, BUYER_CLOSE]
    assert (msgs[1]["previousStatus"], msgs[1]["currentStatus"]) == ("waitbuyerpay", "cancel")


def test_a_full_refund_terminates_with_one_message(db, market, feed_settings, developer):
    order = ours(db, market, feed_settings, developer, n_lines=1)
    pay(market, order)
    consumer = FeedConsumer(db, market, market.clock, A, ORDERS_1688)
    consumer.run_once()
    paid = market.order(A, order.order_id)
    refund = market.create_refund(
        P.RefundDraft(
            platform=A,
            order_id=order.order_id,
            entry_ids=(paid.lines[0].entry_id,),
            dispute_request="refund",
            goods_status="refundWaitSellerSend",
            apply_payment_fen=paid.total_fen - paid.shipping_fen,
            apply_carriage_fen=paid.shipping_fen,
            reason_id=1,
            description="test",
        )
    )
    consumer.run_once()
    market.seller.seller_refund_act(A, refund.refund_id, "agree")
    consumer.run_once()
    msgs = outbox(db, order.order_id)
    # the order reports its move to terminated (with the refund status that caused it) ...
    assert [m["type"] for m in msgs] == [MAKE, PAY, REFUND_IN]
    assert (msgs[2]["previousStatus"], msgs[2]["currentStatus"]) == (
        "waitsellersend",
        "terminated",
    )
    assert msgs[2]["refundStatus"] == "refundsuccess"
    # ... and the refund its own changes, each with the whole refund and its own sequence
    refund_msgs = outbox(db, refund.refund_id)
    assert [m["type"] for m in refund_msgs] == [REFUND_IN, REFUND_IN]
    assert [m["sequence"] for m in refund_msgs] == [1, 2]
    assert [(m["previousStatus"], m["currentStatus"]) for m in refund_msgs] == [
        (None, "waitselleragree"),
        ("waitselleragree", "refundsuccess"),
    ]
    assert [m["refund"]["sequence"] for m in refund_msgs] == [1, 2]
    assert refund_msgs[1]["refund"]["refundPayment"] == refund.apply_payment_fen
    assert_sequenced(db, order.order_id)


# --- lost, late, repeated and reordered pushes ----------------------------------------------
def test_a_lost_push_is_made_up_one_message_per_crossed_step(db, market, feed_settings, developer):
    order = ours(db, market, feed_settings, developer, n_lines=1)
    pay(market, order)
    market.seller.ship(A, order.order_id)
    with db.transaction() as s:  # the marketplace never sent the payment's push
        s.execute(
            delete(SandboxMessage).where(
                SandboxMessage.order_id == order.order_id, SandboxMessage.topic == PAY
            )
        )
    FeedConsumer(db, market, market.clock, A, ORDERS_1688).run_once()
    msgs = outbox(db, order.order_id)
    assert [m["type"] for m in msgs] == [MAKE, PAY, SEND, TRACE]
    assert [(m["previousStatus"], m["currentStatus"]) for m in msgs[1:3]] == [
        ("waitbuyerpay", "waitsellersend"),
        ("waitsellersend", "waitbuyerreceive"),
    ]
    # every message carries the order as it is now
    assert {m["order"]["baseInfo"]["status"] for m in msgs[1:]} == {"waitbuyerreceive"}
    assert_sequenced(db, order.order_id)


def test_a_view_read_late_reports_every_step_it_jumped(db, market, feed_settings, developer):
    order = ours(db, market, feed_settings, developer, n_lines=1)
    pay(market, order)
    market.seller.ship(A, order.order_id)
    market.seller.deliver(A, order.order_id)
    market.confirm_receipt(A, order.order_id, ())
    late = market.order(A, order.order_id)
    with db.transaction() as s:
        row = s.get(PurchaseOrder, ("1688", order.order_id))
        assert records.apply(s, row, late, market.clock.now_ms())
    assert types(db, order.order_id) == [MAKE, PAY, SEND, TRACE, TRACE, CONFIRM]


def test_applying_the_same_view_twice_or_an_older_one_records_nothing(
    db, market, feed_settings, developer
):
    order = ours(db, market, feed_settings, developer)
    unpaid = market.order(A, order.order_id)
    pay(market, order)
    paid = market.order(A, order.order_id)
    now = market.clock.now_ms()
    with db.transaction() as s:
        row = s.get(PurchaseOrder, ("1688", order.order_id))
        assert records.apply(s, row, paid, now)
    with db.transaction() as s:
        row = s.get(PurchaseOrder, ("1688", order.order_id))
        body = row.snapshot
        assert records.apply(s, row, paid, now + 1)  # taken, nothing new
        assert not records.apply(s, row, unpaid, now + 2)  # behind: nothing
        assert row.snapshot == body and row.status == "waitsellersend"
        assert row.modified_at == now
    assert types(db, order.order_id) == [MAKE, PAY]


def test_a_stale_view_of_the_same_status_is_ignored(db, market, feed_settings, developer):
    order = ours(db, market, feed_settings, developer)
    pay(market, order)
    market.seller.ship(A, order.order_id, entry_ids=(order.lines[0].entry_id,))
    before = market.order(A, order.order_id)
    market.seller.advance(seconds=DAY)  # logistics steps
    after = market.order(A, order.order_id)
    now = market.clock.now_ms()
    with db.transaction() as s:
        row = s.get(PurchaseOrder, ("1688", order.order_id))
        records.apply(s, row, after, now)
        assert not records.apply(s, row, before, now)  # fewer steps, older modifyTime
    with db.transaction() as s:
        row = s.get(PurchaseOrder, ("1688", order.order_id))
        records.apply(s, row, after, now)
    assert types(db, order.order_id) == [MAKE, PAY, SEND, TRACE, TRACE, TRACE, TRACE]


@pytest.mark.parametrize("mode", ["duplicate", "reorder"])
def test_repeated_or_reordered_pushes_record_nothing_extra(
    db, market, feed_settings, developer, mode
):
    faults.inject(db, START_MS, operation="*.messages", mode=mode, count=0)
    order = ours(db, market, feed_settings, developer, n_lines=2)
    consumer = FeedConsumer(db, market, market.clock, A, ORDERS_1688)
    pay(market, order)
    market.seller.ship(A, order.order_id, entry_ids=(order.lines[0].entry_id,))
    consumer.run_once()
    market.seller.ship(A, order.order_id)
    market.seller.advance(seconds=DAY)
    consumer.run_once()
    consumer.run_once()
    assert types(db, order.order_id) == [MAKE, PAY, SEND, TRACE, SEND, TRACE, *[TRACE] * 6]
    assert_sequenced(db, order.order_id)


# --- the cursor, failures and the lease ------------------------------------------------------
def test_pushes_of_orders_not_ours_move_the_cursor_and_nothing_else(
    db, market, feed_settings, developer
):
    other = one_order(market, feed_settings, A)  # not made through the gateway
    taobao = one_order(market, feed_settings, T)
    consumer = FeedConsumer(db, market, market.clock, A, ORDERS_1688)
    assert consumer.run_once() == 0
    assert feed_cursor(db) == market.messages(A, None, 100).cursor
    with db.reading() as conn:
        assert conn.execute(select(OutboxMessage.message_id)).all() == []
    assert other.order_id and taobao.order_id


def test_a_failed_order_read_keeps_the_cursor_before_it(db, market, feed_settings, developer):
    order = ours(db, market, feed_settings, developer)
    consumer = FeedConsumer(db, market, market.clock, A, ORDERS_1688)
    consumer.run_once()
    start = feed_cursor(db)
    pay(market, order)
    faults.inject(db, START_MS, operation="1688.order.get", mode="error", count=1)
    assert consumer.run_once() == 0
    assert feed_cursor(db) == start  # not past the payment's push
    assert types(db, order.order_id) == [MAKE]
    assert consumer.run_once() == 1  # the next run applies it
    assert types(db, order.order_id) == [MAKE, PAY]
    assert feed_cursor(db) == market.messages(A, None, 100).cursor


class FailingFor:
    """The sandbox marketplace, but reading one order times out."""

    def __init__(self, market: Any, order_id: str) -> None:
        self.market = market
        self.order_id = order_id

    def order(self, platform: P.Platform, order_id: str) -> P.MarketOrder:
        if order_id == self.order_id:
            raise P.MarketplaceTimeout("1688.order.get")
        return self.market.order(platform, order_id)

    def messages(self, platform: P.Platform, cursor: str | None, limit: int) -> P.MessageBatch:
        return self.market.messages(platform, cursor, limit)


def test_the_cursor_stops_just_before_the_failed_orders_first_push(
    db, market, feed_settings, developer
):
    first = ours(db, market, feed_settings, developer)
    second = ours(db, market, feed_settings, developer)
    consumer = FeedConsumer(db, market, market.clock, A, ORDERS_1688)
    consumer.run_once()
    start = feed_cursor(db)
    pay(market, first)
    pay(market, second)
    market.seller.ship(A, first.order_id)
    failing = FeedConsumer(db, FailingFor(market, second.order_id), market.clock, A, ORDERS_1688)
    assert failing.run_once() == 3  # the first order's payment and shipment (+ trace)
    assert types(db, first.order_id) == [MAKE, PAY, SEND, TRACE]
    assert types(db, second.order_id) == [MAKE]
    # the stored cursor is just after the first order's payment push
    assert feed_cursor(db) == market.messages(A, start, 1).cursor
    assert consumer.run_once() == 3  # again the first order's shipment: nothing new for it
    assert types(db, first.order_id) == [MAKE, PAY, SEND, TRACE]
    assert types(db, second.order_id) == [MAKE, PAY]


def test_a_second_consumer_waits_for_the_lease(db, market, feed_settings, developer):
    order = ours(db, market, feed_settings, developer)
    one = FeedConsumer(db, market, market.clock, A, ORDERS_1688)
    two = FeedConsumer(db, market, market.clock, A, ORDERS_1688)
    assert one._take_lease()[0]
    pay(market, order)
    assert two.run_once() == 0  # the stream is one's
    assert types(db, order.order_id) == [MAKE]
    one._release()
    assert two.run_once() == 2
    assert types(db, order.order_id) == [MAKE, PAY]


def test_two_consumers_alternating_record_each_step_once(db, market, feed_settings, developer):
    order = ours(db, market, feed_settings, developer, n_lines=2)
    consumers = [FeedConsumer(db, market, market.clock, A, ORDERS_1688) for _ in range(2)]
    steps = [
        lambda: pay(market, order),
        lambda: market.seller.ship(A, order.order_id, entry_ids=(order.lines[0].entry_id,)),
        lambda: market.seller.ship(A, order.order_id),
        lambda: market.seller.advance(seconds=3 * DAY),
        lambda: market.seller.advance(seconds=11 * DAY),
    ]
    for i, step in enumerate(steps):
        step()
        consumers[i % 2].run_once()
        consumers[(i + 1) % 2].run_once()
    assert types(db, order.order_id) == [
        MAKE,
        PAY,
        SEND,
        TRACE,
        SEND,
        TRACE,
        *[TRACE] * 8,
        CONFIRM,
        SUCCESS,
    ]
    assert_sequenced(db, order.order_id)


def test_the_worker_runs_the_feed(db, market, feed_settings, developer):
    gateway = bootstrap(feed_settings, db, market.clock, adapters={A: market, T: market})
    runner = gateway.worker(deliver=False)
    job = next(j for j in runner.jobs if j.name == "market-feed:1688")
    assert job.every_seconds == feed_settings.worker_poll_seconds
    order = ours(db, market, feed_settings, developer)
    pay(market, order)
    try:
        assert "market-feed:1688" in runner.tick(1e12)
        assert types(db, order.order_id) == [MAKE, PAY]
    finally:
        gateway.close()  # its call log's flusher must not outlive the test's database
