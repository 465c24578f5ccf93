"""Marketplace writes whose outcome the gateway does not know yet (CONTRACT section 8).

Every write that moves money or makes an object (a pay, a create, a cancel) is written here
*before* the marketplace is asked, in the same transaction as the hold or claim it goes with,
with a lease (``lease_until``) covering the call. When the answer comes the row is settled
(``succeeded`` / ``failed``) in the transaction that captures or releases. When the answer is
lost (a timeout) the row turns ``unknown``; when the process dies mid-call its lease expires.
Either way the reconciler (worker job, or 12.14 by hand) picks it up and settles it by asking
the marketplace with the same key (``market_key``: the opRequestId or outOrderId the
marketplace deduplicates by).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base

# states
INFLIGHT = "inflight"  # the marketplace is being asked (lease covers the call)
UNKNOWN = "unknown"  # the answer was lost: the reconciler settles it
SUCCEEDED = "succeeded"
FAILED = "failed"
OPEN_STATES = (INFLIGHT, UNKNOWN)


class MarketOperation(Base):
    __tablename__ = "market_operation"
    operation_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    user_id: Mapped[str | None] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(16))  # order1688, orderTaobao, payment, refund
    object_id: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(16))  # create, pay, cancel
    market_key: Mapped[str] = mapped_column(String(128))  # opRequestId / outOrderId sent
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)  # a pay's amount (its hold)
    hold_key: Mapped[str | None] = mapped_column(String(128))
    batch_id: Mapped[str | None] = mapped_column(String(40))  # a bulk pay it belongs to
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[int] = mapped_column(BigInteger)
    next_check_at: Mapped[int] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    settled_at: Mapped[int | None] = mapped_column(BigInteger)
    lease_owner: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_market_operation_open", "state", "next_check_at"),
        Index("ix_market_operation_object", "object_type", "object_id"),
        Index("ix_market_operation_dev", "developer_id", "started_at"),
    )
