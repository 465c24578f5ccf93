"""The one ledger posting routine: every wallet move, one or many, goes through :func:`post`.

A move changes a developer's `available` and `held` balances. Posting a list of moves (a single
move is a list of one), in the caller's transaction and never committing:

  1. takes the developer's wallet lock and reads the balance under it (:func:`lock_account`:
     ``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite every write transaction already holds
     the database's one writer lock from its ``BEGIN IMMEDIATE``),
  2. finds the moves whose operation key was used before: they move nothing and return the
     entry they made (so a repeat is harmless); the lock makes this check exact, since the
     first of two concurrent repeats commits before the second reads,
  3. runs the caller's ``guard``: the conditional update the operation makes on its own row
     (a hold), which may find the operation already done (nothing is posted) or refuse it,
  4. refuses (40201) when a running balance would go below zero, before any ledger row,
  5. writes one ledger entry per new move with its running balances, their postings (which sum
     to zero per entry), the account's new balance and one WALLET_BALANCE_CHANGE message per
     entry, in multi-row statements whose number does not grow with the number of moves.

The balance update is conditional on the balance read under the lock (compare and set), so
the running balances written in the entries are the ones the account went through; it cannot
go wrong silently even if a code path forgot the lock. CHECK constraints (`available >= 0`,
`held >= 0`) are a last line of defence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from daigou.core import ids
from daigou.core.errors import InsufficientBalance
from daigou.core.money import DEFAULT_CURRENCY
from daigou.db.session import rowcount
from daigou.messages import service as messages
from daigou.wallet.models import LedgerEntry, Posting, WalletAccount
from daigou.wallet.schemas import Balance, LedgerEntryOut

WALLET_MESSAGE = "WALLET_BALANCE_CHANGE"


def available_account(developer_id: int) -> str:
    return f"dev:{developer_id}:available"


def held_account(developer_id: int) -> str:
    return f"dev:{developer_id}:held"


@dataclass(frozen=True)
class Refs:
    user_id: str | None = None
    platform: int | None = None
    order_id: str | None = None
    refund_id: str | None = None
    logistics_order_id: str | None = None
    reference: str | None = None
    remark: str | None = None


@dataclass(frozen=True)
class Moved:
    """The ledger entry of an operation; `applied` is False when it had been applied before."""

    entry: LedgerEntry
    balance: Balance
    applied: bool


@dataclass(frozen=True)
class Move:
    """One balance change: `available_delta` and `held_delta`, booked against
    `counter_account` for what does not stay within the developer's own two accounts."""

    type: str  # the ledger entry's type: topup, adjustment, hold, capture, release, refund
    op_key: str  # at most once per (developer, op_key)
    available_delta: int
    held_delta: int
    counter_account: str | None
    refs: Refs


def entry_out(entry: LedgerEntry) -> LedgerEntryOut:
    return LedgerEntryOut(
        entryId=entry.entry_id,
        type=entry.type,
        amount=entry.amount,
        heldDelta=entry.held_delta,
        availableAfter=entry.available_after,
        heldAfter=entry.held_after,
        currency=entry.currency,
        platform=entry.platform,
        orderId=entry.order_id,
        refundId=entry.refund_id,
        logisticsOrderId=entry.logistics_order_id,
        userId=entry.user_id,
        reference=entry.reference,
        remark=entry.remark,
        createTime=entry.created_at,
    )


def _balance(currency: str, available: int, held: int) -> Balance:
    return Balance(
        currency=currency, availableAmount=available, heldAmount=held, totalAmount=available + held
    )


# FOR UPDATE takes the row lock on PostgreSQL; SQLAlchemy leaves it out on SQLite, whose write
# transactions hold the database's writer lock from BEGIN IMMEDIATE on
_LOCK = (
    select(WalletAccount.available, WalletAccount.held)
    .where(
        WalletAccount.developer_id == bindparam("developer_id"),
        WalletAccount.currency == bindparam("currency"),
    )
    .with_for_update()
)


def _locked_row(session: Session, developer_id: int, currency: str) -> Any:
    return session.execute(_LOCK, {"developer_id": developer_id, "currency": currency}).first()


def lock_account(session: Session, developer_id: int, currency: str = DEFAULT_CURRENCY) -> Balance:
    """Take the developer's wallet lock for the rest of the transaction; the balance read under
    it. A use case that moves money for several objects takes it first, before locking those
    objects, so every writer locks in the same order (wallet, then objects) and none deadlocks;
    it also makes the ledger's order (`seq`) the order the moves committed in."""
    row = _locked_row(session, developer_id, currency)
    return _balance(currency, row.available, row.held) if row else _balance(currency, 0, 0)


_USED = select(LedgerEntry).where(
    LedgerEntry.developer_id == bindparam("developer_id"),
    LedgerEntry.op_key.in_(bindparam("op_keys", expanding=True)),
)


def post(
    session: Session,
    *,
    developer_id: int,
    currency: str,
    moves: Sequence[Move],
    now_ms: int,
    guard: Callable[[], bool] | None = None,
    insufficient: str = "insufficient balance",
) -> list[Moved]:
    """Apply ``moves`` in order, each at most once per op key; a :class:`Moved` per move, in
    order (``applied`` False for a key used before: its entry as it was). Raises 40201, moving
    nothing, when a balance would go below zero.

    ``guard`` runs under the lock when at least one move is new, before any ledger row is
    written: it makes the conditional update the operation needs on its own row (inserts its
    hold, settles it, counts a refund on it). It returns False when that row says the operation
    had already happened (then nothing is posted and the result is empty), or raises to refuse.
    A refusal after the guard (40201) leaves its update to the caller's savepoint to undo, as
    every move of :mod:`daigou.wallet.service` runs in one."""
    row = _locked_row(session, developer_id, currency)
    keys = [m.op_key for m in moves]
    if len(set(keys)) != len(keys):
        raise ValueError("an operation key appears twice in one posting")
    used: dict[str, LedgerEntry] = {}
    if keys:
        found = session.execute(_USED, {"developer_id": developer_id, "op_keys": keys})
        used = {e.op_key: e for e in found.scalars()}
    new = [m for m in moves if m.op_key not in used]
    start_available, start_held = (row.available, row.held) if row else (0, 0)
    if not new:
        current = _balance(currency, start_available, start_held)
        return [Moved(used[m.op_key], current, False) for m in moves]
    if guard is not None and not guard():
        return []
    available, held = start_available, start_held
    rows: list[dict[str, Any]] = []
    for m in new:
        if m.counter_account is None and m.available_delta + m.held_delta:
            raise AssertionError("an unbalanced move needs a counter account")
        available += m.available_delta
        held += m.held_delta
        if available < 0 or held < 0 or row is None:
            raise InsufficientBalance(
                insufficient,
                {
                    "availableAmount": start_available,
                    "requiredAmount": -sum(n.available_delta for n in new),
                },
            )
        rows.append(_entry_row(developer_id, currency, m, available, held, now_ms))
    after = _balance(currency, available, held)

    entries = _insert_entries(session, rows)
    session.execute(
        insert(Posting),
        [p for e, m in zip(entries, new, strict=True) for p in _postings(developer_id, e.seq, m)],
    )
    moved = rowcount(
        session.execute(
            update(WalletAccount)
            .where(
                WalletAccount.developer_id == developer_id,
                WalletAccount.currency == currency,
                WalletAccount.available == start_available,
                WalletAccount.held == start_held,
            )
            .values(available=available, held=held, modified_at=now_ms)
            .execution_options(synchronize_session=False)
        )
    )
    if moved != 1:
        # the lock makes this impossible; should a path ever write without it, refuse rather
        # than book running balances the account did not go through
        raise RuntimeError("the wallet account moved under its lock")
    made = {
        e.op_key: Moved(e, _balance(currency, e.available_after, e.held_after), True)
        for e in entries
    }
    messages.record_many(
        session,
        developer_id=developer_id,
        platform=messages.PLATFORM_GATEWAY,
        message_type=WALLET_MESSAGE,
        order_key="wallet",
        items=[
            (
                e.user_id,
                {
                    "entry": entry_out(e).model_dump(),
                    "balance": made[e.op_key].balance.model_dump(),
                    "entryType": e.type,
                },
                None,
            )
            for e in entries
        ],
        now_ms=now_ms,
    )
    return [made.get(m.op_key) or Moved(used[m.op_key], after, False) for m in moves]


_ENTRIES = (
    select(LedgerEntry)
    .where(LedgerEntry.entry_id.in_(bindparam("ids", expanding=True)))
    .order_by(LedgerEntry.seq)
)


def _insert_entries(session: Session, rows: list[dict[str, Any]]) -> list[LedgerEntry]:
    """Insert the entries so that their `seq` follows the list's order (the ledger's order is
    the order of the moves), in a number of statements that does not grow with the list."""
    if len(rows) > 1 and session.get_bind().dialect.name == "sqlite":
        # SQLAlchemy cannot match a multi-row RETURNING to its rows on SQLite and would insert
        # one row per statement; one executemany inserts them in order (rowids ascending under
        # the writer lock), and one read brings them back
        session.execute(insert(LedgerEntry), rows)
        found = session.execute(_ENTRIES, {"ids": [r["entry_id"] for r in rows]})
        entries = list(found.scalars())
    else:
        # one row; or PostgreSQL: one INSERT ... SELECT ... ORDER BY, numbering rows in order
        inserted = session.execute(
            insert(LedgerEntry).returning(LedgerEntry, sort_by_parameter_order=True), rows
        )
        entries = list(inserted.scalars())
    seqs = [e.seq for e in entries]
    if [e.entry_id for e in entries] != [r["entry_id"] for r in rows] or seqs != sorted(seqs):
        raise RuntimeError("ledger entries were numbered out of the moves' order")
    return entries


def _entry_row(
    developer_id: int, currency: str, m: Move, available: int, held: int, now_ms: int
) -> dict[str, Any]:
    return {
        "entry_id": ids.ledger_entry_id(),
        "developer_id": developer_id,
        "user_id": m.refs.user_id,
        "currency": currency,
        "type": m.type,
        "amount": m.available_delta,
        "held_delta": m.held_delta,
        "available_after": available,
        "held_after": held,
        "platform": m.refs.platform,
        "order_id": m.refs.order_id,
        "refund_id": m.refs.refund_id,
        "logistics_order_id": m.refs.logistics_order_id,
        "reference": m.refs.reference,
        "remark": m.refs.remark,
        "op_key": m.op_key,
        "created_at": now_ms,
    }


def _postings(developer_id: int, seq: int, m: Move) -> list[dict[str, Any]]:
    """The entry's double-entry postings, summing to zero: the developer's available, then
    held, then the counter account for the rest."""
    out = []
    if m.available_delta:
        out.append(
            {
                "entry_seq": seq,
                "account": available_account(developer_id),
                "amount": m.available_delta,
            }
        )
    if m.held_delta:
        out.append(
            {"entry_seq": seq, "account": held_account(developer_id), "amount": m.held_delta}
        )
    counter = -(m.available_delta + m.held_delta)
    if counter:
        out.append({"entry_seq": seq, "account": m.counter_account, "amount": counter})
    return out
