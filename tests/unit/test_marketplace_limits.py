"""The per-upstream limiter (``daigou.marketplace.limits``): calls per second, calls at once,
and "not sent" once the wait bound is spent. Time is a fake clock that waiting moves on."""

from __future__ import annotations

import threading
import time

import pytest

from daigou.config import Settings
from daigou.marketplace import port as P
from daigou.marketplace.limits import NOT_SENT_CODE, Limiter, limiter_for


class FakeTime:
    """A monotonic clock that only moves when the limiter waits."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def wait(self, _cond: threading.Condition, seconds: float) -> bool:
        self.waits.append(seconds)
        self.now += seconds
        return False


def limiter(t: FakeTime, **kw) -> Limiter:
    return Limiter("up", clock=t.clock, wait=t.wait, **kw)


def test_a_burst_of_one_seconds_calls_goes_at_once_then_calls_follow_the_rate():
    t = FakeTime()
    lim = limiter(t, calls_per_second=5, concurrency=100, wait_seconds=10)
    for _ in range(5):
        with lim.slot():
            pass
    assert t.now == 100.0 and t.waits == []
    for _ in range(10):
        with lim.slot():
            pass
    # ten more calls at 5 per second: two seconds, each waiting for its token
    assert t.now == pytest.approx(102.0)
    assert all(w == pytest.approx(0.2) for w in t.waits)


def test_a_token_that_comes_after_the_wait_bound_is_not_waited_for():
    t = FakeTime()
    lim = limiter(t, calls_per_second=2, concurrency=100, wait_seconds=0.1)
    lim.acquire()
    lim.acquire()
    with pytest.raises(P.MarketplaceNotSent) as caught:
        lim.acquire()
    assert caught.value.code == NOT_SENT_CODE and "nothing sent" in caught.value.message
    assert t.waits == []  # failed at once: the next token is 0.5 s away
    assert lim.in_flight == 2  # the failed call holds nothing


def test_calls_at_once_are_bounded_and_the_next_is_not_sent_after_the_wait():
    t = FakeTime()
    lim = limiter(t, concurrency=2, wait_seconds=3)
    lim.acquire()
    lim.acquire()
    with pytest.raises(P.MarketplaceNotSent):
        lim.acquire()
    assert sum(t.waits) == pytest.approx(3)
    lim.release()
    lim.acquire()  # a slot given back is taken at once
    assert lim.in_flight == 2


def test_unlimited_rate_never_waits():
    t = FakeTime()
    lim = limiter(t, calls_per_second=0, concurrency=1000)
    for _ in range(500):
        lim.acquire()
    assert t.waits == [] and lim.in_flight == 500


def test_threads_never_exceed_the_concurrency_and_all_get_through():
    lim = Limiter("up", concurrency=3, wait_seconds=30)
    gate = threading.Event()
    seen: list[int] = []
    lock = threading.Lock()

    def call() -> None:
        with lim.slot():
            with lock:
                seen.append(lim.in_flight)
            gate.wait(30)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for th in threads:
        th.start()
    deadline = time.monotonic() + 10
    while len(seen) < 3 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert len(seen) == 3 and lim.in_flight == 3  # the other five wait for a slot
    gate.set()
    for th in threads:
        th.join(30)
    assert len(seen) == 8 and max(seen) <= 3 and lim.in_flight == 0


def test_one_limiter_per_upstream_and_settings_in_a_process():
    s = Settings(_env_file=None, marketplace_calls_per_second=3, marketplace_concurrency=7)
    a = limiter_for("up-a", s)
    assert limiter_for("up-a", s) is a
    assert limiter_for("up-b", s) is not a
    assert (a.rate, a.concurrency, a.wait_seconds) == (3.0, 7, 5.0)


def test_bad_limits_are_refused():
    with pytest.raises(ValueError):
        Limiter("up", concurrency=0)
    with pytest.raises(ValueError):
        Limiter("up", calls_per_second=-1)
