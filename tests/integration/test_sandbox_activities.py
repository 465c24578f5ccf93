"""The sandbox adapter's offer activities (ENDPOINTS 9.2) on its database and clock: the same
answer from any process for the same time, windows that follow the sandbox clock, special
prices that stay below an operator's new price, and unknown offers not found."""

from __future__ import annotations

import pytest

from daigou.core.clock import ManualClock
from daigou.marketplace import port as P
from daigou.marketplace.sandbox import activities, goods
from daigou.marketplace.sandbox.adapter import SandboxMarketplace
from daigou.marketplace.sandbox.clock import SandboxClock
from tests.support.orders1688 import orderable

A = P.Platform.ALIBABA
START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
WEEK_S = activities.WEEKLY_CYCLE_DAYS * 86_400


def sandbox(settings, db, base: ManualClock) -> SandboxMarketplace:
    return SandboxMarketplace(db, settings, SandboxClock(db, base))


def offer_ids(settings, count: int, multi_sku: bool | None = None) -> list[str]:
    """Offer ids of the test catalogue (on sale) with ``count`` activity series."""
    return [
        o.offer_id
        for o, _, _ in orderable(settings, multi_sku=multi_sku)
        if len(activities.kinds_of(o.offer_id)) == count
    ]


def test_two_sandboxes_at_the_same_time_answer_the_same(settings, db):
    one = sandbox(settings, db, ManualClock(START_MS))
    two = sandbox(settings, db, ManualClock(START_MS))
    ids = offer_ids(settings, 1)[:3] + offer_ids(settings, 2)[:3] + offer_ids(settings, 0)[:2]
    assert len(ids) == 8
    for offer_id in ids:
        mine = one.offer_activities(A, offer_id, "en")
        assert mine == two.offer_activities(A, offer_id, "en")
        assert len(mine) == len(activities.kinds_of(offer_id))
        assert one.offer_activities(A, int(offer_id), "en") == mine  # type: ignore[arg-type]


def test_windows_follow_the_sandbox_clock(settings, db):
    clock = ManualClock(START_MS)
    market = sandbox(settings, db, clock)
    offer_id = offer_ids(settings, 2)[0]
    weekly, flash = market.offer_activities(A, offer_id, "en")
    assert weekly.start_ms <= START_MS < weekly.end_ms and flash.end_ms > START_MS
    clock.advance(WEEK_S)
    later, _ = market.offer_activities(A, offer_id, "en")
    assert later.activity_id != weekly.activity_id
    assert later.start_ms <= clock.now_ms() < later.end_ms


def test_special_prices_stay_below_an_operators_new_price(settings, db):
    market = sandbox(settings, db, ManualClock(START_MS))
    offer_id = offer_ids(settings, 1, multi_sku=True)[0]
    offer = market.offer(A, offer_id, "en")
    sku = offer.skus[0]
    goods.update_product(db, settings, START_MS, A, offer_id, sku_id=sku.sku_id, price=200)
    (activity,) = market.offer_activities(A, offer_id, "en")
    special = {p.spec_id: p.price_fen for p in activity.prices}
    assert special[sku.spec_id] < 200
    goods.update_product(db, settings, START_MS, A, offer_id, sku_id=sku.sku_id, on_sale=False)
    (activity,) = market.offer_activities(A, offer_id, "en")
    assert sku.spec_id not in {p.spec_id for p in activity.prices}


def test_unknown_offers_are_not_found(settings, db):
    market = sandbox(settings, db, ManualClock(START_MS))
    taobao_id = "7" + offer_ids(settings, 1)[0][1:]  # a 1688 call never finds a Taobao item
    for unknown in ("999999999999", "6", taobao_id):
        with pytest.raises(P.MarketplaceNotFound) as raised:
            market.offer_activities(A, unknown, "en")
        assert raised.value.what == "offer"
