"""The Taobao cart: one line per (developer, sub-account, item, SKU).

The common columns are every cart's (daigou.carts.models); ``sku_id`` is ``''`` only for an
item without SKUs, never NULL in the unique key. ``hints`` keeps, as JSON, the display fields a
client sent (4.1: title, picture, prices, properties, shop...): never trusted, shown only when
the marketplace no longer knows the item.
"""

from __future__ import annotations

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from daigou.carts.models import CartLine
from daigou.db.base import Base


class CartTaobaoLine(CartLine, Base):
    __tablename__ = "carttaobao_line"
    item_id: Mapped[str] = mapped_column(String(20))
    sku_id: Mapped[str] = mapped_column(String(20), default="")
    hints: Mapped[str | None] = mapped_column(Text)  # JSON object of the hints given, or NULL

    # ids are never reused (SQLite: AUTOINCREMENT, as migration 0013 made cart1688_line)
    __table_args__ = (
        UniqueConstraint("developer_id", "user_id", "item_id", "sku_id"),
        {"sqlite_autoincrement": True},
    )
