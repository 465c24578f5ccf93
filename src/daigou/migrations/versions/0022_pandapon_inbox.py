"""pandapon inbox

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06

PandaPon's pushes as received (daigou.marketplace.pandapon.inbox): one row per ``messageId``,
read in ``seq`` order per platform as the PandaPon adapter's feed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pandapon_inbox",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_pandapon_inbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_pandapon_inbox_message_id")),
    )
    with op.batch_alter_table("pandapon_inbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pandapon_inbox_platform"), ["platform"], unique=False)


def downgrade() -> None:
    op.drop_table("pandapon_inbox")
