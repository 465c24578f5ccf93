"""The gateway's own record of the orders it placed, on any marketplace.

``purchase_order`` keeps, in typed columns, what the gateway lists, filters and moves money by:
who bought (developer, sub-account), the marketplace's id and status, a neutral lifecycle state,
the amounts in fen, the payment (``pay_state``, held, paid, refunded), an operation whose outcome
is unknown (``pending_operation``, CONTRACT section 8) and the last message ``sequence``. Beside
them, ``snapshot`` is the marketplace's last view of the order (the port's ``MarketOrder``, as
JSON): lines, parcels, address. Nothing edits the snapshot in place; the gateway's own moves
(a payment it made) change the columns, and the wire views (Order1688, TaobaoOrder) are rendered
from the columns over the snapshot.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base

# pay_state
NONE, HELD, PAID = "none", "held", "paid"


class PurchaseOrder(Base):
    __tablename__ = "purchase_order"
    platform: Mapped[str] = mapped_column(String(8), primary_key=True)  # "1688", "taobao"
    order_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    user_id: Mapped[str | None] = mapped_column(String(64))
    out_order_id: Mapped[str | None] = mapped_column(String(64))  # the caller's business key
    # what the order is part of, when the platform groups them (a Taobao purchase order: one
    # marketplace order per shop); None for 1688
    group_id: Mapped[str | None] = mapped_column(String(32))
    seller_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # neutral: unpaid, paid, shipped, ...
    status: Mapped[str] = mapped_column(String(32))  # the platform's own
    refund_status: Mapped[str | None] = mapped_column(String(32))
    total_fen: Mapped[int] = mapped_column(BigInteger)
    product_fen: Mapped[int] = mapped_column(BigInteger)
    shipping_fen: Mapped[int] = mapped_column(BigInteger)
    discount_fen: Mapped[int] = mapped_column(BigInteger)
    pay_state: Mapped[str] = mapped_column(String(16))  # none, held, paid
    held_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    pending_operation: Mapped[str | None] = mapped_column(String(16))
    pay_attempts: Mapped[int] = mapped_column(Integer, default=0)
    staff_name: Mapped[str | None] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_at: Mapped[int | None] = mapped_column(BigInteger)  # the pay time the views show
    market_modified_at: Mapped[int] = mapped_column(BigInteger)  # the view's modify time
    snapshot: Mapped[str] = mapped_column(Text)  # the marketplace's MarketOrder, JSON
    created_at: Mapped[int] = mapped_column(BigInteger)
    modified_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index(
            "ix_purchase_order_dev_created", "platform", "developer_id", "created_at", "order_id"
        ),
        Index("ix_purchase_order_dev_out", "developer_id", "platform", "out_order_id"),
        Index("ix_purchase_order_group", "platform", "group_id"),
        # a sub-account's page: its own orders, newest first, at any depth
        Index(
            "ix_purchase_order_dev_user_created",
            "platform",
            "developer_id",
            "user_id",
            "created_at",
            "order_id",
        ),
    )


class PurchaseOrderLine(Base):
    """Which order holds a marketplace line (1688 ``subItemID``, Taobao ``subOrderId``): an
    index of the lines in the orders' snapshots, so a call naming only a line (a Taobao reverse
    order) finds its order by key, not by reading every snapshot."""

    __tablename__ = "purchase_order_line"
    platform: Mapped[str] = mapped_column(String(8), primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(32))
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))


class PurchaseOrderWaybill(Base):
    """Which orders a domestic waybill (a parcel's ``bill_no``) carries goods of: an index of
    the parcels in the orders' snapshots, so the warehouse matches a parcel it scans to the
    orders that ship into a logistics order by key (ENDPOINTS 12.9)."""

    __tablename__ = "purchase_order_waybill"
    bill_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform: Mapped[str] = mapped_column(String(8), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))


class PurchaseRequest(Base):
    """A create's business key (1688 ``outOrderId``, Taobao ``sellerOrderNumber``): one per
    developer, platform and key (CONTRACT section 3). ``state`` is ``pending`` while the
    marketplace is asked (or when its answer was lost: the reconciler settles it by
    ``market_key``), ``done`` with the orders it made (``result``: JSON orderIds and failures)."""

    __tablename__ = "purchase_request"
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(8), primary_key=True)
    out_order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(String(64))
    market_key: Mapped[str] = mapped_column(String(128), unique=True)
    group_id: Mapped[str | None] = mapped_column(String(32))  # the orders' group, if any
    state: Mapped[str] = mapped_column(String(16))
    result: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger)
    modified_at: Mapped[int] = mapped_column(BigInteger)


class PayBatch(Base):
    """A bulk pay: ``pending`` counts its orders whose outcome is not known yet; its batch
    message is recorded when it reaches 0 (at once, or when the reconciler settles the last)."""

    __tablename__ = "pay_batch"
    batch_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    platform: Mapped[str] = mapped_column(String(8))
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    user_id: Mapped[str | None] = mapped_column(String(64))
    pending: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[int] = mapped_column(BigInteger)
    finished_at: Mapped[int | None] = mapped_column(BigInteger)


class PayBatchItem(Base):
    """One order of a bulk pay, in input order, and its status: ``PENDING`` until settled, then
    ``successed`` or the reason code."""

    __tablename__ = "pay_batch_item"
    batch_id: Mapped[str] = mapped_column(ForeignKey("pay_batch.batch_id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(64))

    # the batches waiting on an order's payment (settling it finds them)
    __table_args__ = (Index("ix_pay_batch_item_order", "order_id", "status"),)
