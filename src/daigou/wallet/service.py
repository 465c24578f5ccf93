"""Wallet use cases: top-up, adjust, hold, capture, release, refund; balance and ledger reads.

Functions here take the caller's session and never commit (one transaction per use case,
owned by the caller). Every money move, one or many, is posted by the one routine
:func:`daigou.wallet.posting.post`, under the developer's wallet lock: its ledger entry with
running balances, balanced postings and a WALLET_BALANCE_CHANGE message, at most once per
operation key. A move that also changes one of the wallet's own rows (a hold) makes that
change conditionally, after the wallet lock (wallet, then hold: the house's lock order).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from daigou.core.errors import Conflict, NotFound, validation_error
from daigou.core.money import DEFAULT_CURRENCY
from daigou.core.pagination import Page, PageRequest, encode_cursor
from daigou.db.fast import Sql, hot_path
from daigou.db.session import Database
from daigou.db.upsert import insert_ignore
from daigou.wallet import posting
from daigou.wallet.models import Hold, LedgerEntry, Posting, WalletAccount
from daigou.wallet.posting import WALLET_MESSAGE as WALLET_MESSAGE
from daigou.wallet.posting import Move
from daigou.wallet.posting import Moved as Moved
from daigou.wallet.posting import Refs as Refs
from daigou.wallet.posting import available_account as available_account
from daigou.wallet.posting import entry_out as entry_out
from daigou.wallet.posting import held_account as held_account
from daigou.wallet.posting import lock_account as lock_account
from daigou.wallet.schemas import Balance, LedgerEntryOut

SYS_FUNDING = "sys:funding"
SYS_ADJUSTMENT = "sys:adjustment"
SYS_MARKETPLACE = "sys:marketplace"
# international freight paid to the consolidation warehouse's carriers (not to a marketplace)
SYS_FREIGHT = "sys:freight"


# --- reads ----------------------------------------------------------------------------------
def open_account(
    session: Session, developer_id: int, now_ms: int, currency: str = DEFAULT_CURRENCY
) -> None:
    insert_ignore(
        session,
        WalletAccount.__table__,
        {
            "developer_id": developer_id,
            "currency": currency,
            "available": 0,
            "held": 0,
            "modified_at": now_ms,
        },
        ["developer_id", "currency"],
    )


_BALANCE = select(WalletAccount.available, WalletAccount.held).where(
    WalletAccount.developer_id == bindparam("developer_id"),
    WalletAccount.currency == bindparam("currency"),
)


def balance(
    session: Session | Connection, developer_id: int, currency: str = DEFAULT_CURRENCY
) -> Balance:
    row = session.execute(_BALANCE, {"developer_id": developer_id, "currency": currency}).first()
    available, held = (row.available, row.held) if row else (0, 0)
    return Balance(
        currency=currency, availableAmount=available, heldAmount=held, totalAmount=available + held
    )


def balances(
    session: Session, developer_ids: list[int], currency: str = DEFAULT_CURRENCY
) -> dict[int, Balance]:
    rows = session.execute(
        select(WalletAccount.developer_id, WalletAccount.available, WalletAccount.held).where(
            WalletAccount.developer_id.in_(developer_ids), WalletAccount.currency == currency
        )
    ).all()
    found = {
        r.developer_id: Balance(
            currency=currency,
            availableAmount=r.available,
            heldAmount=r.held,
            totalAmount=r.available + r.held,
        )
        for r in rows
    }
    empty = Balance(currency=currency, availableAmount=0, heldAmount=0, totalAmount=0)
    return {d: found.get(d, empty) for d in developer_ids}


@dataclass(frozen=True)
class LedgerFilter:
    developer_id: int | None = None
    user_id: str | None = None  # a sub-account sees only its own entries
    type: str | None = None
    order_id: str | None = None
    refund_id: str | None = None
    logistics_order_id: str | None = None
    start_time: int | None = None
    end_time: int | None = None


def ledger_page(session: Session, flt: LedgerFilter, page: PageRequest) -> Page[LedgerEntry]:
    """Newest first; keyset by `seq` when paging by cursor."""
    conditions: list[Any] = []
    if flt.developer_id is not None:
        conditions.append(LedgerEntry.developer_id == flt.developer_id)
    if flt.user_id is not None:
        conditions.append(LedgerEntry.user_id == flt.user_id)
    for column, value in (
        (LedgerEntry.type, flt.type),
        (LedgerEntry.order_id, flt.order_id),
        (LedgerEntry.refund_id, flt.refund_id),
        (LedgerEntry.logistics_order_id, flt.logistics_order_id),
    ):
        if value is not None:
            conditions.append(column == value)
    if flt.start_time is not None:
        conditions.append(LedgerEntry.created_at >= flt.start_time)
    if flt.end_time is not None:
        conditions.append(LedgerEntry.created_at <= flt.end_time)
    query = select(LedgerEntry).where(*conditions).order_by(LedgerEntry.seq.desc())
    total = None
    if page.cursor is not None:
        (last_seq,) = page.cursor
        query = query.where(LedgerEntry.seq < int(last_seq))
    else:
        total = session.execute(
            select(func.count()).select_from(LedgerEntry).where(*conditions)
        ).scalar_one()
        query = query.offset(page.offset)
    rows = list(session.execute(query.limit(page.page_size + 1)).scalars())
    more = len(rows) > page.page_size
    rows = rows[: page.page_size]
    cursor = encode_cursor((rows[-1].seq,)) if more and rows else None
    return Page(rows, page.page_size, total, page.page_no if page.cursor is None else None, cursor)


# --- moves (each through posting.post) ------------------------------------------------------
F = TypeVar("F", bound=Callable[..., Any])


def _atomic(fn: F) -> F:
    """Each move runs in a savepoint: when it refuses (40201, 40901) nothing of it stays in the
    caller's transaction, so a batch can catch the refusal and go on with the next item."""

    @functools.wraps(fn)
    def wrapper(session: Session, *args: Any, **kwargs: Any) -> Any:
        with session.begin_nested():
            return fn(session, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _by_reference(
    session: Session,
    *,
    developer_id: int,
    type_: str,
    amount: int,
    reference: str,
    counter: str,
    currency: str,
    refs: Refs,
    now_ms: int,
) -> Moved:
    (moved,) = posting.post(
        session,
        developer_id=developer_id,
        currency=currency,
        moves=[Move(type_, f"ref:{reference}", amount, 0, counter, refs)],
        now_ms=now_ms,
        insufficient="the adjustment would take the available balance below zero",
    )
    if not moved.applied and (
        moved.entry.type != type_
        or moved.entry.amount != amount
        or moved.entry.currency != currency
    ):
        raise Conflict(
            f"reference {reference!r} was already used for a {moved.entry.type} of "
            f"{moved.entry.amount} {moved.entry.currency}"
        )
    return moved


@_atomic
def topup(
    session: Session,
    *,
    developer_id: int,
    amount: int,
    reference: str,
    now_ms: int,
    currency: str = DEFAULT_CURRENCY,
    remark: str | None = None,
    user_id: str | None = None,
) -> Moved:
    if amount <= 0:
        raise validation_error("amount", "a top-up amount must be > 0")
    return _by_reference(
        session,
        developer_id=developer_id,
        type_="topup",
        amount=amount,
        reference=reference,
        counter=SYS_FUNDING,
        currency=currency,
        refs=Refs(user_id=user_id, reference=reference, remark=remark),
        now_ms=now_ms,
    )


@_atomic
def adjust(
    session: Session,
    *,
    developer_id: int,
    amount: int,
    reference: str,
    remark: str,
    now_ms: int,
    currency: str = DEFAULT_CURRENCY,
) -> Moved:
    if amount == 0:
        raise validation_error("amount", "an adjustment amount must not be 0")
    if not remark:
        raise validation_error("remark", "an adjustment needs a remark (the reason)")
    return _by_reference(
        session,
        developer_id=developer_id,
        type_="adjustment",
        amount=amount,
        reference=reference,
        counter=SYS_ADJUSTMENT,
        currency=currency,
        refs=Refs(reference=reference, remark=remark),
        now_ms=now_ms,
    )


def hold_move(key: str, amount: int, refs: Refs) -> Move:
    """The move of a new hold: `amount` from available to held."""
    return Move("hold", f"hold:{key}", -amount, amount, None, refs)


def hold_row(
    developer_id: int, key: str, amount: int, currency: str, refs: Refs, now_ms: int
) -> dict[str, Any]:
    """The `wallet_hold` row of a new hold."""
    return {
        "developer_id": developer_id,
        "hold_key": key,
        "user_id": refs.user_id,
        "currency": currency,
        "amount": amount,
        "captured": 0,
        "released": 0,
        "refunded": 0,
        "status": "held",
        "platform": refs.platform,
        "order_id": refs.order_id,
        "logistics_order_id": refs.logistics_order_id,
        "created_at": now_ms,
        "modified_at": now_ms,
    }


@_atomic
def hold(
    session: Session,
    *,
    developer_id: int,
    key: str,
    amount: int,
    now_ms: int,
    currency: str = DEFAULT_CURRENCY,
    refs: Refs = Refs(),
) -> Moved:
    """Reserve `amount` under `key` (e.g. `1688:<orderId>:pay:1`). 40201 when not available."""
    if amount <= 0:
        raise validation_error("amount", "a hold amount must be > 0")

    def new_hold() -> bool:
        session.execute(insert(Hold), [hold_row(developer_id, key, amount, currency, refs, now_ms)])
        return True

    (moved,) = posting.post(
        session,
        developer_id=developer_id,
        currency=currency,
        moves=[hold_move(key, amount, refs)],
        now_ms=now_ms,
        guard=new_hold,
    )
    if not moved.applied and (moved.entry.held_delta != amount or moved.entry.currency != currency):
        raise Conflict(f"hold {key!r} exists with another amount")
    return moved


def get_hold(session: Session, developer_id: int, key: str) -> Hold:
    found = session.execute(
        select(Hold).where(Hold.developer_id == developer_id, Hold.hold_key == key)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no hold {key!r}")
    return found


def find_hold(session: Session, developer_id: int, key: str) -> Hold | None:
    return session.execute(
        select(Hold).where(Hold.developer_id == developer_id, Hold.hold_key == key)
    ).scalar_one_or_none()


def hold_refs(h: Hold, remark: str | None = None) -> Refs:
    return Refs(
        user_id=h.user_id,
        platform=h.platform,
        order_id=h.order_id,
        logistics_order_id=h.logistics_order_id,
        remark=remark,
    )


def capture_move(h: Hold, take: int | None = None, counter: str = SYS_MARKETPLACE) -> Move:
    """The move that pays `take` (all, by default) of a hold out to `counter` (the
    marketplace, unless said otherwise)."""
    take = h.amount if take is None else take
    return Move("capture", f"capture:{h.hold_key}", 0, -take, counter, hold_refs(h))


def release_move(h: Hold, give: int | None = None, remark: str | None = None) -> Move:
    """The move that gives `give` (all, by default) of a hold back to available."""
    give = h.amount if give is None else give
    return Move("release", f"release:{h.hold_key}", give, -give, None, hold_refs(h, remark))


def _settle_hold(session: Session, h: Hold, now_ms: int, **values: Any) -> bool:
    """Move a hold out of `held` (at most once: conditional on its status)."""
    return bool(
        session.execute(
            update(Hold)
            .where(Hold.id == h.id, Hold.status == "held")
            .values(**values, modified_at=now_ms)
        ).rowcount
    )


@_atomic
def capture(
    session: Session,
    *,
    developer_id: int,
    key: str,
    now_ms: int,
    amount: int | None = None,
    counter: str = SYS_MARKETPLACE,
) -> list[Moved]:
    """Take a hold (all of it, or `amount` of it with the rest released) and pay it out to
    `counter` (the marketplace; `SYS_FREIGHT` for international freight). At most once.

    Returns the entries it made; an empty list when the hold had already been settled.
    """
    h = get_hold(session, developer_id, key)
    take = h.amount if amount is None else amount
    if not 0 < take <= h.amount:
        raise validation_error("amount", "a capture must be > 0 and within the hold")
    rest = h.amount - take
    moves = [capture_move(h, take, counter)]
    if rest:
        moves.append(release_move(h, rest, "rest of a partial capture"))
    out = posting.post(
        session,
        developer_id=developer_id,
        currency=h.currency,
        moves=moves,
        now_ms=now_ms,
        guard=lambda: _settle_hold(
            session, h, now_ms, status="captured", captured=take, released=rest
        ),
    )
    # a hold is settled once: keys used before mean it was, and so does a declined guard
    return [m for m in out if m.applied]


@_atomic
def charge(
    session: Session,
    *,
    developer_id: int,
    key: str,
    amount: int,
    now_ms: int,
    currency: str = DEFAULT_CURRENCY,
    refs: Refs = Refs(),
    counter: str = SYS_MARKETPLACE,
) -> Moved:
    """Pay `amount` straight from available (no hold before it) out to `counter`: a `capture`
    entry with no held part, e.g. the freight a packed parcel costs beyond its hold. At most
    once per `key`; 40201 (nothing moved) when available does not cover it."""
    if amount <= 0:
        raise validation_error("amount", "a charge amount must be > 0")
    (moved,) = posting.post(
        session,
        developer_id=developer_id,
        currency=currency,
        moves=[Move("capture", f"charge:{key}", -amount, 0, counter, refs)],
        now_ms=now_ms,
        insufficient="the available balance does not cover the charge",
    )
    if not moved.applied and (moved.entry.amount != -amount or moved.entry.currency != currency):
        raise Conflict(f"charge {key!r} was already made with another amount")
    return moved


@_atomic
def release(session: Session, *, developer_id: int, key: str, now_ms: int) -> Moved | None:
    """Give a hold back. At most once; None when the hold had already been settled."""
    h = get_hold(session, developer_id, key)
    out = posting.post(
        session,
        developer_id=developer_id,
        currency=h.currency,
        moves=[release_move(h)],
        now_ms=now_ms,
        guard=lambda: _settle_hold(session, h, now_ms, status="released", released=Hold.amount),
    )
    return out[0] if out and out[0].applied else None


@_atomic
def refund(
    session: Session,
    *,
    developer_id: int,
    hold_key: str,
    refund_key: str,
    amount: int,
    now_ms: int,
    refund_id: str | None = None,
    remark: str | None = None,
) -> Moved:
    """Credit back part of what a captured hold paid out. At most once per `refund_key`;
    never more than was captured under that hold."""
    if amount <= 0:
        raise validation_error("amount", "a refund amount must be > 0")
    h = get_hold(session, developer_id, hold_key)

    def within_captured() -> bool:
        moved_rows = session.execute(
            update(Hold)
            .where(Hold.id == h.id, Hold.refunded + amount <= Hold.captured)
            .values(refunded=Hold.refunded + amount, modified_at=now_ms)
        ).rowcount
        if not moved_rows:
            raise Conflict("the refund is more than the captured amount not yet refunded")
        return True

    refs = Refs(
        user_id=h.user_id,
        platform=h.platform,
        order_id=h.order_id,
        refund_id=refund_id,
        logistics_order_id=h.logistics_order_id,
        remark=remark,
    )
    (moved,) = posting.post(
        session,
        developer_id=developer_id,
        currency=h.currency,
        moves=[Move("refund", f"refund:{refund_key}", amount, 0, SYS_MARKETPLACE, refs)],
        now_ms=now_ms,
        guard=within_captured,
    )
    if not moved.applied and (
        moved.entry.amount != amount
        or moved.entry.order_id != h.order_id
        or moved.entry.logistics_order_id != h.logistics_order_id
    ):
        raise Conflict(f"refund {refund_key!r} was already applied with another amount or order")
    return moved


# --- audit helpers (tests and the operator) -------------------------------------------------
def posting_sums(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Posting.account, func.sum(Posting.amount)).group_by(Posting.account)
    ).all()
    return {account: int(total) for account, total in rows}


def unbalanced_entries(session: Session) -> list[int]:
    rows = session.execute(
        select(Posting.entry_seq).group_by(Posting.entry_seq).having(func.sum(Posting.amount) != 0)
    ).scalars()
    return list(rows)


# --- use cases (each owns its transaction) --------------------------------------------------
_READ_BALANCE = Sql(
    "SELECT available, held FROM wallet_account"
    " WHERE developer_id = :developer_id AND currency = :currency"
)


def get_balance(db: Database, developer_id: int, currency: str = DEFAULT_CURRENCY) -> Balance:
    """The balance read every client polls: one raw statement, no write lock."""
    with hot_path(db, write=False) as tx:
        row = tx.one(_READ_BALANCE, {"developer_id": developer_id, "currency": currency})
    available, held = row if row else (0, 0)
    return Balance(
        currency=currency, availableAmount=available, heldAmount=held, totalAmount=available + held
    )


def list_ledger(db: Database, flt: LedgerFilter, page: PageRequest) -> Page[LedgerEntryOut]:
    with db.transaction() as s:
        result = ledger_page(s, flt, page)
        return Page(
            [entry_out(e) for e in result.items],
            result.page_size,
            result.total_records,
            result.current_page,
            result.next_cursor,
        )
