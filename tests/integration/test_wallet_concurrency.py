"""Concurrent money moves: no race may overdraw, double-debit or apply an operation twice.

Processes (spawned, each with its own engine) race holds against one balance on PostgreSQL;
threads race capture against release and duplicate refunds on both databases, and race holds
on SQLite, which has one writer at a time and must never leak 'database is locked'."""

from __future__ import annotations

import multiprocessing
import threading
import traceback
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from daigou.core.errors import Conflict, InsufficientBalance
from daigou.db.session import Database
from daigou.wallet import service as wallet
from tests.support.wallet_helpers import (
    NOW_MS,
    check_books,
    global_checks,
    new_developer,
    read_books,
)

PROCESSES = 4
HOLDS_PER_PROCESS = 50
SHARED_EVERY = 2  # every second hold of every process uses a key all processes use


def _hold_plan(worker: int) -> list[tuple[str, int]]:
    """(key, amount) in the order one worker tries them. Shared keys have one amount each,
    so a repeat from another worker is the same operation, not a conflict."""
    plan = []
    for i in range(HOLDS_PER_PROCESS):
        if i % SHARED_EVERY == 0:
            plan.append((f"shared-{i}", 100 + i % 7))
        else:
            plan.append((f"w{worker}-{i}", 100 + (i * worker) % 11))
    return plan


def _hold_worker(url: str, developer_id: int, worker: int, barrier: Any, out: Any) -> None:
    """One process: try every hold of its plan, one transaction each; report the outcomes."""
    results: list[tuple[str, int, str]] = []
    try:
        db = Database(url, pool_size=2)
        try:
            barrier.wait(timeout=60)
            for key, amount in _hold_plan(worker):
                try:
                    with db.transaction() as s:
                        moved = wallet.hold(
                            s, developer_id=developer_id, key=key, amount=amount, now_ms=NOW_MS
                        )
                    results.append((key, amount, "applied" if moved.applied else "repeat"))
                except InsufficientBalance:
                    results.append((key, amount, "insufficient"))
        finally:
            db.dispose()
        out.put((worker, results, None))
    except BaseException:  # noqa: BLE001 - reported to the parent, which fails the test
        out.put((worker, results, traceback.format_exc()))


def _audit(db: Database, dev: int) -> None:
    b = read_books(db, dev)
    check_books(b, dev, serial=False)
    with db.transaction() as s:
        global_checks(s)


@pytest.mark.postgres_only
@pytest.mark.timeout(240)
def test_processes_racing_holds_never_overdraw_or_hold_twice(backend, db, settings, db_url):
    _processes_racing_holds(db, settings, db_url)


@pytest.mark.timeout(240)
def test_processes_racing_holds_on_one_sqlite_file_never_overdraw(backend, db, settings, db_url):
    """The same race on SQLite: several processes writing one WAL file, one at a time."""
    if backend != "sqlite":
        pytest.skip("SQLite-only test (the PostgreSQL race is the test above)")
    _processes_racing_holds(db, settings, db_url)


def _processes_racing_holds(db: Database, settings: Any, db_url: str) -> None:
    initial = 5_000  # funds about 45 of the 125 distinct holds
    dev = new_developer(db, settings)
    with db.transaction() as s:
        wallet.topup(s, developer_id=dev, amount=initial, reference="seed", now_ms=NOW_MS)

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_hold_worker, args=(db_url, dev, w, barrier, out))
        for w in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    reports = [out.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    errors = [err for _, _, err in reports if err]
    assert not errors, errors[0]

    outcomes = [r for _, results, _ in reports for r in results]
    assert len(outcomes) == PROCESSES * HOLDS_PER_PROCESS
    applied = Counter(key for key, _, what in outcomes if what == "applied")
    assert all(n == 1 for n in applied.values()), [k for k, n in applied.items() if n > 1]
    amount_of = {key: amount for key, amount, _ in outcomes}
    held_by_results = sum(amount_of[k] for k in applied)
    # some holds went through and some were refused: the race was real
    assert applied and any(what == "insufficient" for _, _, what in outcomes)
    # a repeat only ever follows an applied hold of the same key
    assert {k for k, _, what in outcomes if what == "repeat"} <= set(applied)

    b = read_books(db, dev)
    assert b.held <= initial
    assert b.available >= 0
    assert b.available + b.held == initial
    assert b.held == held_by_results
    assert {h.hold_key for h in b.holds} == set(applied)
    assert [e.op_key for e in b.entries].count("ref:seed") == 1
    assert len(b.entries) == 1 + len(applied)
    # available only went down, so whatever was refused is still more than what is left
    refused = {k for k, _, what in outcomes if what == "insufficient"} - set(applied)
    assert refused and all(amount_of[k] > b.available for k in refused)
    _audit(db, dev)


# --- threads --------------------------------------------------------------------------------
def _race(n: int, fn: Callable[[int], Any]) -> list[Any]:
    """Run fn(0..n-1) in n threads released together; return results or exceptions."""
    barrier = threading.Barrier(n)

    def run(i: int) -> Any:
        barrier.wait(timeout=30)
        try:
            return fn(i)
        except Exception as exc:  # noqa: BLE001 - returned to the test
            return exc

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def _no_unexpected(results: list[Any], allowed: tuple[type[Exception], ...] = ()) -> None:
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, allowed)]
    assert not unexpected, repr(unexpected[0])  # e.g. 'database is locked', a deadlock


@pytest.mark.timeout(240)
def test_capture_racing_release_of_one_hold_exactly_one_wins(backend, db, settings):
    dev = new_developer(db, settings)
    rounds = 15
    with db.transaction() as s:
        wallet.topup(s, developer_id=dev, amount=rounds * 1_000, reference="seed", now_ms=NOW_MS)
        for r in range(rounds):
            wallet.hold(s, developer_id=dev, key=f"h{r}", amount=1_000, now_ms=NOW_MS)

    captured_total = 0
    for r in range(rounds):
        key = f"h{r}"
        partial = r % 3 == 0  # some captures are partial, so they release too

        def go(i: int, key: str = key, partial: bool = partial) -> Any:
            with db.transaction() as s:
                if i % 2 == 0:
                    return (
                        "capture",
                        wallet.capture(
                            s,
                            developer_id=dev,
                            key=key,
                            now_ms=NOW_MS,
                            amount=600 if partial else None,
                        ),
                    )
                return ("release", wallet.release(s, developer_id=dev, key=key, now_ms=NOW_MS))

        results = _race(4, go)  # two captures and two releases
        _no_unexpected(results)
        winners = [(what, moved) for what, moved in results if moved]
        assert len(winners) == 1, results
        what, _ = winners[0]
        if what == "capture":
            captured_total += 600 if partial else 1_000
        b = read_books(db, dev)
        (row,) = [x for x in b.holds if x.hold_key == key]
        assert row.status == ("captured" if what == "capture" else "released")

    b = read_books(db, dev)
    assert b.held == 0
    assert b.available == rounds * 1_000 - captured_total
    assert b.postings_of(wallet.SYS_MARKETPLACE) == captured_total
    _audit(db, dev)


@pytest.mark.timeout(240)
def test_duplicate_refund_keys_in_parallel_apply_once(backend, db, settings):
    dev = new_developer(db, settings)
    with db.transaction() as s:
        wallet.topup(s, developer_id=dev, amount=10_000, reference="seed", now_ms=NOW_MS)
        wallet.hold(s, developer_id=dev, key="order", amount=8_000, now_ms=NOW_MS)
        wallet.capture(s, developer_id=dev, key="order", now_ms=NOW_MS)

    for round_ in range(5):

        def go(i: int, round_: int = round_) -> Any:
            with db.transaction() as s:
                return wallet.refund(
                    s,
                    developer_id=dev,
                    hold_key="order",
                    refund_key=f"TQ{round_}",
                    amount=1_000,
                    now_ms=NOW_MS,
                )

        results = _race(6, go)
        _no_unexpected(results)
        assert sum(1 for m in results if m.applied) == 1
        assert len({m.entry.entry_id for m in results}) == 1

    b = read_books(db, dev)
    assert b.available == 2_000 + 5 * 1_000
    assert b.holds[0].refunded == 5_000
    assert [e.type for e in b.entries].count("refund") == 5
    _audit(db, dev)


@pytest.mark.timeout(240)
def test_distinct_refunds_in_parallel_never_exceed_the_captured_amount(backend, db, settings):
    dev = new_developer(db, settings)
    with db.transaction() as s:
        wallet.topup(s, developer_id=dev, amount=10_000, reference="seed", now_ms=NOW_MS)
        wallet.hold(s, developer_id=dev, key="order", amount=5_000, now_ms=NOW_MS)
        wallet.capture(s, developer_id=dev, key="order", now_ms=NOW_MS, amount=3_500)

    def go(i: int) -> Any:
        with db.transaction() as s:
            return wallet.refund(
                s,
                developer_id=dev,
                hold_key="order",
                refund_key=f"r{i}",
                amount=1_000,
                now_ms=NOW_MS,
            )

    results = _race(8, go)
    _no_unexpected(results, (Conflict,))
    assert sum(1 for r in results if not isinstance(r, Exception)) == 3
    assert sum(1 for r in results if isinstance(r, Conflict)) == 5
    b = read_books(db, dev)
    assert b.holds[0].refunded == 3_000
    assert b.available == 10_000 - 3_500 + 3_000
    _audit(db, dev)


@pytest.mark.timeout(240)
def test_threads_racing_holds_and_topups_never_overdraw(backend, db, settings):
    """Many threads of one process (SQLite: queued on its single writer) hold with distinct
    and overlapping keys while top-ups and releases arrive; no lock error leaks out."""
    dev = new_developer(db, settings)
    initial = 3_000
    with db.transaction() as s:
        wallet.topup(s, developer_id=dev, amount=initial, reference="seed", now_ms=NOW_MS)
    threads, per_thread = 8, 30

    def go(t: int) -> list[tuple[str, str]]:
        seen = []
        for i in range(per_thread):
            key = f"shared-{i}" if i % 2 else f"t{t}-{i}"
            if t == 0 and i % 10 == 0:  # a top-up now and then
                with db.transaction() as s:
                    wallet.topup(
                        s, developer_id=dev, amount=500, reference=f"more-{i}", now_ms=NOW_MS
                    )
            try:
                with db.transaction() as s:
                    moved = wallet.hold(s, developer_id=dev, key=key, amount=100, now_ms=NOW_MS)
                    seen.append((key, "applied" if moved.applied else "repeat"))
                if t == 1 and i % 5 == 0 and moved.applied:
                    with db.transaction() as s:
                        wallet.release(s, developer_id=dev, key=key, now_ms=NOW_MS)
                    seen.append((key, "released"))
            except InsufficientBalance:
                seen.append((key, "insufficient"))
        return seen

    results = _race(threads, go)
    _no_unexpected(results)
    outcomes = [o for r in results for o in r]
    applied = Counter(k for k, what in outcomes if what == "applied")
    assert applied and all(n == 1 for n in applied.values())
    assert any(what == "insufficient" for _, what in outcomes)
    released = {k for k, what in outcomes if what == "released"}
    topped_up = initial + 500 * (per_thread // 10)

    b = read_books(db, dev)
    assert b.available >= 0 and b.held >= 0
    assert b.available + b.held == topped_up
    assert b.held == 100 * (len(applied) - len(released))
    assert {h.hold_key for h in b.holds} == set(applied)
    _audit(db, dev)
