"""The warehouse's tables.

- ``warehouse``: the consolidation warehouses (11.8), configured or created by the operator.
- ``freight_render``: a shipment preview (11.2), valid 30 minutes, used by at most one booking.
- ``logistics_order``: an international logistics order (11.3; ENDPOINTS S6 LogisticsOrder),
  with the freight hold's key and the message ``sequence``.
- ``logistics_source``: the gateway's own orders (1688, Taobao) that ship into a logistics
  order; ``active_key`` is ``<platform>:<orderId>`` while the booking is live (NULL once it is
  cancelled), so one order's goods are booked at most once.
- ``parcel``: a domestic parcel at the warehouse (S6 Parcel): ``expected`` when declared (11.4),
  ``received`` when scanned (12.9; with no logistics order it is held unclaimed), then
  ``packed`` and ``shipped`` with its order. One row per (warehouse, tracking number).
- ``logistics_event``: the order's international trace (12.11, 12.12) and its own steps.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base, BigIntPK

# logistics order statuses (ENDPOINTS S7 "Logistics")
AWAITING_INBOUND = "awaiting_inbound"
INBOUND = "inbound"
PACKED = "packed"
AWAITING_PAYMENT = "awaiting_payment"
SHIPPED = "shipped"
DELIVERED = "delivered"
CANCELLED = "cancelled"
STATUSES = (AWAITING_INBOUND, INBOUND, PACKED, AWAITING_PAYMENT, SHIPPED, DELIVERED, CANCELLED)

# parcel statuses
EXPECTED, RECEIVED, PARCEL_PACKED, PARCEL_SHIPPED = "expected", "received", "packed", "shipped"


class Warehouse(Base):
    __tablename__ = "warehouse"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    receiver: Mapped[str] = mapped_column(Text)  # JSON: the consignee (S3 names), no mark
    service_countries: Mapped[str] = mapped_column(Text)  # JSON list of ISO 3166-1 alpha-2
    origin: Mapped[str] = mapped_column(String(16))  # "config" or "operator"
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    modified_at: Mapped[int] = mapped_column(BigInteger)


class FreightRender(Base):
    __tablename__ = "freight_render"
    render_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    user_id: Mapped[str | None] = mapped_column(String(64))
    service_id: Mapped[str] = mapped_column(String(32))
    receiver: Mapped[str] = mapped_column(Text)  # JSON S5
    items: Mapped[str] = mapped_column(Text)  # JSON: the render items with their weights
    total_freight: Mapped[int] = mapped_column(BigInteger)
    chargeable_weight: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    expire_at: Mapped[int] = mapped_column(BigInteger)
    used_by: Mapped[str | None] = mapped_column(String(32))  # the logistics order that booked it
    created_at: Mapped[int] = mapped_column(BigInteger)


class LogisticsOrder(Base):
    __tablename__ = "logistics_order"
    logistics_order_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    user_id: Mapped[str | None] = mapped_column(String(64))
    render_id: Mapped[str] = mapped_column(String(32), unique=True)
    warehouse_code: Mapped[str] = mapped_column(String(32))
    mark_code: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    exception: Mapped[bool] = mapped_column(Boolean, default=False)
    receiver: Mapped[str] = mapped_column(Text)  # JSON S5
    freight_info: Mapped[str] = mapped_column(Text)  # JSON {serviceId, companyName, ...}
    line_items: Mapped[str] = mapped_column(Text)  # JSON list
    tmall_order_id: Mapped[str | None] = mapped_column(String(64))
    remark: Mapped[str | None] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(String(3))
    quoted_freight: Mapped[int] = mapped_column(BigInteger)
    held_freight: Mapped[int] = mapped_column(BigInteger)  # held now (0 once settled)
    final_freight: Mapped[int | None] = mapped_column(BigInteger)  # set by packing
    charged_freight: Mapped[int] = mapped_column(BigInteger, default=0)  # taken from the wallet
    chargeable_weight: Mapped[int] = mapped_column(BigInteger)  # g; the quote's, then the pack's
    package: Mapped[str | None] = mapped_column(Text)  # JSON {weight, length, width, height}
    carrier_name: Mapped[str | None] = mapped_column(String(64))
    international_tracking_no: Mapped[str | None] = mapped_column(String(64))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    hold_key: Mapped[str] = mapped_column(String(64))  # the wallet hold of the freight
    sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[int] = mapped_column(BigInteger)
    modified_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_logistics_order_dev_created", "developer_id", "created_at", "logistics_order_id"),
        Index(
            "ix_logistics_order_dev_user_created",
            "developer_id",
            "user_id",
            "created_at",
            "logistics_order_id",
        ),
        Index("ix_logistics_order_status", "status", "developer_id"),
    )


class LogisticsSource(Base):
    __tablename__ = "logistics_source"
    logistics_order_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    platform: Mapped[str] = mapped_column(String(8), primary_key=True)  # "1688", "taobao"
    order_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    active_key: Mapped[str | None] = mapped_column(String(48), unique=True)

    __table_args__ = (Index("ix_logistics_source_order", "platform", "order_id"),)


class Parcel(Base):
    __tablename__ = "parcel"
    parcel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    warehouse_code: Mapped[str] = mapped_column(String(32))
    tracking_no: Mapped[str] = mapped_column(String(64))
    logistic_company_name: Mapped[str | None] = mapped_column(String(64))
    developer_id: Mapped[int | None] = mapped_column(ForeignKey("developer.id"))
    user_id: Mapped[str | None] = mapped_column(String(64))
    logistics_order_id: Mapped[str | None] = mapped_column(String(32))  # None: unclaimed
    status: Mapped[str] = mapped_column(String(16))
    line_item: Mapped[str | None] = mapped_column(Text)  # JSON, as declared (11.4)
    matched_by: Mapped[str | None] = mapped_column(String(16))  # declared, source, mark
    weight: Mapped[int | None] = mapped_column(BigInteger)  # g
    length: Mapped[int | None] = mapped_column(Integer)  # mm
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    photos: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of URLs
    rts_time: Mapped[int | None] = mapped_column(BigInteger)  # declared ready-to-ship, ms
    received_at: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[int] = mapped_column(BigInteger)
    modified_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ux_parcel_warehouse_tracking", "warehouse_code", "tracking_no", unique=True),
        Index("ix_parcel_order", "logistics_order_id"),
        Index("ix_parcel_unclaimed", "warehouse_code", "status", "logistics_order_id"),
    )


class LogisticsEvent(Base):
    __tablename__ = "logistics_event"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    logistics_order_id: Mapped[str] = mapped_column(String(32))
    time: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(32))
    remark: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_logistics_event_order", "logistics_order_id", "time", "id"),)
