"""warehouse

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06

The consolidation warehouse (daigou.warehouse.models): warehouses, shipment previews,
international logistics orders with their source orders, parcels and trace. Beside them,
``purchase_order_waybill`` indexes the domestic waybills of the gateway's orders (their
snapshots' parcels), so a scanned parcel finds the orders it carries by key; the parcels of the
orders recorded so far are indexed here.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "logistics_event",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("logistics_order_id", sa.String(length=32), nullable=False),
        sa.Column("time", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("remark", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_logistics_event")),
    )
    with op.batch_alter_table("logistics_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_logistics_event_order", ["logistics_order_id", "time", "id"], unique=False
        )

    op.create_table(
        "warehouse",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("receiver", sa.Text(), nullable=False),
        sa.Column("service_countries", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_warehouse")),
    )
    op.create_table(
        "freight_render",
        sa.Column("render_id", sa.String(length=32), nullable=False),
        sa.Column(
            "developer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("service_id", sa.String(length=32), nullable=False),
        sa.Column("receiver", sa.Text(), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("total_freight", sa.BigInteger(), nullable=False),
        sa.Column("chargeable_weight", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("expire_at", sa.BigInteger(), nullable=False),
        sa.Column("used_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["developer_id"],
            ["developer.id"],
            name=op.f("fk_freight_render_developer_id_developer"),
        ),
        sa.PrimaryKeyConstraint("render_id", name=op.f("pk_freight_render")),
    )
    op.create_table(
        "logistics_order",
        sa.Column("logistics_order_id", sa.String(length=32), nullable=False),
        sa.Column(
            "developer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("render_id", sa.String(length=32), nullable=False),
        sa.Column("warehouse_code", sa.String(length=32), nullable=False),
        sa.Column("mark_code", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("exception", sa.Boolean(), nullable=False),
        sa.Column("receiver", sa.Text(), nullable=False),
        sa.Column("freight_info", sa.Text(), nullable=False),
        sa.Column("line_items", sa.Text(), nullable=False),
        sa.Column("tmall_order_id", sa.String(length=64), nullable=True),
        sa.Column("remark", sa.Text(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("quoted_freight", sa.BigInteger(), nullable=False),
        sa.Column("held_freight", sa.BigInteger(), nullable=False),
        sa.Column("final_freight", sa.BigInteger(), nullable=True),
        sa.Column("charged_freight", sa.BigInteger(), nullable=False),
        sa.Column("chargeable_weight", sa.BigInteger(), nullable=False),
        sa.Column("package", sa.Text(), nullable=True),
        sa.Column("carrier_name", sa.String(length=64), nullable=True),
        sa.Column("international_tracking_no", sa.String(length=64), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("hold_key", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["developer_id"],
            ["developer.id"],
            name=op.f("fk_logistics_order_developer_id_developer"),
        ),
        sa.PrimaryKeyConstraint("logistics_order_id", name=op.f("pk_logistics_order")),
        sa.UniqueConstraint("mark_code", name=op.f("uq_logistics_order_mark_code")),
        sa.UniqueConstraint("render_id", name=op.f("uq_logistics_order_render_id")),
    )
    with op.batch_alter_table("logistics_order", schema=None) as batch_op:
        batch_op.create_index(
            "ix_logistics_order_dev_created",
            ["developer_id", "created_at", "logistics_order_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_logistics_order_dev_user_created",
            ["developer_id", "user_id", "created_at", "logistics_order_id"],
            unique=False,
        )
        batch_op.create_index("ix_logistics_order_status", ["status", "developer_id"], unique=False)

    op.create_table(
        "logistics_source",
        sa.Column("logistics_order_id", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=8), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column(
            "developer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("active_key", sa.String(length=48), nullable=True),
        sa.ForeignKeyConstraint(
            ["developer_id"],
            ["developer.id"],
            name=op.f("fk_logistics_source_developer_id_developer"),
        ),
        sa.PrimaryKeyConstraint(
            "logistics_order_id", "platform", "order_id", name=op.f("pk_logistics_source")
        ),
        sa.UniqueConstraint("active_key", name=op.f("uq_logistics_source_active_key")),
    )
    with op.batch_alter_table("logistics_source", schema=None) as batch_op:
        batch_op.create_index("ix_logistics_source_order", ["platform", "order_id"], unique=False)

    op.create_table(
        "parcel",
        sa.Column("parcel_id", sa.String(length=32), nullable=False),
        sa.Column("warehouse_code", sa.String(length=32), nullable=False),
        sa.Column("tracking_no", sa.String(length=64), nullable=False),
        sa.Column("logistic_company_name", sa.String(length=64), nullable=True),
        sa.Column(
            "developer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("logistics_order_id", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("line_item", sa.Text(), nullable=True),
        sa.Column("matched_by", sa.String(length=16), nullable=True),
        sa.Column("weight", sa.BigInteger(), nullable=True),
        sa.Column("length", sa.Integer(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("photos", sa.Text(), nullable=False),
        sa.Column("rts_time", sa.BigInteger(), nullable=True),
        sa.Column("received_at", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["developer_id"], ["developer.id"], name=op.f("fk_parcel_developer_id_developer")
        ),
        sa.PrimaryKeyConstraint("parcel_id", name=op.f("pk_parcel")),
    )
    with op.batch_alter_table("parcel", schema=None) as batch_op:
        batch_op.create_index("ix_parcel_order", ["logistics_order_id"], unique=False)
        batch_op.create_index(
            "ix_parcel_unclaimed", ["warehouse_code", "status", "logistics_order_id"], unique=False
        )
        batch_op.create_index(
            "ux_parcel_warehouse_tracking", ["warehouse_code", "tracking_no"], unique=True
        )

    op.create_table(
        "purchase_order_waybill",
        sa.Column("bill_no", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=8), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column(
            "developer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["developer_id"],
            ["developer.id"],
            name=op.f("fk_purchase_order_waybill_developer_id_developer"),
        ),
        sa.PrimaryKeyConstraint(
            "bill_no", "platform", "order_id", name=op.f("pk_purchase_order_waybill")
        ),
    )

    waybill = sa.table(
        "purchase_order_waybill",
        sa.column("bill_no", sa.String),
        sa.column("platform", sa.String),
        sa.column("order_id", sa.String),
        sa.column("developer_id", sa.BigInteger),
    )
    conn = op.get_bind()
    orders = conn.execute(
        sa.text("SELECT platform, order_id, developer_id, snapshot FROM purchase_order")
    )
    rows: list[dict[str, object]] = []
    for platform, order_id, developer_id, snapshot in orders:
        bills = {str(p["bill_no"]) for p in json.loads(str(snapshot)).get("parcels", [])}
        for bill in sorted(b for b in bills if b):
            rows.append(
                {
                    "bill_no": bill,
                    "platform": platform,
                    "order_id": order_id,
                    "developer_id": developer_id,
                }
            )
    for start in range(0, len(rows), _BATCH):
        op.bulk_insert(waybill, rows[start : start + _BATCH])


def downgrade() -> None:
    for name in (
        "purchase_order_waybill",
        "logistics_event",
        "parcel",
        "logistics_source",
        "logistics_order",
        "freight_render",
        "warehouse",
    ):
        op.drop_table(name)
