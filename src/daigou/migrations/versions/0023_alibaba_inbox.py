"""alibaba inbox

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07

1688's messages as received (daigou.marketplace.alibaba1688.inbox): the pushes of the app's
message centre and the compensation pull's, one row per ``msgId``, read in ``seq`` order as
the 1688 adapter's feed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alibaba_inbox",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("msg_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("born_at", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_alibaba_inbox")),
        sa.UniqueConstraint("msg_id", name=op.f("uq_alibaba_inbox_msg_id")),
    )


def downgrade() -> None:
    op.drop_table("alibaba_inbox")
