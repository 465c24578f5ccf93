"""sandbox catalogue: offers, shops, meta, and a trigram full-text index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

SQLite gets an FTS5 virtual table (trigram tokenizer, contentless, rowid = offer id);
PostgreSQL gets pg_trgm and a GIN trigram expression index over the five titles. See
daigou.marketplace.sandbox.models for the reasons.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FTS_TABLE = "sandbox_offer_fts"
PG_SEARCH_INDEX = "ix_sandbox_offer_search_trgm"
PG_SEARCH_EXPR = (
    "(title_zh || ' ' || title_en || ' ' || title_vi || ' ' || title_th || ' ' || title_es)"
)


def upgrade() -> None:
    op.create_table(
        "sandbox_meta",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sandbox_meta")),
    )
    op.create_table(
        "sandbox_shop",
        sa.Column("shop_id", sa.String(length=10), nullable=False),
        sa.Column("seller_open_id", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=8), nullable=False),
        sa.Column("name_zh", sa.String(length=128), nullable=False),
        sa.Column("names", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("shop_id", name=op.f("pk_sandbox_shop")),
        sa.UniqueConstraint("seller_open_id", name=op.f("uq_sandbox_shop_seller_open_id")),
    )
    op.create_table(
        "sandbox_offer",
        sa.Column("offer_id", sa.String(length=12), nullable=False),
        sa.Column("platform", sa.String(length=8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.String(length=10), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("promotion_price_fen", sa.BigInteger(), nullable=True),
        sa.Column("on_sale", sa.Boolean(), nullable=False),
        sa.Column("in_stock", sa.Boolean(), nullable=False),
        sa.Column("month_sold", sa.Integer(), nullable=False),
        sa.Column("title_zh", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("title_vi", sa.Text(), nullable=False),
        sa.Column("title_th", sa.Text(), nullable=False),
        sa.Column("title_es", sa.Text(), nullable=False),
        sa.Column("image_seed", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("offer_id", name=op.f("pk_sandbox_offer")),
    )
    with op.batch_alter_table("sandbox_offer", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sandbox_offer_platform_price", ["platform", "price_fen"], unique=False
        )
        batch_op.create_index(
            "ix_sandbox_offer_platform_sold", ["platform", "month_sold"], unique=False
        )
        batch_op.create_index("ix_sandbox_offer_shop", ["shop_id"], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
            "title_zh, title_en, title_vi, title_th, title_es, "
            "content='', tokenize='trigram')"
        )
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            f"CREATE INDEX {PG_SEARCH_INDEX} ON sandbox_offer "
            f"USING gin ({PG_SEARCH_EXPR} gin_trgm_ops)"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif dialect == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_SEARCH_INDEX}")
        # the extension stays: other databases' objects may use it, and it is harmless
    with op.batch_alter_table("sandbox_offer", schema=None) as batch_op:
        batch_op.drop_index("ix_sandbox_offer_shop")
        batch_op.drop_index("ix_sandbox_offer_platform_sold")
        batch_op.drop_index("ix_sandbox_offer_platform_price")
    op.drop_table("sandbox_offer")
    op.drop_table("sandbox_shop")
    op.drop_table("sandbox_meta")
