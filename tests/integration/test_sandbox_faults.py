"""Fault injection of the sandbox marketplace (``faults``, ENDPOINTS 12.21 and 12.22) through
the adapter: every mode, the counts, probability, the developer scope, operation patterns and
clearing, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest

from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for
from daigou.marketplace.sandbox import faults
from tests.support.seller import (
    START_MS,
    A,
    T,
    new_market,
    one_order,
    one_warehouse_draft,
)


@pytest.fixture
def market(settings, db):
    return new_market(settings, db)


def inject(market, operation: str, mode: str, at: int = 0, **kw):
    return faults.inject(market.db, START_MS + at, operation=operation, mode=mode, **kw)


def active(market) -> dict[str, dict]:
    return {f["faultId"]: f for f in faults.active(market.db)}


def test_error_answers_the_chosen_code_and_writes_nothing(market, settings):
    fid = inject(
        market,
        "1688.order.create",
        "error",
        upstream_code="ORDER_STATUS_ERROR",
        upstream_message="nope",
    )
    draft = one_warehouse_draft(settings, A, 2, out_order_id="err-1")
    with pytest.raises(P.MarketplaceError) as raised:
        market.create_order(draft)
    assert type(raised.value) is P.MarketplaceError  # not a refusal nor a not-found
    assert (raised.value.code, raised.value.message) == ("ORDER_STATUS_ERROR", "nope")
    assert market.orders_by_out_order_id(A, "err-1") == ()
    assert market.messages(A, None, 100).messages == ()
    assert fid not in active(market)  # count 1: used up
    created = market.create_order(draft)
    assert len(created.orders) == 1 and not created.replayed


def test_error_without_a_code_uses_the_default(market, settings):
    order = one_order(market, settings, A)
    inject(market, "1688.order.pay", "error")
    with pytest.raises(P.MarketplaceError) as raised:
        market.pay(A, order.order_id, order.total_fen, "op-1")
    assert raised.value.code == faults.DEFAULT_CODE
    assert market.order(A, order.order_id).status == "waitbuyerpay"
    # nothing was recorded under the op id: the retry really pays
    assert market.pay(A, order.order_id, order.total_fen, "op-1").paid


def test_timeout_does_nothing(market, settings):
    inject(market, "taobao.order.create", "timeout")
    draft = one_warehouse_draft(settings, T, 1, out_order_id="to-1")
    with pytest.raises(P.MarketplaceTimeout) as raised:
        market.create_order(draft)
    assert raised.value.wrote is False and raised.value.operation == "taobao.order.create"
    assert market.orders_by_out_order_id(T, "to-1") == ()
    order = one_order(market, settings, T, 1)
    inject(market, "taobao.order.pay", "timeout")
    with pytest.raises(P.MarketplaceTimeout) as raised:
        market.pay(T, order.order_id, order.total_fen, "tb-op")
    assert raised.value.wrote is False
    assert market.order(T, order.order_id).status == "0"


def test_timeout_after_commit_does_the_write_and_loses_the_answer(market, settings):
    inject(market, "1688.order.create", "timeout_after_commit")
    draft = one_warehouse_draft(settings, A, 2, out_order_id="tac-1")
    with pytest.raises(P.MarketplaceTimeout) as raised:
        market.create_order(draft)
    assert raised.value.wrote is True
    (order,) = market.orders_by_out_order_id(A, "tac-1")
    assert order.status == "waitbuyerpay"
    again = market.create_order(draft)
    assert again.replayed and [o.order_id for o in again.orders] == [order.order_id]

    inject(market, "1688.order.pay", "timeout_after_commit")
    with pytest.raises(P.MarketplaceTimeout) as raised:
        market.pay(A, order.order_id, order.total_fen, "pay-tac")
    assert raised.value.wrote is True
    assert market.order(A, order.order_id).status == "waitsellersend"
    retry = market.pay(A, order.order_id, order.total_fen, "pay-tac")
    assert (retry.paid, retry.paid_fen) == (True, order.total_fen)  # the stored result
    pays = [m for m in market.messages(A, None, 100).messages if m.topic.endswith("ORDER_PAY")]
    assert len(pays) == 1

    # on a read the answer is lost too, but nothing was written
    inject(market, "1688.order.get", "timeout_after_commit")
    with pytest.raises(P.MarketplaceTimeout) as raised:
        market.order(A, order.order_id)
    assert raised.value.wrote is False


def test_latency_delays_the_call_then_runs_it(market, settings):
    order = one_order(market, settings, A)
    inject(market, "1688.order.get", "latency", latency_ms=150)
    started = time.monotonic()
    got = market.order(A, order.order_id)
    assert time.monotonic() - started >= 0.15
    assert got.order_id == order.order_id
    # used up: the next call is not delayed (generous bound, not a benchmark)
    started = time.monotonic()
    market.order(A, order.order_id)
    assert time.monotonic() - started < 0.15
    # latencies add up, and a blocking fault still applies after them
    inject(market, "1688.order.get", "latency", at=1, latency_ms=100)
    inject(market, "1688.order.*", "latency", at=2, latency_ms=100)
    inject(market, "1688.order.get", "error", at=3, upstream_code="LATE_ERROR")
    started = time.monotonic()
    with pytest.raises(P.MarketplaceError, match="LATE_ERROR"):
        market.order(A, order.order_id)
    assert time.monotonic() - started >= 0.2
    assert active(market) == {}


def test_duplicate_and_reorder_change_a_message_batch(market, settings):
    one_order(market, settings, A)
    one_order(market, settings, T, 1)
    one_order(market, settings, A)
    normal = market.messages(A, None, 100)
    assert len(normal.messages) == 2
    inject(market, "*.messages", "duplicate")
    doubled = market.messages(A, None, 100)
    assert doubled.messages == tuple(m for m in normal.messages for _ in (0, 1))
    assert doubled.cursor == normal.cursor
    inject(market, "*.messages", "reorder")
    reordered = market.messages(A, None, 100)
    assert reordered.messages == tuple(reversed(normal.messages))
    assert reordered.cursor == normal.cursor
    assert market.messages(A, None, 100) == normal  # both used up
    # a fault on one platform's stream leaves the other's alone
    taobao = market.messages(T, None, 100)
    inject(market, "1688.messages", "duplicate")
    assert market.messages(T, None, 100) == taobao
    assert len(market.messages(A, None, 100).messages) == 4


def test_count_fails_n_times_then_works(market, settings):
    order = one_order(market, settings, A)
    fid = inject(market, "1688.order.get", "error", count=2)
    assert active(market)[fid]["remaining"] == 2
    for left in (1, 0):
        with pytest.raises(P.MarketplaceError):
            market.order(A, order.order_id)
        if left:
            assert (active(market)[fid]["remaining"], active(market)[fid]["hits"]) == (left, 1)
    assert fid not in active(market)
    assert market.order(A, order.order_id).order_id == order.order_id


def test_count_zero_fails_until_cleared(market, settings):
    order = one_order(market, settings, A)
    fid = inject(market, "1688.order.get", "error", count=0)
    for _ in range(3):
        with pytest.raises(P.MarketplaceError):
            market.order(A, order.order_id)
    fault = active(market)[fid]
    assert (fault["remaining"], fault["hits"]) == (None, 3)
    assert faults.clear(market.db, [fid]) == 1
    assert market.order(A, order.order_id).order_id == order.order_id


def test_probability_zero_never_and_hundred_always(market, settings):
    order = one_order(market, settings, A)
    never = inject(market, "1688.order.get", "error", count=0, probability=0)
    for _ in range(20):
        market.order(A, order.order_id)
    assert (active(market)[never]["hits"], active(market)[never]["remaining"]) == (0, None)
    faults.clear(market.db)
    always = inject(market, "1688.order.get", "error", count=0, probability=100)
    for _ in range(5):
        with pytest.raises(P.MarketplaceError):
            market.order(A, order.order_id)
    assert active(market)[always]["hits"] == 5


def test_develop_id_scope(market, settings):
    order = one_order(market, settings, A)
    fid = inject(market, "1688.order.get", "error", count=0, develop_id="D1")
    market.order(A, order.order_id)  # no developer named
    with acting_for("D2"):
        market.order(A, order.order_id)
    with acting_for("D1"), pytest.raises(P.MarketplaceError):
        market.order(A, order.order_id)
    with acting_for("D1"), acting_for(None):
        market.order(A, order.order_id)
    assert active(market)[fid]["hits"] == 1
    # an unscoped fault applies to every developer
    inject(market, "1688.order.get", "timeout", at=1, count=0)
    for who in (None, "D2"):
        with acting_for(who), pytest.raises(P.MarketplaceTimeout):
            market.order(A, order.order_id)


@pytest.mark.parametrize(
    ("pattern", "hit", "miss"),
    [
        (
            "1688.order.*",
            ["1688.order.get", "1688.order.pay"],
            ["taobao.order.get", "1688.messages"],
        ),
        ("*.order.get", ["1688.order.get", "taobao.order.get"], ["1688.order.pay"]),
        ("*", ["1688.order.get", "taobao.order.pay", "1688.messages"], []),
        ("*.messages", ["1688.messages", "taobao.messages"], ["1688.order.get"]),
        ("taobao.messages", ["taobao.messages"], ["1688.messages"]),
        ("taobao.order.pay", ["taobao.order.pay"], ["1688.order.pay", "taobao.order.get"]),
    ],
)
def test_operation_patterns(market, settings, pattern, hit, miss):
    a = one_order(market, settings, A)
    t = one_order(market, settings, T, 1)
    calls = {
        "1688.order.get": lambda: market.order(A, a.order_id),
        "1688.order.pay": lambda: market.pay(A, a.order_id, 1, "wrong-amount"),
        "taobao.order.get": lambda: market.order(T, t.order_id),
        "taobao.order.pay": lambda: market.pay(T, t.order_id, 1, "wrong-amount"),
        "1688.messages": lambda: market.messages(A, None, 10),
        "taobao.messages": lambda: market.messages(T, None, 10),
    }
    inject(market, pattern, "error", count=0, upstream_code="PATTERN")
    for op in hit:
        with pytest.raises(P.MarketplaceError, match="PATTERN"):
            calls[op]()
    for op in miss:
        calls[op]()


def test_the_oldest_blocking_fault_applies_and_only_it_is_used(market, settings):
    order = one_order(market, settings, A)
    older = inject(market, "1688.order.get", "error", at=0, upstream_code="OLDER")
    newer = inject(market, "1688.order.*", "timeout", at=5)
    with pytest.raises(P.MarketplaceError, match="OLDER"):
        market.order(A, order.order_id)
    assert older not in active(market) and active(market)[newer]["hits"] == 0
    with pytest.raises(P.MarketplaceTimeout):
        market.order(A, order.order_id)
    market.order(A, order.order_id)


def test_clear_some_or_all(market, settings):
    ids = [inject(market, "*", "error", at=i, count=0) for i in range(3)]
    listed = faults.active(market.db)
    assert [f["faultId"] for f in listed] == ids  # oldest first
    assert set(listed[0]) == {
        "faultId",
        "operation",
        "mode",
        "upstreamCode",
        "upstreamMessage",
        "latencyMs",
        "remaining",
        "probability",
        "developId",
        "hits",
        "createTime",
    }
    assert faults.clear(market.db, [ids[0], "flt_unknown"]) == 1
    assert list(active(market)) == ids[1:]
    assert faults.clear(market.db) == 2
    assert faults.active(market.db) == []
    assert faults.clear(market.db) == 0
    market.messages(A, None, 1)


def test_an_unknown_mode_is_refused(market):
    with pytest.raises(ValueError):
        inject(market, "*", "explode")
    assert faults.active(market.db) == []
