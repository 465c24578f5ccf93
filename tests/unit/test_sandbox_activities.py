"""The sandbox's offer activities (ENDPOINTS 9.2), derived from the offer and the clock: which
offers have them, special prices below the SKUs' prices, windows around the sandbox's now, and
the same answer for the same offer and time."""

from __future__ import annotations

from dataclasses import replace

import pytest

from daigou.marketplace import port as P
from daigou.marketplace.sandbox import activities as A
from daigou.marketplace.sandbox import catalogue as C

NOW = 1_767_225_600_000  # 2026-01-01T00:00:00Z
IDS = [C.offer_id_for(C.DEFAULT_SEED, "1688", i) for i in range(3_000)]


def offer(offer_id: str, *skus: P.Sku, moq: int = 1, on_sale: bool = True) -> P.Offer:
    skus = skus or (
        P.Sku("s1", "a" * 32, (), 1_000, None, 40),
        P.Sku("s2", "b" * 32, (), 1_290, None, 7),
    )
    return P.Offer(
        platform=P.Platform.ALIBABA,
        offer_id=offer_id,
        category_id=1,
        category_name=P.Text("服装", "Apparel"),
        title=P.Text("T恤", "T-shirt"),
        description="",
        images=(),
        skus=skus,
        price_tiers=(),
        min_order_quantity=moq,
        shipping=P.Shipping("浙江 义乌", 200, 300, 200, 50, 800, 200),
        seller=P.Seller("BBBabc", "shop1", P.Text("店"), "nick"),
        on_sale=on_sale,
    )


def with_kinds(count: int) -> str:
    return next(i for i in IDS if len(A.kinds_of(i)) == count)


def test_about_a_third_of_offers_have_activities_one_or_two():
    counts = [len(A.kinds_of(i)) for i in IDS]
    share = sum(1 for c in counts if c) / len(counts)
    assert 0.28 < share < 0.39, share
    assert {1, 2} <= set(counts) and set(counts) <= {0, 1, 2}


def test_an_offer_without_activities_answers_none():
    assert A.offer_activities(offer(with_kinds(0)), NOW, "en") == ()


@pytest.mark.parametrize("count", [1, 2])
def test_the_same_offer_and_time_give_the_same_activities(count):
    o = offer(with_kinds(count))
    first = A.offer_activities(o, NOW, "en")
    assert len(first) == count
    assert A.offer_activities(o, NOW, "en") == first
    # anywhere in the running activity's window, it is the same activity
    running = first[0]
    for t in (running.start_ms, running.end_ms - 1):
        assert A.offer_activities(o, t, "en")[0] == running


def test_special_prices_are_below_each_skus_price_and_name_its_spec_id():
    for offer_id in [i for i in IDS if A.kinds_of(i)][:50]:
        o = offer(offer_id)
        price = {s.spec_id: s.price_fen for s in o.skus}
        for activity in A.offer_activities(o, NOW, "en"):
            assert [p.spec_id for p in activity.prices] == list(price)
            for p in activity.prices:
                assert 1 <= p.price_fen < price[p.spec_id]


def test_one_activity_runs_now_and_a_flash_sale_runs_now_or_starts_later():
    starts_later = running_flash = 0
    for offer_id in [i for i in IDS if len(A.kinds_of(i)) == 2][:60]:
        weekly, flash = A.offer_activities(offer(offer_id), NOW, "en")
        assert weekly.start_ms <= NOW < weekly.end_ms
        assert weekly.end_ms - weekly.start_ms == A.WEEKLY_CYCLE_DAYS * A.DAY_MS
        assert flash.end_ms > NOW and flash.end_ms - flash.start_ms == A.DAY_MS
        if flash.start_ms > NOW:
            starts_later += 1
        else:
            running_flash += 1
        assert weekly.activity_id != flash.activity_id
    assert starts_later and running_flash


def test_a_later_week_is_a_new_activity_whose_window_holds_the_new_now():
    o = offer(with_kinds(1))
    (now,) = A.offer_activities(o, NOW, "en")
    later = NOW + A.WEEKLY_CYCLE_DAYS * A.DAY_MS
    (then,) = A.offer_activities(o, later, "en")
    assert then.activity_id != now.activity_id
    assert then.start_ms == now.end_ms and then.start_ms <= later < then.end_ms


def test_names_follow_the_language_and_keep_the_chinese_original():
    o = offer(with_kinds(1))
    (zh,) = A.offer_activities(o, NOW, "zh")
    (en,) = A.offer_activities(o, NOW, "en")
    assert zh.name.original == en.name.original == zh.name.translated
    assert en.name.translated and en.name.translated != en.name.original
    with pytest.raises(ValueError):
        A.offer_activities(o, NOW, "fr")


def test_skus_off_sale_or_at_one_fen_have_no_special_price():
    o = offer(
        with_kinds(1),
        P.Sku("s1", "a" * 32, (), 1_000, None, 5),
        P.Sku("s2", "b" * 32, (), 1_000, None, 5, on_sale=False),
        P.Sku("s3", "c" * 32, (), 1, None, 5),
    )
    (activity,) = A.offer_activities(o, NOW, "en")
    assert [p.spec_id for p in activity.prices] == ["a" * 32]
    assert activity.stock <= 5  # at most what the SKUs it prices hold


def test_an_offer_off_sale_or_with_nothing_to_discount_has_no_activity():
    offer_id = with_kinds(2)
    assert A.offer_activities(offer(offer_id, on_sale=False), NOW, "en") == ()
    one_fen = P.Sku("s1", "a" * 32, (), 1, None, 5)
    assert A.offer_activities(offer(offer_id, one_fen), NOW, "en") == ()


def test_the_buyer_limit_is_never_below_the_minimum_order_quantity():
    o = offer(with_kinds(2), moq=50)
    assert all(a.limit_quantity >= 50 for a in A.offer_activities(o, NOW, "en"))
    sold_out = replace(o, skus=tuple(replace(s, stock=0) for s in o.skus))
    assert all(a.stock == 0 for a in A.offer_activities(sold_out, NOW, "en"))
