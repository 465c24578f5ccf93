"""Migration 0011 moves 1688 orders into the purchasing core's tables: an order recorded before
it answers exactly what it answered before (the Order1688 view with gatewayInfo), its business
key and bulk-pay batch come along, and a downgrade gives the old rows back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from daigou.core import ids
from daigou.db.migrate import downgrade, upgrade
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.orders1688.views import order_view
from daigou.platforms import register_platforms
from daigou.purchasing.models import (
    PayBatchItem,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
)
from daigou.purchasing.records import order_out
from tests.support.databases import empty_database

BEFORE = "0010"  # the revision before the purchasing core
register_platforms()


@pytest.fixture
def empty_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it (not a copy of the migrated template)."""
    with empty_database(backend, request, tmp_path) as url:
        yield url


def a_market_order(order_id: str, *, address: bool, parcels: bool) -> P.MarketOrder:
    line = P.OrderLine(
        entry_id=f"{order_id}01",
        offer_id="612345678901",
        spec_id="spec-a",
        sku_id="sku-a",
        title=P.Text("纯棉衬衫", "Cotton shirt"),
        image_url="http://127.0.0.1/p.jpg",
        quantity=3,
        unit_price_fen=2590,
        amount_fen=7770,
        status="waitsellersend",
        logistics_status=2 if parcels else 1,
    )
    return P.MarketOrder(
        platform=P.Platform.ALIBABA,
        order_id=order_id,
        out_order_id="7-abcdef",
        status="waitbuyerpay",
        seller_open_id="seller-1",
        seller_name="义乌服饰",
        lines=(line,),
        product_fen=7770,
        shipping_fen=800,
        discount_fen=100,
        total_fen=8470,
        created_ms=1_700_000_000_000,
        modified_ms=1_700_000_100_000,
        parcels=(
            P.Parcel(
                "LP1",
                "SF100",
                "顺丰",
                (line.entry_id,),
                1_700_000_200_000,
                (P.LogisticsStep(1_700_000_300_000, "已揽件"),),
            ),
        )
        if parcels
        else (),
        address=P.Address("Lin Wei", "13800000000", province="浙江省", address="文一西路")
        if address
        else None,
        message="please hurry",
        flow="general",
    )


def test_orders_keys_and_batches_move_into_the_core_and_back(backend, empty_url):
    upgrade(empty_url, BEFORE)
    db = Database(empty_url, pool_size=1)
    try:
        with db.transaction() as s:
            # the developer table as it was at BEFORE (the model has moved on since)
            s.execute(
                sa.text(
                    "INSERT INTO developer (develop_id, name, status, rate_limit_per_minute, "
                    "cashier_pay_allowed, created_at, modified_at) "
                    "VALUES (:d, 'm', 'enabled', 600, false, 1, 1)"
                ),
                {"d": ids.develop_id()},
            )
            developer_id = s.execute(sa.text("SELECT max(id) FROM developer")).scalar_one()
        old_rows = []
        for n, (address, parcels) in enumerate(((True, True), (False, False))):
            order = a_market_order(f"30000000000000{n}", address=address, parcels=parcels)
            body = order_view(order)
            # the fields this wave added to the view: the rows of before never had them
            for line in body["productItems"]:
                del line["cargoNumber"]
            del body["guaranteesTerms"], body["internationalLogistics"]
            if n == 0:  # paid through the gateway: the body was edited in place
                body["baseInfo"].update(status="waitsellersend", payTime=5, modifyTime=6)
            old_rows.append(
                {
                    "order_id": order.order_id, "developer_id": developer_id, "user_id": None,
                    "out_order_id": f"mine-{n}", "seller_open_id": "seller-1",
                    "status": body["baseInfo"]["status"], "refund_status": None,
                    "total_fen": 8470, "pay_state": "paid" if n == 0 else "none", "held_fen": 0,
                    "paid_fen": 8470 if n == 0 else 0, "refunded_fen": 0,
                    "pending_operation": None, "sequence": 2 + n,
                    "body": json.dumps(body, ensure_ascii=False), "created_at": 10 + n,
                    "modified_at": 20 + n, "pay_attempts": 1 - n, "staff_name": "amy",
                }
            )  # fmt: skip
        with db.transaction() as s:
            s.execute(sa.table("order1688", *map(sa.column, old_rows[0])).insert(), old_rows)
            s.execute(
                sa.text(
                    "INSERT INTO order1688_request VALUES (:d, 'mine-0', NULL, 'k-1', 'done', "
                    '\'{"orderIds": ["300000000000000"]}\', 1, 2)'
                ),
                {"d": developer_id},
            )
            items = [{"orderId": "300000000000000", "status": "successed"},
                     {"orderId": "300000000000001", "status": "ORDER_STATUS_ERROR"}]  # fmt: skip
            s.execute(
                sa.text("INSERT INTO pay_batch1688 VALUES ('bp_1', :d, NULL, :items, 0, 1, 2)"),
                {"d": developer_id, "items": json.dumps(items)},
            )
    finally:
        db.dispose()

    upgrade(empty_url)
    db = Database(empty_url, pool_size=1)
    try:
        with db.transaction() as s:
            for old in old_rows:
                row = s.get(PurchaseOrder, ("1688", old["order_id"]))
                assert row is not None
                expected = json.loads(old["body"])
                expected["baseInfo"]["outOrderId"] = old["out_order_id"]
                for line in expected["productItems"]:  # today's view has these (null)
                    line["cargoNumber"] = None
                expected.update(guaranteesTerms=None, internationalLogistics=None)
                assert order_out(row) == {
                    **expected,
                    "gatewayInfo": {
                        "outOrderId": old["out_order_id"], "userId": None, "staffName": "amy",
                        "payState": old["pay_state"], "heldAmount": 0,
                        "paidAmount": old["paid_fen"], "refundedAmount": 0,
                        "pendingOperation": None, "sequence": old["sequence"],
                    },
                }  # fmt: skip
                assert row.state == ("paid" if old["pay_state"] == "paid" else "unpaid")
            key = s.get(PurchaseRequest, (developer_id, "1688", "mine-0"))
            assert key is not None and key.state == "done" and key.market_key == "k-1"
            batch = s.execute(
                sa.select(PayBatchItem.order_id, PayBatchItem.status)
                .where(PayBatchItem.batch_id == "bp_1")
                .order_by(PayBatchItem.position)
            ).all()
            assert [{"orderId": o, "status": st} for o, st in batch] == items
            # migration 0017 indexed the moved orders' lines by their marketplace ids
            lines = s.execute(
                sa.select(
                    PurchaseOrderLine.platform,
                    PurchaseOrderLine.entry_id,
                    PurchaseOrderLine.order_id,
                    PurchaseOrderLine.developer_id,
                ).order_by(PurchaseOrderLine.entry_id)
            ).all()
            assert [tuple(r) for r in lines] == [
                ("1688", f"{old['order_id']}01", old["order_id"], developer_id) for old in old_rows
            ]
    finally:
        db.dispose()

    downgrade(empty_url, BEFORE)
    engine = sa.create_engine(empty_url)
    try:
        with engine.connect() as conn:
            back = {
                r.order_id: r
                for r in conn.execute(sa.text("SELECT * FROM order1688 ORDER BY order_id"))
            }
            for old in old_rows:
                got = back[old["order_id"]]
                assert json.loads(got.body) == json.loads(old["body"])
                assert (got.pay_state, got.sequence, got.staff_name) == (
                    old["pay_state"], old["sequence"], "amy",
                )  # fmt: skip
            (batch_items,) = conn.execute(sa.text("SELECT items FROM pay_batch1688")).one()
            assert json.loads(batch_items) == items
    finally:
        engine.dispose()
