"""Where the gateway is in each marketplace's stream of pushes (1688 push / Taobao TMC).

One row per stream (``name``); one worker at a time reads it (``lease_owner`` /
``lease_until``), and ``cursor`` moves only after the pushes before it were applied."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base


class MarketFeed(Base):
    __tablename__ = "market_feed"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(String(200))
    lease_owner: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[int | None] = mapped_column(BigInteger)
    modified_at: Mapped[int] = mapped_column(BigInteger)
