"""The sandbox catalogue: deterministic, translated, well-formed simulated Taobao + 1688 goods."""

import re

import pytest

from daigou.marketplace.sandbox import catalogue as cat
from daigou.marketplace.sandbox.catalogue import (
    LANGS,
    build_catalogue,
    decode_offer_id,
    iter_offers,
    make_offer,
    offer_description,
    translate_attributes,
)

SEED = 424242


@pytest.fixture(scope="module")
def small():
    return build_catalogue(SEED, shops=40, offers_1688=1500, offers_taobao=1500)


def test_two_builds_with_the_same_seed_are_equal(small):
    again = build_catalogue(SEED, shops=40, offers_1688=1500, offers_taobao=1500)
    assert again == small
    assert [o.titles for o in again.offers] == [o.titles for o in small.offers]


def test_offer_i_is_the_same_in_a_small_and_a_larger_catalogue(small):
    larger = build_catalogue(SEED, shops=40, offers_1688=3000, offers_taobao=2000)
    for platform in cat.PLATFORMS:
        assert small.offers_of(platform) == larger.offers_of(platform)[:1500]


def test_offers_can_be_regenerated_one_at_a_time(small):
    for offer in small.offers[::97]:
        assert make_offer(SEED, offer.platform, offer.position, shops=40) == offer
        assert next(iter_offers(SEED, offer.platform, 1, start=offer.position, shops=40)) == offer


def test_a_different_seed_gives_a_different_catalogue(small):
    other = build_catalogue(SEED + 1, shops=40, offers_1688=1500, offers_taobao=1500)
    assert [o.title_zh for o in other.offers] != [o.title_zh for o in small.offers]
    assert {o.offer_id for o in other.offers}.isdisjoint({o.offer_id for o in small.offers})


def test_generation_is_pinned_to_fixed_values_on_every_machine():
    # Fixed values: fail if anyone swaps in Python's salted hash(), a platform-dependent
    # byte order or another random stream.
    assert cat.stable_hash(1, "x") == 5587786414374913880
    assert cat.offer_id_for(1, "1688", 0) == "633340021419"
    offer = make_offer(7, "1688", 3, shops=4)
    assert offer.title_zh == "新款PU皮跑步鞋男女同款简约复古"
    assert offer.skus[0].spec_id == "32502609b3f1cd84bec0f498b9f77c9d"


def test_every_title_category_and_shop_name_is_in_all_five_languages(small):
    assert LANGS == ("zh", "en", "vi", "th", "es")
    for category in small.categories:
        assert set(category.names) == set(LANGS)
        assert all(name.strip() for name in category.names.values())
    for shop in small.shops:
        assert set(shop.names) == set(LANGS)
        assert all(name.strip() and "{}" not in name for name in shop.names.values())
        assert shop.names["zh"] == shop.name_zh
    for offer in small.offers:
        assert set(offer.titles) == set(LANGS)
        assert all(title.strip() for title in offer.titles.values())
        assert offer.titles["zh"] == offer.title_zh
        assert re.search(r"[\u4e00-\u9fff]", offer.title_zh)
        assert re.search(r"[\u0e00-\u0e7f]", offer.titles["th"])


def test_the_category_tree_has_ten_top_categories_each_with_three_to_six_leaves(small):
    tops = small.children(0)
    assert len(tops) == 10
    for top in tops:
        assert top.level == 1 and not top.leaf and top.parent_id == 0
        leaves = small.children(top.category_id)
        assert 3 <= len(leaves) <= 6
        assert all(c.leaf and c.level == 2 for c in leaves)
    assert {small.category(o.category_id).leaf for o in small.offers} == {True}


def test_ids_are_unique_and_well_formed(small):
    offer_ids = [o.offer_id for o in small.offers]
    assert len(set(offer_ids)) == len(offer_ids)
    assert all(re.fullmatch(r"[67]\d{11}", i) for i in offer_ids)
    shop_ids = [s.shop_id for s in small.shops]
    assert len(set(shop_ids)) == len(shop_ids)
    assert all(re.fullmatch(r"\d{10}", i) for i in shop_ids)
    assert len({s.seller_open_id for s in small.shops}) == len(small.shops)
    assert all(re.fullmatch(r"(BBB|AAE)[0-9A-Za-z]{22}", s.seller_open_id) for s in small.shops)
    skus = [s for o in small.offers for s in o.skus]
    assert len({s.sku_id for s in skus}) == len(skus)
    assert len({s.spec_id for s in skus}) == len(skus)
    assert all(re.fullmatch(r"[0-9a-f]{32}", s.spec_id) for s in skus)
    assert all(re.fullmatch(r"\d{14}", s.sku_id) for s in skus)


def test_offer_ids_decode_back_to_platform_and_position(small):
    for offer in small.offers[::53]:
        assert decode_offer_id(SEED, offer.offer_id) == (offer.platform, offer.position)
        assert small.offer(offer.offer_id) == offer
    assert decode_offer_id(SEED, "12345") is None
    assert decode_offer_id(SEED, "912345678901") is None


def test_offers_point_at_existing_shops_of_their_platform(small):
    for offer in small.offers:
        shop = small.shop(offer.shop_id)
        assert shop is not None and shop.platform == offer.platform
        assert small.category(offer.category_id) is not None


def test_prices_are_positive_integer_fen_and_tiers_descend(small):
    for offer in small.offers:
        assert type(offer.price_fen) is int and offer.price_fen > 0
        for sku in offer.skus:
            assert type(sku.price_fen) is int and sku.price_fen > 0
            if sku.promotion_price_fen is not None:
                assert type(sku.promotion_price_fen) is int
                assert 0 < sku.promotion_price_fen < sku.price_fen
        assert offer.price_fen == min(s.price_fen for s in offer.skus)
        tiers = offer.price_tiers
        if offer.platform == "1688":
            assert tiers and tiers[0][0] == offer.min_order_quantity
            for (q1, p1), (q2, p2) in zip(tiers, tiers[1:]):
                assert q2 > q1 and p2 < p1
            assert all(type(q) is int and type(p) is int and p > 0 for q, p in tiers)
        else:
            assert tiers == ()
        assert all(type(fee) is int and fee >= 0 for fee in offer.freight_template)


def test_quantity_prices_follow_the_tiers():
    offer = next(
        o
        for o in iter_offers(SEED, "1688", 500, shops=10)
        if o.quote_type == 1 and len(o.price_tiers) >= 2
    )
    (q0, p0), (q1, p1) = offer.price_tiers[:2]
    assert offer.price_for_quantity(q0) == p0
    assert offer.price_for_quantity(q1) == p1 < p0


def test_min_order_quantities_are_wholesale_on_1688_and_one_or_two_on_taobao(small):
    moqs_1688 = {o.min_order_quantity for o in small.offers_of("1688")}
    moqs_taobao = {o.min_order_quantity for o in small.offers_of("taobao")}
    assert {1, 2, 5, 10} <= moqs_1688
    assert moqs_taobao <= {1, 2} and 1 in moqs_taobao


def test_sku_stock_is_never_negative_and_counts_are_sane(small):
    for offer in small.offers:
        assert 1 <= len(offer.skus) <= 12
        assert all(type(s.stock) is int and s.stock >= 0 for s in offer.skus)
        assert offer.weight_g > 0 and min(offer.length_mm, offer.width_mm, offer.height_mm) > 0
    assert any(len(o.skus) == 1 for o in small.offers)
    assert any(len(o.skus) >= 6 for o in small.offers)


def test_apparel_skus_combine_colour_and_size(small):
    apparel = [o for o in small.offers if o.category_id // 100 == 1001 and len(o.skus) > 1]
    assert apparel
    for offer in apparel:
        names = {tuple(n for n, _ in s.attributes) for s in offer.skus}
        assert names == {("颜色", "尺码")}
        assert len({s.attributes for s in offer.skus}) == len(offer.skus)


def test_off_sale_and_out_of_stock_shares_are_about_two_and_three_percent():
    offers = list(iter_offers(SEED, "1688", 4000, shops=20)) + list(
        iter_offers(SEED, "taobao", 4000, shops=20)
    )
    off_sale = sum(not o.on_sale for o in offers) / len(offers)
    sold_out = sum(not o.in_stock for o in offers) / len(offers)
    assert 0.01 <= off_sale <= 0.03
    assert 0.02 <= sold_out <= 0.045


def test_keywords_in_several_languages_find_matching_offers(small):
    def titles(lang, word):
        return [o for o in small.offers if word.lower() in o.titles[lang].lower()]

    assert titles("en", "shirt")
    assert titles("vi", "áo")
    assert titles("zh", "T恤")
    assert titles("en", "bag")
    assert titles("zh", "包")
    assert titles("es", "camiseta")
    assert titles("th", "เสื้อ")
    # an apparel title is apparel in every language
    for offer in titles("zh", "T恤"):
        assert "t-shirt" in offer.titles["en"].lower()
        assert "áo" in offer.titles["vi"]


def test_attributes_and_descriptions_translate(small):
    offer = small.offers[0]
    for lang in LANGS:
        assert offer_description(offer, lang).startswith(offer.titles[lang])
    assert offer_description(offer, "zh").startswith(offer.description_zh[:10])
    en = translate_attributes(offer.skus[0].attributes, "en")
    assert all(not re.search(r"[\u4e00-\u9fff]", n) for n, _ in en)


def test_money_is_never_a_float(small):
    for offer in small.offers[:300]:
        values = [offer.price_fen, offer.promotion_price_fen, *offer.freight_template]
        values += [p for _, p in offer.price_tiers]
        values += [s.price_fen for s in offer.skus] + [s.promotion_price_fen for s in offer.skus]
        assert not any(isinstance(v, float) for v in values)
