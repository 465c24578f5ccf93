"""The log of every marketplace call attempt (``market_call``), the twin of the callback
attempt log: what the gateway sent which upstream, when, for whom, how long it took and what
came back (Saleor's ``EventDeliveryAttempt``). ``GuardedMarketplace`` records one row per
attempt (a retried read leaves one per try); the operator reads them by key beside an unknown
operation (12.13) or through ``GET /admin/marketplace/calls``.

**Buffered, written in batches.** A row per call must not add a write to every call (a bulk pay
makes 100 calls at once): :class:`CallRecorder` keeps attempts in memory and a small background
thread writes them in multi-row inserts every :data:`FLUSH_SECONDS` or every
:data:`FLUSH_ROWS` rows, and at :meth:`CallRecorder.close`. **A crash loses** the attempts not
yet written: at most the last ``FLUSH_SECONDS`` of calls (more only while the database is
failing: then up to :data:`MAX_BUFFERED` rows are kept, the oldest dropped first). The log is a
diagnostic record, never a source of truth: the operations and orders are.

Rows older than the message retention (``DAIGOU_MESSAGE_RETENTION_DAYS``) are pruned
(:func:`prune`).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

import structlog
from sqlalchemy import (
    BigInteger,
    Index,
    Integer,
    String,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from daigou.core.errors import validation_error
from daigou.core.pagination import Page, PageRequest, encode_cursor
from daigou.db.base import Base, BigIntPK
from daigou.db.session import Database
from daigou.marketplace import port as P

log = structlog.get_logger("daigou")  # the gateway's logger (configured by daigou.http.logging)

SNIPPET_CHARS = 256
KEY_CHARS = 128
FLUSH_SECONDS = 0.2
FLUSH_ROWS = 100
MAX_BUFFERED = 10_000
IDLE_FLUSHES = 25  # the flusher thread ends after this many empty rounds (5 s); restarts on use

# outcomes: what the caller may do next
OK = "ok"
REFUSED = "refused"
NOT_FOUND = "not_found"
NOT_SENT = "not_sent"
RATE_LIMITED = "rate_limited"
UNKNOWN = "unknown"
ERROR = "error"
OUTCOMES = (OK, REFUSED, NOT_FOUND, NOT_SENT, RATE_LIMITED, UNKNOWN, ERROR)


class MarketCall(Base):
    __tablename__ = "market_call"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))  # 1688, taobao, or "all" (messages)
    operation: Mapped[str] = mapped_column(String(32))  # the port method: pay, order...
    key: Mapped[str | None] = mapped_column(String(KEY_CHARS))  # opRequestId, outOrderId, id
    develop_id: Mapped[str | None] = mapped_column(String(64))  # acting_developer()
    started_at: Mapped[int] = mapped_column(BigInteger)  # wall clock, ms
    duration_ms: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(64))
    snippet: Mapped[str | None] = mapped_column(String(SNIPPET_CHARS))

    __table_args__ = (
        Index("ix_market_call_key", "key", "started_at"),
        Index("ix_market_call_started", "started_at", "id"),
        {"sqlite_autoincrement": True},  # a callId is never reused after pruning
    )


@dataclass(frozen=True)
class Attempt:
    platform: str
    operation: str
    key: str | None
    develop_id: str | None
    started_at: int
    duration_ms: int
    outcome: str
    error_code: str | None = None
    snippet: str | None = None

    def row(self) -> dict[str, Any]:
        values = asdict(self)
        values["key"] = self.key[:KEY_CHARS] if self.key is not None else None
        values["snippet"] = self.snippet[:SNIPPET_CHARS] if self.snippet is not None else None
        values["error_code"] = self.error_code[:64] if self.error_code is not None else None
        values["develop_id"] = self.develop_id[:64] if self.develop_id is not None else None
        return values


# --- classifying an attempt -------------------------------------------------------------------
def classify(result: object = None, error: BaseException | None = None) -> tuple[str, str | None]:
    """(outcome, error code) of one attempt."""
    if error is None:
        if isinstance(result, P.PayResult) and not result.paid:
            return REFUSED, result.code
        return OK, None
    if isinstance(error, P.MarketplaceNotFound):
        return NOT_FOUND, error.code
    if isinstance(error, P.MarketplaceRefused):
        return REFUSED, error.code
    if isinstance(error, P.MarketplaceNotSent):
        return NOT_SENT, error.code
    if isinstance(error, P.MarketplaceRateLimited):
        return RATE_LIMITED, error.code
    if isinstance(error, P.MarketplaceTimeout):
        return UNKNOWN, "TIMEOUT"
    if isinstance(error, P.MarketplaceError):
        return ERROR, error.code
    return ERROR, type(error).__name__


def snippet(value: object, limit: int = SNIPPET_CHARS) -> str:
    """A short text of ``value`` (a DTO, a tuple of them, an error), at most ``limit``
    characters, built only as far as it is shown (an offer's full repr is kilobytes)."""
    parts: list[str] = []
    size = 0

    def put(text: str) -> bool:
        nonlocal size
        parts.append(text)
        size += len(text)
        return size < limit

    def walk(v: object) -> bool:
        if isinstance(v, BaseException):
            return put(f"{type(v).__name__}: {v}")
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            if not put(type(v).__name__ + "("):
                return False
            for n, f in enumerate(dataclasses.fields(v)):
                if not put((", " if n else "") + f.name + "=") or not walk(getattr(v, f.name)):
                    return False
            return put(")")
        if isinstance(v, tuple | list):
            if not put("("):
                return False
            for n, item in enumerate(v):
                if (n and not put(", ")) or not walk(item):
                    return False
            return put(")")
        if isinstance(v, bytes):
            return put(f"<{len(v)} bytes>")
        if isinstance(v, str):
            return put(repr(v[:limit]))
        return put(repr(v)[:limit])

    walk(value)
    text = "".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- recording --------------------------------------------------------------------------------
class CallRecorder:
    """Keeps attempts in memory and writes them in batches from a background thread."""

    def __init__(
        self,
        db: Database,
        *,
        flush_seconds: float = FLUSH_SECONDS,
        flush_rows: int = FLUSH_ROWS,
        max_buffered: int = MAX_BUFFERED,
        background: bool = True,
    ) -> None:
        self.db = db
        self.flush_seconds = flush_seconds
        self.flush_rows = flush_rows
        self._buffer: deque[Attempt] = deque(maxlen=max_buffered)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._flushing = threading.Lock()
        self._background = background
        self._thread: threading.Thread | None = None
        self._closed = False
        self.dropped = 0

    def record(self, attempt: Attempt) -> None:
        with self._lock:
            if len(self._buffer) == self._buffer.maxlen:
                self.dropped += 1
            self._buffer.append(attempt)
            full = len(self._buffer) >= self.flush_rows
            if self._background and self._thread is None and not self._closed:
                self._thread = threading.Thread(
                    target=self._run, name="daigou-market-calls", daemon=True
                )
                self._thread.start()
        if full:
            self._wake.set()

    def pending(self) -> int:
        return len(self._buffer)

    def flush(self) -> int:
        """Write what is buffered now; how many rows were written. A failed write puts the
        rows back (up to the buffer's bound) and is logged."""
        with self._flushing:
            with self._lock:
                taken = list(self._buffer)
                self._buffer.clear()
            if not taken:
                return 0
            try:
                with self.db.writing() as conn:
                    for start in range(0, len(taken), 500):
                        rows = [a.row() for a in taken[start : start + 500]]
                        conn.execute(insert(MarketCall).values(rows))
            except Exception as exc:
                # one line, no traceback: while the database is away this repeats (backing off)
                first_line = (str(exc).splitlines() or [""])[0][:300]
                log.error(
                    "market call log: write failed; kept to retry",
                    rows=len(taken),
                    error=f"{type(exc).__name__}: {first_line}",
                )
                with self._lock:
                    self._buffer.extendleft(reversed(taken))
                return 0
            return len(taken)

    def _run(self) -> None:
        idle = failures = 0
        while True:
            # after failed writes (the database is away) wait longer, up to 30 s, not 0.2 s
            self._wake.wait(min(30.0, self.flush_seconds * 2**failures))
            self._wake.clear()
            written = self.flush()
            failures = min(failures + 1, 8) if self.pending() and not written else 0
            idle = 0 if written else idle + 1
            with self._lock:
                if self._closed or (idle >= IDLE_FLUSHES and not self._buffer):
                    self._thread = None
                    return

    def close(self) -> None:
        """Stop the flusher and write what is left (at shutdown)."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout=10)
        self.flush()


# --- reading ----------------------------------------------------------------------------------
def call_out(c: MarketCall | Any) -> dict[str, Any]:
    return {
        "callId": c.id,
        "platform": c.platform,
        "operation": c.operation,
        "key": c.key,
        "developId": c.develop_id,
        "startedTime": c.started_at,
        "durationMs": c.duration_ms,
        "outcome": c.outcome,
        "errorCode": c.error_code,
        "snippet": c.snippet,
    }


def recent_by_key(s: Session, keys: set[str], per_key: int = 10) -> dict[str, list[dict[str, Any]]]:
    """The last ``per_key`` attempts carrying each key, newest first."""
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in keys}
    for key in sorted(keys):
        rows = s.execute(
            select(MarketCall)
            .where(MarketCall.key == key)
            .order_by(MarketCall.started_at.desc(), MarketCall.id.desc())
            .limit(per_key)
        ).scalars()
        out[key] = [call_out(c) for c in rows]
    return out


def list_calls(
    db: Database,
    *,
    key: str | None,
    platform: str | None,
    operation: str | None,
    outcome: str | None,
    page: PageRequest,
) -> Page[dict[str, Any]]:
    """Attempts, newest first, filtered (by cursor or page)."""
    with db.reading() as conn:
        query = select(MarketCall.__table__)
        for column, value in (
            (MarketCall.key, key),
            (MarketCall.platform, platform),
            (MarketCall.operation, operation),
            (MarketCall.outcome, outcome),
        ):
            if value is not None:
                query = query.where(column == value)
        total = None
        if page.cursor is not None:
            started, call_id = page.cursor
            if not isinstance(started, int) or not isinstance(call_id, int):
                raise validation_error("cursor", "not a cursor this gateway issued")
            query = query.where(
                or_(
                    MarketCall.started_at < started,
                    and_(MarketCall.started_at == started, MarketCall.id < call_id),
                )
            )
        else:
            total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
            query = query.offset(page.offset)
        rows = conn.execute(
            query.order_by(MarketCall.started_at.desc(), MarketCall.id.desc()).limit(
                page.page_size + 1
            )
        ).all()
    more = len(rows) > page.page_size
    rows = rows[: page.page_size]
    last = rows[-1] if rows else None
    return Page(
        items=[call_out(r) for r in rows],
        page_size=page.page_size,
        total_records=total,
        current_page=None if page.cursor is not None else page.page_no,
        next_cursor=encode_cursor((last.started_at, last.id)) if more and last else None,
    )


def prune(s: Session, cutoff_ms: int) -> int:
    """Delete the attempts started before ``cutoff_ms`` (wall clock); how many."""
    result = s.execute(delete(MarketCall).where(MarketCall.started_at < cutoff_ms))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
