"""addresses

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07

Saved consignee addresses (ENDPOINTS 10.1-10.3, daigou.addresses.models): one address book per
account of a developer (``user_id = ''`` for the main account), at most one default per book
(a partial unique index, on both databases). Ids reach the wire and rows are deleted, so on
SQLite the table is AUTOINCREMENT from the start (as 0013 made the carts).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "consignee_address",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("developer_id", _ID, nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("tel", sa.String(length=30), nullable=True),
        sa.Column("province", sa.String(length=50), nullable=False),
        sa.Column("city", sa.String(length=50), nullable=False),
        sa.Column("district", sa.String(length=50), nullable=False),
        sa.Column("town", sa.String(length=50), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("post_code", sa.String(length=10), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("town_code", sa.String(length=9), nullable=True),
        sa.Column("label", sa.String(length=32), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["developer_id"],
            ["developer.id"],
            name=op.f("fk_consignee_address_developer_id_developer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consignee_address")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_consignee_address_book", "consignee_address", ["developer_id", "user_id", "id"]
    )
    op.create_index(
        "ux_consignee_address_default",
        "consignee_address",
        ["developer_id", "user_id"],
        unique=True,
        sqlite_where=sa.text("is_default"),
        postgresql_where=sa.text("is_default"),
    )


def downgrade() -> None:
    op.drop_table("consignee_address")
