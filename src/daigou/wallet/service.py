"""Wallet use cases: top-up, adjust, hold, capture, release, refund; balance and ledger reads.

Functions here take the caller's session and never commit (one transaction per use case,
owned by the caller). Every money move:
  1. claims its operation key by inserting its ledger entry (a repeat finds it and moves
     nothing; on PostgreSQL a concurrent repeat waits for the first and then finds it),
  2. changes the balance with one conditional UPDATE that cannot take it below zero,
  3. writes balanced postings and a WALLET_BALANCE_CHANGE message.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.orm import Session

from daigou.core import ids
from daigou.core.errors import Conflict, InsufficientBalance, NotFound, validation_error
from daigou.core.money import DEFAULT_CURRENCY
from daigou.core.pagination import Page, PageRequest, encode_cursor
from daigou.db.fast import Sql, hot_path
from daigou.db.session import Database
from daigou.db.upsert import insert_ignore, insert_ignore_returning
from daigou.messages import service as messages
from daigou.wallet.models import Hold, LedgerEntry, Posting, WalletAccount
from daigou.wallet.schemas import Balance, LedgerEntryOut

SYS_FUNDING = "sys:funding"
SYS_ADJUSTMENT = "sys:adjustment"
SYS_MARKETPLACE = "sys:marketplace"
WALLET_MESSAGE = "WALLET_BALANCE_CHANGE"


def available_account(developer_id: int) -> str:
    return f"dev:{developer_id}:available"


def held_account(developer_id: int) -> str:
    return f"dev:{developer_id}:held"


@dataclass(frozen=True)
class Moved:
    """The ledger entry of an operation; `applied` is False when it had been applied before."""

    entry: LedgerEntry
    balance: Balance
    applied: bool


@dataclass(frozen=True)
class Refs:
    user_id: str | None = None
    platform: int | None = None
    order_id: str | None = None
    refund_id: str | None = None
    logistics_order_id: str | None = None
    reference: str | None = None
    remark: str | None = None


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


# --- the one posting routine ----------------------------------------------------------------
def _existing(session: Session, developer_id: int, op_key: str) -> LedgerEntry:
    return session.execute(
        select(LedgerEntry).where(
            LedgerEntry.developer_id == developer_id, LedgerEntry.op_key == op_key
        )
    ).scalar_one()


def _post(
    session: Session,
    *,
    developer_id: int,
    currency: str,
    type_: str,
    op_key: str,
    available_delta: int,
    held_delta: int,
    counter_account: str | None,
    refs: Refs,
    now_ms: int,
    insufficient: str = "insufficient balance",
    guard: Callable[[], None] | None = None,
) -> Moved:
    """Apply one balance change at most once per `op_key`. Raises 40201 if it would go negative.

    `guard` runs once the operation key is claimed and before any balance moves; it makes the
    extra conditional update an operation needs (e.g. on its hold) or raises to abort.
    """
    _lock_account(session, developer_id, currency)
    entry_id = ids.ledger_entry_id()
    seq = insert_ignore_returning(
        session,
        LedgerEntry.__table__,
        {
            "entry_id": entry_id,
            "developer_id": developer_id,
            "user_id": refs.user_id,
            "currency": currency,
            "type": type_,
            "amount": available_delta,
            "held_delta": held_delta,
            "available_after": 0,
            "held_after": 0,
            "platform": refs.platform,
            "order_id": refs.order_id,
            "refund_id": refs.refund_id,
            "logistics_order_id": refs.logistics_order_id,
            "reference": refs.reference,
            "remark": refs.remark,
            "op_key": op_key,
            "created_at": now_ms,
        },
        ["developer_id", "op_key"],
        "seq",
    )
    if seq is None:
        return Moved(
            _existing(session, developer_id, op_key),
            balance(session, developer_id, currency),
            False,
        )
    if guard is not None:
        guard()

    after = session.execute(
        update(WalletAccount)
        .where(
            WalletAccount.developer_id == developer_id,
            WalletAccount.currency == currency,
            WalletAccount.available + available_delta >= 0,
            WalletAccount.held + held_delta >= 0,
        )
        .values(
            available=WalletAccount.available + available_delta,
            held=WalletAccount.held + held_delta,
            modified_at=now_ms,
        )
        .returning(WalletAccount.available, WalletAccount.held)
    ).first()
    if after is None:
        current = balance(session, developer_id, currency)
        raise InsufficientBalance(
            insufficient,
            {"availableAmount": current.availableAmount, "requiredAmount": -available_delta},
        )
    session.execute(
        update(LedgerEntry)
        .where(LedgerEntry.seq == seq)
        .values(available_after=after.available, held_after=after.held)
    )
    postings = []
    if available_delta:
        postings.append(
            Posting(entry_seq=seq, account=available_account(developer_id), amount=available_delta)
        )
    if held_delta:
        postings.append(
            Posting(entry_seq=seq, account=held_account(developer_id), amount=held_delta)
        )
    counter = -(available_delta + held_delta)
    if counter:
        if counter_account is None:
            raise AssertionError("an unbalanced move needs a counter account")
        postings.append(Posting(entry_seq=seq, account=counter_account, amount=counter))
    session.add_all(postings)
    entry = session.get(LedgerEntry, seq)
    assert entry is not None
    session.refresh(entry)
    current = Balance(
        currency=currency,
        availableAmount=after.available,
        heldAmount=after.held,
        totalAmount=after.available + after.held,
    )
    messages.record(
        session,
        developer_id=developer_id,
        user_id=refs.user_id,
        platform=messages.PLATFORM_GATEWAY,
        message_type=WALLET_MESSAGE,
        order_key="wallet",
        body={
            "entry": entry_out(entry).model_dump(),
            "balance": current.model_dump(),
            "entryType": type_,
        },
        now_ms=now_ms,
    )
    # sessions do not autoflush: write the postings and the message now, so the rest of the
    # caller's transaction (ledger reads, posting sums, the next move) sees the whole move
    session.flush()
    return Moved(entry, current, True)


# --- use-case building blocks ---------------------------------------------------------------
F = TypeVar("F", bound=Callable[..., Any])


def _atomic(fn: F) -> F:
    """Each move runs in a savepoint: when it refuses (40201, 40901) nothing of it stays in the
    caller's transaction, so a batch can catch the refusal and go on with the next item."""

    @functools.wraps(fn)
    def wrapper(session: Session, *args: Any, **kwargs: Any) -> Any:
        with session.begin_nested():
            return fn(session, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _lock_account(session: Session, developer_id: int, currency: str) -> None:
    """Serialise one developer's moves (PostgreSQL; SQLite's writer lock already does), so the
    ledger's order (`seq`) is the order the moves committed in and cursors never skip one."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            select(WalletAccount.id)
            .where(WalletAccount.developer_id == developer_id, WalletAccount.currency == currency)
            .with_for_update()
        )


def lock_account(session: Session, developer_id: int, currency: str = DEFAULT_CURRENCY) -> None:
    """Take the developer's wallet lock for the rest of the transaction. A use case that moves
    money for several objects takes it first, before locking those objects, so every writer
    locks in the same order (wallet, then objects) and none deadlocks."""
    _lock_account(session, developer_id, currency)


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
    op_key = f"ref:{reference}"
    moved = _post(
        session,
        developer_id=developer_id,
        currency=currency,
        type_=type_,
        op_key=op_key,
        available_delta=amount,
        held_delta=0,
        counter_account=counter,
        refs=refs,
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
    inserted = insert_ignore(
        session,
        Hold.__table__,
        {
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
        },
        ["developer_id", "hold_key"],
    )
    if not inserted:
        existing = get_hold(session, developer_id, key)
        if existing.amount != amount or existing.currency != currency:
            raise Conflict(f"hold {key!r} exists with another amount")
        return Moved(
            _existing(session, developer_id, f"hold:{key}"),
            balance(session, developer_id, currency),
            False,
        )
    return _post(
        session,
        developer_id=developer_id,
        currency=currency,
        type_="hold",
        op_key=f"hold:{key}",
        available_delta=-amount,
        held_delta=amount,
        counter_account=None,
        refs=refs,
        now_ms=now_ms,
    )


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


@_atomic
def capture(
    session: Session,
    *,
    developer_id: int,
    key: str,
    now_ms: int,
    amount: int | None = None,
) -> list[Moved]:
    """Take a hold (all of it, or `amount` of it with the rest released). At most once.

    Returns the entries it made; an empty list when the hold had already been settled.
    """
    h = get_hold(session, developer_id, key)
    take = h.amount if amount is None else amount
    if not 0 < take <= h.amount:
        raise validation_error("amount", "a capture must be > 0 and within the hold")
    rest = h.amount - take
    moved_rows = session.execute(
        update(Hold)
        .where(Hold.id == h.id, Hold.status == "held")
        .values(status="captured", captured=take, released=rest, modified_at=now_ms)
    ).rowcount
    if not moved_rows:
        return []
    session.refresh(h)
    out = [
        _post(
            session,
            developer_id=developer_id,
            currency=h.currency,
            type_="capture",
            op_key=f"capture:{key}",
            available_delta=0,
            held_delta=-take,
            counter_account=SYS_MARKETPLACE,
            refs=hold_refs(h),
            now_ms=now_ms,
        )
    ]
    if rest:
        out.append(
            _post(
                session,
                developer_id=developer_id,
                currency=h.currency,
                type_="release",
                op_key=f"release:{key}",
                available_delta=rest,
                held_delta=-rest,
                counter_account=None,
                refs=hold_refs(h, "rest of a partial capture"),
                now_ms=now_ms,
            )
        )
    return out


@_atomic
def release(session: Session, *, developer_id: int, key: str, now_ms: int) -> Moved | None:
    """Give a hold back. At most once; None when the hold had already been settled."""
    h = get_hold(session, developer_id, key)
    moved_rows = session.execute(
        update(Hold)
        .where(Hold.id == h.id, Hold.status == "held")
        .values(status="released", released=Hold.amount, modified_at=now_ms)
    ).rowcount
    if not moved_rows:
        return None
    return _post(
        session,
        developer_id=developer_id,
        currency=h.currency,
        type_="release",
        op_key=f"release:{key}",
        available_delta=h.amount,
        held_delta=-h.amount,
        counter_account=None,
        refs=hold_refs(h),
        now_ms=now_ms,
    )


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

    def within_captured() -> None:
        moved_rows = session.execute(
            update(Hold)
            .where(Hold.id == h.id, Hold.refunded + amount <= Hold.captured)
            .values(refunded=Hold.refunded + amount, modified_at=now_ms)
        ).rowcount
        if not moved_rows:
            raise Conflict("the refund is more than the captured amount not yet refunded")

    refs = Refs(
        user_id=h.user_id,
        platform=h.platform,
        order_id=h.order_id,
        refund_id=refund_id,
        logistics_order_id=h.logistics_order_id,
        remark=remark,
    )
    moved = _post(
        session,
        developer_id=developer_id,
        currency=h.currency,
        type_="refund",
        op_key=f"refund:{refund_key}",
        available_delta=amount,
        held_delta=0,
        counter_account=SYS_MARKETPLACE,
        refs=refs,
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
