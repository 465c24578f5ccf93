"""The outbox: every message is a row written in the same transaction as the change it reports."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base, BigIntPK


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    seq: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(32), unique=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    user_id: Mapped[str | None] = mapped_column(String(64))
    platform: Mapped[int] = mapped_column(Integer)
    message_type: Mapped[str] = mapped_column(String(64))
    order_key: Mapped[str] = mapped_column(String(80))  # e.g. 1688:<orderId>, wallet
    sequence: Mapped[int] = mapped_column(BigInteger)
    body: Mapped[str] = mapped_column(Text)  # the JSON messageBody
    created_at: Mapped[int] = mapped_column(BigInteger)
    delivery_status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[int | None] = mapped_column(BigInteger)
    last_attempt_at: Mapped[int | None] = mapped_column(BigInteger)
    delivered_at: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("developer_id", "order_key", "sequence"),
        Index("ix_outbox_message_status_next", "delivery_status", "next_attempt_at"),
        Index("ix_outbox_message_dev_seq", "developer_id", "seq"),
    )


class MessageSequence(Base):
    """The last `sequence` given to messages of one key of one developer."""

    __tablename__ = "message_sequence"
    developer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    last: Mapped[int] = mapped_column(BigInteger)
