"""Poll until something happened, up to a deadline: never sleep a fixed time and then assert."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T],
    timeout: float = 30.0,
    interval: float = 0.05,
    message: str | Callable[[], str] = "condition not met",
) -> T:
    """Call `predicate` every `interval` seconds until it returns something truthy, and return
    that; raise AssertionError with `message` (a string, or a function that says what was
    seen) once `timeout` seconds passed. The predicate runs at least once, and once more at
    the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"timed out after {timeout:g}s: " + (message() if callable(message) else message)
            )
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
