"""When to call again, and after how long: a small object that can be tested alone.

- Only transient failures: no answer (connection refused, reset, timeout), 42901 rate limited,
  50001 internal error, 40903 the same Idempotency-Key still running; a read (GET) also on
  50401 (the marketplace was slow: reading again is harmless).
- A write is retried only when it carries an Idempotency-Key (the SDK sets one per logical
  call and sends the same key on every attempt), so the gateway does the work at most once.
  50401 on a write is never retried: its outcome is unknown (``OutcomeUnknownError``).
- Bounded by attempts and by total time; exponential backoff with full jitter; a
  ``Retry-After`` header is honoured (never beyond the time left).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from daigou_sdk.errors import DaigouError


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4  # the first call included
    total_seconds: float = 30.0  # no new attempt starts after this much time
    base_delay: float = 0.25
    max_delay: float = 8.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def should_retry(self, method: str, has_idempotency_key: bool, error: DaigouError) -> bool:
        if method.upper() != "GET" and not has_idempotency_key:
            return False
        if error.should_retry:
            return True
        return method.upper() == "GET" and error.code == 50401

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        if retry_after is not None:
            return min(retry_after, self.max_delay * 4)
        ceiling = min(self.base_delay * (2 ** (attempt - 1)), self.max_delay)
        return self.rng.uniform(ceiling / 2, ceiling)

    def next_delay(
        self,
        method: str,
        has_idempotency_key: bool,
        error: DaigouError,
        attempt: int,
        elapsed: float,
    ) -> float | None:
        """The wait before another attempt, or None: give up and raise ``error``."""
        if attempt >= self.max_attempts or not self.should_retry(
            method, has_idempotency_key, error
        ):
            return None
        wait = self.delay(attempt, error.retry_after)
        if elapsed + wait > self.total_seconds:
            return None
        return wait


NO_RETRIES = RetryPolicy(max_attempts=1)
