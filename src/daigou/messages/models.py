"""The outbox: every message is a row written in the same transaction as the change it reports."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
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
    # what the message is about, for the pull API's filters (the order, refund or logistics
    # order id; null for wallet messages)
    object_id: Mapped[str | None] = mapped_column(String(40))
    # a worker delivering it holds a lease; an expired lease (a crashed worker) frees the row
    lease_owner: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[int | None] = mapped_column(BigInteger)
    first_attempt_at: Mapped[int | None] = mapped_column(BigInteger)  # its 3 days start here
    failed_at: Mapped[int | None] = mapped_column(BigInteger)
    confirmed_at: Mapped[int | None] = mapped_column(BigInteger)
    # the next attempt was asked for by the developer (0.7): its log entry says `manual`
    manual: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        UniqueConstraint("developer_id", "order_key", "sequence"),
        Index("ix_outbox_message_status_next", "delivery_status", "next_attempt_at"),
        Index("ix_outbox_message_dev_seq", "developer_id", "seq"),
        Index("ix_outbox_message_dev_object", "developer_id", "object_id"),
        {"sqlite_autoincrement": True},  # seq is never reused (migration 0013)
    )


class MessageSequence(Base):
    """The last `sequence` given to messages of one key of one developer."""

    __tablename__ = "message_sequence"
    developer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    last: Mapped[int] = mapped_column(BigInteger)


class CallbackConfig(Base):
    """A developer's callback URL and its signing secrets (Fernet-encrypted, like API secrets).

    During a rotation's grace period both secrets sign (``webhook-signature`` carries both)."""

    __tablename__ = "callback_config"
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"), primary_key=True)
    url: Mapped[str] = mapped_column(String(512))
    enabled: Mapped[bool] = mapped_column(Boolean)
    message_types: Mapped[str] = mapped_column(Text)  # JSON list; [] = every type
    secret_enc: Mapped[str] = mapped_column(Text)
    secret_created_at: Mapped[int] = mapped_column(BigInteger)
    previous_secret_enc: Mapped[str | None] = mapped_column(Text)
    previous_expires_at: Mapped[int | None] = mapped_column(BigInteger)
    last_verified_at: Mapped[int | None] = mapped_column(BigInteger)
    disabled_reason: Mapped[str | None] = mapped_column(String(256))
    disabled_at: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class DeliveryAttempt(Base):
    """One POST of one message to a callback URL, whatever came of it (ENDPOINTS 0.6)."""

    __tablename__ = "delivery_attempt"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    message_seq: Mapped[int] = mapped_column(BigInteger)  # outbox_message.seq
    developer_id: Mapped[int] = mapped_column(BigInteger)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[int] = mapped_column(BigInteger)
    url: Mapped[str] = mapped_column(String(512))
    http_status: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(16))  # refused, timeout, connect, tls, non_2xx
    response_snippet: Mapped[str | None] = mapped_column(String(256))
    manual: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_delivery_attempt_message", "message_seq", "attempt"),
        Index("ix_delivery_attempt_dev_at", "developer_id", "at"),
        {"sqlite_autoincrement": True},  # ids are never reused (migration 0013)
    )
