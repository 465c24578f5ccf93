"""How fast and how much at once the gateway may call one upstream (a marketplace adapter).

A :class:`Limiter` bounds the calls of one upstream in one process: **calls per second** (a
token bucket holding up to one second's worth of calls, so a burst of that size goes out at once
and then calls go out at the rate) and **calls at once** (in flight, whatever the rate). Every
request and worker job of the process shares it (:func:`limiter_for`); a call takes a slot
before it is sent and gives it back when its answer (or error) comes.

A call that finds no slot within the wait bound fails with
:class:`~daigou.marketplace.port.MarketplaceNotSent`: nothing reached the marketplace, so the
caller may safely try again (``GuardedMarketplace`` retries reads; a write fails cleanly, its
hold released).

**Several processes.** Each process (every API process, every ``daigou worker``) has its own
limiter and they do not talk to each other. To keep an upstream's budget, give each process
its share: the upstream's calls per second divided by the processes that call it (an upstream
allowing 10 calls/s, called by two API processes and one worker:
``DAIGOU_MARKETPLACE_CALLS_PER_SECOND=3``), and the same for the concurrency if the upstream
bounds it. A limit the upstream still enforces surfaces as ``MarketplaceRateLimited``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from daigou.config import Settings
from daigou.marketplace.port import MarketplaceNotSent

NOT_SENT_CODE = "LOCAL_LIMIT"  # the upstream code of a call the limiter kept back
EPSILON = 1e-9

Wait = Callable[[threading.Condition, float], object]


def _wait(cond: threading.Condition, seconds: float) -> object:
    return cond.wait(seconds)


class Limiter:
    """Calls per second and calls at once for one upstream; thread-safe.

    ``calls_per_second`` 0 means no rate limit. ``clock`` (seconds, monotonic) and ``wait``
    (waits on the limiter's condition for at most the given seconds) are injectable, so tests
    drive time by hand."""

    def __init__(
        self,
        name: str,
        *,
        calls_per_second: float = 0.0,
        concurrency: int = 100,
        wait_seconds: float = 5.0,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        wait: Wait = _wait,
    ) -> None:
        if calls_per_second < 0 or concurrency < 1 or wait_seconds < 0:
            raise ValueError("a limiter needs a rate >= 0, a concurrency >= 1 and a wait >= 0")
        self.name = name
        self.rate = float(calls_per_second)
        self.concurrency = concurrency
        self.wait_seconds = wait_seconds
        self.burst = burst if burst is not None else max(1.0, self.rate)
        self._clock = clock
        self._wait = wait
        self._cond = threading.Condition()
        self._tokens = self.burst
        self._stamp = clock()
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def _refill(self, now: float) -> None:
        if self.rate:
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def _token_wait(self) -> float:
        """Seconds until a token is there (0: one is there now)."""
        if not self.rate or self._tokens >= 1 - EPSILON:  # (a refill's rounding)
            return 0.0
        return (1 - self._tokens) / self.rate

    def acquire(self) -> None:
        """Take a slot (a token and a place among the calls at once), waiting at most
        ``wait_seconds``; else MarketplaceNotSent."""
        with self._cond:
            deadline = self._clock() + self.wait_seconds
            while True:
                now = self._clock()
                self._refill(now)
                token_wait = self._token_wait()
                full = self._in_flight >= self.concurrency
                if not full and token_wait == 0:
                    self._in_flight += 1
                    if self.rate:
                        self._tokens -= 1
                    return
                remaining = deadline - now
                # a token that comes after the deadline is not worth waiting for
                if remaining <= 0 or (not full and token_wait > remaining):
                    raise MarketplaceNotSent(
                        NOT_SENT_CODE,
                        f"{self.name}: no call slot within {self.wait_seconds:g} s "
                        f"({self._in_flight} in flight, {self.rate:g} calls/s); nothing sent",
                    )
                # full: a release notifies (or the deadline passes); else the next token
                self._wait(self._cond, remaining if full else token_wait)

    def release(self) -> None:
        with self._cond:
            self._in_flight -= 1
            self._cond.notify()

    @contextmanager
    def slot(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()


# --- one per upstream per process --------------------------------------------------------------
_LIMITERS: dict[tuple[str, float, int, float], Limiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter_for(upstream: str, settings: Settings) -> Limiter:
    """The process's limiter of ``upstream`` under these settings (made on first use and
    shared afterwards by every caller that asks with the same settings)."""
    key = (
        upstream,
        float(settings.marketplace_calls_per_second),
        settings.marketplace_concurrency,
        float(settings.marketplace_slot_wait_seconds),
    )
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(key)
        if limiter is None:
            limiter = _LIMITERS[key] = Limiter(
                upstream,
                calls_per_second=key[1],
                concurrency=key[2],
                wait_seconds=key[3],
            )
        return limiter
