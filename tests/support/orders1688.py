"""1688 orders through the signed API, shared by the order, pay, cart and isolation tests:
orderable lines per merchant, create, fund and bulk pay, and the reconciler run to the end with
the books checked afterwards."""

from __future__ import annotations

import functools

import pytest
from sqlalchemy import func, select

from daigou.marketplace import port as P
from daigou.marketplace.sandbox import catalogue as C
from daigou.marketplace.sandbox.orders import Seller
from daigou.messages.models import OutboxMessage
from daigou.purchasing.models import PurchaseOrder as Order1688
from daigou.reconcile.models import OPEN_STATES, MarketOperation
from daigou.reconcile.service import Reconciler
from daigou.wallet import service as wallet
from daigou.wallet.models import Hold
from tests.support.api import assert_ok
from tests.support.gateway import TEST_OFFERS_1688, TEST_SHOPS

ADDRESS = {
    "fullName": "张三",
    "mobile": "13800000000",
    "provinceText": "浙江省",
    "cityText": "杭州市",
    "areaText": "西湖区",
    "address": "文三路 1 号",
}
CREATE = "/alibaba/order/create"
DETAIL = "/alibaba/order/detail"
BULK = "/alibaba/order/batch/submit/to/pay"
BALANCE = "/open/account/balance"


def merchants(settings, count: int = 2, per: int = 3) -> list[tuple[str, list[dict]]]:
    """`count` sellers with `per` orderable lines each (quantity = the minimum, one warehouse)."""
    shops = C.build_shops(settings.sandbox_seed, TEST_SHOPS)
    open_id = {s.shop_id: s.seller_open_id for s in shops}
    by_seller: dict[str, list[dict]] = {}
    for o in C.iter_offers(settings.sandbox_seed, "1688", TEST_OFFERS_1688, shops=shops):
        if not (o.on_sale and o.in_stock) or Seller.warehouse_of(o.offer_id):
            continue
        sku = next((k for k in o.skus if k.stock >= o.min_order_quantity * 2), None)
        if sku is None:
            continue
        by_seller.setdefault(open_id[o.shop_id], []).append(
            {"offerId": o.offer_id, "specId": sku.spec_id, "quantity": o.min_order_quantity}
        )
    chosen = [(s, lines[:per]) for s, lines in by_seller.items() if len(lines) >= per]
    assert len(chosen) >= count
    return chosen[:count]


def create(api, dev, lines, user_id=None, **extra):
    body = {"flow": "general", "addressParam": ADDRESS, "cargoParamList": lines, **extra}
    return api.call(dev, "POST", CREATE, body=body, user_id=user_id)


def make_orders(api, dev, settings, n: int) -> list[tuple[str, int]]:
    """`n` single-merchant orders (from up to 8 merchants in turn): [(orderId, total)]."""
    sellers = merchants(settings, min(n, 8), 1)
    out = []
    for k in range(n):
        _, lines = sellers[k % len(sellers)]
        data = assert_ok(create(api, dev, lines))
        out.append((data["orderId"], data["totalSuccessAmount"]))
    return out


def balance(api, dev) -> dict:
    return assert_ok(api.call(dev, "GET", BALANCE))


def bulk(api, dev, ids, user_id=None):
    return api.call(dev, "POST", BULK, body={"orderIds": ids}, user_id=user_id)


def fund(api, dev, amount: int) -> None:
    """Leave exactly `amount` available."""
    current = balance(api, dev)["availableAmount"]
    body = {
        "developId": dev.develop_id,
        "type": "adjustment",
        "amount": amount - current,
        "reference": f"set-{amount}",
        "remark": "test",
    }
    assert_ok(api.admin("POST", "/admin/wallet/adjust", body))


@functools.lru_cache(maxsize=2)
def _catalogue(seed: int) -> tuple[dict[str, str], tuple[C.Offer, ...]]:
    shops = C.build_shops(seed, 20)
    offers = tuple(C.iter_offers(seed, "1688", 400, shops=shops))
    return {s.shop_id: s.seller_open_id for s in shops}, offers


def orderable(settings, *, multi_sku: bool | None = None):
    """(offer, sku, seller_open_id) of on-sale offers whose best SKU has room above the MOQ."""
    open_id, offers = _catalogue(settings.sandbox_seed)
    out = []
    for o in offers:
        if not o.on_sale or (multi_sku is not None and (len(o.skus) > 1) != multi_sku):
            continue
        sku = max(o.skus, key=lambda s: s.stock)
        if sku.stock >= o.min_order_quantity + 10:
            out.append((o, sku, open_id[o.shop_id]))
    return out


def settle_everything(api, db, reconciler: Reconciler) -> None:
    """Clear the faults and let the reconciler run (moving the clock past each next check)
    until no operation is open."""
    assert_ok(api.admin("POST", "/admin/sandbox/fault/clear", {}))
    for _ in range(20):
        with db.reading() as conn:
            open_ops = conn.execute(
                select(func.count())
                .select_from(MarketOperation)
                .where(MarketOperation.state.in_(OPEN_STATES))
            ).scalar_one()
        if not open_ops:
            return
        assert_ok(api.admin("POST", "/admin/sandbox/clock/advance", {"seconds": 3600}))
        with db.transaction() as s:  # a dead request's lease: as if it had expired
            s.execute(
                MarketOperation.__table__.update()
                .where(MarketOperation.state.in_(OPEN_STATES))
                .values(lease_until=0)
            )
        reconciler.run_once(limit=500)
    pytest.fail("operations stayed open")


def check_books(api, db, app, dev, topups: int) -> None:
    market = app.state.marketplace
    with db.transaction() as s:
        rows = list(s.execute(select(Order1688)).scalars())
        hold_rows = list(s.execute(select(Hold)).scalars())
        assert wallet.unbalanced_entries(s) == []
        types = list(
            s.execute(
                select(OutboxMessage.object_id, OutboxMessage.message_type).where(
                    OutboxMessage.message_type == "ORDER_BUYER_VIEW_ORDER_PAY"
                )
            )
        )
    by_order: dict[str, list[Hold]] = {}
    for h in hold_rows:
        assert h.status in ("captured", "released"), "every hold is settled"
        by_order.setdefault(h.order_id, []).append(h)
    captured_total = 0
    for row in rows:
        captured = [h for h in by_order.get(row.order_id, []) if h.status == "captured"]
        paid_at_market = market.order(P.Platform.ALIBABA, row.order_id).paid_ms is not None
        assert row.pending_operation is None
        if row.pay_state == "paid":
            assert len(captured) == 1 and captured[0].captured == row.total_fen
            assert paid_at_market
            captured_total += captured[0].captured
        else:
            assert row.pay_state == "none" and captured == [] and not paid_at_market
    pay_messages = [oid for oid, _ in types]
    assert sorted(pay_messages) == sorted(r.order_id for r in rows if r.pay_state == "paid")
    money = assert_ok(api.call(dev, "GET", BALANCE))
    assert money["heldAmount"] == 0
    assert money["availableAmount"] + captured_total == topups
