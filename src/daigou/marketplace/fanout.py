"""Marketplace calls of one request, run concurrently with a bound.

A 20-merchant create or a 100-order bulk pay must not take 20x or 100x one call's latency
(issue 5), and must not open a thread per item either. The calls are blocking (the port is
synchronous), so they run on threads, each in a copy of the caller's context so
``acting_for`` holds inside it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from daigou.marketplace import port as P

T = TypeVar("T")
FAN_OUT = 100  # marketplace calls in flight per request: a whole bulk pay (100) in one wave


def fan_out(
    calls: list[Callable[[], T]],
    *,
    bound: int = FAN_OUT,
    catch: tuple[type[BaseException], ...] = (P.MarketplaceError, P.MarketplaceTimeout),
) -> list[T | BaseException]:
    """Run ``calls`` at most ``bound`` at once; their results, or the exception they raised
    (of the ``catch`` kinds; anything else propagates), in input order."""

    def run(call: Callable[[], T]) -> T | BaseException:
        try:
            return call()
        except catch as exc:
            return exc

    if len(calls) <= 1:
        return [run(c) for c in calls]
    with ThreadPoolExecutor(max_workers=min(bound, len(calls))) as pool:
        futures = [pool.submit(contextvars.copy_context().run, run, c) for c in calls]
        return [f.result() for f in futures]
