"""purchase_order_line

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06

Which order holds a marketplace line (daigou.purchasing.models.PurchaseOrderLine): a Taobao
reverse order names only its line (``subOrderId``), and finding the line's shop order read every
snapshot of the developer's orders. The lines of the orders recorded so far are indexed from
their snapshots here.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_BATCH = 1000


def upgrade() -> None:
    line = op.create_table(
        "purchase_order_line",
        sa.Column("platform", sa.String(length=8), nullable=False),
        sa.Column("entry_id", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("developer_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["developer_id"],
            ["developer.id"],
            name=op.f("fk_purchase_order_line_developer_id_developer"),
        ),
        sa.PrimaryKeyConstraint("platform", "entry_id", name=op.f("pk_purchase_order_line")),
    )
    conn = op.get_bind()
    orders = conn.execute(
        sa.text("SELECT platform, order_id, developer_id, snapshot FROM purchase_order")
    )
    seen: set[tuple[str, str]] = set()
    rows: list[dict[str, object]] = []
    for platform, order_id, developer_id, snapshot in orders:
        for ln in json.loads(str(snapshot)).get("lines", []):
            key = (str(platform), str(ln["entry_id"]))
            if key in seen:
                continue
            seen.add(key)
            rows.append(
                {
                    "platform": platform,
                    "entry_id": key[1],
                    "order_id": order_id,
                    "developer_id": developer_id,
                }
            )
    for i in range(0, len(rows), _BATCH):
        op.bulk_insert(line, rows[i : i + _BATCH])


def downgrade() -> None:
    op.drop_table("purchase_order_line")
