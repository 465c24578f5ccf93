"""Keyword search through the in-process word index (``word_index``), on both databases, over
the small test catalogue every test database carries: checked against a brute-force scan of
the generator's own offers, against ``store.search`` where it falls back, and after the
operator changes an offer (``goods.update_product``)."""

from __future__ import annotations

import re
from functools import cache

import pytest

from daigou.marketplace import port as P
from daigou.marketplace.sandbox import catalogue as C
from daigou.marketplace.sandbox import goods, store, word_index
from daigou.marketplace.sandbox.models import TITLE_LANGS

SEGMENTED = re.compile(r"[\u2e80-\u9fff\u0e00-\u0e7f]")


@cache
def _offers(seed: int, shops: int, n1688: int, ntaobao: int) -> tuple[C.Offer, ...]:
    built = C.build_shops(seed, shops)
    return (
        *C.iter_offers(seed, C.PLATFORM_1688, n1688, shops=built),
        *C.iter_offers(seed, C.PLATFORM_TAOBAO, ntaobao, shops=built),
    )


@pytest.fixture
def offers(settings) -> tuple[C.Offer, ...]:
    s = settings
    return _offers(s.sandbox_seed, s.sandbox_shops, s.sandbox_offers_1688, s.sandbox_offers_taobao)


@pytest.fixture
def no_fallback(monkeypatch):
    """Fail if the search falls back to the database's full-text search."""

    def refuse(*args, **kwargs):
        raise AssertionError("store.search was called")

    monkeypatch.setattr(store, "search", refuse)


def has_word(o: C.Offer, word: str) -> bool:
    """Independent of the index: a Chinese or Thai vocabulary word is in a title when the
    title contains it; any other word when it is one of a title's ``\\w+`` runs."""
    titles = [o.titles[x].casefold() for x in TITLE_LANGS]
    if SEGMENTED.search(word):
        return any(word in t for t in titles)
    return any(word in re.findall(r"\w+", t) for t in titles)


def expected(offers, platform, words, **filters) -> list[C.Offer]:
    found = [
        o
        for o in offers
        if o.on_sale
        and o.platform == platform
        and all(has_word(o, w.casefold()) for w in words)
        and (filters.get("price_min") is None or o.price_fen >= filters["price_min"])
        and (filters.get("price_max") is None or o.price_fen <= filters["price_max"])
        and (filters.get("shop_id") is None or o.shop_id == filters["shop_id"])
    ]
    return sorted(found, key=lambda o: (-o.month_sold, o.offer_id))


def everything(db, **kw) -> tuple[list[dict], int]:
    items, total = word_index.search(db, page_size=200, **kw)
    page = 2
    while len(items) < total:
        more, again = word_index.search(db, page=page, page_size=200, **kw)
        assert again == total and more
        items += more
        page += 1
    return items, total


KEYWORDS = [
    ("shirt", "en", ["shirt"]),
    ("bag", "en", ["bag"]),
    ("T恤", "zh", ["t恤"]),
    ("T恤", "en", ["t恤"]),  # any title's words count
    ("áo", "vi", ["áo"]),
    ("Áo polo", "vi", ["áo", "polo"]),
    ("camiseta", "es", ["camiseta"]),
    ("เสื้อยืด", "th", ["เสื้อยืด"]),
    ("ผ้าฝ้าย ผู้หญิง", "th", ["ผ้าฝ้าย", "ผู้หญิง"]),
    ("polo shirt", "en", ["polo", "shirt"]),
    ("短袖", "zh", ["短袖"]),  # a part of the compound "短袖T恤"
    ("纯棉 T恤", "zh", ["纯棉", "t恤"]),
    ("纯棉T恤", "zh", ["纯棉", "t恤"]),  # segmented without a space
    ("2026 NEW", "en", ["2026", "new"]),
    ("camiseta mochila", "es", ["camiseta", "mochila"]),  # both words known, no offer has both
]


@pytest.mark.parametrize(("keyword", "lang", "words"), KEYWORDS)
@pytest.mark.parametrize("platform", C.PLATFORMS)
def test_keyword_search_finds_exactly_the_offers_with_every_word(
    db, offers, no_fallback, keyword, lang, words, platform
):
    want = expected(offers, platform, words)
    items, total = everything(db, platform=platform, keyword=keyword, language=lang)
    assert total == len(items) == len(want)
    assert [i["offer_id"] for i in items] == [o.offer_id for o in want]  # best sellers first
    for item in items:
        assert item["on_sale"] is True and item["platform"] == platform
        assert set(item) == set(store.COLUMNS)
    if keyword != "camiseta mochila" and platform == C.PLATFORM_1688:
        assert want, "the test catalogue should have offers with these words"


def test_the_rows_are_the_database_rows(db):
    mine, total = word_index.search(db, C.PLATFORM_1688, "polo shirt", "en", page_size=200)
    theirs, their_total = store.search(db, C.PLATFORM_1688, "polo shirt", "en", page_size=200)
    assert total == their_total  # no "polo shirt" inside a longer word in this catalogue
    assert sorted(mine, key=lambda r: r["offer_id"]) == sorted(theirs, key=lambda r: r["offer_id"])


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("relevance", lambda i: (-i["month_sold"], i["offer_id"])),
        ("sale_desc", lambda i: (-i["month_sold"], i["offer_id"])),
        ("price_asc", lambda i: (i["price_fen"], -i["month_sold"], i["offer_id"])),
        ("price_desc", lambda i: (-i["price_fen"], -i["month_sold"], i["offer_id"])),
    ],
)
@pytest.mark.parametrize("keyword", ["", "áo", "bag"])
def test_sorts_hold_and_pages_neither_overlap_nor_skip(db, no_fallback, sort, key, keyword):
    whole, total = everything(db, platform=C.PLATFORM_1688, keyword=keyword, sort=sort)
    assert total == len(whole) > 0
    assert whole == sorted(whole, key=key)
    pages: list[dict] = []
    for page in range(1, total // 7 + 3):
        items, again = word_index.search(
            db, C.PLATFORM_1688, keyword, "vi", page=page, page_size=7, sort=sort
        )
        assert again == total
        assert len(items) == max(0, min(7, total - (page - 1) * 7))
        pages += items
    assert [i["offer_id"] for i in pages] == [i["offer_id"] for i in whole]


def test_no_keyword_gives_every_on_sale_offer_best_sellers_first(db, offers, no_fallback):
    for platform in C.PLATFORMS:
        items, total = everything(db, platform=platform, keyword="  ")
        assert [i["offer_id"] for i in items] == [
            o.offer_id for o in expected(offers, platform, [])
        ]
    off = [o for o in offers if not o.on_sale]
    assert off, "the test catalogue should have off-sale offers"
    for o in off:
        found, _ = everything(db, platform=o.platform, keyword=o.titles["en"], language="en")
        assert o.offer_id not in {i["offer_id"] for i in found}


def test_price_and_shop_filters(db, offers, no_fallback):
    prices = sorted(o.price_fen for o in offers if o.platform == C.PLATFORM_1688)
    low, high = prices[len(prices) // 4], prices[len(prices) // 2]
    for keyword, words in (("", []), ("shirt", ["shirt"]), ("T恤", ["t恤"])):
        for filters in (
            {"price_min": low},
            {"price_max": high},
            {"price_min": low, "price_max": high},
            {"price_min": high, "price_max": low},  # empty
        ):
            items, total = everything(db, platform=C.PLATFORM_1688, keyword=keyword, **filters)
            want = expected(offers, C.PLATFORM_1688, words, **filters)
            assert [i["offer_id"] for i in items] == [o.offer_id for o in want]
    shop = next(o.shop_id for o in offers if o.platform == C.PLATFORM_TAOBAO)
    for keyword, words in (("", []), ("2026", ["2026"])):
        items, total = everything(db, platform=C.PLATFORM_TAOBAO, keyword=keyword, shop_id=shop)
        want = expected(offers, C.PLATFORM_TAOBAO, words, shop_id=shop)
        assert total > 0 and [i["offer_id"] for i in items] == [o.offer_id for o in want]
    assert word_index.search(db, C.PLATFORM_TAOBAO, "", shop_id="no-such-shop") == ([], 0)


@pytest.mark.parametrize(
    ("keyword", "lang"),
    [("shir", "en"), ("恤", "zh"), ("短", None), ("%", "en"), ('sh"irt', "en"), ("xyzzy", "en")],
)
@pytest.mark.parametrize("sort", ["relevance", "price_asc"])
def test_a_part_that_is_no_catalogue_word_falls_back_to_the_substring_search(
    db, keyword, lang, sort
):
    for page in (1, 2):
        got = word_index.search(db, C.PLATFORM_1688, keyword, lang, page, 10, sort)
        assert got == store.search(db, C.PLATFORM_1688, keyword, lang, page, 10, sort)
    if keyword == "shir":
        assert got[1] > 0
    # no platform: the database search too
    assert word_index.search(db, None, "shirt", "en") == store.search(db, None, "shirt", "en")


def test_bad_arguments_are_refused(db):
    with pytest.raises(ValueError):
        word_index.search(db, C.PLATFORM_1688, "shirt", sort="random")
    with pytest.raises(ValueError):
        word_index.search(db, C.PLATFORM_1688, "shirt", language="fr")


def test_a_product_change_shows_in_the_next_search(db, settings, offers):
    word_index.warm(db)
    items, total = word_index.search(db, C.PLATFORM_1688, "", sort="price_asc", page_size=200)
    target = items[-1]  # the most expensive on-sale offer
    platform = P.Platform(C.PLATFORM_1688)
    goods.update_product(db, settings, 1, platform, target["offer_id"], price=1)
    items, again = word_index.search(db, C.PLATFORM_1688, "", sort="price_asc", page_size=5)
    assert again == total
    assert items[0]["offer_id"] == target["offer_id"] and items[0]["price_fen"] == 1
    cheap, _ = word_index.search(db, C.PLATFORM_1688, "", price_max=1)
    assert [i["offer_id"] for i in cheap] == [target["offer_id"]]

    goods.update_product(db, settings, 2, platform, target["offer_id"], on_sale=False)
    _, fewer = word_index.search(db, C.PLATFORM_1688, "", page_size=1)
    assert fewer == total - 1
    words = " ".join(re.findall(r"\w+", target["title_en"]))
    found, _ = everything(db, platform=C.PLATFORM_1688, keyword=words, language="en")
    assert target["offer_id"] not in {i["offer_id"] for i in found}
    assert word_index.search(db, C.PLATFORM_1688, "", price_max=1) == ([], 0)

    goods.update_product(db, settings, 3, platform, target["offer_id"], on_sale=True, price=2)
    items, again = word_index.search(db, C.PLATFORM_1688, "", sort="price_asc", page_size=1)
    assert again == total and items[0]["offer_id"] == target["offer_id"]
    assert items[0]["price_fen"] == 2


def test_the_port_search_goes_through_the_word_index(db, settings, no_fallback):
    query = P.SearchQuery(
        platform=P.Platform(C.PLATFORM_TAOBAO), keyword="T恤", language="en", page_size=5
    )
    page = goods.search(db, settings, query)
    assert page.total > 0 and page.items
    assert all("T-shirt" in i.title.translated for i in page.items)


# --- the tokenizer -------------------------------------------------------------------------


def test_chinese_titles_are_cut_into_vocabulary_words():
    assert word_index.tokens("2026新款女纯棉短袖T恤宽松休闲", "zh") == [
        "2026",
        "新款",
        "女",
        "纯棉",
        "短袖t恤",
        "宽松",
        "休闲",
    ]
    assert word_index.tokens("T恤", "zh") == ["t恤"]
    assert word_index.tokens("T恤", "en") == ["t恤"]
    assert word_index.tokens("纯棉短袖", "zh") == ["纯棉", "短袖"]
    assert word_index.tokens("Polo衫男", "zh") == ["polo衫", "男"]
    assert word_index.tokens("恤", "zh") == ["恤"]  # a fragment stays one character


def test_generated_titles_segment_into_known_words(offers):
    lexicon = word_index._lexicon().words
    for o in offers[:200]:
        for word in word_index.tokens(o.title_zh, "zh"):
            assert word in lexicon or word.isascii(), (o.title_zh, word)
        for word in word_index.tokens(o.titles["th"], "th"):
            assert word in lexicon or word.isascii(), (o.titles["th"], word)


def test_latin_scripts_split_on_non_word_characters():
    assert word_index.tokens("2026 new men cotton short-sleeve T-shirt", "en") == [
        "2026",
        "new",
        "men",
        "cotton",
        "short",
        "sleeve",
        "t",
        "shirt",
    ]
    assert word_index.tokens("Áo phông NGẮN tay", "vi") == ["áo", "phông", "ngắn", "tay"]
    # decomposed Vietnamese is the same word
    assert word_index.tokens("A\u0301o", "vi") == ["áo"]
    assert word_index.tokens("เสื้อยืดแขนสั้น ผ้าฝ้าย", "th") == ["เสื้อยืดแขนสั้น", "ผ้าฝ้าย"]
