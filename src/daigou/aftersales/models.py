"""The gateway's record of the refunds (1688) and reverse orders (Taobao) of its orders.

``refund_record`` keeps, in typed columns, what the gateway lists, filters and moves money by:
who (developer, sub-account), the order it belongs to (the purchasing core's record; for Taobao
also the purchase order, ``group_id``), the marketplace's status and a neutral ``state``, the
amounts asked and refunded in fen, what the wallet was credited (``credited_fen``, once, when
the refund succeeds), a write whose outcome is unknown (``pending_operation``) and the last
message ``sequence``. ``snapshot`` is the marketplace's last view (the port's ``MarketRefund``).

``refund_event`` is the refund's history as the gateway saw it (1688 7.5 ``operations``):
the buyer's writes, and each move the marketplace reported. ``refund_write`` keeps what each
write asked for, so the reconciler can tell, by reading the refund, whether a write whose answer
was lost took effect. ``refund_image`` holds the evidence pictures callers upload (7.2).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base, BigIntPK


class RefundRecord(Base):
    __tablename__ = "refund_record"
    platform: Mapped[str] = mapped_column(String(8), primary_key=True)
    refund_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(32))  # the purchasing core's order
    group_id: Mapped[str | None] = mapped_column(String(32))  # Taobao: the purchase order
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    user_id: Mapped[str | None] = mapped_column(String(64))
    entry_ids: Mapped[str] = mapped_column(Text)  # JSON list of the order's lines
    state: Mapped[str] = mapped_column(String(16))  # neutral: requested, refused, ...
    status: Mapped[str] = mapped_column(String(32))  # the platform's own
    dispute_request: Mapped[str] = mapped_column(String(16))  # refund | returnRefund
    apply_payment_fen: Mapped[int] = mapped_column(BigInteger)
    apply_carriage_fen: Mapped[int] = mapped_column(BigInteger)
    refund_payment_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refund_carriage_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    credited_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    credited_at: Mapped[int | None] = mapped_column(BigInteger)
    pending_operation: Mapped[str | None] = mapped_column(String(16))
    sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    market_modified_at: Mapped[int] = mapped_column(BigInteger)
    snapshot: Mapped[str] = mapped_column(Text)  # the marketplace's MarketRefund, JSON
    created_at: Mapped[int] = mapped_column(BigInteger)  # when the refund was applied for
    modified_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index(
            "ix_refund_record_dev_created", "platform", "developer_id", "created_at", "refund_id"
        ),
        Index(
            "ix_refund_record_dev_user_created",
            "platform",
            "developer_id",
            "user_id",
            "created_at",
            "refund_id",
        ),
        Index("ix_refund_record_order", "platform", "order_id"),
        Index("ix_refund_record_group", "platform", "group_id"),
    )


class RefundEvent(Base):
    __tablename__ = "refund_event"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(8))
    refund_id: Mapped[str] = mapped_column(String(40))
    operate_type: Mapped[str] = mapped_column(String(24))  # apply, modify, agree, refuse, ...
    operator: Mapped[str] = mapped_column(String(8))  # buyer, seller, system
    status_before: Mapped[str | None] = mapped_column(String(32))
    status_after: Mapped[str] = mapped_column(String(32))
    remark: Mapped[str | None] = mapped_column(Text)
    vouchers: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of URLs
    created_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_refund_event_refund", "platform", "refund_id", "id"),
        {"sqlite_autoincrement": True},
    )


class RefundWrite(Base):
    """One buyer write (create, modify, cancel, returnGoods, note) and what it asked for; its
    ``operation_id`` is the reconciler's operation and the ``opRequestId`` sent."""

    __tablename__ = "refund_write"
    operation_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    platform: Mapped[str] = mapped_column(String(8))
    order_id: Mapped[str] = mapped_column(String(32))
    refund_id: Mapped[str | None] = mapped_column(String(40))  # None for a create until known
    kind: Mapped[str] = mapped_column(String(16))
    params: Mapped[str] = mapped_column(Text)  # JSON
    created_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_refund_write_order", "platform", "order_id", "kind"),)


class RefundImage(Base):
    """A picture a developer uploaded as refund evidence, served back at its own URL."""

    __tablename__ = "refund_image"
    image_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    content_type: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_refund_image_dev_sha", "developer_id", "sha256"),)
