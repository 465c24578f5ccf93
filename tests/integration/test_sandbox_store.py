"""The sandbox catalogue in the database: idempotent bulk load, and full-text search through
the trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL) checked against a brute-force scan
of the generator's own offers."""

from __future__ import annotations

from functools import cache

import pytest
import sqlalchemy as sa

from daigou.marketplace.sandbox import catalogue as C
from daigou.marketplace.sandbox.store import load_catalogue, loaded_catalogue, search

SEED = 7
SHOPS = 20
PER_PLATFORM = 400


@cache
def offers() -> tuple[C.Offer, ...]:
    shops = C.build_shops(SEED, SHOPS)
    return tuple(o for p in C.PLATFORMS for o in C.iter_offers(SEED, p, PER_PLATFORM, shops=shops))


def expected(platform: str | None, keyword: str, lang: str) -> set[str]:
    parts = keyword.lower().split()
    return {
        o.offer_id
        for o in offers()
        if o.on_sale
        and (platform is None or o.platform == platform)
        and all(p in o.titles[lang].lower() for p in parts)
    }


@pytest.fixture
def loaded(db):
    assert load_catalogue(db, SEED, SHOPS, PER_PLATFORM, PER_PLATFORM, batch=300) == 800
    return db


def _all(db, **kw) -> tuple[list[dict], int]:
    items, total = search(db, page_size=200, **kw)
    page = 2
    while len(items) < total:
        more, again = search(db, page=page, page_size=200, **kw)
        assert again == total and more
        items += more
        page += 1
    return items, total


def test_loading_is_idempotent_and_a_new_seed_replaces_the_catalogue(loaded):
    db = loaded
    assert loaded_catalogue(db) == {
        "seed": SEED,
        "shops": SHOPS,
        "offers_1688": PER_PLATFORM,
        "offers_taobao": PER_PLATFORM,
    }
    assert load_catalogue(db, SEED, SHOPS, PER_PLATFORM, PER_PLATFORM) == 0
    with db.reading() as conn:
        counts = conn.execute(
            sa.text(
                "SELECT (SELECT COUNT(*) FROM sandbox_offer), (SELECT COUNT(*) FROM sandbox_shop)"
            )
        ).one()
    assert tuple(counts) == (800, SHOPS)
    assert load_catalogue(db, SEED + 1, 10, 50, 50) == 100
    with db.reading() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM sandbox_offer")).scalar_one() == 100
    _, total = _all(db, keyword="shirt", language="en")
    assert total == len(
        {
            o.offer_id
            for p in C.PLATFORMS
            for o in C.iter_offers(SEED + 1, p, 50, shops=C.build_shops(SEED + 1, 10))
            if o.on_sale and "shirt" in o.titles["en"].lower()
        }
    )


@pytest.mark.parametrize(
    ("keyword", "lang"),
    [("shirt", "en"), ("T恤", "zh"), ("áo", "vi"), ("bag", "en"), ("เสื้อ", "th"), ("Áo polo", "vi")],
)
@pytest.mark.parametrize("platform", [None, C.PLATFORM_TAOBAO])
def test_keyword_search_finds_exactly_the_offers_whose_title_contains_it(
    loaded, keyword, lang, platform
):
    want = expected(platform, keyword, lang)
    assert want, "the small catalogue should contain the keyword"
    items, total = _all(loaded, platform=platform, keyword=keyword, language=lang)
    assert total == len(want) == len(items)
    assert {i["offer_id"] for i in items} == want
    for item in items:
        assert all(p in item[f"title_{lang}"].lower() for p in keyword.lower().split())
        assert item["on_sale"] is True
        if platform:
            assert item["platform"] == platform


def test_relevance_puts_the_closest_titles_first(loaded):
    """A two-word keyword: only offers with both words, the exact phrase ranked above others."""
    items, total = _all(loaded, keyword="polo shirt", language="en")
    assert total == len(expected(None, "polo shirt", "en")) > 0
    phrase = ["polo shirt" in i["title_en"].lower() for i in items]
    assert phrase[0], "an exact phrase should rank first"


def test_paging_and_totals_agree(loaded):
    whole, total = _all(loaded, keyword="bag", language="en", sort="price_asc")
    pages = []
    for page in range(1, total // 7 + 3):
        items, again = search(
            loaded, keyword="bag", language="en", sort="price_asc", page=page, page_size=7
        )
        assert again == total
        assert len(items) == max(0, min(7, total - (page - 1) * 7))
        pages += items
    assert [i["offer_id"] for i in pages] == [i["offer_id"] for i in whole]
    assert len({i["offer_id"] for i in pages}) == total


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("price_asc", "price_fen", False),
        ("price_desc", "price_fen", True),
        ("sale_desc", "month_sold", True),
        ("relevance", "month_sold", True),  # no keyword: best sellers first
    ],
)
def test_sort_orders_hold(loaded, sort, key, reverse):
    items, total = _all(loaded, platform=C.PLATFORM_1688, sort=sort)
    assert total == sum(1 for o in offers() if o.on_sale and o.platform == C.PLATFORM_1688)
    values = [i[key] for i in items]
    assert values == sorted(values, reverse=reverse)
    items, _ = _all(loaded, keyword="áo", language="vi", sort=sort)
    values = [i[key] for i in items]
    if sort != "relevance":
        assert values == sorted(values, reverse=reverse)


def test_price_and_shop_filters_hold(loaded):
    prices = sorted(o.price_fen for o in offers() if o.on_sale)
    low, high = prices[len(prices) // 4], prices[len(prices) // 2]
    items, total = _all(loaded, price_min=low, price_max=high)
    assert total == sum(1 for o in offers() if o.on_sale and low <= o.price_fen <= high)
    assert all(low <= i["price_fen"] <= high for i in items)
    shop = offers()[0].shop_id
    items, total = _all(loaded, shop_id=shop, keyword="2026", language="en")
    assert total == sum(
        1 for o in offers() if o.on_sale and o.shop_id == shop and "2026" in o.titles["en"]
    )
    assert all(i["shop_id"] == shop for i in items)


def test_off_sale_offers_never_appear(loaded):
    off = [o for o in offers() if not o.on_sale]
    assert off, "the small catalogue should have off-sale offers"
    items, total = _all(loaded)
    assert total == len(offers()) - len(off)
    ids = {i["offer_id"] for i in items}
    for o in off:
        assert o.offer_id not in ids
        words = o.titles["en"].split()
        found, _ = _all(loaded, keyword=" ".join(words[1:3]), language="en")
        assert o.offer_id not in {i["offer_id"] for i in found}


SPECIAL = [
    '"',
    "'",
    "*",
    ":",
    "%",
    "_",
    "a'b",
    'sh"irt',
    "shirt*",
    "title_en: bag",
    "100%",
    "-x",
    "NEAR(a b)",
    "'; DROP TABLE sandbox_offer; --",
    "(((",
    "\\",
    "AND OR NOT",
    "^shirt",
]


def test_special_characters_do_not_break_the_search(loaded):
    for keyword, lang in [(k, x) for k in SPECIAL for x in (None, "en", "zh")]:
        items, total = search(loaded, keyword=keyword, language=lang)
        assert total >= len(items)
        for item in items:  # whatever is found does contain the keyword, literally
            titles = (
                [item[f"title_{lang}"]]
                if lang
                else [item[k] for k in item if k.startswith("title_")]
            )
            for part in keyword.lower().split():
                assert any(part in t.lower() for t in titles)
    assert search(loaded, keyword="%", language="en")[1] == 0
    assert search(loaded)[1] > 0  # nothing was dropped


def test_unknown_sort_or_language_is_refused(loaded):
    with pytest.raises(ValueError):
        search(loaded, sort="random")
    with pytest.raises(ValueError):
        search(loaded, language="fr")
