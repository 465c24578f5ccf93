"""marketplace tokens

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06

``marketplace_token`` (daigou.marketplace.alibaba1688.tokens): the 1688 Open Platform access
and refresh tokens of each authorised buyer account (app key, member id), sealed with the
gateway's Fernet key, their expiry times and the refresh lease (one refresher across
processes).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "marketplace_token",
        sa.Column("app_key", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("access_expires_at", sa.BigInteger(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("refresh_expires_at", sa.BigInteger(), nullable=True),
        sa.Column("refreshing_until", sa.BigInteger(), nullable=True),
        sa.Column("refreshing_owner", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("app_key", "member_id", name=op.f("pk_marketplace_token")),
    )


def downgrade() -> None:
    op.drop_table("marketplace_token")
