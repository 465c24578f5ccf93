"""The columns every cart line has (a mixin: each platform's line is its own table).

The key columns never hold NULL (SQLite and PostgreSQL both treat NULLs as distinct in a unique
constraint): the main account's cart is ``user_id = ''``. Ids are never reused (SQLite:
AUTOINCREMENT, ``{"sqlite_autoincrement": True}`` in each table's ``__table_args__``; migration
0013): a deleted line's id never names another account's new line.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import BigIntPK

FIRST = -1  # id and owner lead each table; the platform's columns, then quantity and times


class CartLine:
    """One line of a cart: a developer's, and of its main account (``''``) or a sub-account."""

    id: Mapped[int] = mapped_column(
        BigIntPK, primary_key=True, autoincrement=True, sort_order=FIRST
    )
    developer_id: Mapped[int] = mapped_column(ForeignKey("developer.id"), sort_order=FIRST)
    user_id: Mapped[str] = mapped_column(String(64), default="", sort_order=FIRST)  # '' = main
    quantity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)
