"""The worker: runs periodic jobs. `daigou serve` starts one in-process; `daigou worker` runs
one alone. Each job is a small function taking the database and the clock; every job is safe to
run in several processes at once (they only delete expired rows, or claim rows with leases)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from daigou.config import Settings
from daigou.core.clock import Clock, wall_ms
from daigou.db.session import Database
from daigou.feed.consumer import FeedConsumer
from daigou.http import guards
from daigou.http.logging import log
from daigou.marketplace import calls as market_calls
from daigou.messages import delivery
from daigou.messages.delivery import Deliverer, DeliveryLoop
from daigou.reconcile.service import Reconciler


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
    jobs: list[PeriodicJob] = field(default_factory=list)
    marketplace: Any = None

    deliver: bool = True

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.delivery: DeliveryLoop | None = None
        if self.deliver:
            self.delivery = DeliveryLoop(Deliverer(self.db, self.settings, self.clock))
        if not self.jobs:
            self.jobs = [
                PeriodicJob("prune", 60.0, self.prune),
                PeriodicJob("prune-messages", 3600.0, self.prune_messages),
            ]
            seller = getattr(self.marketplace, "seller", None)
            if seller is not None:
                # the sandbox seller's timers (pay timeouts, shipping, auto-confirm...) fire as
                # the sandbox clock passes them; 12.15 fires them at once when it moves the clock
                every = self.settings.worker_poll_seconds
                self.jobs.append(PeriodicJob("sandbox-timers", every, seller.fire_due))
            if self.marketplace is not None:
                # the marketplace's pushes, applied to the gateway's order records
                feed = FeedConsumer(self.db, self.marketplace, self.clock)
                every = self.settings.worker_poll_seconds
                self.jobs.append(PeriodicJob("market-feed", every, feed.run_once))
                # marketplace writes whose outcome is unknown (CONTRACT section 8)
                reconciler = Reconciler(self.db, self.marketplace, self.clock)
                self.jobs.append(PeriodicJob("reconcile", every, reconciler.run_once))

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
