"""Tables of the sandbox marketplace's catalogue, loaded from the deterministic generator.

Only what a listing or a search needs is stored: one row per offer (``sandbox_offer``) and per
shop (``sandbox_shop``), plus ``sandbox_meta`` (which seed and sizes are loaded). SKUs stay out
of the database: a detail read regenerates the offer with ``catalogue.make_offer``.

Full-text search is a real index on both databases, created by raw DDL in migration 0002 (it is
not part of this metadata; :data:`FTS_OBJECTS` names it so schema comparisons can skip it):

* SQLite: an FTS5 virtual table ``sandbox_offer_fts`` over the five titles with the
  ``trigram`` tokenizer (SQLite >= 3.34), so any substring of 3+ characters matches in every
  language, including Chinese ("连衣裙") which has no spaces and Vietnamese syllables. It is
  *contentless* (``content=''``): its rowid is the offer id as an integer (12 decimal digits),
  so the titles are not stored twice. Relevance is FTS5 ``bm25``.
* PostgreSQL: the ``pg_trgm`` extension and one GIN trigram index
  ``ix_sandbox_offer_search_trgm`` over the five titles concatenated (an expression index, so
  no extra column). ``ILIKE '%kw%'`` on that expression uses the index; relevance is
  ``word_similarity``. A ``tsvector`` was rejected: PostgreSQL has no Chinese/Thai parser, so
  it cannot find "T恤" inside "纯棉T恤女".

Both trigram indexes need 3 characters: a shorter keyword ("áo", "T恤") is still answered
exactly, by a substring filter the index cannot narrow (a scan of one platform's rows).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base

FTS_TABLE = "sandbox_offer_fts"
PG_SEARCH_INDEX = "ix_sandbox_offer_search_trgm"
# Search objects made by raw DDL in the migration, outside the models' metadata.
FTS_OBJECTS = frozenset(
    {
        FTS_TABLE,
        PG_SEARCH_INDEX,
        *(f"{FTS_TABLE}_{suffix}" for suffix in ("data", "idx", "docsize", "config", "content")),
    }
)
TITLE_LANGS = ("zh", "en", "vi", "th", "es")
# The expression the PostgreSQL trigram index is built on; queries must repeat it verbatim.
PG_SEARCH_EXPR = (
    "(title_zh || ' ' || title_en || ' ' || title_vi || ' ' || title_th || ' ' || title_es)"
)


class SandboxMeta(Base):
    __tablename__ = "sandbox_meta"
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SandboxShop(Base):
    __tablename__ = "sandbox_shop"
    shop_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    seller_open_id: Mapped[str] = mapped_column(String(32), unique=True)
    platform: Mapped[str] = mapped_column(String(8))
    name_zh: Mapped[str] = mapped_column(String(128))
    names: Mapped[str] = mapped_column(Text)  # JSON: lang -> name


class SandboxOffer(Base):
    __tablename__ = "sandbox_offer"
    offer_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    platform: Mapped[str] = mapped_column(String(8))
    position: Mapped[int] = mapped_column(Integer)
    shop_id: Mapped[str] = mapped_column(String(10))
    category_id: Mapped[int] = mapped_column(Integer)
    price_fen: Mapped[int] = mapped_column(BigInteger)
    promotion_price_fen: Mapped[int | None] = mapped_column(BigInteger)
    on_sale: Mapped[bool] = mapped_column(Boolean)
    in_stock: Mapped[bool] = mapped_column(Boolean)
    month_sold: Mapped[int] = mapped_column(Integer)
    title_zh: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    title_vi: Mapped[str] = mapped_column(Text)
    title_th: Mapped[str] = mapped_column(Text)
    title_es: Mapped[str] = mapped_column(Text)
    image_seed: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_sandbox_offer_platform_price", "platform", "price_fen"),
        Index("ix_sandbox_offer_platform_sold", "platform", "month_sold"),
        Index("ix_sandbox_offer_shop", "shop_id"),
    )
