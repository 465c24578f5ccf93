"""Delivering the outbox: claim due messages with a lease, POST them concurrently, log every
attempt, and schedule the next one (CONTRACT section 9).

A message is **due** when it is ``pending``, its ``next_attempt_at`` has come (on the gateway's
clock: the sandbox clock in sandbox mode), no live lease holds it, its developer has an enabled
callback URL, and it is the first message of its key (developer + ``order_key``) still to be
delivered: an earlier message of the key that is pending with a scheduled attempt holds it back
("waiting"). So one message per key is ever in flight, and a key's messages arrive in
``sequence`` order, each only after the previous one was acknowledged, confirmed, or failed for
good. Messages of types the developer did not ask for get no attempt (``next_attempt_at`` null)
and hold nothing back; they stay in the pull API.

**Claiming** is one transaction that stamps ``lease_owner``/``lease_until`` (wall clock): on
PostgreSQL the candidates are read ``FOR UPDATE SKIP LOCKED``, so any number of workers take
disjoint rows; SQLite serialises writers anyway. A worker that dies mid-delivery leaves a lease
that expires after ``delivery_lease_seconds``; another worker then takes the row (at least once:
the receiver deduplicates by ``webhook-id``).

**Outcomes**: a 2xx within the timeout acknowledges; anything else is logged and retried after
about 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h, 12 h, 24 h, then every 24 h, until 3
days after its first attempt (a message waiting behind another gets its own 3 days): then it is
``failed`` and the next message of its key goes.
HTTP 410 disables the developer's callback URL (the operator sees it in the admin callback list)
and leaves the messages pending, to flow again once the developer saves a URL again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from daigou.config import Settings
from daigou.core.clock import Clock, wall_ms
from daigou.db.leases import LeasedTable, worker_id
from daigou.db.session import Database, rowcount
from daigou.messages import sender, signing
from daigou.messages.models import CallbackConfig, DeliveryAttempt, OutboxMessage
from daigou.messages.url_policy import CallbackPolicy

log = logging.getLogger("daigou.delivery")

RETRY_DELAYS_S = (5, 30, 120, 600, 1800, 3600, 10_800, 21_600, 43_200, 86_400)
GIVE_UP_AFTER_MS = 3 * 86_400_000


def retry_delay_ms(attempts: int) -> int:
    """The wait after the ``attempts``-th failed attempt (1-based)."""
    return RETRY_DELAYS_S[min(attempts, len(RETRY_DELAYS_S)) - 1] * 1000


# One statement on both databases: the first pending, scheduled message of each key blocks
# the later ones (the unique index (developer_id, order_key, sequence) serves the probe).
_DUE = """
SELECT m.seq FROM outbox_message m
JOIN callback_config c ON c.developer_id = m.developer_id AND c.enabled = :yes
WHERE m.delivery_status = 'pending' AND m.next_attempt_at <= :now
  AND (m.lease_until IS NULL OR m.lease_until < :wall)
  AND NOT EXISTS (
    SELECT 1 FROM outbox_message p
    WHERE p.developer_id = m.developer_id AND p.order_key = m.order_key
      AND p.sequence < m.sequence AND p.delivery_status = 'pending'
      AND p.next_attempt_at IS NOT NULL)
{busy}ORDER BY m.next_attempt_at, m.seq
LIMIT :limit
"""


OUTBOX = LeasedTable("outbox_message", "seq", alias="m")
_RETURNING = (
    "seq",
    "message_id",
    "developer_id",
    "message_type",
    "platform",
    "created_at",
    "first_attempt_at",
    "attempts",
    "manual",
    "body",
)


@dataclass
class Job:
    seq: int
    message_id: str
    developer_id: int
    message_type: str
    platform: int
    created_at: int
    first_attempt_at: int | None
    attempts: int
    manual: bool
    body: bytes
    url: str
    secrets: list[str]


@dataclass
class Result:
    job: Job
    outcome: sender.Outcome
    at: int


class Deliverer:
    """Claims, sends and settles batches of due messages. ``run_once`` is one round (tests and
    the bench drive it); ``DeliveryLoop`` runs rounds in a thread for the worker."""

    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.worker_id = worker_id()
        self.policy = CallbackPolicy.from_settings(settings)
        self.keep_snippet = settings.callback_store_snippets
        self.skipped = 0  # messages of unwanted types the last claim set aside

    # --- claim ---------------------------------------------------------------------------------
    def claim(self, limit: int, busy: frozenset[int] = frozenset()) -> list[Job]:
        """Lease up to ``limit`` due messages, none of developers in ``busy`` (those already
        at their share of in-flight deliveries)."""
        from daigou.messages.callbacks import current_secrets

        now = self.clock.now_ms()
        wall = wall_ms()
        busy_sql = "  AND m.developer_id NOT IN :busy\n" if busy else ""
        params: dict[str, Any] = {"yes": True, "now": now, "limit": limit}
        if busy:
            params["busy"] = sorted(busy)
        with self.db.transaction() as s:
            conn = s.connection()
            self.skipped = 0
            rows = OUTBOX.claim(
                conn,
                _DUE.format(busy=busy_sql),
                params,
                owner=self.worker_id,
                wall_ms=wall,
                lease_ms=self.settings.delivery_lease_seconds * 1000,
                returning=_RETURNING,
                postgres=self.db.is_postgres,
                expanding=("busy",) if busy else (),
            )
            if not rows:
                return []
            configs: dict[int, CallbackConfig] = {
                c.developer_id: c
                for c in s.query(CallbackConfig).filter(
                    CallbackConfig.developer_id.in_({r["developer_id"] for r in rows})
                )
            }
            jobs: list[Job] = []
            skipped: list[int] = []
            for r in rows:
                config = configs[r["developer_id"]]
                wanted = json.loads(config.message_types or "[]")
                if wanted and r["message_type"] not in wanted:
                    skipped.append(r["seq"])
                    continue
                jobs.append(
                    Job(
                        seq=r["seq"],
                        message_id=r["message_id"],
                        developer_id=r["developer_id"],
                        message_type=r["message_type"],
                        platform=r["platform"],
                        created_at=r["created_at"],
                        first_attempt_at=r["first_attempt_at"],
                        attempts=r["attempts"],
                        manual=bool(r["manual"]),
                        body=signing.delivery_body(
                            r["message_id"],
                            r["message_type"],
                            r["platform"],
                            r["created_at"],
                            r["body"],
                        ),
                        url=config.url,
                        secrets=current_secrets(self.settings, config, now),
                    )
                )
            self.skipped = len(skipped)
            if skipped:
                # not asked for: no attempts, and nothing behind them waits (still pullable)
                conn.execute(
                    text(
                        "UPDATE outbox_message SET next_attempt_at = NULL, lease_owner = NULL, "
                        "lease_until = NULL WHERE seq IN :seqs"
                    ).bindparams(_expanding("seqs")),
                    {"seqs": skipped},
                )
        return jobs

    # --- send ----------------------------------------------------------------------------------
    async def send(self, client: aiohttp.ClientSession, jobs: list[Job]) -> list[Result]:
        limit = asyncio.Semaphore(self.settings.delivery_concurrency)
        timeout = self.settings.callback_timeout_seconds

        async def one(job: Job) -> Result:
            async with limit:
                ts = int(time.time())
                headers = signing.headers(job.secrets, job.message_id, ts, job.body)
                outcome = await sender.post(
                    client, job.url, job.body, headers, timeout, self.policy, self.keep_snippet
                )
                return Result(job, outcome, self.clock.now_ms())

        return list(await asyncio.gather(*(one(j) for j in jobs)))

    # --- settle --------------------------------------------------------------------------------
    def settle(self, results: list[Result]) -> dict[str, int]:
        """Log every attempt and move each message on, in one transaction. A message whose
        lease was lost meanwhile (this worker was too slow) keeps the other worker's state."""
        counts = {"delivered": 0, "retry": 0, "failed": 0, "disabled": 0}
        if not results:
            return counts
        gone: set[int] = set()
        with self.db.transaction() as s:
            conn = s.connection()
            s.add_all(
                [
                    DeliveryAttempt(
                        message_seq=r.job.seq,
                        developer_id=r.job.developer_id,
                        attempt=r.job.attempts + 1,
                        at=r.at,
                        url=r.job.url,
                        http_status=r.outcome.http_status,
                        latency_ms=r.outcome.latency_ms,
                        error=r.outcome.error,
                        response_snippet=r.outcome.snippet,
                        manual=r.job.manual,
                    )
                    for r in results
                ]
            )
            delivered, retry, failed = [], [], []
            for r in results:
                params = {"seq": r.job.seq, "owner": self.worker_id, "at": r.at}
                if r.outcome.ok:
                    delivered.append(params)
                elif r.at - (r.job.first_attempt_at or r.at) >= GIVE_UP_AFTER_MS:
                    failed.append(params)
                else:
                    retry.append({**params, "next": r.at + retry_delay_ms(r.job.attempts + 1)})
                if r.outcome.http_status == 410:
                    gone.add(r.job.developer_id)
            base = (
                "UPDATE outbox_message SET attempts = attempts + 1, last_attempt_at = :at, "
                "first_attempt_at = COALESCE(first_attempt_at, :at), "
            )
            mine = " WHERE " + OUTBOX.mine()
            free = "lease_owner = NULL, lease_until = NULL, manual = :no"
            if delivered:
                conn.execute(
                    text(
                        base + "delivery_status = 'delivered', delivered_at = :at, "
                        "next_attempt_at = NULL, " + free + mine
                    ),
                    [{**p, "no": False} for p in delivered],
                )
            if retry:
                conn.execute(
                    text(base + "next_attempt_at = :next, " + free + mine),
                    [{**p, "no": False} for p in retry],
                )
            if failed:
                conn.execute(
                    text(
                        base + "delivery_status = 'failed', failed_at = :at, "
                        "next_attempt_at = NULL, " + free + mine
                    ),
                    [{**p, "no": False} for p in failed],
                )
            for developer_id in gone:
                s.query(CallbackConfig).filter(
                    CallbackConfig.developer_id == developer_id, CallbackConfig.enabled.is_(True)
                ).update(
                    {
                        "enabled": False,
                        "disabled_reason": "the receiver answered 410 Gone",
                        "disabled_at": self.clock.now_ms(),
                    }
                )
        for developer_id in gone:
            log.warning("callback URL disabled after HTTP 410", extra={"developer": developer_id})
        counts.update(
            delivered=len(delivered), retry=len(retry), failed=len(failed), disabled=len(gone)
        )
        return counts

    # --- rounds --------------------------------------------------------------------------------
    async def round(self, client: aiohttp.ClientSession, limit: int) -> dict[str, int]:
        jobs = await asyncio.to_thread(self.claim, limit)
        if not jobs:
            return {"claimed": 0, "skipped": self.skipped}
        results = await self.send(client, jobs)
        counts = await asyncio.to_thread(self.settle, results)
        return {"claimed": len(jobs), **counts}

    def run_once(self, limit: int | None = None) -> dict[str, int]:
        """One claim-send-settle round, from synchronous code."""

        async def go() -> dict[str, int]:
            async with _client(self.settings) as client:
                return await self.round(client, limit or self.settings.delivery_concurrency)

        return asyncio.run(go())

    def drain(self, max_rounds: int = 1000) -> int:
        """Rounds until nothing is due now; the number of attempts made (tests)."""
        total = 0
        for _ in range(max_rounds):
            counts = self.run_once()
            if not counts["claimed"] and not counts.get("skipped"):
                break
            total += counts["claimed"]
        return total


def prune(session: Session, cutoff_ms: int) -> int:
    """Delete messages written before ``cutoff_ms`` and their attempt logs; the count."""
    old = select(OutboxMessage.seq).where(OutboxMessage.created_at < cutoff_ms)
    session.execute(delete(DeliveryAttempt).where(DeliveryAttempt.message_seq.in_(old)))
    result = session.execute(delete(OutboxMessage).where(OutboxMessage.created_at < cutoff_ms))
    return rowcount(result)


def _client(settings: Settings) -> aiohttp.ClientSession:
    return sender.session(settings.delivery_concurrency, CallbackPolicy.from_settings(settings))


def _expanding(name: str) -> Any:
    from sqlalchemy import bindparam

    return bindparam(name, expanding=True)


class DeliveryLoop:
    """The worker's delivery thread. It keeps up to ``delivery_concurrency`` POSTs in flight:
    it claims more whenever slots are free, and each POST's result is settled as soon as it
    comes back (batched with whatever else finished meanwhile). A slow receiver therefore holds
    only its own slots, and a developer never holds more than ``per_developer`` of them, so
    one slow receiver never holds up deliveries to the others."""

    def __init__(
        self,
        deliverer: Deliverer,
        idle_seconds: float = 0.2,
        per_developer: int | None = None,
    ) -> None:
        self.deliverer = deliverer
        self.idle_seconds = idle_seconds
        concurrency = deliverer.settings.delivery_concurrency
        self.concurrency = concurrency
        self.per_developer = per_developer or max(1, concurrency // 4)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    async def _main(self) -> None:
        deliverer = self.deliverer
        settings = deliverer.settings
        inflight: dict[int, int] = {}  # developer -> POSTs in flight
        done: asyncio.Queue[Result] = asyncio.Queue()
        tasks: set[asyncio.Task[None]] = set()
        settled = asyncio.Event()  # a key's next message may be due now

        async def one(client: aiohttp.ClientSession, job: Job) -> None:
            try:
                ts = int(time.time())
                headers = signing.headers(job.secrets, job.message_id, ts, job.body)
                outcome = await sender.post(
                    client,
                    job.url,
                    job.body,
                    headers,
                    settings.callback_timeout_seconds,
                    deliverer.policy,
                    deliverer.keep_snippet,
                )
            except Exception as exc:  # never lose the result: a failed attempt is logged
                outcome = sender.Outcome(None, 0, "connect", str(exc)[:256])
            await done.put(Result(job, outcome, deliverer.clock.now_ms()))

        async def settler() -> None:
            while not (self._stop.is_set() and not tasks and done.empty()):
                try:
                    first = await asyncio.wait_for(done.get(), 0.1)
                except TimeoutError:
                    continue
                batch = [first]
                while not done.empty() and len(batch) < 500:
                    batch.append(done.get_nowait())
                try:
                    await asyncio.to_thread(deliverer.settle, batch)
                except Exception:
                    log.exception("settling deliveries failed")  # leases expire: retried
                for r in batch:
                    inflight[r.job.developer_id] -= 1
                settled.set()

        async with _client(settings) as client:
            settle_task = asyncio.create_task(settler())
            while not self._stop.is_set():
                free = self.concurrency - sum(inflight.values())
                busy = frozenset(d for d, n in inflight.items() if n >= self.per_developer)
                jobs: list[Job] = []
                if free > 0:
                    try:
                        jobs = await asyncio.to_thread(deliverer.claim, free, busy)
                    except Exception:
                        log.exception("claiming deliveries failed")
                for job in jobs:
                    inflight[job.developer_id] = inflight.get(job.developer_id, 0) + 1
                    task = asyncio.create_task(one(client, job))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                if not jobs and not deliverer.skipped:
                    # nothing due: wait for a settle (it may release a key) or the idle tick
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(settled.wait(), self.idle_seconds)
                    settled.clear()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            await settle_task

    def start(self) -> None:
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._main()), name="daigou-delivery", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
