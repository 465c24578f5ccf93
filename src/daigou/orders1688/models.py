"""The gateway's own record of 1688 orders (Order1688 with ``gatewayInfo``), mirrored from the
marketplace, and the business keys (``outOrderId``) of creates.

``order1688.body`` is the Order1688 view of the marketplace's order as last mirrored (JSON);
the columns beside it are what lists filter and sort by, and the gateway's own state: the
money (``held_fen``, ``paid_fen``, ``refunded_fen``, ``pay_state``), an operation whose outcome
is unknown (``pending_operation``, CONTRACT section 8), and the last message ``sequence``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base


class Order1688(Base):
    __tablename__ = "order1688"
    order_id: Mapped[str] = mapped_column(String(19), primary_key=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    user_id: Mapped[str | None] = mapped_column(String(64))
    out_order_id: Mapped[str | None] = mapped_column(String(64))
    seller_open_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    refund_status: Mapped[str | None] = mapped_column(String(32))
    total_fen: Mapped[int] = mapped_column(BigInteger)
    pay_state: Mapped[str] = mapped_column(String(16))  # none, held, paid, released
    held_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    pending_operation: Mapped[str | None] = mapped_column(String(16))
    pay_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    staff_name: Mapped[str | None] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger)
    modified_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_order1688_dev_created", "developer_id", "created_at", "order_id"),
        Index("ix_order1688_dev_out", "developer_id", "out_order_id"),
        # a sub-account's page (6.6 with user-id): its own orders, newest first, at any depth
        Index("ix_order1688_dev_user_created", "developer_id", "user_id", "created_at", "order_id"),
    )


class OrderRequest1688(Base):
    """A create's business key: one per developer and ``outOrderId`` (CONTRACT section 3).

    ``state`` is ``pending`` while the marketplace is asked (or when its answer was lost: the
    reconciler settles it by ``market_key``), ``done`` with the orders it made."""

    __tablename__ = "order1688_request"
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"), primary_key=True)
    out_order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(String(64))
    market_key: Mapped[str] = mapped_column(String(128), unique=True)
    state: Mapped[str] = mapped_column(String(16))
    result: Mapped[str | None] = mapped_column(Text)  # JSON: orderIds, failedOfferList
    created_at: Mapped[int] = mapped_column(BigInteger)
    modified_at: Mapped[int] = mapped_column(BigInteger)


class PayBatch1688(Base):
    """A bulk pay (6.9): its orders in input order and what became of each. ``pending`` counts
    the orders whose payment outcome is still unknown; ORDER_BATCH_PAY is recorded when it
    reaches 0 (at once, or when the reconciler settles the last one)."""

    __tablename__ = "pay_batch1688"
    batch_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    user_id: Mapped[str | None] = mapped_column(String(64))
    items: Mapped[str] = mapped_column(Text)  # JSON [{orderId, status}]
    pending: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[int] = mapped_column(BigInteger)
    finished_at: Mapped[int | None] = mapped_column(BigInteger)
