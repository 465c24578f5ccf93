"""exchange_rates

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07

Display exchange rates (daigou.rates.models): every rate the operator sets is a row, the history;
a pair's current rate is its newest row. The rate is a decimal string, never a float.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "exchange_rate",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("from_ccy", sa.String(length=3), nullable=False),
        sa.Column("to_ccy", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.String(length=24), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("remark", sa.String(length=200), nullable=True),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rate")),
    )
    op.create_index(
        "ix_exchange_rate_pair", "exchange_rate", ["from_ccy", "to_ccy", "update_time", "id"]
    )
    op.create_index("ix_exchange_rate_time", "exchange_rate", ["update_time", "id"])


def downgrade() -> None:
    op.drop_table("exchange_rate")
