"""Several wallet moves at once, for a bulk pay (6.9): posted by the same routine as the
one-by-one moves of :mod:`daigou.wallet.service` (:func:`daigou.wallet.posting.post`), so each
move gets the same rows (an entry with its running balance, its postings and a
WALLET_BALANCE_CHANGE message), written in a few multi-row statements: a bulk pay of 100
orders costs the statements of one. The caller's transaction holds the developer's wallet lock
(taken here too), as for every move."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from daigou.core.errors import validation_error
from daigou.core.money import DEFAULT_CURRENCY
from daigou.wallet import posting
from daigou.wallet.models import Hold
from daigou.wallet.posting import Move, Refs, lock_account
from daigou.wallet.service import capture_move, hold_move, hold_row, release_move


@dataclass(frozen=True)
class HoldRequest:
    key: str
    amount: int
    refs: Refs


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
    available = lock_account(session, developer_id, currency).availableAmount
    taken = []
    for r in requests:
        fits = r.amount <= available
        if fits:
            available -= r.amount
        taken.append(fits)
    chosen = [r for r, fits in zip(requests, taken, strict=True) if fits]
    if not chosen:
        return taken

    def new_holds() -> bool:
        session.execute(
            insert(Hold),
            [hold_row(developer_id, r.key, r.amount, currency, r.refs, now_ms) for r in chosen],
        )
        return True

    posting.post(
        session,
        developer_id=developer_id,
        currency=currency,
        moves=[hold_move(r.key, r.amount, r.refs) for r in chosen],
        now_ms=now_ms,
        guard=new_holds,
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
    moves: list[Move] = []  # the captures, then the releases
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
                moved.add(k)
                moves.append(
                    capture_move(holds[k]) if kind == "capture" else release_move(holds[k])
                )
    if moves:
        posting.post(
            session, developer_id=developer_id, currency=currency, moves=moves, now_ms=now_ms
        )
    return moved
