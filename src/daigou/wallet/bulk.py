"""Several wallet moves at once, for a bulk pay (6.9): the same rows as the one-by-one moves
of :mod:`daigou.wallet.service` (an entry with its running balance, its postings and a
WALLET_BALANCE_CHANGE message per move), written in a few multi-row statements, so a bulk pay of
100 orders does not cost 100 times one order's bookkeeping. The caller's transaction holds the
developer's wallet lock (taken here too), as for every move."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from daigou.core import ids
from daigou.core.errors import InsufficientBalance, validation_error
from daigou.core.money import DEFAULT_CURRENCY
from daigou.messages import service as messages
from daigou.wallet.models import Hold, LedgerEntry, Posting, WalletAccount
from daigou.wallet.schemas import Balance
from daigou.wallet.service import (
    SYS_MARKETPLACE,
    WALLET_MESSAGE,
    Refs,
    available_account,
    balance,
    entry_out,
    held_account,
    hold_refs,
    lock_account,
)


@dataclass(frozen=True)
class HoldRequest:
    key: str
    amount: int
    refs: Refs


@dataclass(frozen=True)
class _Move:
    op_key: str
    available_delta: int
    held_delta: int
    counter_account: str | None
    refs: Refs


def _post_many(
    session: Session,
    *,
    developer_id: int,
    currency: str,
    type_: str,
    moves: list[_Move],
    now_ms: int,
) -> Balance:
    """Post ``moves`` in order under the caller's account lock: entries with running
    balances, postings, the account's new balance and one message per entry. The op keys must
    be new (a repeat is an integrity error: the callers settle each hold once, under lock)."""
    start = balance(session, developer_id, currency)
    available, held = start.availableAmount, start.heldAmount
    entries = []
    for m in moves:
        available += m.available_delta
        held += m.held_delta
        if available < 0 or held < 0:
            raise InsufficientBalance(
                "insufficient balance", {"availableAmount": start.availableAmount}
            )
        entries.append(
            {
                "entry_id": ids.ledger_entry_id(),
                "developer_id": developer_id,
                "user_id": m.refs.user_id,
                "currency": currency,
                "type": type_,
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
        )
    seqs = list(
        session.execute(
            insert(LedgerEntry).returning(LedgerEntry.seq, sort_by_parameter_order=True), entries
        ).scalars()
    )
    postings = []
    for seq, m in zip(seqs, moves, strict=True):
        if m.available_delta:
            postings.append(
                {
                    "entry_seq": seq,
                    "account": available_account(developer_id),
                    "amount": m.available_delta,
                }
            )
        if m.held_delta:
            postings.append(
                {"entry_seq": seq, "account": held_account(developer_id), "amount": m.held_delta}
            )
        counter = -(m.available_delta + m.held_delta)
        if counter:
            if m.counter_account is None:
                raise AssertionError("an unbalanced move needs a counter account")
            postings.append({"entry_seq": seq, "account": m.counter_account, "amount": counter})
    session.execute(insert(Posting), postings)
    moved = session.execute(
        update(WalletAccount)
        .where(
            WalletAccount.developer_id == developer_id,
            WalletAccount.currency == currency,
            WalletAccount.available == start.availableAmount,
            WalletAccount.held == start.heldAmount,
        )
        .values(available=available, held=held, modified_at=now_ms)
    ).rowcount
    if moved != 1:
        raise AssertionError("the account moved under its lock")
    after = Balance(
        currency=currency, availableAmount=available, heldAmount=held, totalAmount=available + held
    )
    messages.record_many(
        session,
        developer_id=developer_id,
        platform=messages.PLATFORM_GATEWAY,
        message_type=WALLET_MESSAGE,
        order_key="wallet",
        items=[
            (
                row["user_id"],
                {
                    "entry": entry_out(LedgerEntry(**row)).model_dump(),
                    "balance": Balance(
                        currency=currency,
                        availableAmount=row["available_after"],
                        heldAmount=row["held_after"],
                        totalAmount=row["available_after"] + row["held_after"],
                    ).model_dump(),
                    "entryType": type_,
                },
                None,
            )
            for row in entries
        ],
        now_ms=now_ms,
    )
    return after


def hold_many(
    session: Session,
    *,
    developer_id: int,
    requests: list[HoldRequest],
    now_ms: int,
    currency: str = DEFAULT_CURRENCY,
) -> list[bool]:
    """Hold each request's amount, in order, while the available balance covers it; False for
    a request it did not cover (nothing held for it). The keys must be new."""
    if any(r.amount <= 0 for r in requests):
        raise validation_error("amount", "a hold amount must be > 0")
    lock_account(session, developer_id, currency)
    available = balance(session, developer_id, currency).availableAmount
    taken = []
    for r in requests:
        fits = r.amount <= available
        if fits:
            available -= r.amount
        taken.append(fits)
    chosen = [r for r, fits in zip(requests, taken, strict=True) if fits]
    if not chosen:
        return taken
    session.execute(
        insert(Hold),
        [
            {
                "developer_id": developer_id,
                "hold_key": r.key,
                "user_id": r.refs.user_id,
                "currency": currency,
                "amount": r.amount,
                "captured": 0,
                "released": 0,
                "refunded": 0,
                "status": "held",
                "platform": r.refs.platform,
                "order_id": r.refs.order_id,
                "logistics_order_id": r.refs.logistics_order_id,
                "created_at": now_ms,
                "modified_at": now_ms,
            }
            for r in chosen
        ],
    )
    _post_many(
        session,
        developer_id=developer_id,
        currency=currency,
        type_="hold",
        moves=[_Move(f"hold:{r.key}", -r.amount, r.amount, None, r.refs) for r in chosen],
        now_ms=now_ms,
    )
    return taken


def settle_holds(
    session: Session,
    *,
    developer_id: int,
    capture: list[str],
    release: list[str],
    now_ms: int,
    currency: str = DEFAULT_CURRENCY,
) -> set[str]:
    """Capture whole holds (``capture``) and give others back (``release``), each at most once:
    the keys of the holds that moved (a hold already settled is left as it is)."""
    lock_account(session, developer_id, currency)
    keys = capture + release
    if not keys:
        return set()
    holds = {
        h.hold_key: h
        for h in session.execute(
            select(Hold).where(
                Hold.developer_id == developer_id,
                Hold.hold_key.in_(keys),
                Hold.status == "held",
                Hold.currency == currency,
            )
        ).scalars()
    }
    moved: set[str] = set()
    moves: dict[str, list[_Move]] = {"capture": [], "release": []}
    for kind, wanted in (("capture", capture), ("release", release)):
        ids_ = [holds[k].id for k in wanted if k in holds]
        if not ids_:
            continue
        values: dict[str, Any] = {"status": "captured" if kind == "capture" else "released"}
        values["captured" if kind == "capture" else "released"] = Hold.amount
        done = set(
            session.execute(
                update(Hold)
                .where(Hold.id.in_(ids_), Hold.status == "held")
                .values(**values, modified_at=now_ms)
                .returning(Hold.hold_key)
                .execution_options(synchronize_session=False)
            ).scalars()
        )
        for k in wanted:
            if k in done:
                h = holds[k]
                moved.add(k)
                moves[kind].append(
                    _Move(
                        f"{kind}:{k}",
                        0 if kind == "capture" else h.amount,
                        -h.amount,
                        SYS_MARKETPLACE if kind == "capture" else None,
                        hold_refs(h),
                    )
                )
    for kind, kind_moves in moves.items():
        if kind_moves:
            _post_many(
                session,
                developer_id=developer_id,
                currency=currency,
                type_=kind,
                moves=kind_moves,
                now_ms=now_ms,
            )
    return moved
