"""A Taobao purchase order: what the developer ordered in one call, as the gateway keeps it.

Its lines may come from several shops; the marketplace makes one order per shop, and each of
those is a record of the purchasing core (``purchase_order``, platform ``taobao``, ``group_id``
= this purchase order's id): the core pays, cancels, confirms and mirrors them one by one. This
row keeps what belongs to the purchase order as a whole: who ordered it and under which key
(``sellerOrderNumber``), the lines as asked and the shop each went to (``shops``), the consignee,
the voucher stage of a bank-transfer payment, and the status the developer was last told
(``status``, PandaPon's numeric code), which is derived from the shop orders and the voucher
stage (``orderstaobao.state``) and reported once per change.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base


class TaobaoOrder(Base):
    __tablename__ = "taobao_order"
    order_id: Mapped[str] = mapped_column(String(32), primary_key=True)  # purchaseOrderId
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    user_id: Mapped[str | None] = mapped_column(String(64))
    seller_order_number: Mapped[str | None] = mapped_column(String(64))
    order_source: Mapped[str | None] = mapped_column(String(32))
    remark: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(4))  # PandaPon's code, as last reported
    voucher_stage: Mapped[str | None] = mapped_column(String(4))  # 1, 2, 3 or 5 while unpaid
    pay_method: Mapped[str | None] = mapped_column(String(16))  # balance, voucher
    purchase_amount: Mapped[int] = mapped_column(BigInteger)  # as created (the shops' totals)
    receiver: Mapped[str] = mapped_column(Text)  # S4, JSON
    warehouse_code: Mapped[str | None] = mapped_column(String(32))
    lines: Mapped[str] = mapped_column(Text)  # the lines as asked, JSON
    # one entry per shop: {n, seller, lines: [orderLineNo], state: pending|placed|failed,
    # errors: [...]}, JSON
    shops: Mapped[str] = mapped_column(Text)
    close_reason: Mapped[str | None] = mapped_column(String(200))
    pay_time: Mapped[int | None] = mapped_column(BigInteger)
    ship_time: Mapped[int | None] = mapped_column(BigInteger)
    finish_time: Mapped[int | None] = mapped_column(BigInteger)
    close_time: Mapped[int | None] = mapped_column(BigInteger)
    sequence: Mapped[int] = mapped_column(BigInteger, default=0)  # of its last message
    created_at: Mapped[int] = mapped_column(BigInteger)
    modified_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("developer_id", "seller_order_number"),
        Index("ix_taobao_order_dev_created", "developer_id", "created_at", "order_id"),
        Index("ix_taobao_order_dev_user_created", "developer_id", "user_id", "created_at"),
        Index("ix_taobao_order_status_ship", "status", "ship_time"),
    )


class TaobaoVoucher(Base):
    """A bank-transfer voucher of a purchase order (2.6), and the operator's review (12.8):
    ``pending`` until approved or rejected, once."""

    __tablename__ = "taobao_voucher"
    voucher_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("taobao_order.order_id"))
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    user_id: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    images: Mapped[str] = mapped_column(Text)  # JSON list of https URLs
    remark: Mapped[str | None] = mapped_column(String(200))
    review_status: Mapped[str] = mapped_column(String(16))  # pending, approved, rejected
    reviewer: Mapped[str | None] = mapped_column(String(64))
    review_time: Mapped[int | None] = mapped_column(BigInteger)
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    received_amount: Mapped[int | None] = mapped_column(BigInteger)
    ledger_entry_id: Mapped[str | None] = mapped_column(String(40))  # the transfer's credit
    created_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_taobao_voucher_status_created", "review_status", "created_at", "voucher_id"),
        Index("ix_taobao_voucher_order", "order_id", "created_at"),
    )
