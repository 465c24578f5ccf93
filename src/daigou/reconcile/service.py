"""The reconciler: settles marketplace writes whose outcome is unknown (CONTRACT section 8).

An operation is due when it is ``unknown`` and its ``next_check_at`` has passed, or
``inflight`` with its lease expired (the process asking the marketplace died). The worker job
(:meth:`Reconciler.run_once`) leases due operations (several workers take disjoint ones) and
settles each by asking the marketplace again *with the same key*, which it deduplicates:

Each operation is settled by the settler registered for its ``(object type, operation)``
(:class:`Settlers`, filled by the composition root); the purchasing core registers, per
platform:

- **pay**: the pay is sent again with its ``opRequestId``: the marketplace answers the first
  outcome if there was one, or pays now; either way the hold is captured or released once.
- **cancel**: the cancel is sent again with its ``opRequestId``; a refusal means the order was
  not cancelled (the record takes the marketplace's view).
- **create**: the marketplace is asked which orders carry the create's key; found, they are
  recorded (with their messages); not found after :data:`CREATE_GIVE_UP_MS`, the create failed
  and its ``outOrderId`` may be used again.

An answer that is lost again leaves the operation ``unknown`` with the next check further
away (:data:`BACKOFF_MS`). 12.13 lists the open operations; 12.14 settles one at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from daigou.core.clock import Clock, wall_ms
from daigou.core.errors import NotFound, validation_error
from daigou.core.pagination import Page, PageRequest, encode_cursor
from daigou.db.leases import LeasedTable, worker_id
from daigou.db.session import Database
from daigou.developers.service import develop_ids
from daigou.http.logging import log
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for
from daigou.messages.service import developer_pk
from daigou.reconcile.models import (
    FAILED,
    INFLIGHT,
    OPEN_STATES,
    SUCCEEDED,
    UNKNOWN,
    MarketOperation,
)

LEASE = LeasedTable("market_operation", "operation_id", alias="t")
LEASE_MS = 120_000
BACKOFF_MS = (5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000)
CREATE_GIVE_UP_MS = 3_600_000  # a create nobody can find an hour later was not made

DUE_SQL = (
    "SELECT t.operation_id FROM market_operation t "
    "WHERE t.state IN ('inflight', 'unknown') AND t.next_check_at <= :now AND {free} "
    "ORDER BY t.next_check_at LIMIT :limit"
)


def backoff_ms(attempts: int) -> int:
    """How long to wait before checking an unknown outcome again, after ``attempts`` checks."""
    return BACKOFF_MS[min(max(attempts, 1), len(BACKOFF_MS)) - 1]


def begin(
    s: Session,
    *,
    operation_id: str,
    developer_id: int,
    user_id: str | None,
    object_type: str,
    object_id: str,
    operation: str,
    market_key: str,
    now_ms: int,
    amount_fen: int | None = None,
    hold_key: str | None = None,
    batch_id: str | None = None,
) -> MarketOperation:
    """Write the operation before the marketplace is asked, leased by the request for the
    call (in the transaction that holds the money or marks the order)."""
    op = MarketOperation(
        operation_id=operation_id,
        developer_id=developer_id,
        user_id=user_id,
        object_type=object_type,
        object_id=object_id,
        operation=operation,
        market_key=market_key,
        amount_fen=amount_fen,
        hold_key=hold_key,
        batch_id=batch_id,
        state=INFLIGHT,
        attempts=1,
        started_at=now_ms,
        next_check_at=now_ms,
        lease_owner="request",
        lease_until=wall_ms() + LEASE_MS,
    )
    s.add(op)
    return op


def lost(op: MarketOperation, now_ms: int, error: str = "the marketplace did not answer") -> str:
    """The answer was lost (again): check later."""
    op.state, op.next_check_at, op.last_error = UNKNOWN, now_ms + backoff_ms(op.attempts), error
    op.lease_owner, op.lease_until = None, None
    return UNKNOWN


def locked(s: Session, operation_id: str, owner: str | None) -> MarketOperation | None:
    """The operation, row-locked, if it is still open (and leased by ``owner`` when given)."""
    op = s.execute(
        select(MarketOperation)
        .where(MarketOperation.operation_id == operation_id)
        .with_for_update()
    ).scalar_one()
    s.refresh(op)
    if op.state not in OPEN_STATES or (owner is not None and op.lease_owner != owner):
        return None
    return op


# --- settling ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Settled:
    outcome: str  # succeeded, failed, unknown
    object: dict[str, Any] | None


Settler = Callable[[Database, P.Marketplace, Clock, MarketOperation, str], Settled]


class Settlers:
    """Who settles which operation: a registry keyed by what the operation is about and what
    it does (``(object type, operation)``, e.g. ``("order1688", "pay")``), filled by the
    composition root, so a Taobao pay and a 1688 pay never collide and this module imports no
    use case."""

    def __init__(self) -> None:
        self._by_kind: dict[tuple[str, str], Settler] = {}

    def register(self, object_type: str, operation: str, settler: Settler) -> None:
        key = (object_type, operation)
        if key in self._by_kind and self._by_kind[key] is not settler:
            raise ValueError(f"a settler for {key} is already registered")
        self._by_kind[key] = settler

    def of(self, op: MarketOperation) -> Settler:
        try:
            return self._by_kind[(op.object_type, op.operation)]
        except KeyError:
            raise LookupError(
                f"no settler for {op.operation} of {op.object_type} ({op.operation_id})"
            ) from None

    def kinds(self) -> list[tuple[str, str]]:
        return sorted(self._by_kind)


def take_over(op: MarketOperation) -> None:
    """A request takes up an open operation whose lease has lapsed, to ask again itself."""
    op.attempts += 1
    op.lease_owner, op.lease_until = "request", wall_ms() + LEASE_MS


def settle(op: MarketOperation, outcome: str, now_ms: int, error: str | None = None) -> None:
    """The operation's outcome is known: ``succeeded`` or ``failed``."""
    assert outcome in (SUCCEEDED, FAILED), outcome
    op.state, op.settled_at, op.last_error = outcome, now_ms, error
    op.lease_owner, op.lease_until = None, None


def _develop_id(db: Database, developer_id: int) -> str | None:
    with db.transaction() as s:
        return develop_ids(s, {developer_id}).get(developer_id)


@dataclass
class Reconciler:
    db: Database
    market: P.Marketplace
    clock: Clock
    settlers: Settlers
    owner: str = ""

    def __post_init__(self) -> None:
        self.owner = self.owner or worker_id()

    def run_once(self, limit: int = 50) -> int:
        """Settle the operations that are due; how many were looked at."""
        with self.db.transaction() as s:
            conn = s.connection()
            claimed = LEASE.claim(
                conn,
                DUE_SQL.format(free=LEASE.free),
                {"now": self.clock.now_ms(), "limit": limit},
                owner=self.owner,
                wall_ms=wall_ms(),
                lease_ms=LEASE_MS,
                returning=["operation_id"],
                postgres=conn.dialect.name == "postgresql",
            )
        for row in claimed:
            self._settle(row["operation_id"])
        return len(claimed)

    def _settle(self, operation_id: str) -> Settled:
        with self.db.transaction() as s:
            op = locked(s, operation_id, self.owner)
            if op is None:
                return Settled("unknown", None)
            op.attempts += 1
            try:
                settler = self.settlers.of(op)
            except LookupError as exc:
                # no settler for this kind in this process (a platform not configured here):
                # it stays open, checked again later, and says why; never settled by a guess
                log.error("no settler", operation_id=operation_id, error=str(exc))
                lost(op, self.clock.now_ms(), str(exc))
                return Settled(UNKNOWN, None)
            s.flush()
            s.expunge(op)
        with acting_for(_develop_id(self.db, op.developer_id)):
            return settler(self.db, self.market, self.clock, op, self.owner)

    def run_one(self, operation_id: str) -> Settled:
        """12.14: settle one operation now, whatever its next check time; an operation still
        being asked by a request (live lease) is left to it."""
        with self.db.transaction() as s:
            op = s.get(MarketOperation, operation_id)
            if op is None:
                raise NotFound("no such operation")
            if op.state not in OPEN_STATES:
                return Settled(op.state, None)
            if op.lease_until is not None and op.lease_until >= wall_ms():
                return Settled("unknown", None)
            op.lease_owner, op.lease_until = self.owner, wall_ms() + LEASE_MS
        return self._settle(operation_id)


# --- 12.13 ------------------------------------------------------------------------------------
CALLS_SHOWN = 10  # the last marketplace call attempts shown with an operation (its market_key)
CALL_FIELDS = ("operation", "startedTime", "durationMs", "outcome", "errorCode", "snippet")


def operation_out(
    op: MarketOperation, develop_id: str | None, calls: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """An open operation, with the last attempts that carried its key, newest first."""
    return {
        "operationId": op.operation_id,
        "objectType": op.object_type,
        "objectId": op.object_id,
        "operation": op.operation,
        "developId": develop_id,
        "state": op.state,
        "startedTime": op.started_at,
        "attempts": op.attempts,
        "nextCheckTime": op.next_check_at,
        "lastError": op.last_error,
        "calls": [{k: c[k] for k in CALL_FIELDS} for c in calls or []],
    }


def list_open(
    db: Database, object_type: str | None, develop_id: str | None, page: PageRequest
) -> Page[dict[str, Any]]:
    """Open operations, oldest first (by cursor or page), each with its last call attempts."""
    from daigou.marketplace import calls as market_calls  # its only use in this module

    with db.transaction() as s:
        query = select(MarketOperation).where(MarketOperation.state.in_(OPEN_STATES))
        if object_type is not None:
            query = query.where(MarketOperation.object_type == object_type)
        if develop_id is not None:
            query = query.where(MarketOperation.developer_id == developer_pk(s, develop_id))
        order = (MarketOperation.started_at, MarketOperation.operation_id)
        total = None
        if page.cursor is not None:
            started, op_id = page.cursor
            if not isinstance(started, int) or not isinstance(op_id, str):
                raise validation_error("cursor", "not a cursor this gateway issued")
            query = query.where(
                or_(
                    MarketOperation.started_at > started,
                    and_(
                        MarketOperation.started_at == started, MarketOperation.operation_id > op_id
                    ),
                )
            )
        else:
            total = s.execute(select(func.count()).select_from(query.subquery())).scalar_one()
            query = query.offset(page.offset)
        ops = list(s.execute(query.order_by(*order).limit(page.page_size + 1)).scalars())
        more = len(ops) > page.page_size
        ops = ops[: page.page_size]
        names = develop_ids(s, {o.developer_id for o in ops})
        tried = market_calls.recent_by_key(s, {o.market_key for o in ops}, CALLS_SHOWN)
        items = [operation_out(o, names.get(o.developer_id), tried[o.market_key]) for o in ops]
        last = ops[-1] if ops else None
        return Page(
            items=items,
            page_size=page.page_size,
            total_records=total,
            current_page=None if page.cursor is not None else page.page_no,
            next_cursor=encode_cursor((last.started_at, last.operation_id))
            if more and last
            else None,
        )
