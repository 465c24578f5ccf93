"""Money is conserved across packing and top-ups (hypothesis): whatever the package weighs
against the quote and whatever top-ups follow, what came in = available + held + the freight
paid out; nothing stays held once packed; every ledger entry is balanced; an order is
``packed`` exactly when its final freight was charged in full, and one still awaiting payment
is owed more than the balance has."""

from __future__ import annotations

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select

from daigou.admin import service as admin
from daigou.developers import service as developers
from daigou.wallet import service as wallet
from daigou.wallet.models import LedgerEntry
from daigou.wallet.schemas import WalletAdjust
from daigou.warehouse import freight, operations
from daigou.warehouse.admin_schemas import InboundScan, Pack
from daigou.warehouse.models import LogisticsOrder, Parcel
from tests.support.wallet_helpers import check_books, global_checks, read_books
from tests.support.warehouse_ops import NOW_MS, book, declare, ensure_warehouse

TABLES = freight.load()


def _topup(db, develop_id: str, amount: int, ref: str) -> None:
    body = WalletAdjust(developId=develop_id, type="topup", amount=amount, reference=ref)
    admin.adjust_wallet(db, body, NOW_MS, actor="test", request_id=None)


@hsettings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.integers(min_value=9_500, max_value=40_000),
    weights=st.lists(st.integers(min_value=100, max_value=19_000), min_size=1, max_size=3),
    topups=st.lists(st.integers(min_value=1, max_value=60_000), max_size=3),
)
def test_money_is_conserved_across_packs_and_top_ups(api, db, start, weights, topups):
    ensure_warehouse(db)
    dev = api.create_developer()
    _topup(db, dev.develop_id, start, "start")
    came_in = start
    orders = []
    for i, grams in enumerate(weights):
        try:
            lo = book(db, dev.develop_id, quoted=9_500)
        except Exception as exc:  # the balance cannot hold another quote: stop booking
            assert getattr(exc, "code", None) == 40201, exc
            break
        tracking = f"T{dev.develop_id}-{i}"
        pid = declare(db, lo, tracking)
        operations.scan(
            db,
            InboundScan(warehouseCode="TESTWH", trackingNo=tracking),
            NOW_MS,
            actor="test",
            request_id=None,
        )
        body = Pack(
            logisticsOrderId=lo,
            parcelIds=[pid],
            package={"weight": grams, "length": 100, "width": 100, "height": 100},
        )
        operations.pack(db, TABLES, body, NOW_MS, actor="test", request_id=None)
        orders.append(lo)
    for k, amount in enumerate(topups):
        _topup(db, dev.develop_id, amount, f"more-{k}")
        came_in += amount

    with db.transaction() as s:
        dev_pk = developers.developer_pk_in(s, dev.develop_id)
        rows = list(
            s.execute(select(LogisticsOrder).where(LogisticsOrder.developer_id == dev_pk)).scalars()
        )
        paid_out = -sum(
            e.amount + e.held_delta
            for e in s.execute(
                select(LedgerEntry).where(
                    LedgerEntry.developer_id == dev_pk, LedgerEntry.type == "capture"
                )
            ).scalars()
        )
        money = wallet.balance(s, dev_pk)
        global_checks(s)
        parcels = {
            p.status
            for p in s.execute(select(Parcel).where(Parcel.developer_id == dev_pk)).scalars()
        }
    assert money.heldAmount == 0
    assert money.availableAmount + money.heldAmount + paid_out == came_in
    assert paid_out == sum(r.charged_freight for r in rows)
    assert "received" not in parcels and "expected" not in parcels
    oldest_waiting = None
    for r in sorted(rows, key=lambda r: (r.created_at, r.logistics_order_id)):
        assert r.final_freight is not None and r.held_freight == 0
        if r.status == "packed":
            assert r.charged_freight == r.final_freight
        else:
            assert r.status == "awaiting_payment" and r.charged_freight < r.final_freight
            oldest_waiting = oldest_waiting or r
    if oldest_waiting is not None:  # a top-up stops at the first it cannot cover
        owed = oldest_waiting.final_freight - oldest_waiting.charged_freight
        assert money.availableAmount < owed
    check_books(read_books(db, dev_pk), dev_pk)
