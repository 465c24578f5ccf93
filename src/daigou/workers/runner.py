"""The worker: runs periodic jobs. `daigou serve` starts one in-process; `daigou worker` runs
one alone. Each job is a small function; every job is safe to run in several processes at once
(they only delete expired rows, or claim rows with leases).

The runner's own jobs are housekeeping (pruning) and callback delivery; the marketplace's jobs
(each platform's push feed, the reconciler, the sandbox seller's timers) are built by the
composition root (:mod:`daigou.bootstrap`) and handed in as ``jobs``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from daigou.config import Settings
from daigou.core.clock import Clock, wall_ms
from daigou.db.session import Database
from daigou.http import guards
from daigou.http.logging import log
from daigou.marketplace import calls as market_calls
from daigou.messages import delivery
from daigou.messages.delivery import Deliverer, DeliveryLoop


@dataclass
class PeriodicJob:
    name: str
    every_seconds: float
    run: Callable[[], object]
    next_at: float = 0.0


@dataclass
class WorkerRunner:
    db: Database
    settings: Settings
    clock: Clock
    # the composition root's jobs, run after the runner's own housekeeping
    jobs: list[PeriodicJob] = field(default_factory=list)

    deliver: bool = True

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.delivery: DeliveryLoop | None = None
        if self.deliver:
            self.delivery = DeliveryLoop(Deliverer(self.db, self.settings, self.clock))
        self.jobs = [
            PeriodicJob("prune", 60.0, self.prune),
            PeriodicJob("prune-messages", 3600.0, self.prune_messages),
            *self.jobs,
        ]

    def prune(self) -> dict[str, int]:
        """Expired nonces, idempotency keys past their 24 h, old rate counters."""
        with self.db.transaction() as s:
            return guards.prune(s, wall_ms(), self.settings.idempotency_ttl_seconds * 1000)

    def prune_messages(self) -> int:
        """Messages (and their attempt logs) older than the retention (30 days by default);
        marketplace call attempts as old (their times are the wall clock's)."""
        retention_ms = self.settings.message_retention_days * 86_400_000
        cutoff = self.clock.now_ms() - retention_ms
        with self.db.transaction() as s:
            return delivery.prune(s, cutoff) + market_calls.prune(s, wall_ms() - retention_ms)

    def tick(self, now_s: float) -> list[str]:
        ran = []
        for job in self.jobs:
            if now_s >= job.next_at:
                job.next_at = now_s + job.every_seconds
                try:
                    result = job.run()
                    ran.append(job.name)
                    if result:
                        log.debug("job ran", job=job.name, result=result)
                except Exception:
                    log.exception("job failed", job=job.name)
        return ran

    def run_forever(self) -> None:
        if self.delivery is not None and self.delivery._thread is None:
            self.delivery.start()
        log.info("worker started", jobs=[j.name for j in self.jobs])
        while not self._stop.is_set():
            self.tick(wall_ms() / 1000)
            self._stop.wait(self.settings.worker_poll_seconds)
        log.info("worker stopped")

    def start_in_background(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="daigou-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self.delivery is not None:
            self.delivery.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
