"""market call attempts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

The log of every marketplace call attempt (operation, key, start, duration, outcome, error code,
a capped snippet of the answer), as the callback attempts are logged: the operator's answer to
"what did we send 1688 at 14:02 and what came back". Read by key (beside an unknown operation,
12.13) and newest first; pruned after the message retention.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "market_call",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("operation", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=True),
        sa.Column("develop_id", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("snippet", sa.String(length=256), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_call")),
        sqlite_autoincrement=True,  # a callId is never reused after pruning
    )
    with op.batch_alter_table("market_call", schema=None) as batch_op:
        batch_op.create_index("ix_market_call_key", ["key", "started_at"], unique=False)
        batch_op.create_index("ix_market_call_started", ["started_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("market_call", schema=None) as batch_op:
        batch_op.drop_index("ix_market_call_started")
        batch_op.drop_index("ix_market_call_key")
    op.drop_table("market_call")
