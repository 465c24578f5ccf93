"""purchasing core: one order record for every platform

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

The purchasing core (decision 0010) keeps every platform's orders in ``purchase_order``: typed
columns (platform, ids, neutral state and the platform's status, amounts, payment, pending
operation, sequence) beside ``snapshot``, the marketplace's last view as the port's MarketOrder
(JSON). The 1688 tables move into it: ``order1688`` (whose ``body`` was the Order1688 wire view,
converted here back to the view it was made from), ``order1688_request`` (business keys, now per
platform) and ``pay_batch1688`` (its JSON items become ``pay_batch_item`` rows). Downgrading
converts back.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

DEV = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATES_1688 = {
    "waitbuyerpay": "unpaid",
    "waitsellersend": "paid",
    "waitbuyerreceive": "shipped",
    "confirm_goods": "received",
    "success": "completed",
    "cancel": "cancelled",
    "terminated": "refunded",
}
ADDRESS = (  # Order1688 nativeLogistics name -> MarketOrder address field
    ("contactPerson", "full_name"),
    ("mobile", "mobile"),
    ("telephone", "phone"),
    ("zip", "post_code"),
    ("province", "province"),
    ("city", "city"),
    ("area", "area"),
    ("town", "town"),
    ("address", "address"),
    ("areaCode", "district_code"),
)
BASE = (  # Order1688 baseInfo name -> MarketOrder field
    ("id", "order_id"),
    ("outOrderId", "out_order_id"),
    ("status", "status"),
    ("sellerOpenId", "seller_open_id"),
    ("sellerCompanyName", "seller_name"),
    ("sumProductPayment", "product_fen"),
    ("shippingFee", "shipping_fen"),
    ("discount", "discount_fen"),
    ("totalAmount", "total_fen"),
    ("createTime", "created_ms"),
    ("modifyTime", "modified_ms"),
    ("payTimeout", "pay_timeout_s"),
    ("payTime", "paid_ms"),
    ("allDeliveredTime", "shipped_ms"),
    ("receivingTime", "received_ms"),
    ("completeTime", "completed_ms"),
    ("closeReason", "close_reason"),
    ("closeOperateType", "close_operate_type"),
    ("refundStatus", "refund_status"),
    ("currency", "currency"),
    ("buyerFeedback", "message"),
    ("flow", "flow"),
)


def snapshot_of_view(body: dict[str, Any]) -> dict[str, Any]:
    """The MarketOrder (as JSON) an Order1688 view was rendered from."""
    base = body["baseInfo"]
    native = body.get("nativeLogistics", {})
    has_address = any(k in native for k, _ in ADDRESS)
    return {
        "platform": "1688",
        **{field: base.get(name) for name, field in BASE},
        "lines": [
            {
                "entry_id": it["subItemID"],
                "offer_id": it["productID"],
                "spec_id": it.get("specId"),
                "sku_id": it.get("skuID"),
                "title": {"original": it.get("name", ""), "translated": it.get("nameTrans")},
                "image_url": (it.get("productImgUrl") or [""])[0],
                "quantity": it["quantity"],
                "unit_price_fen": it["price"],
                "amount_fen": it["itemAmount"],
                "status": it["status"],
                "logistics_status": it.get("logisticsStatus", 1),
                "refund_status": it.get("refundStatus"),
            }
            for it in body.get("productItems", [])
        ],
        "parcels": [
            {
                "logistics_id": p["logisticsId"],
                "bill_no": p["logisticsBillNo"],
                "company_name": p["logisticsCompanyName"],
                "entry_ids": p.get("subItemIds", []),
                "shipped_ms": p["deliveredTime"],
                "steps": [
                    {"time_ms": st["acceptTime"], "remark": st["remark"]}
                    for st in p.get("steps", [])
                ],
                "delivered_ms": p.get("signedTime"),
            }
            for p in native.get("logisticsItems", [])
        ],
        "address": {field: native.get(name, "") for name, field in ADDRESS}
        if has_address
        else None,
    }


def view_of_snapshot(snap: dict[str, Any], row: Any) -> dict[str, Any]:
    """The Order1688 view (as the old ``body`` kept it) of a snapshot and its record."""
    base = {name: snap.get(field) for name, field in BASE}
    base.update(
        status=row.status,
        refundStatus=row.refund_status,
        totalAmount=row.total_fen,
        payTime=row.paid_at,
        modifyTime=row.market_modified_at,
        tradeType="50060",
    )
    address = snap.get("address") or {}
    return {
        "baseInfo": base,
        "productItems": [
            {
                "subItemID": ln["entry_id"],
                "productID": ln["offer_id"],
                "specId": ln["spec_id"],
                "skuID": ln["sku_id"],
                "name": ln["title"]["original"],
                "nameTrans": ln["title"]["translated"],
                "productImgUrl": [ln["image_url"]] if ln["image_url"] else [],
                "quantity": ln["quantity"],
                "price": ln["unit_price_fen"],
                "itemAmount": ln["amount_fen"],
                "status": ln["status"],
                "refundStatus": ln["refund_status"],
                "logisticsStatus": ln["logistics_status"],
            }
            for ln in snap.get("lines", [])
        ],
        "nativeLogistics": {
            **{name: address[field] for name, field in ADDRESS if address},
            "logisticsItems": [
                {
                    "logisticsId": p["logistics_id"],
                    "logisticsBillNo": p["bill_no"],
                    "logisticsCompanyName": p["company_name"],
                    "deliveredTime": p["shipped_ms"],
                    "signedTime": p["delivered_ms"],
                    "subItemIds": p["entry_ids"],
                    "steps": [
                        {"acceptTime": st["time_ms"], "remark": st["remark"]} for st in p["steps"]
                    ],
                }
                for p in snap.get("parcels", [])
            ],
        },
    }


def _create_new_tables() -> None:
    op.create_table(
        "purchase_order",
        sa.Column("platform", sa.String(length=8), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("developer_id", DEV, nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("out_order_id", sa.String(length=64), nullable=True),
        sa.Column("seller_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("refund_status", sa.String(length=32), nullable=True),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("product_fen", sa.BigInteger(), nullable=False),
        sa.Column("shipping_fen", sa.BigInteger(), nullable=False),
        sa.Column("discount_fen", sa.BigInteger(), nullable=False),
        sa.Column("pay_state", sa.String(length=16), nullable=False),
        sa.Column("held_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("refunded_fen", sa.BigInteger(), nullable=False),
        sa.Column("pending_operation", sa.String(length=16), nullable=True),
        sa.Column("pay_attempts", sa.Integer(), nullable=False),
        sa.Column("staff_name", sa.String(length=64), nullable=True),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("paid_at", sa.BigInteger(), nullable=True),
        sa.Column("market_modified_at", sa.BigInteger(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["developer_id"],
            ["developer.id"],
            name=op.f("fk_purchase_order_developer_id_developer"),
        ),
        sa.PrimaryKeyConstraint("platform", "order_id", name=op.f("pk_purchase_order")),
    )
    with op.batch_alter_table("purchase_order", schema=None) as batch_op:
        batch_op.create_index(
            "ix_purchase_order_dev_created",
            ["platform", "developer_id", "created_at", "order_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_purchase_order_dev_out", ["developer_id", "platform", "out_order_id"], unique=False
        )
        batch_op.create_index(
            "ix_purchase_order_dev_user_created",
            ["platform", "developer_id", "user_id", "created_at", "order_id"],
            unique=False,
        )
    op.create_table(
        "purchase_request",
        sa.Column("developer_id", DEV, nullable=False),
        sa.Column("platform", sa.String(length=8), nullable=False),
        sa.Column("out_order_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("market_key", sa.String(length=128), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["developer_id"],
            ["developer.id"],
            name=op.f("fk_purchase_request_developer_id_developer"),
        ),
        sa.PrimaryKeyConstraint(
            "developer_id", "platform", "out_order_id", name=op.f("pk_purchase_request")
        ),
        sa.UniqueConstraint("market_key", name=op.f("uq_purchase_request_market_key")),
    )
    op.create_table(
        "pay_batch",
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=8), nullable=False),
        sa.Column("developer_id", DEV, nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["developer_id"], ["developer.id"], name=op.f("fk_pay_batch_developer_id_developer")
        ),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_pay_batch")),
    )
    op.create_table(
        "pay_batch_item",
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["pay_batch.batch_id"], name=op.f("fk_pay_batch_item_batch_id_pay_batch")
        ),
        sa.PrimaryKeyConstraint("batch_id", "position", name=op.f("pk_pay_batch_item")),
    )
    with op.batch_alter_table("pay_batch_item", schema=None) as batch_op:
        batch_op.create_index("ix_pay_batch_item_order", ["order_id", "status"], unique=False)


def _copy_up() -> None:
    conn = op.get_bind()
    po = sa.table("purchase_order", *(sa.column(c) for c in _PO_COLUMNS))
    rows = []
    for r in conn.execute(sa.text("SELECT * FROM order1688")).mappings():
        body = json.loads(r["body"])
        base = body["baseInfo"]
        snap = snapshot_of_view(body)
        rows.append(
            {
                "platform": "1688",
                "order_id": r["order_id"],
                "developer_id": r["developer_id"],
                "user_id": r["user_id"],
                "out_order_id": r["out_order_id"],
                "seller_id": r["seller_open_id"],
                "state": STATES_1688.get(r["status"], "other"),
                "status": r["status"],
                "refund_status": r["refund_status"],
                "total_fen": r["total_fen"],
                "product_fen": base.get("sumProductPayment") or 0,
                "shipping_fen": base.get("shippingFee") or 0,
                "discount_fen": base.get("discount") or 0,
                "pay_state": r["pay_state"],
                "held_fen": r["held_fen"],
                "paid_fen": r["paid_fen"],
                "refunded_fen": r["refunded_fen"],
                "pending_operation": r["pending_operation"],
                "pay_attempts": r["pay_attempts"],
                "staff_name": r["staff_name"],
                "sequence": r["sequence"],
                "paid_at": base.get("payTime"),
                "market_modified_at": base.get("modifyTime") or r["modified_at"],
                "snapshot": json.dumps(snap, ensure_ascii=False, separators=(",", ":")),
                "created_at": r["created_at"],
                "modified_at": r["modified_at"],
            }
        )
    if rows:
        conn.execute(po.insert(), rows)
    conn.execute(
        sa.text(
            "INSERT INTO purchase_request (developer_id, platform, out_order_id, user_id, "
            "market_key, state, result, created_at, modified_at) SELECT developer_id, '1688', "
            "out_order_id, user_id, market_key, state, result, created_at, modified_at "
            "FROM order1688_request"
        )
    )
    items = []
    for b in conn.execute(sa.text("SELECT * FROM pay_batch1688")).mappings():
        conn.execute(
            sa.text(
                "INSERT INTO pay_batch (batch_id, platform, developer_id, user_id, pending, "
                "created_at, finished_at) VALUES (:b, '1688', :d, :u, :p, :c, :f)"
            ),
            {
                "b": b["batch_id"],
                "d": b["developer_id"],
                "u": b["user_id"],
                "p": b["pending"],
                "c": b["created_at"],
                "f": b["finished_at"],
            },
        )
        for i, entry in enumerate(json.loads(b["items"])):
            items.append(
                {
                    "batch_id": b["batch_id"],
                    "position": i,
                    "order_id": entry["orderId"],
                    "status": entry["status"],
                }
            )
    if items:
        conn.execute(
            sa.text(
                "INSERT INTO pay_batch_item (batch_id, position, order_id, status) "
                "VALUES (:batch_id, :position, :order_id, :status)"
            ),
            items,
        )


_PO_COLUMNS = (
    "platform", "order_id", "developer_id", "user_id", "out_order_id", "seller_id", "state",
    "status", "refund_status", "total_fen", "product_fen", "shipping_fen", "discount_fen",
    "pay_state", "held_fen", "paid_fen", "refunded_fen", "pending_operation", "pay_attempts",
    "staff_name", "sequence", "paid_at", "market_modified_at", "snapshot", "created_at",
    "modified_at",
)  # fmt: skip


def _drop_old_tables() -> None:
    op.drop_table("pay_batch1688")
    op.drop_table("order1688_request")
    with op.batch_alter_table("order1688", schema=None) as batch_op:
        batch_op.drop_index("ix_order1688_dev_user_created")
        batch_op.drop_index("ix_order1688_dev_out")
        batch_op.drop_index("ix_order1688_dev_created")
    op.drop_table("order1688")


def upgrade() -> None:
    _create_new_tables()
    _copy_up()
    _drop_old_tables()


def _create_old_tables() -> None:
    op.create_table(
        "order1688",
        sa.Column("order_id", sa.String(length=19), nullable=False),
        sa.Column("developer_id", DEV, nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("out_order_id", sa.String(length=64), nullable=True),
        sa.Column("seller_open_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("refund_status", sa.String(length=32), nullable=True),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("pay_state", sa.String(length=16), nullable=False),
        sa.Column("held_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("refunded_fen", sa.BigInteger(), nullable=False),
        sa.Column("pending_operation", sa.String(length=16), nullable=True),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.Column("pay_attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("staff_name", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["developer_id"], ["developer.id"], name=op.f("fk_order1688_developer_id_developer")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order1688")),
    )
    with op.batch_alter_table("order1688", schema=None) as batch_op:
        batch_op.create_index(
            "ix_order1688_dev_created", ["developer_id", "created_at", "order_id"], unique=False
        )
        batch_op.create_index(
            "ix_order1688_dev_out", ["developer_id", "out_order_id"], unique=False
        )
        batch_op.create_index(
            "ix_order1688_dev_user_created",
            ["developer_id", "user_id", "created_at", "order_id"],
            unique=False,
        )
    op.create_table(
        "order1688_request",
        sa.Column("developer_id", DEV, nullable=False),
        sa.Column("out_order_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("market_key", sa.String(length=128), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["developer_id"],
            ["developer.id"],
            name=op.f("fk_order1688_request_developer_id_developer"),
        ),
        sa.PrimaryKeyConstraint("developer_id", "out_order_id", name=op.f("pk_order1688_request")),
        sa.UniqueConstraint("market_key", name=op.f("uq_order1688_request_market_key")),
    )
    op.create_table(
        "pay_batch1688",
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("developer_id", DEV, nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["developer_id"], ["developer.id"], name=op.f("fk_pay_batch1688_developer_id_developer")
        ),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_pay_batch1688")),
    )


def _copy_down() -> None:
    conn = op.get_bind()
    for r in conn.execute(
        sa.text("SELECT * FROM purchase_order WHERE platform = '1688'")
    ).mappings():
        body = view_of_snapshot(json.loads(r["snapshot"]), _Row(r))
        conn.execute(
            sa.text(
                "INSERT INTO order1688 (order_id, developer_id, user_id, out_order_id, "
                "seller_open_id, status, refund_status, total_fen, pay_state, held_fen, paid_fen, "
                "refunded_fen, pending_operation, sequence, body, created_at, modified_at, "
                "pay_attempts, staff_name) VALUES (:order_id, :developer_id, :user_id, "
                ":out_order_id, :seller_id, :status, :refund_status, :total_fen, :pay_state, "
                ":held_fen, :paid_fen, :refunded_fen, :pending_operation, :sequence, :body, "
                ":created_at, :modified_at, :pay_attempts, :staff_name)"
            ),
            {**dict(r), "body": json.dumps(body, ensure_ascii=False)},
        )
    conn.execute(
        sa.text(
            "INSERT INTO order1688_request (developer_id, out_order_id, user_id, market_key, "
            "state, result, created_at, modified_at) SELECT developer_id, out_order_id, user_id, "
            "market_key, state, result, created_at, modified_at FROM purchase_request "
            "WHERE platform = '1688'"
        )
    )
    for b in conn.execute(sa.text("SELECT * FROM pay_batch WHERE platform = '1688'")).mappings():
        entries = [
            {"orderId": i["order_id"], "status": i["status"]}
            for i in conn.execute(
                sa.text(
                    "SELECT order_id, status FROM pay_batch_item WHERE batch_id = :b "
                    "ORDER BY position"
                ),
                {"b": b["batch_id"]},
            ).mappings()
        ]
        conn.execute(
            sa.text(
                "INSERT INTO pay_batch1688 (batch_id, developer_id, user_id, items, pending, "
                "created_at, finished_at) VALUES (:batch_id, :developer_id, :user_id, :items, "
                ":pending, :created_at, :finished_at)"
            ),
            {**dict(b), "items": json.dumps(entries)},
        )


class _Row:
    def __init__(self, mapping: Any) -> None:
        self.__dict__.update(dict(mapping))


def downgrade() -> None:
    _create_old_tables()
    _copy_down()
    with op.batch_alter_table("pay_batch_item", schema=None) as batch_op:
        batch_op.drop_index("ix_pay_batch_item_order")
    op.drop_table("pay_batch_item")
    op.drop_table("pay_batch")
    op.drop_table("purchase_request")
    with op.batch_alter_table("purchase_order", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_order_dev_user_created")
        batch_op.drop_index("ix_purchase_order_dev_out")
        batch_op.drop_index("ix_purchase_order_dev_created")
    op.drop_table("purchase_order")
