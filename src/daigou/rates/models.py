"""``exchange_rate``: every rate ever set, one row each (the history); a pair's current rate is
its newest row (``update_time``, then ``id``). The rate is a decimal string (at most 8 places),
never a float or a database NUMERIC (SQLite keeps NUMERIC as a REAL and would lose digits)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base, BigIntPK


class ExchangeRate(Base):
    __tablename__ = "exchange_rate"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    from_ccy: Mapped[str] = mapped_column(String(3))  # ISO 4217
    to_ccy: Mapped[str] = mapped_column(String(3))
    rate: Mapped[str] = mapped_column(String(24))  # decimal string, e.g. "0.1389"
    source: Mapped[str] = mapped_column(String(32))  # operator, or what the operator names
    set_by: Mapped[str] = mapped_column(String(64))  # the actor: admin, cli, ...
    remark: Mapped[str | None] = mapped_column(String(200))
    update_time: Mapped[int] = mapped_column(BigInteger)  # effective from, ms
    created_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_exchange_rate_pair", "from_ccy", "to_ccy", "update_time", "id"),
        Index("ix_exchange_rate_time", "update_time", "id"),
    )
