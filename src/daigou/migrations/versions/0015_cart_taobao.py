"""cart_taobao

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

The Taobao cart (ENDPOINTS 4.1-4.6, daigou.carttaobao.models): one line per developer,
sub-account (``''`` for the main account), item and SKU. Its ids reach the wire and its rows
are deleted, so on SQLite the table is AUTOINCREMENT from the start (as 0013 made
``cart1688_line``): a deleted line's id never names another account's new line.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "carttaobao_line",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "developer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=20), nullable=False),
        sa.Column("sku_id", sa.String(length=20), nullable=False),
        sa.Column("hints", sa.Text(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["developer_id"],
            ["developer.id"],
            name=op.f("fk_carttaobao_line_developer_id_developer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carttaobao_line")),
        sa.UniqueConstraint(
            "developer_id",
            "user_id",
            "item_id",
            "sku_id",
            name=op.f("uq_carttaobao_line_developer_id_user_id_item_id_sku_id"),
        ),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("carttaobao_line")
