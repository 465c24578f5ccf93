"""``GuardedMarketplace`` around a fake adapter: the retry schedule (reads retried on "not
sent" and "rate limited", writes never), which port method is which, the outcome of each
attempt, the capped snippet, and a whole bulk pay in flight at once through the limiter."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest

from daigou.config import Settings
from daigou.marketplace import calls
from daigou.marketplace import port as P
from daigou.marketplace.calls import classify, snippet
from daigou.marketplace.context import acting_for
from daigou.marketplace.fanout import fan_out
from daigou.marketplace.guarded import GuardedMarketplace, RetrySchedule
from daigou.marketplace.limits import Limiter, limiter_for
from tests.support.fakes import PORT_CALLS, PORT_METHODS, Recording

A = P.Platform.ALIBABA
ORDER = P.MarketOrder(
    platform=A,
    order_id="1001",
    out_order_id="out-1",
    status="waitbuyerpay",
    seller_open_id="s",
    seller_name="shop",
    lines=(),
    product_fen=100,
    shipping_fen=0,
    discount_fen=0,
    total_fen=100,
    created_ms=0,
    modified_ms=0,
)


class Memory:
    """Records attempts in a list (the recorder's interface)."""

    def __init__(self) -> None:
        self.attempts: list[calls.Attempt] = []

    def record(self, attempt: calls.Attempt) -> None:
        self.attempts.append(attempt)

    def close(self) -> None:
        pass


class Scripted:
    """An adapter whose ``order``, ``pay`` and ``offer_activities`` raise the scripted errors,
    then answer."""

    name = "fake"

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls: list[str] = []

    def _next(self, what: str) -> None:
        self.calls.append(what)
        if self.errors:
            raise self.errors.pop(0)

    def order(self, platform: P.Platform, order_id: str) -> P.MarketOrder:
        self._next("order")
        return ORDER

    def pay(self, platform: P.Platform, order_id: str, amount_fen: int, op: str) -> P.PayResult:
        self._next("pay")
        return P.PayResult(order_id, True, amount_fen)

    def offer_activities(
        self, platform: P.Platform, offer_id: str, language: str
    ) -> tuple[P.Activity, ...]:
        self._next("offer_activities")
        return ()


def guarded(inner: Any, **kw: Any) -> tuple[GuardedMarketplace, Memory, list[float]]:
    memory, slept = Memory(), []
    market = GuardedMarketplace(
        inner,
        Limiter(inner.name, concurrency=100),
        memory,  # type: ignore[arg-type]
        sleep=slept.append,
        **kw,
    )
    return market, memory, slept


def not_sent() -> P.MarketplaceNotSent:
    return P.MarketplaceNotSent("CONNECT", "connection refused")


# --- the schedule -----------------------------------------------------------------------------
def test_the_schedule_retries_only_what_did_not_happen_upstream():
    s = RetrySchedule(attempts=3, base_seconds=0.1, cap_seconds=2, total_seconds=10)
    rng = random.Random(1)
    assert s.delay(1, not_sent(), 0, rng) is not None
    assert s.delay(1, P.MarketplaceRateLimited("LIMIT", "slow", retry_after_s=2), 0, rng) >= 2
    for exc in (
        P.MarketplaceTimeout("order"),
        P.MarketplaceError("ISP_ERROR", "x"),
        P.MarketplaceRefused("NO", "x"),
        P.MarketplaceNotFound("order", "1"),
        RuntimeError("bug"),
    ):
        assert s.delay(1, exc, 0, rng) is None


def test_the_schedule_is_bounded_by_tries_and_total_time_with_jittered_waits():
    s = RetrySchedule(attempts=4, base_seconds=0.1, cap_seconds=0.3, total_seconds=5)
    rng = random.Random(7)
    waits = [s.delay(n, not_sent(), 0, rng) for n in (1, 2, 3)]
    assert all(w is not None for w in waits)
    assert waits[0] <= 0.1 and waits[1] <= 0.2 and waits[2] <= 0.3  # capped
    assert len({round(w, 6) for w in waits}) == 3  # jittered
    assert s.delay(4, not_sent(), 0, rng) is None  # four tries made
    assert s.delay(1, not_sent(), 5.01, rng) is None  # the total time is spent
    late = P.MarketplaceRateLimited("LIMIT", "slow", retry_after_s=3)
    assert s.delay(1, late, 2.5, rng) is None  # 2.5 + 3 s is past the total


# --- reads and writes -------------------------------------------------------------------------
def test_a_read_is_retried_after_not_sent_and_rate_limited_honouring_retry_after():
    inner = Scripted(not_sent(), P.MarketplaceRateLimited("LIMIT", "slow", retry_after_s=1.5))
    market, memory, slept = guarded(inner)
    assert market.order(A, "1001") == ORDER
    assert inner.calls == ["order"] * 3
    assert len(slept) == 2 and slept[1] >= 1.5
    assert [a.outcome for a in memory.attempts] == ["not_sent", "rate_limited", "ok"]
    assert {a.key for a in memory.attempts} == {"1001"}


def test_offer_activities_is_a_read_retried_and_logged_under_the_offer_id():
    inner = Scripted(not_sent(), P.MarketplaceRateLimited("LIMIT", "slow", retry_after_s=0.5))
    market, memory, slept = guarded(inner)
    with acting_for("dev-7"):
        assert market.offer_activities(A, "612345678901", "en") == ()
    assert inner.calls == ["offer_activities"] * 3 and len(slept) == 2
    assert [a.outcome for a in memory.attempts] == ["not_sent", "rate_limited", "ok"]
    assert {(a.operation, a.key, a.develop_id) for a in memory.attempts} == {
        ("offer_activities", "612345678901", "dev-7")
    }


# every port method, as the guard treats it: a read is tried again, a write is sent once
READS = {
    "search",
    "offer",
    "categories",
    "offer_activities",
    "preview",
    "orders_by_out_order_id",
    "order",
    "logistics",
    "refund_reasons",
    "refund",
    "order_refunds",
    "refund_notes",
    "messages",
}
WRITES = {
    "create_order",
    "cancel_order",
    "pay",
    "confirm_receipt",
    "create_refund",
    "cancel_refund",
    "return_goods",
    "modify_refund",
    "add_refund_note",
}


class FailsFirst(Recording):
    """Records every call; the first one raises ``error`` (after it reached the fake)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__("fake")
        self.error = error

    def _record(self, method: str, *args: Any, **kwargs: Any) -> str:
        answer = super()._record(method, *args, **kwargs)
        if len(self.calls) == 1:
            raise self.error
        return answer


def test_every_port_method_is_a_read_or_a_write():
    assert set(PORT_METHODS) == READS | WRITES and not READS & WRITES


@pytest.mark.parametrize("method", PORT_METHODS)
def test_each_method_is_retried_if_a_read_and_sent_once_if_a_write(method):
    inner = FailsFirst(not_sent())
    market, memory, _ = guarded(inner)
    if method in READS:
        assert PORT_CALLS[method](market, A) == f"fake:{method}"
        assert len(inner.calls) == 2
    else:
        with pytest.raises(P.MarketplaceNotSent):
            PORT_CALLS[method](market, A)
        assert len(inner.calls) == 1
    # logged under the method's name, passed on with every argument it was given
    assert {a.operation for a in memory.attempts} == {method}
    direct = Recording("direct")
    PORT_CALLS[method](direct, A)
    assert inner.calls[0] == direct.calls[0]


@pytest.mark.parametrize(
    ("method", "key"),
    [("order_refunds", "o1"), ("refund_notes", "r1"), ("add_refund_note", "op-4")],
)
def test_after_sales_calls_are_logged_under_what_identifies_them(method, key):
    market, memory, _ = guarded(Recording("fake"))
    PORT_CALLS[method](market, A)
    assert [(a.operation, a.key) for a in memory.attempts] == [(method, key)]


def test_a_read_gives_up_after_its_tries():
    inner = Scripted(not_sent(), not_sent(), not_sent(), not_sent())
    market, memory, _ = guarded(inner, retry=RetrySchedule(attempts=3))
    with pytest.raises(P.MarketplaceNotSent):
        market.order(A, "1001")
    assert inner.calls == ["order"] * 3 and len(memory.attempts) == 3


@pytest.mark.parametrize(
    "error", [not_sent(), P.MarketplaceRateLimited("LIMIT", "slow"), P.MarketplaceTimeout("pay")]
)
def test_a_write_is_never_sent_again(error):
    inner = Scripted(error)
    market, memory, slept = guarded(inner)
    with pytest.raises(type(error)):
        market.pay(A, "1001", 100, "op-1")
    assert inner.calls == ["pay"] and slept == []
    (attempt,) = memory.attempts
    assert attempt.operation == "pay" and attempt.key == "op-1"
    assert attempt.outcome == classify(error=error)[0]


def test_a_call_without_a_slot_is_not_sent_and_recorded_so():
    inner = Scripted()
    memory = Memory()
    full = Limiter("fake", concurrency=1, wait_seconds=0)
    full.acquire()
    market = GuardedMarketplace(inner, full, memory, sleep=lambda _: None)  # type: ignore[arg-type]
    with pytest.raises(P.MarketplaceNotSent):
        market.pay(A, "1001", 100, "op-2")
    assert inner.calls == []
    assert [(a.outcome, a.error_code) for a in memory.attempts] == [("not_sent", "LOCAL_LIMIT")]


def test_each_attempt_records_who_it_was_for_and_when():
    market, memory, _ = guarded(Scripted())
    assert isinstance(market, P.Marketplace) and market.name == "fake"
    with acting_for("dev-9"):
        market.pay(A, "1001", 100, "op-3")
    (a,) = memory.attempts
    assert a.develop_id == "dev-9" and a.platform == "1688" and a.started_at > 0
    assert a.duration_ms >= 0 and a.outcome == "ok" and a.snippet.startswith("PayResult(")


# --- outcomes and snippets --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("result", "error", "expected"),
    [
        (ORDER, None, ("ok", None)),
        (P.PayResult("1", False, 0, code="PRICE_CHANGED"), None, ("refused", "PRICE_CHANGED")),
        (None, P.MarketplaceRefused("OUT_OF_STOCK", "x"), ("refused", "OUT_OF_STOCK")),
        (None, P.MarketplaceNotFound("order", "1"), ("not_found", "NOT_FOUND")),
        (None, P.MarketplaceNotSent("CONNECT", "x"), ("not_sent", "CONNECT")),
        (None, P.MarketplaceRateLimited("LIMIT", "x"), ("rate_limited", "LIMIT")),
        (None, P.MarketplaceTimeout("pay"), ("unknown", "TIMEOUT")),
        (None, P.MarketplaceError("ISP", "x"), ("error", "ISP")),
        (None, ValueError("bad"), ("error", "ValueError")),
    ],
)
def test_outcomes_say_what_the_caller_may_do(result, error, expected):
    assert classify(result, error) == expected


def test_a_snippet_is_capped_and_built_only_as_far_as_shown():
    huge = tuple(ORDER for _ in range(100_000))
    text = snippet(huge)
    assert len(text) <= calls.SNIPPET_CHARS and text.startswith("(MarketOrder(platform=")
    assert snippet(P.MarketplaceRefused("NO", "x")) == "MarketplaceRefused: NO: x"
    assert snippet((b"\x89PNG", "image/png")) == "(<4 bytes>, 'image/png')"
    assert snippet("x" * 1000).endswith("…") and len(snippet("x" * 1000)) == 256


# --- P2: a bulk pay is not serialised by the guard --------------------------------------------
class Waiting:
    """An adapter whose pay returns only once 100 pays are in flight together."""

    name = "waiting"

    def __init__(self) -> None:
        self.barrier = threading.Barrier(100, timeout=20)

    def pay(self, platform: P.Platform, order_id: str, amount_fen: int, op: str) -> P.PayResult:
        self.barrier.wait()
        return P.PayResult(order_id, True, amount_fen)


def test_a_bulk_pay_of_100_is_in_flight_at_once_under_the_default_settings():
    settings = Settings(_env_file=None)
    memory = Memory()
    market = GuardedMarketplace(
        Waiting(),
        limiter_for("waiting", settings),
        memory,  # type: ignore[arg-type]
    )
    results = fan_out([(lambda i=i: market.pay(A, str(i), 1, f"op-{i}")) for i in range(100)])
    assert all(isinstance(r, P.PayResult) and r.paid for r in results)
    assert len(memory.attempts) == 100 and {a.outcome for a in memory.attempts} == {"ok"}
