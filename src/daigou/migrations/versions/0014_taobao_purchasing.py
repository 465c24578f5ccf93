"""Taobao purchasing: purchase orders, their shop orders, transfer vouchers

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

A Taobao purchase order (``taobao_order``) may span several shops; the marketplace makes one
order per shop, each a record of the purchasing core (``purchase_order``) whose new ``group_id``
names its purchase order (the create's key claim, ``purchase_request``, carries it too, so the
reconciler's records join it). ``taobao_voucher`` keeps bank-transfer vouchers and their review.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

DEV = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("purchase_order") as batch:
        batch.add_column(sa.Column("group_id", sa.String(32), nullable=True))
    op.create_index("ix_purchase_order_group", "purchase_order", ["platform", "group_id"])
    with op.batch_alter_table("purchase_request") as batch:
        batch.add_column(sa.Column("group_id", sa.String(32), nullable=True))
    op.create_table(
        "taobao_order",
        sa.Column("order_id", sa.String(32), primary_key=True),
        sa.Column("developer_id", DEV, sa.ForeignKey("developer.id"), nullable=False),
        sa.Column("user_id", sa.String(64)),
        sa.Column("seller_order_number", sa.String(64)),
        sa.Column("order_source", sa.String(32)),
        sa.Column("remark", sa.String(200)),
        sa.Column("status", sa.String(4), nullable=False),
        sa.Column("voucher_stage", sa.String(4)),
        sa.Column("pay_method", sa.String(16)),
        sa.Column("purchase_amount", sa.BigInteger(), nullable=False),
        sa.Column("receiver", sa.Text(), nullable=False),
        sa.Column("warehouse_code", sa.String(32)),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("shops", sa.Text(), nullable=False),
        sa.Column("close_reason", sa.String(200)),
        sa.Column("pay_time", sa.BigInteger()),
        sa.Column("ship_time", sa.BigInteger()),
        sa.Column("finish_time", sa.BigInteger()),
        sa.Column("close_time", sa.BigInteger()),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("developer_id", "seller_order_number"),
    )
    op.create_index(
        "ix_taobao_order_dev_created", "taobao_order", ["developer_id", "created_at", "order_id"]
    )
    op.create_index(
        "ix_taobao_order_dev_user_created",
        "taobao_order",
        ["developer_id", "user_id", "created_at"],
    )
    op.create_index("ix_taobao_order_status_ship", "taobao_order", ["status", "ship_time"])
    op.create_table(
        "taobao_voucher",
        sa.Column("voucher_id", sa.String(40), primary_key=True),
        sa.Column(
            "order_id", sa.String(32), sa.ForeignKey("taobao_order.order_id"), nullable=False
        ),
        sa.Column("developer_id", DEV, sa.ForeignKey("developer.id"), nullable=False),
        sa.Column("user_id", sa.String(64)),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("images", sa.Text(), nullable=False),
        sa.Column("remark", sa.String(200)),
        sa.Column("review_status", sa.String(16), nullable=False),
        sa.Column("reviewer", sa.String(64)),
        sa.Column("review_time", sa.BigInteger()),
        sa.Column("reject_reason", sa.String(200)),
        sa.Column("received_amount", sa.BigInteger()),
        sa.Column("ledger_entry_id", sa.String(40)),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "ix_taobao_voucher_status_created",
        "taobao_voucher",
        ["review_status", "created_at", "voucher_id"],
    )
    op.create_index("ix_taobao_voucher_order", "taobao_voucher", ["order_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_taobao_voucher_order", "taobao_voucher")
    op.drop_index("ix_taobao_voucher_status_created", "taobao_voucher")
    op.drop_table("taobao_voucher")
    op.drop_index("ix_taobao_order_status_ship", "taobao_order")
    op.drop_index("ix_taobao_order_dev_user_created", "taobao_order")
    op.drop_index("ix_taobao_order_dev_created", "taobao_order")
    op.drop_table("taobao_order")
    with op.batch_alter_table("purchase_request") as batch:
        batch.drop_column("group_id")
    op.drop_index("ix_purchase_order_group", "purchase_order")
    with op.batch_alter_table("purchase_order") as batch:
        batch.drop_column("group_id")
