"""Helpers for wallet tests: make a developer, read back the books, check the invariants.

Everything here reads through its own transaction (or the session given) and never writes
except `new_developer`, which goes through the developers service as an operator would.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from daigou.config import Settings
from daigou.db.session import Database
from daigou.developers import service as developers
from daigou.developers.schemas import DeveloperCreate
from daigou.messages.models import OutboxMessage
from daigou.wallet import service as wallet
from daigou.wallet.models import Hold, LedgerEntry, Posting, WalletAccount

NOW_MS = 1_700_000_000_000


def new_developer(db: Database, settings: Settings, now_ms: int = NOW_MS) -> int:
    """A fresh developer (with its empty CNY wallet account); returns its primary key."""
    created = developers.create_developer(
        db,
        settings,
        DeveloperCreate(name="wallet-test-" + secrets.token_hex(3)),
        now_ms,
        actor="test",
        request_id=None,
    )
    with db.transaction() as s:
        return developers.developer_pk_in(s, created.developId)


@dataclass(frozen=True)
class Books:
    """Everything the database holds about one developer's wallet."""

    available: int
    held: int
    entries: list[LedgerEntry]
    postings: list[Posting]
    holds: list[Hold]
    messages: list[OutboxMessage]

    def postings_of(self, account: str) -> int:
        return sum(p.amount for p in self.postings if p.account == account)


def books(session: Session, developer_id: int) -> Books:
    account = session.execute(
        select(WalletAccount).where(WalletAccount.developer_id == developer_id)
    ).scalar_one()
    entries = list(
        session.execute(
            select(LedgerEntry)
            .where(LedgerEntry.developer_id == developer_id)
            .order_by(LedgerEntry.seq)
        ).scalars()
    )
    postings = list(
        session.execute(
            select(Posting)
            .join(LedgerEntry, LedgerEntry.seq == Posting.entry_seq)
            .where(LedgerEntry.developer_id == developer_id)
            .order_by(Posting.id)
        ).scalars()
    )
    holds = list(
        session.execute(
            select(Hold).where(Hold.developer_id == developer_id).order_by(Hold.id)
        ).scalars()
    )
    messages = list(
        session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.developer_id == developer_id)
            .order_by(OutboxMessage.seq)
        ).scalars()
    )
    return Books(account.available, account.held, entries, postings, holds, messages)


def read_books(db: Database, developer_id: int) -> Books:
    with db.transaction() as s:
        return books(s, developer_id)


def wallet_messages(b: Books) -> list[OutboxMessage]:
    return [m for m in b.messages if m.message_type == wallet.WALLET_MESSAGE]


def check_books(b: Books, developer_id: int, serial: bool = True) -> None:
    """The invariants that hold for any developer's wallet at any committed point.

    `serial`: the moves ran one after another, so each entry's availableAfter / heldAfter
    follows from the entry before it in `seq` order (concurrent moves may take their `seq`
    in another order than they take the account row)."""
    avail_acct = wallet.available_account(developer_id)
    held_acct = wallet.held_account(developer_id)
    assert b.available >= 0, b.available
    assert b.held >= 0, b.held
    # every entry balanced, and its postings say what the entry says
    by_entry: dict[int, list[Posting]] = {}
    for p in b.postings:
        by_entry.setdefault(p.entry_seq, []).append(p)
    for e in b.entries:
        ps = by_entry.get(e.seq, [])
        assert sum(p.amount for p in ps) == 0, (e.op_key, [(p.account, p.amount) for p in ps])
        assert sum(p.amount for p in ps if p.account == avail_acct) == e.amount, e.op_key
        assert sum(p.amount for p in ps if p.account == held_acct) == e.held_delta, e.op_key
    assert set(by_entry) <= {e.seq for e in b.entries}
    # the stored balances are the sums of their postings
    assert b.postings_of(avail_acct) == b.available
    assert b.postings_of(held_acct) == b.held
    # the last entry's running balances are the stored balances; each entry's "after" follows
    # from the previous one (entries of one developer are serialized by its account row)
    assert sum(e.amount for e in b.entries) == b.available
    assert sum(e.held_delta for e in b.entries) == b.held
    if serial:
        running_available = running_held = 0
        for e in b.entries:
            running_available += e.amount
            running_held += e.held_delta
            assert (e.available_after, e.held_after) == (running_available, running_held), e.op_key
    else:
        # some order of the entries explains every after-balance: the one of the messages
        msgs = sorted(wallet_messages(b), key=lambda m: m.sequence)
        by_id = {e.entry_id: e for e in b.entries}
        running_available = running_held = 0
        for m in msgs:
            e = by_id[body(m)["entry"]["entryId"]]
            running_available += e.amount
            running_held += e.held_delta
            assert (e.available_after, e.held_after) == (running_available, running_held), e.op_key
    # an operation key is used once
    keys = [e.op_key for e in b.entries]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    # one WALLET_BALANCE_CHANGE message per entry, sequences 1..n in commit order
    msgs = wallet_messages(b)
    assert len(msgs) == len(b.entries)
    assert sorted(m.sequence for m in msgs) == list(range(1, len(msgs) + 1))
    assert {json.loads(m.body)["entry"]["entryId"] for m in msgs} == {e.entry_id for e in b.entries}
    # holds: the money a hold still holds is the held balance
    for h in b.holds:
        assert h.captured + h.released <= h.amount
        assert 0 <= h.refunded <= h.captured
        if h.status == "held":
            assert h.captured == h.released == 0
        else:
            assert h.captured + h.released == h.amount, (h.hold_key, h.status)
    assert sum(h.amount for h in b.holds if h.status == "held") == b.held


def global_checks(session: Session) -> None:
    """Across all developers: every entry balanced, all postings sum to zero."""
    assert wallet.unbalanced_entries(session) == []
    total = session.execute(select(func.coalesce(func.sum(Posting.amount), 0))).scalar_one()
    assert int(total) == 0
    # no entry without postings
    orphans = session.execute(
        select(func.count())
        .select_from(LedgerEntry)
        .where(~select(Posting.id).where(Posting.entry_seq == LedgerEntry.seq).exists())
    ).scalar_one()
    assert orphans == 0


def body(message: OutboxMessage) -> dict[str, Any]:
    return json.loads(message.body)
