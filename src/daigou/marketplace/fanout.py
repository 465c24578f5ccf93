"""Marketplace calls of one request, run concurrently on the process's shared call pool.

A 20-merchant create or a 100-order bulk pay must not take 20x or 100x one call's latency
(issue 5, P2), and must not start a pool of threads per request either: every request of the
process shares one pool (made on first use, sized by ``DAIGOU_MARKETPLACE_CONCURRENCY``,
:func:`configure`); how many calls reach one upstream at once is the upstream's limiter's
business (``marketplace/limits.py``). The calls are blocking (the port is synchronous), so they
run on threads, each in a copy of the caller's context so ``acting_for`` holds inside it.

**No deadlock when nested or when the pool is busy.** The caller is never only a waiter: it
runs the calls no pool thread has taken yet itself, and waits only for calls already running.
So a call that itself fans out (from a pool thread), or a request that finds the pool busy
with other requests, still finishes: at worst its calls run one after another on its own
thread.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

from daigou.marketplace import port as P

T = TypeVar("T")
FAN_OUT = 100  # default pool size and per-request bound: a whole bulk pay (100) in one wave

_pool: ThreadPoolExecutor | None = None
_pool_size = FAN_OUT
_pool_lock = threading.Lock()


def configure(size: int) -> None:
    """Size the shared pool (the composition root calls it with the concurrency setting).
    A pool already made with another size is replaced; the old one finishes what it has."""
    global _pool, _pool_size
    if size < 1:
        raise ValueError("the call pool needs at least one thread")
    with _pool_lock:
        if size == _pool_size:
            return
        old, _pool, _pool_size = _pool, None, size
    if old is not None:
        old.shutdown(wait=False)


def shared_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=_pool_size, thread_name_prefix="daigou-market")
        return _pool


class _Batch(Generic[T]):
    """One fan-out: the calls, which are taken, their outcomes."""

    def __init__(
        self, calls: list[Callable[[], T]], catch: tuple[type[BaseException], ...]
    ) -> None:
        self.calls = calls
        self.catch = catch
        self.context = contextvars.copy_context()
        self.results: list[T | BaseException | None] = [None] * len(calls)
        self.raised: list[BaseException | None] = [None] * len(calls)
        self._next = 0
        self._done = 0
        self._cond = threading.Condition()

    def _take(self) -> int | None:
        with self._cond:
            if self._next >= len(self.calls):
                return None
            self._next += 1
            return self._next - 1

    def _run(self, i: int) -> None:
        try:
            self.results[i] = self.context.copy().run(self.calls[i])
        except self.catch as exc:
            self.results[i] = exc
        except BaseException as exc:  # re-raised in the caller's thread
            self.raised[i] = exc
        finally:
            with self._cond:
                self._done += 1
                if self._done == len(self.calls):
                    self._cond.notify_all()

    def work(self) -> None:
        """Run calls nobody has taken yet, until none is left."""
        while (i := self._take()) is not None:
            self._run(i)

    def wait(self) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._done == len(self.calls))


def fan_out(
    calls: list[Callable[[], T]],
    *,
    bound: int = FAN_OUT,
    catch: tuple[type[BaseException], ...] = (P.MarketplaceError, P.MarketplaceTimeout),
) -> list[T | BaseException]:
    """Run ``calls`` at most ``bound`` at once (the caller's thread being one of them); their
    results, or the exception they raised (of the ``catch`` kinds; anything else propagates
    once all have finished), in input order."""
    batch = _Batch(calls, catch)
    helpers = min(bound, len(calls)) - 1
    if helpers > 0:
        pool = shared_pool()
        try:
            for _ in range(helpers):
                pool.submit(batch.work)
        except RuntimeError:  # the pool was just replaced (configure): the caller works on
            pass
    batch.work()
    batch.wait()
    for exc in batch.raised:
        if exc is not None:
            raise exc
    return batch.results  # type: ignore[return-value]
