"""``fan_out`` on the process's shared call pool: results in input order, errors kept per
call, the caller's context inside, real concurrency, and no deadlock when nested or busy."""

from __future__ import annotations

import threading

import pytest

from daigou.marketplace import fanout
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_developer, acting_for
from daigou.marketplace.fanout import fan_out


@pytest.fixture
def small_pool():
    fanout.configure(2)
    yield
    fanout.configure(fanout.FAN_OUT)


def test_results_and_marketplace_errors_come_back_in_input_order():
    def fail(i: int) -> int:
        raise P.MarketplaceRefused("OUT_OF_STOCK", f"line {i}")

    calls = [(lambda i=i: i * 10) if i % 3 else (lambda i=i: fail(i)) for i in range(10)]
    results = fan_out(calls)
    for i, r in enumerate(results):
        if i % 3:
            assert r == i * 10
        else:
            assert isinstance(r, P.MarketplaceRefused) and r.message == f"line {i}"


def test_an_error_not_caught_is_raised_after_every_call_finished():
    done = []

    def ok(i: int) -> int:
        done.append(i)
        return i

    def boom() -> int:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError, match="bug"):
        fan_out([boom] + [(lambda i=i: ok(i)) for i in range(5)])
    assert sorted(done) == [0, 1, 2, 3, 4]


def test_calls_run_in_a_copy_of_the_callers_context():
    with acting_for("dev-7"):
        seen = fan_out([acting_developer for _ in range(8)])
    assert seen == ["dev-7"] * 8


def test_a_whole_bulk_pay_is_in_flight_at_once():
    # each call waits until all 100 have started: only a fan-out of 100 at once gets through
    barrier = threading.Barrier(100, timeout=20)
    arrivals = fan_out([barrier.wait for _ in range(100)])  # a broken barrier raises
    assert sorted(arrivals) == list(range(100))


def test_bound_limits_the_calls_of_one_fan_out_at_once():
    lock = threading.Lock()
    running = [0]
    peak = [0]
    release = threading.Event()

    def call() -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            if running[0] == 3:
                release.set()
        release.wait(5)
        with lock:
            running[0] -= 1

    fan_out([call] * 12, bound=3)
    assert peak[0] == 3


def test_nested_fan_outs_on_a_busy_pool_finish(small_pool):
    # a pool of 2 threads; each of 6 calls fans out 6 more: the callers run what is not taken
    def inner(i: int, j: int) -> int:
        return i * 10 + j

    def outer(i: int) -> list:
        return fan_out([(lambda j=j: inner(i, j)) for j in range(6)])

    result: list = []
    worker = threading.Thread(
        target=lambda: result.append(fan_out([(lambda i=i: outer(i)) for i in range(6)]))
    )
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "nested fan-out deadlocked"
    assert result == [[[i * 10 + j for j in range(6)] for i in range(6)]]


def test_one_call_runs_on_the_callers_thread():
    assert fan_out([threading.get_ident]) == [threading.get_ident()]
    assert fan_out([]) == []
