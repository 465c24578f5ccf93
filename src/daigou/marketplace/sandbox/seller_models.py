"""Tables of the sandbox seller: product overrides, orders, refunds, timers, pushed messages,
injected faults, counters (ids and the clock offset) and the write log that deduplicates
creates by ``out_order_id`` and pays/cancels by ``op_request_id``.

Orders and refunds keep their whole current state as JSON in ``body`` (the port's
``MarketOrder``/``MarketRefund``); the columns beside it are what the seller looks rows up by.
A real marketplace is a black box to the gateway; so is this one.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base, BigIntPK


class SandboxOverride(Base):
    """An operator's change to a generated offer (12.19). ``sku_id`` '' = the whole offer."""

    __tablename__ = "sandbox_override"
    platform: Mapped[str] = mapped_column(String(8), primary_key=True)
    offer_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    sku_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    price_fen: Mapped[int | None] = mapped_column(BigInteger)
    stock: Mapped[int | None] = mapped_column(Integer)
    min_order_quantity: Mapped[int | None] = mapped_column(Integer)
    on_sale: Mapped[bool | None] = mapped_column(Boolean)
    modified_ms: Mapped[int] = mapped_column(BigInteger)


class SandboxCounter(Base):
    """Named counters: order/refund/parcel ids, and ``clock_offset_ms`` (the sandbox clock)."""

    __tablename__ = "sandbox_counter"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class SandboxOrder(Base):
    __tablename__ = "sandbox_order"
    order_id: Mapped[str] = mapped_column(String(19), primary_key=True)
    platform: Mapped[str] = mapped_column(String(8))
    out_order_id: Mapped[str | None] = mapped_column(String(128))
    buyer_ref: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    modified_ms: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_sandbox_order_platform_out", "platform", "out_order_id"),)


class SandboxRefund(Base):
    __tablename__ = "sandbox_refund"
    refund_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    platform: Mapped[str] = mapped_column(String(8))
    order_id: Mapped[str] = mapped_column(String(19), index=True)
    status: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    modified_ms: Mapped[int] = mapped_column(BigInteger)


class SandboxWrite(Base):
    """A write already done, by its deduplication key: a create's ``out_order_id``, a pay's or
    cancel's ``op_request_id``. A repeat answers ``result`` and does nothing."""

    __tablename__ = "sandbox_write"
    op_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    operation: Mapped[str] = mapped_column(String(32))
    result: Mapped[str] = mapped_column(Text)
    created_ms: Mapped[int] = mapped_column(BigInteger)


class SandboxTimer(Base):
    """Something the seller (or the marketplace) does at ``due_ms`` on the sandbox clock. A
    timer is a check: when it fires, its handler looks at the object's state and does nothing
    if the state has moved on (the order was paid before its pay timeout, say)."""

    __tablename__ = "sandbox_timer"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    due_ms: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (Index("ix_sandbox_timer_due", "due_ms", "id"),)


class SandboxMessage(Base):
    """A message the marketplace pushes (1688 topics; Taobao equivalents), in push order."""

    __tablename__ = "sandbox_message"
    seq: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    platform: Mapped[str] = mapped_column(String(8))
    topic: Mapped[str] = mapped_column(String(64))
    occurred_ms: Mapped[int] = mapped_column(BigInteger)
    order_id: Mapped[str | None] = mapped_column(String(19))
    refund_id: Mapped[str | None] = mapped_column(String(24))
    status: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text)


class SandboxFault(Base):
    """An injected fault (12.21): calls of ``operation`` fail in ``mode``, ``remaining`` more
    times (null: until cleared), each with ``probability`` percent."""

    __tablename__ = "sandbox_fault"
    fault_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    operation: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(24))
    upstream_code: Mapped[str | None] = mapped_column(String(64))
    upstream_message: Mapped[str | None] = mapped_column(String(256))
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    remaining: Mapped[int | None] = mapped_column(Integer)
    probability: Mapped[int] = mapped_column(Integer, default=100)
    develop_id: Mapped[str | None] = mapped_column(String(32))
    hits: Mapped[int] = mapped_column(Integer, default=0)
    created_ms: Mapped[int] = mapped_column(BigInteger)
