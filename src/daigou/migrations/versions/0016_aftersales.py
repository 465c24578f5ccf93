"""aftersales

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

After-sales on both marketplaces (daigou.aftersales.models): the gateway's record of each refund
or reverse order, its history, what each buyer write asked for (so a write whose answer was lost
is settled by reading the refund), and the evidence pictures developers upload.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _developer_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["developer_id"], ["developer.id"], name=op.f(f"fk_{table}_developer_id_developer")
    )


def upgrade() -> None:
    op.create_table(
        "refund_record",
        sa.Column("platform", sa.String(length=8), nullable=False),
        sa.Column("refund_id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=True),
        sa.Column("developer_id", _ID, nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("entry_ids", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("dispute_request", sa.String(length=16), nullable=False),
        sa.Column("apply_payment_fen", sa.BigInteger(), nullable=False),
        sa.Column("apply_carriage_fen", sa.BigInteger(), nullable=False),
        sa.Column("refund_payment_fen", sa.BigInteger(), nullable=False),
        sa.Column("refund_carriage_fen", sa.BigInteger(), nullable=False),
        sa.Column("credited_fen", sa.BigInteger(), nullable=False),
        sa.Column("credited_at", sa.BigInteger(), nullable=True),
        sa.Column("pending_operation", sa.String(length=16), nullable=True),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("market_modified_at", sa.BigInteger(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        _developer_fk("refund_record"),
        sa.PrimaryKeyConstraint("platform", "refund_id", name=op.f("pk_refund_record")),
    )
    op.create_index(
        "ix_refund_record_dev_created",
        "refund_record",
        ["platform", "developer_id", "created_at", "refund_id"],
    )
    op.create_index(
        "ix_refund_record_dev_user_created",
        "refund_record",
        ["platform", "developer_id", "user_id", "created_at", "refund_id"],
    )
    op.create_index("ix_refund_record_order", "refund_record", ["platform", "order_id"])
    op.create_index("ix_refund_record_group", "refund_record", ["platform", "group_id"])

    op.create_table(
        "refund_event",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=8), nullable=False),
        sa.Column("refund_id", sa.String(length=40), nullable=False),
        sa.Column("operate_type", sa.String(length=24), nullable=False),
        sa.Column("operator", sa.String(length=8), nullable=False),
        sa.Column("status_before", sa.String(length=32), nullable=True),
        sa.Column("status_after", sa.String(length=32), nullable=False),
        sa.Column("remark", sa.Text(), nullable=True),
        sa.Column("vouchers", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_event")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_refund_event_refund", "refund_event", ["platform", "refund_id", "id"])

    op.create_table(
        "refund_write",
        sa.Column("operation_id", sa.String(length=128), nullable=False),
        sa.Column("platform", sa.String(length=8), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("refund_id", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("operation_id", name=op.f("pk_refund_write")),
    )
    op.create_index("ix_refund_write_order", "refund_write", ["platform", "order_id", "kind"])

    op.create_table(
        "refund_image",
        sa.Column("image_id", sa.String(length=40), nullable=False),
        sa.Column("developer_id", _ID, nullable=False),
        sa.Column("content_type", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        _developer_fk("refund_image"),
        sa.PrimaryKeyConstraint("image_id", name=op.f("pk_refund_image")),
    )
    op.create_index("ix_refund_image_dev_sha", "refund_image", ["developer_id", "sha256"])


def downgrade() -> None:
    for table in ("refund_image", "refund_write", "refund_event", "refund_record"):
        op.drop_table(table)
