"""The 1688 cart: one line per (developer, sub-account, offer, SKU).

The key columns never hold NULL (SQLite and PostgreSQL both treat NULLs as distinct in a unique
constraint): the main account's cart is `user_id = ''`, and `spec_id` is the SKU's spec id
(`''` only for an offer without SKUs).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base, BigIntPK


class Cart1688Line(Base):
    __tablename__ = "cart1688_line"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    user_id: Mapped[str] = mapped_column(String(64), default="")  # '' = the main account
    offer_id: Mapped[str] = mapped_column(String(20))
    spec_id: Mapped[str] = mapped_column(String(64), default="")
    seller_open_id: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    product_no: Mapped[str | None] = mapped_column(String(64))
    container: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)

    # ids are never reused (SQLite: AUTOINCREMENT; migration 0013)
    __table_args__ = (
        UniqueConstraint("developer_id", "user_id", "offer_id", "spec_id"),
        {"sqlite_autoincrement": True},
    )
