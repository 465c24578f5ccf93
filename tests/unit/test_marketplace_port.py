"""The little logic the port's DTOs carry: tier prices and SKU lookup (1688 rules)."""

from daigou.marketplace.port import (
    Offer,
    Platform,
    PriceTier,
    Seller,
    Shipping,
    Sku,
    Text,
)


def _offer(tiers=(), skus=None):
    skus = skus or (Sku("s1", "a" * 32, (), 1_000, None, 5), Sku("s2", "b" * 32, (), 1_200, 990, 0))
    return Offer(
        platform=Platform.ALIBABA,
        offer_id="600000000001",
        category_id=1,
        category_name=Text("服装", "Apparel"),
        title=Text("T恤", "T-shirt"),
        description="",
        images=(),
        skus=skus,
        price_tiers=tuple(tiers),
        min_order_quantity=2,
        shipping=Shipping("浙江 义乌", 200, 300, 200, 50, 800, 200),
        seller=Seller("BBBabc", "shop1", Text("店"), "nick"),
        on_sale=True,
    )


def test_quantity_tiers_give_the_price_of_the_highest_tier_reached():
    offer = _offer(tiers=[PriceTier(1, 1_000), PriceTier(50, 900), PriceTier(200, 800)])
    sku = offer.skus[0]
    assert offer.unit_price(1, sku) == 1_000
    assert offer.unit_price(49, sku) == 1_000
    assert offer.unit_price(50, sku) == 900
    assert offer.unit_price(500, sku) == 800


def test_without_tiers_a_promotion_price_wins_over_the_list_price():
    offer = _offer()
    assert offer.unit_price(1, offer.skus[0]) == 1_000
    assert offer.unit_price(1, offer.skus[1]) == 990


def test_a_sku_is_found_by_spec_id_or_sku_id_and_a_single_sku_offer_needs_none():
    offer = _offer()
    assert offer.sku_by_spec("b" * 32).sku_id == "s2"
    assert offer.sku_by_spec("s1").spec_id == "a" * 32
    assert offer.sku_by_spec("missing") is None
    assert offer.sku_by_spec(None) is None, "several SKUs: the spec is required"
    single = _offer(skus=(Sku("only", "c" * 32, (), 500, None, 3),))
    assert single.sku_by_spec(None).sku_id == "only"


def test_platforms_map_to_the_message_platform_numbers_of_the_contract():
    assert Platform.TAOBAO.message_platform == 0
    assert Platform.ALIBABA.message_platform == 1
