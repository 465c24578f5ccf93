"""The marketplace call log (``market_call``) on SQLite and PostgreSQL: buffered attempts
written in batches (by hand and by the background flusher), capped fields, what the sandbox's
faults leave in it through ``GuardedMarketplace``, filters and cursor paging, pruning."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from daigou.core.clock import ManualClock, wall_ms
from daigou.core.pagination import PageRequest, decode_cursor
from daigou.marketplace import calls
from daigou.marketplace import port as P
from daigou.marketplace.calls import Attempt, CallRecorder, MarketCall
from daigou.marketplace.context import acting_for
from daigou.marketplace.guarded import GuardedMarketplace
from daigou.marketplace.limits import Limiter
from daigou.marketplace.sandbox import faults
from daigou.marketplace.sandbox.adapter import SandboxMarketplace
from daigou.marketplace.sandbox.clock import SandboxClock
from tests.support.port_contract import PortContract

START_MS = 1_767_225_600_000
A = P.Platform.ALIBABA


def attempt(n: int, **kw) -> Attempt:
    values = dict(
        platform="1688",
        operation="pay",
        key=f"op-{n % 3}",
        develop_id="dev-1",
        started_at=START_MS + n,
        duration_ms=n,
        outcome="ok",
    )
    values.update(kw)
    return Attempt(**values)


def rows(db) -> list[MarketCall]:
    with db.transaction() as s:
        return list(s.execute(select(MarketCall).order_by(MarketCall.id)).scalars())


def count(db) -> int:
    with db.reading() as conn:
        return conn.execute(select(func.count()).select_from(MarketCall)).scalar_one()


def test_buffered_attempts_are_written_in_one_flush(db):
    recorder = CallRecorder(db, background=False)
    for n in range(250):
        recorder.record(attempt(n))
    assert count(db) == 0 and recorder.pending() == 250
    assert recorder.flush() == 250
    assert recorder.flush() == 0
    written = rows(db)
    assert [r.duration_ms for r in written] == list(range(250))
    assert written[7].key == "op-1" and written[7].develop_id == "dev-1"


def test_the_background_flusher_writes_without_being_asked(db):
    recorder = CallRecorder(db, flush_seconds=0.05)
    recorder.record(attempt(1))
    deadline = time.monotonic() + 10
    while count(db) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert count(db) == 1
    recorder.record(attempt(2))
    recorder.close()  # writes what is left
    assert count(db) == 2


def test_long_fields_are_capped(db):
    recorder = CallRecorder(db, background=False)
    recorder.record(attempt(1, key="k" * 500, snippet="s" * 5000, error_code="E" * 200))
    recorder.flush()
    (row,) = rows(db)
    assert len(row.key) == calls.KEY_CHARS and len(row.snippet) == calls.SNIPPET_CHARS
    assert len(row.error_code) == 64


def test_the_sandbox_behind_the_guard_leaves_one_row_per_attempt(settings, db):
    market = SandboxMarketplace(db, settings, SandboxClock(db, ManualClock(START_MS)))
    recorder = CallRecorder(db, background=False)
    guarded = GuardedMarketplace(market, Limiter("sandbox"), recorder, sleep=lambda _: None)
    contract = PortContract()
    order = guarded.create_order(contract.draft(guarded, "out-log-1")).orders[0]
    faults.inject(db, START_MS, operation="1688.order.pay", mode="timeout_after_commit")
    faults.inject(db, START_MS, operation="1688.order.get", mode="error", upstream_code="ISP_BUSY")
    with acting_for("dev-42"):
        with pytest.raises(P.MarketplaceTimeout):
            guarded.pay(A, order.order_id, order.total_fen, "op-log-1")
        with pytest.raises(P.MarketplaceError):
            guarded.order(A, order.order_id)  # an error (not "not sent"): not retried
        with pytest.raises(P.MarketplaceNotFound):
            guarded.order(A, "999999999999999")
        assert guarded.pay(A, order.order_id, order.total_fen, "op-log-1").paid
    guarded.close()
    logged = [
        (r.operation, r.key, r.outcome, r.error_code, r.develop_id)
        for r in rows(db)
        if r.operation in ("create_order", "pay", "order")
    ]
    assert logged == [
        ("create_order", "out-log-1", "ok", None, None),
        ("pay", "op-log-1", "unknown", "TIMEOUT", "dev-42"),
        ("order", order.order_id, "error", "ISP_BUSY", "dev-42"),
        ("order", "999999999999999", "not_found", "NOT_FOUND", "dev-42"),
        ("pay", "op-log-1", "ok", None, "dev-42"),
    ]
    pay_rows = [r for r in rows(db) if r.operation == "pay"]
    assert pay_rows[0].snippet.startswith("MarketplaceTimeout: 1688.order.pay")
    assert pay_rows[1].snippet.startswith("PayResult(order_id=")


def test_calls_are_listed_newest_first_by_filter_and_cursor(db):
    recorder = CallRecorder(db, background=False)
    for n in range(30):
        recorder.record(attempt(n, operation="pay" if n % 2 else "order", platform="1688"))
    recorder.flush()
    first = calls.list_calls(
        db, key="op-0", platform=None, operation=None, outcome=None, page=PageRequest(1, 4)
    )
    assert first.total_records == 10
    assert [c["startedTime"] for c in first.items] == [START_MS + n for n in (27, 24, 21, 18)]
    seen = [c["callId"] for c in first.items]
    cursor = first.next_cursor
    while cursor:
        page = calls.list_calls(
            db,
            key="op-0",
            platform=None,
            operation=None,
            outcome=None,
            page=PageRequest(1, 4, decode_cursor(cursor, 2)),
        )
        seen += [c["callId"] for c in page.items]
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 10
    pays = calls.list_calls(
        db, key=None, platform="1688", operation="pay", outcome="ok", page=PageRequest(1, 100)
    )
    assert pays.total_records == 15 and {c["operation"] for c in pays.items} == {"pay"}


def test_old_attempts_are_pruned(db):
    recorder = CallRecorder(db, background=False)
    for n in range(10):
        recorder.record(attempt(n))
    recorder.flush()
    with db.transaction() as s:
        assert calls.prune(s, START_MS + 4) == 4
    assert count(db) == 6


def test_the_worker_prunes_attempts_after_the_message_retention(settings, db):
    from daigou.workers.runner import WorkerRunner

    now = wall_ms()
    recorder = CallRecorder(db, background=False)
    recorder.record(attempt(1, started_at=now - 31 * 86_400_000))
    recorder.record(attempt(2, started_at=now - 29 * 86_400_000))
    recorder.flush()
    runner = WorkerRunner(db, settings, ManualClock(START_MS), deliver=False)
    assert runner.prune_messages() == 1
    assert [r.duration_ms for r in rows(db)] == [2]
