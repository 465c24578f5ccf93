"""order1688 sub-account index

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26

A sub-account's order page (6.6 called with user-id) filters on user_id: with this index it
seeks its own orders newest first at any depth instead of walking its developer's whole index.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("order1688", schema=None) as batch_op:
        batch_op.create_index(
            "ix_order1688_dev_user_created",
            ["developer_id", "user_id", "created_at", "order_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("order1688", schema=None) as batch_op:
        batch_op.drop_index("ix_order1688_dev_user_created")
