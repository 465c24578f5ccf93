"""One posting routine for every wallet move (daigou.wallet.posting.post): the one-by-one moves
of the wallet service and the several-at-once moves of a bulk pay go through it, write the
same rows for the same moves, and a bulk costs the statements of one move, whatever its size."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from daigou.db.session import Database
from daigou.wallet import bulk, posting
from daigou.wallet import service as wallet
from daigou.wallet.service import Refs
from tests.support.wallet_helpers import NOW_MS, body, books, check_books, new_developer

FUNDS = 100_000


def _funded(db: Database, settings: Any) -> int:
    dev = new_developer(db, settings)
    with db.transaction() as s:
        wallet.topup(s, developer_id=dev, amount=FUNDS, reference="seed", now_ms=NOW_MS)
    return dev


def _refs(i: int) -> Refs:
    return Refs(user_id=f"buyer-{i}", platform=1, order_id=f"10{i}", logistics_order_id=f"L{i}")


def _rows(db: Database, dev: int) -> dict[str, Any]:
    """Everything the move wrote for a developer, with what differs between two developers
    (keys, ids, the developer's own account names) taken out."""
    with db.transaction() as s:
        b = books(s, dev)
    check_books(b, dev)
    mine = {wallet.available_account(dev): "available", wallet.held_account(dev): "held"}
    entry_no = {e.seq: i for i, e in enumerate(b.entries)}
    entry_cols = [c.key for c in b.entries[0].__table__.columns if c.key not in ("seq", "entry_id")]
    hold_cols = [c.key for c in b.holds[0].__table__.columns if c.key != "id"] if b.holds else []
    msg_cols = ["user_id", "platform", "message_type", "order_key", "sequence", "delivery_status"]

    def message(m: Any) -> dict[str, Any]:
        payload = body(m)
        payload["entry"].pop("entryId")
        return {**{c: getattr(m, c) for c in msg_cols}, "body": payload}

    return {
        "balance": (b.available, b.held),
        "entries": [
            {c: getattr(e, c) for c in entry_cols if c != "developer_id"} for e in b.entries
        ],
        "postings": [
            (entry_no[p.entry_seq], mine.get(p.account, p.account), p.amount) for p in b.postings
        ],
        "holds": [{c: getattr(h, c) for c in hold_cols if c != "developer_id"} for h in b.holds],
        "messages": [message(m) for m in b.messages if m.message_type == wallet.WALLET_MESSAGE],
    }


def _twins(db: Database, settings: Any) -> tuple[int, int]:
    return _funded(db, settings), _funded(db, settings)


AMOUNTS = [4_000, 2_500, 700]


@pytest.mark.parametrize("n", [1, 3])
def test_holds_one_by_one_and_in_one_bulk_write_identical_rows(db, settings, n):
    one, many = _twins(db, settings)
    with db.transaction() as s:
        for i in range(n):
            wallet.hold(
                s, developer_id=one, key=f"k{i}", amount=AMOUNTS[i], now_ms=NOW_MS, refs=_refs(i)
            )
    with db.transaction() as s:
        requests = [bulk.HoldRequest(f"k{i}", AMOUNTS[i], _refs(i)) for i in range(n)]
        assert bulk.hold_many(s, developer_id=many, requests=requests, now_ms=NOW_MS) == [True] * n
    rows = _rows(db, one)
    assert rows == _rows(db, many)
    assert [e["type"] for e in rows["entries"]] == ["topup"] + ["hold"] * n
    assert rows["balance"] == (FUNDS - sum(AMOUNTS[:n]), sum(AMOUNTS[:n]))


@pytest.mark.parametrize("n", [1, 3])
def test_captures_and_releases_one_by_one_and_in_one_settle_write_identical_rows(db, settings, n):
    one, many = _twins(db, settings)
    for dev in (one, many):
        with db.transaction() as s:
            for i in range(2 * n):
                wallet.hold(s, developer_id=dev, key=f"k{i}", amount=1_000 + i, now_ms=NOW_MS)
    captured, released = [f"k{i}" for i in range(n)], [f"k{i}" for i in range(n, 2 * n)]
    later = NOW_MS + 1
    with db.transaction() as s:
        for key in captured:
            assert len(wallet.capture(s, developer_id=one, key=key, now_ms=later)) == 1
        for key in released:
            assert wallet.release(s, developer_id=one, key=key, now_ms=later) is not None
    with db.transaction() as s:
        moved = bulk.settle_holds(
            s, developer_id=many, capture=captured, release=released, now_ms=later
        )
    assert moved == set(captured + released)
    rows = _rows(db, one)
    assert rows == _rows(db, many)
    assert [e["type"] for e in rows["entries"][-2 * n :]] == ["capture"] * n + ["release"] * n
    assert rows["balance"] == (FUNDS - sum(1_000 + i for i in range(n)), 0)


# --- every move goes through posting.post ---------------------------------------------------
@pytest.fixture
def posted(monkeypatch) -> list[list[tuple[str, str]]]:
    """Each call of the posting routine: its moves as (type, op key)."""
    calls: list[list[tuple[str, str]]] = []
    real = posting.post

    def spy(session: Session, **kwargs: Any) -> list[posting.Moved]:
        calls.append([(m.type, m.op_key) for m in kwargs["moves"]])
        return real(session, **kwargs)

    monkeypatch.setattr(posting, "post", spy)
    return calls


def test_every_move_one_or_many_is_one_call_of_the_posting_routine(db, settings, posted):
    dev = new_developer(db, settings)
    moves: list[tuple[Callable[[Session], Any], list[tuple[str, str]]]] = [
        (
            lambda s: wallet.topup(s, developer_id=dev, amount=9_000, reference="t", now_ms=NOW_MS),
            [("topup", "ref:t")],
        ),
        (
            lambda s: wallet.adjust(
                s, developer_id=dev, amount=-500, reference="a", remark="fee", now_ms=NOW_MS
            ),
            [("adjustment", "ref:a")],
        ),
        (
            lambda s: wallet.hold(s, developer_id=dev, key="h", amount=3_000, now_ms=NOW_MS),
            [("hold", "hold:h")],
        ),
        (
            lambda s: wallet.capture(s, developer_id=dev, key="h", now_ms=NOW_MS, amount=2_000),
            [("capture", "capture:h"), ("release", "release:h")],
        ),
        (
            lambda s: wallet.refund(
                s, developer_id=dev, hold_key="h", refund_key="r", amount=500, now_ms=NOW_MS
            ),
            [("refund", "refund:r")],
        ),
        (
            lambda s: bulk.hold_many(
                s,
                developer_id=dev,
                requests=[bulk.HoldRequest("b1", 100, Refs()), bulk.HoldRequest("b2", 200, Refs())],
                now_ms=NOW_MS,
            ),
            [("hold", "hold:b1"), ("hold", "hold:b2")],
        ),
        (
            lambda s: wallet.release(s, developer_id=dev, key="b1", now_ms=NOW_MS),
            [("release", "release:b1")],
        ),
        (
            lambda s: bulk.settle_holds(
                s, developer_id=dev, capture=["b2"], release=[], now_ms=NOW_MS
            ),
            [("capture", "capture:b2")],
        ),
    ]
    for move, expected in moves:
        posted.clear()
        with db.transaction() as s:
            move(s)
        assert posted == [expected]
    with db.transaction() as s:
        check_books(books(s, dev), dev)


# --- a bulk costs the statements of one move ------------------------------------------------
@contextmanager
def _statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _bulk_pay_statements(db: Database, settings: Any, n: int) -> tuple[int, int]:
    dev = _funded(db, settings)
    keys = [f"pay-{i}" for i in range(n)]
    with db.transaction() as s, _statements(db) as held:
        requests = [bulk.HoldRequest(k, 10 + i, _refs(i)) for i, k in enumerate(keys)]
        assert all(bulk.hold_many(s, developer_id=dev, requests=requests, now_ms=NOW_MS))
    with db.transaction() as s, _statements(db) as settled:
        half = n // 2 or 1
        bulk.settle_holds(
            s, developer_id=dev, capture=keys[:half], release=keys[half:], now_ms=NOW_MS
        )
    return len(held), len(settled)


def test_a_bulk_of_many_moves_costs_the_statements_of_a_bulk_of_two(db, settings):
    assert _bulk_pay_statements(db, settings, 2) == _bulk_pay_statements(db, settings, 60)


def test_a_balance_read_that_the_account_no_longer_has_books_nothing(db, settings, monkeypatch):
    """The balance update is a compare and set on the balance read under the lock: should the
    account ever move between the two, the move fails whole rather than book running balances
    the account did not go through."""
    dev = _funded(db, settings)
    before = _rows(db, dev)
    real = posting._locked_row

    def stale(session: Session, developer_id: int, currency: str) -> Any:
        row = real(session, developer_id, currency)
        return SimpleNamespace(available=row.available - 1, held=row.held)

    monkeypatch.setattr(posting, "_locked_row", stale)
    with pytest.raises(RuntimeError, match="moved under its lock"), db.transaction() as s:
        wallet.topup(s, developer_id=dev, amount=5, reference="late", now_ms=NOW_MS)
    monkeypatch.undo()
    assert _rows(db, dev) == before
