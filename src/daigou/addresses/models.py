"""Saved consignee addresses (ENDPOINTS 10.1-10.3): an address book per account.

Each account of a developer keeps its own book: the main account's is ``user_id = ''`` (never
NULL, as the carts: a unique index treats NULLs as distinct), a sub-account's its ``userId``.
At most one address of a book is the default; a partial unique index keeps it so on both
databases. Ids reach the wire and rows are deleted, so on SQLite the table is AUTOINCREMENT: a
deleted address's id never names another account's new one.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base, BigIntPK


class ConsigneeAddress(Base):
    __tablename__ = "consignee_address"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"))
    user_id: Mapped[str] = mapped_column(String(64))  # '' = the main account
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20))  # a mobile, national form
    tel: Mapped[str | None] = mapped_column(String(30))  # a fixed line, as given
    province: Mapped[str] = mapped_column(String(50))  # official names (the area table's)
    city: Mapped[str] = mapped_column(String(50))
    district: Mapped[str] = mapped_column(String(50))
    town: Mapped[str | None] = mapped_column(String(50))
    address: Mapped[str] = mapped_column(String(200))
    post_code: Mapped[str | None] = mapped_column(String(10))
    district_code: Mapped[str] = mapped_column(String(6))
    town_code: Mapped[str | None] = mapped_column(String(9))
    label: Mapped[str | None] = mapped_column(String(32))
    is_default: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[int] = mapped_column(BigInteger)
    modified_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_consignee_address_book", "developer_id", "user_id", "id"),
        Index(
            "ux_consignee_address_default",
            "developer_id",
            "user_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
        {"sqlite_autoincrement": True},
    )
