"""Fault injection for the sandbox marketplace (ENDPOINTS 12.21, 12.22).

A fault makes calls of one operation (``1688.order.pay``; ``1688.order.*``; ``*``) fail in one
mode, ``remaining`` more times (null: until cleared), each call with ``probability`` percent,
optionally only for one developer (the one :func:`daigou.marketplace.context.acting_for` names):

* ``error``: the marketplace answers an error (``upstreamCode``, ``upstreamMessage``); nothing done.
* ``timeout``: no answer, nothing done (:class:`MarketplaceTimeout` with ``wrote=False``).
* ``timeout_after_commit``: the write is done, then the answer is lost (``wrote=True``).
* ``latency``: the call waits ``latencyMs`` first, then runs normally.
* ``duplicate`` / ``reorder`` (operation ``1688.messages``, ``taobao.messages``, or both with
  ``*.messages``): pushed messages come twice, or in reverse order within a batch, so the
  gateway's handling of late and repeated pushes is tested.

Latency faults add up; of the other modes the oldest matching fault applies. Each applied fault
counts a ``hit`` and uses one of its ``remaining``, claimed by a conditional update so two
processes never both use the last one. A fault without a count (until cleared) has nothing to
use up: its hits are counted in memory and added to its row at most every CACHE_SECONDS (and
before the operator's list), so a latency fault on every call does not add a write per call.
"""

from __future__ import annotations

import fnmatch
import random
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from sqlalchemy import delete, or_, select, update

from daigou.core.clock import Clock
from daigou.db.session import Database
from daigou.marketplace.port import MarketplaceError, MarketplaceTimeout, MessageBatch
from daigou.marketplace.sandbox.seller_models import SandboxFault

T = TypeVar("T")
MODES = ("error", "timeout", "timeout_after_commit", "latency", "duplicate", "reorder")
PUSH_MODES = ("duplicate", "reorder")
DEFAULT_CODE = "SANDBOX_INJECTED_ERROR"
_rng = random.SystemRandom()


def _row(f: SandboxFault) -> dict[str, Any]:
    return {
        "faultId": f.fault_id,
        "operation": f.operation,
        "mode": f.mode,
        "upstreamCode": f.upstream_code,
        "upstreamMessage": f.upstream_message,
        "latencyMs": f.latency_ms,
        "remaining": f.remaining,
        "probability": f.probability,
        "developId": f.develop_id,
        "hits": f.hits,
        "createTime": f.created_ms,
    }


def _live() -> Any:
    return or_(SandboxFault.remaining.is_(None), SandboxFault.remaining > 0)


def active(db: Database) -> list[dict[str, Any]]:
    flush_hits(db)
    with db.reading() as conn:
        rows = conn.execute(
            select(SandboxFault)
            .where(_live())
            .order_by(SandboxFault.created_ms, SandboxFault.fault_id)
        ).all()
    return [_row(SandboxFault(**r._mapping)) for r in rows]


def inject(
    db: Database,
    now_ms: int,
    *,
    operation: str,
    mode: str,
    upstream_code: str | None = None,
    upstream_message: str | None = None,
    latency_ms: int = 0,
    count: int = 1,
    probability: int = 100,
    develop_id: str | None = None,
) -> str:
    """Add a fault; ``count`` 0 = until cleared. Returns its id."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    # sortable by creation (nanoseconds), so "the oldest matching fault" is well defined
    fault_id = f"flt_{time.time_ns():016x}{secrets.token_hex(2)}"
    with db.transaction() as s:
        s.add(
            SandboxFault(
                fault_id=fault_id,
                operation=operation,
                mode=mode,
                upstream_code=upstream_code or (DEFAULT_CODE if mode == "error" else None),
                upstream_message=upstream_message
                or ("injected by the operator" if mode == "error" else None),
                latency_ms=latency_ms,
                remaining=None if count == 0 else count,
                probability=probability,
                develop_id=develop_id,
                hits=0,
                created_ms=now_ms,
            )
        )
    _forget(db)
    return fault_id


def clear(db: Database, fault_ids: list[str] | None = None) -> int:
    with db.transaction() as s:
        stmt = delete(SandboxFault)
        if fault_ids is not None:
            stmt = stmt.where(SandboxFault.fault_id.in_(fault_ids))
        cleared = int(s.execute(stmt).rowcount or 0)
    _forget(db)
    return cleared


def _matches(pattern: str, operation: str) -> bool:
    return pattern == operation or pattern == "*" or fnmatch.fnmatchcase(operation, pattern)


# The live faults, as this process last read them: every marketplace call consults them, and
# nearly always there are none. Injecting or clearing in this process refreshes at once; another
# process (an API worker beside the one that took the operator's call) sees the change within
# CACHE_SECONDS.
CACHE_SECONDS = 0.5
_cache: dict[str, tuple[float, list[dict[str, Any]]]] = {}


def _key(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=True)


def _forget(db: Database) -> None:
    _cache.pop(_key(db), None)


# hits of faults without a count, not yet added to their rows: (database, fault id) -> hits
_hits: dict[tuple[str, str], int] = {}
_hits_lock = threading.Lock()


def _count_hit(db: Database, fault_id: str) -> None:
    with _hits_lock:
        key = (_key(db), fault_id)
        _hits[key] = _hits.get(key, 0) + 1


def flush_hits(db: Database) -> None:
    """Add the hits counted in memory to their faults' rows."""
    name = _key(db)
    with _hits_lock:
        taken = {fid: n for (d, fid), n in _hits.items() if d == name}
        for fid in taken:
            del _hits[(name, fid)]
    if taken:
        with db.transaction() as s:
            for fid, n in sorted(taken.items()):
                s.execute(
                    update(SandboxFault)
                    .where(SandboxFault.fault_id == fid)
                    .values(hits=SandboxFault.hits + n)
                )


def _live_rows(db: Database) -> list[dict[str, Any]]:
    cached = _cache.get(_key(db))
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    flush_hits(db)
    with db.reading() as conn:
        rows = [
            dict(r._mapping)
            for r in conn.execute(
                select(SandboxFault.__table__)
                .where(_live())
                .order_by(SandboxFault.created_ms, SandboxFault.fault_id)
            ).all()
        ]
    _cache[_key(db)] = (time.monotonic(), rows)
    return rows


def _claim(db: Database, operation: str, develop_id: str | None) -> list[SandboxFault]:
    """The faults that apply to this call, each claimed (hit counted, one use taken)."""
    rows = [SandboxFault(**r) for r in _live_rows(db)]
    if not rows:
        return []
    pushes = operation.endswith(".messages")
    candidates = [
        f
        for f in rows
        if _matches(f.operation, operation)
        and (f.develop_id is None or f.develop_id == develop_id)
        # duplicate and reorder only mean something for pushed messages: never used up elsewhere
        and (pushes or f.mode not in PUSH_MODES)
    ]
    if not candidates:
        return []
    chosen: list[SandboxFault] = []
    blocking_taken = False
    for f in candidates:
        if f.mode != "latency" and blocking_taken:
            continue
        if f.probability < 100 and _rng.randrange(100) >= f.probability:
            continue
        if f.remaining is None:  # until cleared: nothing to use up
            _count_hit(db, f.fault_id)
            chosen.append(f)
            if f.mode != "latency":
                blocking_taken = True
            continue
        with db.transaction() as s:
            claimed = s.execute(
                update(SandboxFault)
                .where(SandboxFault.fault_id == f.fault_id, _live())
                .values(
                    hits=SandboxFault.hits + 1,
                    remaining=SandboxFault.remaining - 1,  # NULL stays NULL: until cleared
                )
                .returning(SandboxFault.fault_id)
            ).scalar_one_or_none()
        _forget(db)  # its remaining count changed
        if claimed is None:
            continue
        chosen.append(f)
        if f.mode != "latency":
            blocking_taken = True
    return chosen


def apply(
    db: Database,
    clock: Clock,
    operation: str,
    develop_id: str | None,
    action: Callable[[], T],
    write: bool,
) -> T:
    """Run ``action`` as marketplace operation ``operation`` under the matching faults."""
    faults = _claim(db, operation, develop_id)
    if not faults:
        return action()
    delay = sum(f.latency_ms for f in faults if f.mode == "latency")
    blocking = next((f for f in faults if f.mode != "latency"), None)
    if blocking is not None and blocking.mode == "timeout" and blocking.latency_ms:
        delay += blocking.latency_ms
    if delay:
        time.sleep(delay / 1000)
    if blocking is None:
        return action()
    if blocking.mode == "error":
        raise MarketplaceError(
            blocking.upstream_code or DEFAULT_CODE, blocking.upstream_message or ""
        )
    if blocking.mode == "timeout":
        raise MarketplaceTimeout(operation, wrote=False)
    result = action()
    if blocking.mode == "timeout_after_commit":
        raise MarketplaceTimeout(operation, wrote=write)
    if isinstance(result, MessageBatch):
        msgs = result.messages
        if blocking.mode == "duplicate":
            msgs = tuple(m for m in msgs for _ in (0, 1))
        elif blocking.mode == "reorder":
            msgs = tuple(reversed(msgs))
        return replace(result, messages=msgs)  # type: ignore[return-value]
    return result
