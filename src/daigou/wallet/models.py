"""The wallet: balances kept by conditional update, an append-only double-entry ledger, holds.

Postings of one ledger entry always sum to zero. Accounts are strings:
`dev:<id>:available`, `dev:<id>:held`, and the gateway's own `sys:funding` (money that came in
by top-up), `sys:adjustment` (operator corrections), `sys:marketplace` (money paid out to the
marketplaces, less refunds), `sys:freight` (international freight paid for the warehouse's
shipments). CHECK constraints keep balances from ever going negative even if a
code path forgot its condition.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base, BigIntPK


class WalletAccount(Base):
    __tablename__ = "wallet_account"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    currency: Mapped[str] = mapped_column(String(3))
    available: Mapped[int] = mapped_column(BigInteger, default=0)
    held: Mapped[int] = mapped_column(BigInteger, default=0)
    modified_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("developer_id", "currency"),
        CheckConstraint("available >= 0", name="available_not_negative"),
        CheckConstraint("held >= 0", name="held_not_negative"),
    )


class LedgerEntry(Base):
    """One balance change as the developer sees it (ENDPOINTS S6 LedgerEntry)."""

    __tablename__ = "ledger_entry"
    seq: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(String(32), unique=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    user_id: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    type: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)  # change of available
    held_delta: Mapped[int] = mapped_column(BigInteger)
    available_after: Mapped[int] = mapped_column(BigInteger)
    held_after: Mapped[int] = mapped_column(BigInteger)
    platform: Mapped[int | None] = mapped_column(Integer)
    order_id: Mapped[str | None] = mapped_column(String(32))
    refund_id: Mapped[str | None] = mapped_column(String(32))
    logistics_order_id: Mapped[str | None] = mapped_column(String(32))
    reference: Mapped[str | None] = mapped_column(String(128))
    remark: Mapped[str | None] = mapped_column(String(500))
    op_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("developer_id", "op_key"),
        Index("ix_ledger_entry_dev_seq", "developer_id", "seq"),
        Index("ix_ledger_entry_order", "developer_id", "order_id"),
    )


class Posting(Base):
    __tablename__ = "ledger_posting"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    entry_seq: Mapped[int] = mapped_column(ForeignKey("ledger_entry.seq"), index=True)
    account: Mapped[str] = mapped_column(String(64), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)


class Hold(Base):
    """Money reserved for one purpose (an order payment, a freight booking).

    `amount = captured + released + still held`; `refunded <= captured`. Each move is a
    conditional update on this row, so it happens at most once whatever runs concurrently.
    """

    __tablename__ = "wallet_hold"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    hold_key: Mapped[str] = mapped_column(String(160))
    user_id: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    captured: Mapped[int] = mapped_column(BigInteger, default=0)
    released: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16))  # held | captured | released
    platform: Mapped[int | None] = mapped_column(Integer)
    order_id: Mapped[str | None] = mapped_column(String(32))
    logistics_order_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[int] = mapped_column(BigInteger)
    modified_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("developer_id", "hold_key"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("captured >= 0 AND released >= 0", name="moves_not_negative"),
        CheckConstraint("captured + released <= amount", name="moves_within_amount"),
        CheckConstraint("refunded >= 0 AND refunded <= captured", name="refund_within_captured"),
    )
