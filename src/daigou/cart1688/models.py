"""The 1688 cart: one line per (developer, sub-account, offer, SKU).

The common columns are every cart's (daigou.carts.models); `spec_id` is the SKU's spec id
(`''` only for an offer without SKUs), never NULL in the unique key.
"""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from daigou.carts.models import CartLine
from daigou.db.base import Base


class Cart1688Line(CartLine, Base):
    __tablename__ = "cart1688_line"
    offer_id: Mapped[str] = mapped_column(String(20))
    spec_id: Mapped[str] = mapped_column(String(64), default="")
    seller_open_id: Mapped[str] = mapped_column(String(64))
    product_no: Mapped[str | None] = mapped_column(String(64))
    container: Mapped[str | None] = mapped_column(String(64))

    # ids are never reused (SQLite: AUTOINCREMENT; migration 0013)
    __table_args__ = (
        UniqueConstraint("developer_id", "user_id", "offer_id", "spec_id"),
        {"sqlite_autoincrement": True},
    )
