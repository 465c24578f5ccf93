"""Deterministic catalogue of the sandbox marketplace (a simulated Taobao + 1688).

Pure: no database, no I/O, no clock. Everything follows from ``seed``:

* the category tree is fixed (ids do not depend on the seed);
* shop ``i`` depends on ``(seed, i)`` only;
* offer ``i`` of a platform depends on ``(seed, platform, i, shop count)`` only, so it is the
  same in a catalogue of 1,000 offers and of 100,000, and on every machine (per-entity RNGs are
  seeded with a blake2b hash, never Python's salted ``hash()``).

Money is integer fen (CNY minor units). Text is Chinese (``zh``) with ``en``, ``vi``, ``th``
and ``es`` translations assembled from the same parts (see ``vocabulary``).

Offer ids are 12-digit decimal strings (``6…`` on 1688, ``7…`` on Taobao) and decode back to
their index (:func:`decode_offer_id`), so one offer can be regenerated without building the
whole catalogue (:func:`make_offer`).
"""

from __future__ import annotations

import gc
import hashlib
import random
import struct
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from daigou.marketplace.sandbox import vocabulary as V

LANGS = V.LANGS
PLATFORM_1688 = "1688"
PLATFORM_TAOBAO = "taobao"
PLATFORMS = (PLATFORM_1688, PLATFORM_TAOBAO)

DEFAULT_SEED = 20260101
DEFAULT_SHOPS = 500
DEFAULT_OFFERS_1688 = 100_000
DEFAULT_OFFERS_TAOBAO = 100_000

OFF_SALE_SHARE = 0.02
OUT_OF_STOCK_SHARE = 0.03
FREIGHT_FIRST_WEIGHT_G = 1000  # freight_template: first kg, then per started extra kg

_OFFER_ID_SPACE = 10**11  # 11 digits after the platform digit
_OFFER_ID_MULT = 2_654_435_761  # coprime with 10**11: index -> id is a bijection
_OFFER_ID_MULT_INV = pow(_OFFER_ID_MULT, -1, _OFFER_ID_SPACE)
_OFFER_ID_PREFIX = {PLATFORM_1688: "6", PLATFORM_TAOBAO: "7"}
_SHOP_ID_SPACE = 10**9
_SHOP_ID_MULT = 7919
_U = 1.0 / 65536  # a 16-bit draw times _U is uniform in [0, 1)
_UNPACK = struct.Struct("<96H").unpack  # little-endian: the same on every machine
_SPEC_STEP = 0x9E3779B97F4A7C15F39CC0605CEDC835  # odd: spec ids of one offer differ
_MASK128 = (1 << 128) - 1
_SKU_SUFFIX = tuple(f"{k:02d}" for k in range(100))
_ZERO_STOCK = int(0.08 * 65536)  # a SKU of an in-stock offer is sold out 8% of the time
_POW200 = tuple(200 ** (i / 1024) for i in range(1024))  # stock: scale x 200^u, heavy tail
blake2b = hashlib.blake2b
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


# --- objects -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Category:
    category_id: int
    parent_id: int  # 0 for the top level
    level: int  # 1 top, 2 leaf
    leaf: bool
    names: Mapping[str, str]  # lang -> name, all of LANGS

    @property
    def name_zh(self) -> str:
        return self.names["zh"]


@dataclass(frozen=True, slots=True)
class Shop:
    shop_id: str  # 10 decimal digits
    seller_open_id: str  # 1688-style encrypted open id: "BBB"/"AAE" + 22 base62 chars
    name_zh: str
    names: Mapping[str, str]  # lang -> name, all of LANGS
    wangwang_nick: str
    platform: str  # "1688" | "taobao"
    province: str  # zh, e.g. 浙江省
    city: str  # zh, e.g. 义乌市
    category_ids: tuple[int, ...]  # the top-level categories it sells in


class Sku(NamedTuple):
    """One SKU. Immutable; a NamedTuple rather than a dataclass because a default catalogue
    holds about a million of them and a tuple is built several times faster."""

    sku_id: str  # offer_id + 2-digit position (14 digits)
    spec_id: str  # 32 lowercase hex (1688 specId; also filled on Taobao)
    attributes: tuple[tuple[str, str], ...]  # zh (name, value); translate with translate()
    price_fen: int
    promotion_price_fen: int | None  # Taobao promotions only, always < price_fen
    stock: int  # >= 0
    image_variant: int  # 0 = the offer's main image, k = colour k


class Offer(NamedTuple):
    """One offer (1688) or item (Taobao). Immutable NamedTuple, for build speed."""

    offer_id: str  # 12 decimal digits
    platform: str  # "1688" | "taobao"
    position: int  # index in its platform's sequence (decode_offer_id gives it back)
    shop_id: str
    category_id: int  # a leaf
    title_zh: str
    titles: Mapping[str, str]  # lang -> title, all of LANGS (zh included)
    description_zh: str
    attributes: tuple[tuple[str, str], ...]  # zh (name, value): 材质, 风格, 产地
    skus: tuple[Sku, ...]
    price_fen: int  # lowest SKU price (the list price)
    promotion_price_fen: int | None  # lowest SKU promotion price (Taobao), else None
    quote_type: int  # 1688: 1 = price by quantity (price_tiers), 0 = price by SKU
    price_tiers: tuple[tuple[int, int], ...]  # (start_quantity, price_fen); () on Taobao
    min_order_quantity: int
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int
    freight_template: tuple[int, int]  # (first kg fee, each started extra kg fee) in fen
    on_sale: bool
    month_sold: int
    repurchase_rate_pct: int
    image_seed: int

    @property
    def stock(self) -> int:
        return sum(s.stock for s in self.skus)

    @property
    def in_stock(self) -> bool:
        return any(s.stock > 0 for s in self.skus)

    def price_for_quantity(self, quantity: int, sku: Sku | None = None) -> int:
        """Unit price in fen for ``quantity`` pieces (tier price, else the SKU's price)."""
        if self.quote_type == 1 and self.price_tiers:
            price = self.price_tiers[0][1]
            for start, tier_price in self.price_tiers:
                if quantity >= start:
                    price = tier_price
            return price
        chosen = sku or self.skus[0]
        return chosen.promotion_price_fen or chosen.price_fen


@dataclass(frozen=True)
class Catalogue:
    seed: int
    categories: tuple[Category, ...]
    shops: tuple[Shop, ...]
    offers: tuple[Offer, ...]
    _categories: dict[int, Category] = field(default_factory=dict, compare=False, repr=False)
    _shops: dict[str, Shop] = field(default_factory=dict, compare=False, repr=False)
    _offers: dict[str, Offer] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._categories.update((c.category_id, c) for c in self.categories)
        self._shops.update((s.shop_id, s) for s in self.shops)
        self._offers.update((o.offer_id, o) for o in self.offers)

    def category(self, category_id: int) -> Category | None:
        return self._categories.get(int(category_id))

    def children(self, category_id: int) -> list[Category]:
        """Direct children; ``0`` gives the top level."""
        return [c for c in self.categories if c.parent_id == int(category_id)]

    def shop(self, shop_id: str) -> Shop | None:
        return self._shops.get(str(shop_id))

    def offer(self, offer_id: str) -> Offer | None:
        return self._offers.get(str(offer_id))

    def offers_of(self, platform: str) -> list[Offer]:
        return [o for o in self.offers if o.platform == platform]

    def offers_of_shop(self, shop_id: str) -> list[Offer]:
        return [o for o in self.offers if o.shop_id == str(shop_id)]


# --- stable hashing ----------------------------------------------------------------------


def stable_hash(*parts: object) -> int:
    """64-bit hash of ``parts`` that is the same in every process and on every machine."""
    data = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


def _b62(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, 62)
        out.append(_B62[r])
    return "".join(out)


# --- categories --------------------------------------------------------------------------


class _Leaf:
    """A leaf category with its precomputed generation data."""

    __slots__ = ("category_id", "top", "nouns", "sku", "price", "weight", "box")

    def __init__(self, category_id: int, top: _Top, spec: dict) -> None:
        self.category_id = category_id
        self.top = top
        self.nouns: list[V.Word] = spec["nouns"]
        self.sku: str = spec["sku"]
        self.price: tuple[int, int] = spec["price"]
        self.weight: tuple[int, int] = spec["weight"]
        self.box: tuple[int, int, int] = spec["box"]


class _Top:
    __slots__ = ("category_id", "materials", "audiences", "styles", "leaves", "audience_first")

    def __init__(self, category_id: int, spec: dict, apparel: bool) -> None:
        self.category_id = category_id
        self.materials: list[V.Word] = [V.M[k] for k in spec["materials"]]
        self.audiences: list[V.Word] = spec["audiences"]
        self.styles: list[V.Word] = spec["styles"]
        self.audience_first = not apparel
        self.leaves: list[_Leaf] = []


def _build_tree() -> tuple[tuple[Category, ...], list[_Top]]:
    categories: list[Category] = []
    tops: list[_Top] = []
    for k, spec in enumerate(V.CATEGORY_TREE):
        top_id = 1001 + k
        categories.append(Category(top_id, 0, 1, False, dict(spec["names"])))
        top = _Top(top_id, spec, apparel=spec["styles"] is V.STYLES_APPAREL)
        for j, leaf_spec in enumerate(spec["leaves"]):
            leaf_id = top_id * 100 + j + 1
            categories.append(Category(leaf_id, top_id, 2, True, dict(leaf_spec["names"])))
            top.leaves.append(_Leaf(leaf_id, top, leaf_spec))
        tops.append(top)
    return tuple(categories), tops


CATEGORIES, _TOPS = _build_tree()


def build_categories() -> tuple[Category, ...]:
    """The fixed category tree: top level (parent 0) first, each followed by its leaves."""
    return CATEGORIES


# --- translation of attribute names and values -------------------------------------------


def _translation_table() -> dict[str, V.Word]:
    table: dict[str, V.Word] = {}
    words: list[V.Word] = [
        V.ATTR_COLOUR,
        V.ATTR_SIZE,
        V.ATTR_SPEC,
        V.ATTR_MODEL,
        V.ATTR_MATERIAL,
        V.ATTR_STYLE,
        V.ATTR_ORIGIN,
        V.DEFAULT_SKU_VALUE,
        *V.COLOURS,
        *V.APPAREL_SIZES,
        *V.SHOE_SIZES,
        *V.KIDS_SIZES,
        *V.SPECS,
        *V.PHONE_MODELS,
        *V.STYLES_APPAREL,
        *V.STYLES_GOODS,
        *V.M.values(),
    ]
    for word in words:
        table.setdefault(word["zh"], word)
    for _prov, city, pinyin, thai in V.SHOP_LOCATIONS:
        table.setdefault(city, V.w(city, pinyin, pinyin, thai, pinyin))
    return table


_TRANSLATIONS = _translation_table()


def translate(text_zh: str, lang: str) -> str:
    """Translate a catalogue word (attribute name or value, material, style, city)."""
    word = _TRANSLATIONS.get(text_zh)
    if word is None:
        return text_zh
    return word.get(lang, text_zh)


def translate_attributes(
    attributes: tuple[tuple[str, str], ...], lang: str
) -> list[tuple[str, str]]:
    return [(translate(n, lang), translate(v, lang)) for n, v in attributes]


_DESC_LABEL = {
    "zh": ("{title}。", "{name}：{value}", "；", "。源头工厂直供，支持一件代发。"),
    "en": ("{title}. ", "{name}: {value}", "; ", ". Factory direct, dropshipping supported."),
    "vi": ("{title}. ", "{name}: {value}", "; ", ". Hàng trực tiếp từ xưởng, hỗ trợ dropship."),
    "th": ("{title} ", "{name}: {value}", "; ", " สินค้าจากโรงงานโดยตรง รองรับดรอปชิป"),
    "es": ("{title}. ", "{name}: {value}", "; ", ". Directo de fábrica, se admite dropshipping."),
}


def offer_description(offer: Offer, lang: str = "zh") -> str:
    """The offer's description in ``lang`` (``description_zh`` for zh)."""
    head, pair, sep, tail = _DESC_LABEL[lang]
    body = sep.join(
        pair.format(name=n, value=v) for n, v in translate_attributes(offer.attributes, lang)
    )
    return head.format(title=offer.titles[lang]) + body + tail


# --- shops -------------------------------------------------------------------------------


def make_shop(seed: int, index: int) -> Shop:
    """Shop ``index`` (even: 1688, odd: Taobao) of the catalogue ``seed``."""
    r = random.Random(stable_hash(seed, "shop", index))
    rand = r.random
    platform = PLATFORM_1688 if index % 2 == 0 else PLATFORM_TAOBAO
    mix = stable_hash(seed, "shop-id") % _SHOP_ID_SPACE
    shop_id = str(_SHOP_ID_SPACE * 2 + (index * _SHOP_ID_MULT + mix) % _SHOP_ID_SPACE)
    brand_zh, brand_py, brand_th = V.SHOP_BRANDS[int(rand() * len(V.SHOP_BRANDS))]
    province, city, city_py, city_th = V.SHOP_LOCATIONS[int(rand() * len(V.SHOP_LOCATIONS))]
    if platform == PLATFORM_1688:
        template = V.SHOP_SUFFIX_1688[int(rand() * len(V.SHOP_SUFFIX_1688))]
        city_short = city[:-1] if city.endswith("市") else city
        fill = {
            "zh": city_short + brand_zh,
            "en": f"{city_py} {brand_py}",
            "vi": f"{brand_py} {city_py}",
            "th": f"{brand_th} {city_th}",
            "es": f"{brand_py} {city_py}",
        }
        prefix = "BBB"
    else:
        template = V.SHOP_SUFFIX_TAOBAO[int(rand() * len(V.SHOP_SUFFIX_TAOBAO))]
        fill = {"zh": brand_zh, "en": brand_py, "vi": brand_py, "th": brand_th, "es": brand_py}
        prefix = "AAE"
    names = {lang: template[lang].format(fill[lang]) for lang in LANGS}
    n_tops = len(_TOPS)
    first = int(rand() * n_tops)
    tops = [first]
    if rand() < 0.4:
        tops.append((first + 1 + int(rand() * (n_tops - 1))) % n_tops)
    return Shop(
        shop_id=shop_id,
        seller_open_id=prefix + _b62(r.getrandbits(132), 22),
        name_zh=names["zh"],
        names=names,
        wangwang_nick=f"{brand_zh}{city[:2]}{shop_id[-4:]}",
        platform=platform,
        province=province,
        city=city,
        category_ids=tuple(_TOPS[t].category_id for t in tops),
    )


def build_shops(seed: int, count: int) -> tuple[Shop, ...]:
    return tuple(make_shop(seed, i) for i in range(count))


# --- offers ------------------------------------------------------------------------------


def offer_id_for(seed: int, platform: str, index: int) -> str:
    if not 0 <= index < _OFFER_ID_SPACE:
        raise ValueError("offer index out of range")
    mix = stable_hash(seed, "offer-id", platform) % _OFFER_ID_SPACE
    body = (index * _OFFER_ID_MULT + mix) % _OFFER_ID_SPACE
    return f"{_OFFER_ID_PREFIX[platform]}{body:011d}"


def decode_offer_id(seed: int, offer_id: str | int) -> tuple[str, int] | None:
    """``(platform, index)`` of an offer id of catalogue ``seed``; None if not well-formed.

    The index may exceed the catalogue's size: check it before calling make_offer.
    """
    text = str(offer_id)
    if len(text) != 12 or not text.isdigit():
        return None
    for platform, prefix in _OFFER_ID_PREFIX.items():
        if text[0] == prefix:
            mix = stable_hash(seed, "offer-id", platform) % _OFFER_ID_SPACE
            return platform, ((int(text[1:]) - mix) * _OFFER_ID_MULT_INV) % _OFFER_ID_SPACE
    return None


_YEARS = ("2026", "2026", "2025", "")
_MOQS = (1, 1, 1, 2, 2, 3, 5, 10, 20, 50)
_TIER_STARTS = (10, 50, 100, 200, 500, 1000, 2000)
_FIRST_FEES = (300, 400, 500, 600, 800)
_EXTRA_FEES = (100, 150, 200, 300)
_TAOBAO_FEES = (500, 800, 1000, 1200)
_COLOUR_STEPS = (1, 3, 5)  # coprime with len(COLOURS) == 14: distinct colours
_SINGLE_SKU_SHARE = 0.08


class _Context:
    """What offers need from the shops: built once per (seed, shop count)."""

    __slots__ = ("seed", "shops", "by_platform", "id_mix")

    def __init__(self, seed: int, shops: int | tuple[Shop, ...]) -> None:
        self.seed = seed
        self.shops = build_shops(seed, shops) if isinstance(shops, int) else shops
        self.by_platform: dict[str, list[tuple[Shop, list[_Top]]]] = {p: [] for p in PLATFORMS}
        tops_by_id = {t.category_id: t for t in _TOPS}
        for shop in self.shops:
            self.by_platform[shop.platform].append(
                (shop, [tops_by_id[c] for c in shop.category_ids])
            )
        self.id_mix = {p: stable_hash(seed, "offer-id", p) % _OFFER_ID_SPACE for p in PLATFORMS}


def _round_price(fen: float, platform: str) -> int:
    if platform == PLATFORM_TAOBAO:  # retail: ends in .90 (or .00 under 1 yuan)
        yuan = int(fen) // 100
        return yuan * 100 + 90 if yuan >= 1 else 90
    return max(10, int(fen) // 10 * 10)  # wholesale: whole jiao


def _sku_axes(
    nx: Callable[[], int], leaf: _Leaf, audience: V.Word
) -> tuple[list, list, V.Word | None]:
    """(colours, second-axis values, second-axis name) for one offer."""
    n_col = len(V.COLOURS)
    start = int((nx() * _U) * n_col)
    step = _COLOUR_STEPS[int((nx() * _U) * 3)]
    kind = leaf.sku
    if kind == "apparel":
        nc = 1 + int((nx() * _U) * 4)
        ns = min(3 + int((nx() * _U) * 3), 12 // nc)
        first = int((nx() * _U) * (len(V.APPAREL_SIZES) - ns + 1))
        second, axis = V.APPAREL_SIZES[first : first + ns], V.ATTR_SIZE
    elif kind == "shoes":
        nc = 1 + int((nx() * _U) * 3)
        ns = min(3 + int((nx() * _U) * 4), 12 // nc)
        low = 0 if audience["zh"] == "女" else (5 if audience["zh"] == "男" else 2)
        first = low + int((nx() * _U) * 3)
        second, axis = V.SHOE_SIZES[first : first + ns], V.ATTR_SIZE
    elif kind == "phone":
        nc = 1 + int((nx() * _U) * 3)
        nm = 2 + int((nx() * _U) * 3)
        first = int((nx() * _U) * (len(V.PHONE_MODELS) - nm + 1))
        second, axis = V.PHONE_MODELS[first : first + nm], V.ATTR_MODEL
    elif kind == "spec":
        nc = 1 + int((nx() * _U) * 3)
        group = int((nx() * _U) * 3)  # 标准/升级/豪华, 小/中/大 or 件装
        specs = (V.SPECS[0:3], V.SPECS[3:6], V.SPECS[6:8])[group]
        second, axis = specs[: 1 + int((nx() * _U) * len(specs))], V.ATTR_SPEC
    else:  # colour only
        nc = 1 + int((nx() * _U) * 6)
        second, axis = [], None
    colours = [V.COLOURS[(start + k * step) % n_col] for k in range(nc)]
    return colours, second, axis


def _draws(seed: int, platform: str, index: int) -> Callable[[], int]:
    """The offer's random stream: 96 uniform 16-bit draws from blake2b (cheap to set up,
    unlike seeding a Mersenne Twister per offer)."""
    key = f"{seed}\x1f{platform}\x1f{index}\x1f".encode()
    data = b"".join(blake2b(key + n, digest_size=64).digest() for n in (b"0", b"1", b"2"))
    return iter(_UNPACK(data)).__next__


def _make_offer(ctx: _Context, platform: str, index: int) -> Offer:
    nx = _draws(ctx.seed, platform, index)
    is_1688 = platform == PLATFORM_1688
    body = (index * _OFFER_ID_MULT + ctx.id_mix[platform]) % _OFFER_ID_SPACE
    offer_id = f"{_OFFER_ID_PREFIX[platform]}{body:011d}"

    shops = ctx.by_platform[platform]
    shop, tops = shops[int((nx() * _U) * len(shops))]
    top = tops[int((nx() * _U) * len(tops))]
    leaf = top.leaves[int((nx() * _U) * len(top.leaves))]
    noun = leaf.nouns[int((nx() * _U) * len(leaf.nouns))]
    material = top.materials[int((nx() * _U) * len(top.materials))]
    audience = top.audiences[int((nx() * _U) * len(top.audiences))]
    styles = top.styles
    n_sty = len(styles)
    i1 = int((nx() * _U) * n_sty)
    style1 = styles[i1]
    style2 = styles[(i1 + 1 + int((nx() * _U) * (n_sty - 1))) % n_sty]
    year = _YEARS[int((nx() * _U) * len(_YEARS))]
    new = (nx() * _U) < 0.7 or bool(year)

    # titles, assembled from the same parts in every language
    titles: dict[str, str] = {}
    nw = V.NEW_WORD
    new_zh = nw["zh"] if new else ""
    if top.audience_first:
        zh = "".join(
            (year, new_zh, audience["zh"], material["zh"], noun["zh"], style1["zh"], style2["zh"])
        )
        en = [
            year,
            nw["en"] if new else "",
            audience["en"],
            material["en"],
            noun["en"],
            style1["en"],
            style2["en"],
        ]
    else:
        zh = "".join(
            (year, new_zh, material["zh"], noun["zh"], audience["zh"], style1["zh"], style2["zh"])
        )
        en = [
            year,
            nw["en"] if new else "",
            material["en"],
            noun["en"],
            audience["en"],
            style1["en"],
            style2["en"],
        ]
    titles["zh"] = zh
    titles["en"] = " ".join(p for p in en if p)
    for lang in ("vi", "th"):
        parts = [
            noun[lang],
            material[lang],
            audience[lang],
            style1[lang],
            style2[lang],
            nw[lang] if new else "",
            year,
        ]
        titles[lang] = " ".join(p for p in parts if p)
    es = [
        noun["es"],
        "de " + material["es"],
        audience["es"],
        style1["es"],
        style2["es"],
        nw["es"] if new else "",
        year,
    ]
    titles["es"] = " ".join(p for p in es if p)

    # prices
    lo, hi = leaf.price
    retail = lo * (hi / lo) ** (nx() * _U)
    base = _round_price(retail * (0.38 + 0.2 * (nx() * _U)) if is_1688 else retail, platform)

    # SKUs
    spec_base = int.from_bytes(
        blake2b(f"{ctx.seed}\x1f{platform}\x1f{index}\x1fspec".encode(), digest_size=16).digest(),
        "big",
    )
    oos = (nx() * _U) < OUT_OF_STOCK_SHARE
    if (nx() * _U) < _SINGLE_SKU_SHARE:
        combos: list[tuple[tuple[tuple[str, str], ...], int, float]] = [
            (((V.ATTR_SPEC["zh"], V.DEFAULT_SKU_VALUE["zh"]),), 0, 1.0)
        ]
    else:
        colours, second, axis = _sku_axes(nx, leaf, audience)
        col_name = V.ATTR_COLOUR["zh"]
        combos = []
        for ci, colour in enumerate(colours):
            if axis is None:
                combos.append((((col_name, colour["zh"]),), ci + 1, 1.0))
                continue
            ax_name = axis["zh"]
            n2 = len(second)
            for si, value in enumerate(second):
                if axis is V.ATTR_SPEC:
                    factor = 1.0 + 0.18 * si
                elif leaf.sku == "apparel" and si >= n2 - 1 and n2 >= 4:
                    factor = 1.06  # the largest sizes cost a little more
                else:
                    factor = 1.0
                combos.append((((col_name, colour["zh"]), (ax_name, value["zh"])), ci + 1, factor))

    quote_type = 0
    tiers: tuple[tuple[int, int], ...] = ()
    if is_1688:
        moq = _MOQS[int((nx() * _U) * len(_MOQS))]
        quote_type = 1 if (nx() * _U) < 0.6 else 0
    else:
        moq = 1 if (nx() * _U) < 0.97 else 2
    promo_factor = 0.7 + 0.25 * (nx() * _U) if (not is_1688 and (nx() * _U) < 0.3) else 0.0

    skus = []
    sku_prefix = offer_id
    stock_scale = 50 if is_1688 else 3
    for k, (attrs, variant, factor) in enumerate(combos):
        same = quote_type == 1 or factor == 1.0
        price = base if same else _round_price(base * factor, platform)
        promo = None
        if promo_factor:
            promo = _round_price(price * promo_factor, platform) - 100
            promo = promo if 0 < promo < price else None
        v = nx()
        stock = 0 if oos or v < _ZERO_STOCK else int(stock_scale * _POW200[v >> 6])
        skus.append(
            Sku(
                sku_prefix + _SKU_SUFFIX[k],
                "%032x" % ((spec_base + k * _SPEC_STEP) & _MASK128),
                attrs,
                price,
                promo,
                stock,
                variant,
            )
        )
    if not oos and all(s.stock == 0 for s in skus):
        first = skus[0]
        skus[0] = Sku(
            first.sku_id,
            first.spec_id,
            first.attributes,
            first.price_fen,
            first.promotion_price_fen,
            1 + int((nx() * _U) * 100),
            first.image_variant,
        )

    price_fen = min(s.price_fen for s in skus)
    promos = [s.promotion_price_fen for s in skus if s.promotion_price_fen is not None]
    if is_1688:
        if quote_type == 1:
            n_tiers = 1 + int((nx() * _U) * 3)
            tier_list = [(moq, price_fen)]
            starts = [q for q in _TIER_STARTS if q > moq]
            pos = 0
            price = price_fen
            for _ in range(n_tiers - 1):
                if pos >= len(starts) or price <= 10:
                    break
                pos += int((nx() * _U) * 2)
                if pos >= len(starts):
                    break
                price = min(_round_price(price * (0.9 + 0.07 * (nx() * _U)), platform), price - 10)
                tier_list.append((starts[pos], price))
                pos += 1
            tiers = tuple(tier_list)
        else:
            tiers = ((moq, price_fen),)
        fee_free = (nx() * _U) < 0.15
        freight = (
            (0, 0)
            if fee_free
            else (_FIRST_FEES[int((nx() * _U) * 5)], _EXTRA_FEES[int((nx() * _U) * 4)])
        )
    else:
        freight = (0, 0) if (nx() * _U) < 0.7 else (_TAOBAO_FEES[int((nx() * _U) * 4)], 0)

    w_lo, w_hi = leaf.weight
    bl, bw, bh = leaf.box
    title_attrs = (
        (V.ATTR_MATERIAL["zh"], material["zh"]),
        (V.ATTR_STYLE["zh"], style1["zh"]),
        (V.ATTR_ORIGIN["zh"], shop.city),
    )
    description_zh = (
        f"{zh}。材质：{material['zh']}；风格：{style1['zh']}；产地：{shop.city}。"
        "源头工厂直供，支持一件代发。"
    )
    return Offer(
        offer_id=offer_id,
        platform=platform,
        position=index,
        shop_id=shop.shop_id,
        category_id=leaf.category_id,
        title_zh=zh,
        titles=titles,
        description_zh=description_zh,
        attributes=title_attrs,
        skus=tuple(skus),
        price_fen=price_fen,
        promotion_price_fen=min(promos) if promos else None,
        quote_type=quote_type,
        price_tiers=tiers,
        min_order_quantity=moq,
        weight_g=int(w_lo + (w_hi - w_lo) * (nx() * _U)),
        length_mm=int(bl * (0.8 + 0.4 * (nx() * _U))),
        width_mm=int(bw * (0.8 + 0.4 * (nx() * _U))),
        height_mm=int(bh * (0.8 + 0.4 * (nx() * _U))),
        freight_template=freight,
        on_sale=(nx() * _U) >= OFF_SALE_SHARE,
        month_sold=int(20000 * (nx() * _U) ** 4),
        repurchase_rate_pct=int(3 + 45 * (nx() * _U)) if is_1688 else int(30 * (nx() * _U)),
        image_seed=nx() << 16 | nx(),
    )


def iter_offers(
    seed: int,
    platform: str,
    count: int,
    *,
    start: int = 0,
    shops: int | tuple[Shop, ...] = DEFAULT_SHOPS,
) -> Iterator[Offer]:
    """Offers ``start .. start+count-1`` of ``platform``, lazily.

    ``shops`` is the shop count (or the already built shops) of the catalogue; offer ``i``
    depends on it but not on ``count``.
    """
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}")
    ctx = _Context(seed, shops)
    if count > 0 and not ctx.by_platform[platform]:
        raise ValueError(f"no {platform} shop: need at least 2 shops")
    for index in range(start, start + count):
        yield _make_offer(ctx, platform, index)


def make_offer(
    seed: int, platform: str, index: int, *, shops: int | tuple[Shop, ...] = DEFAULT_SHOPS
) -> Offer:
    """One offer, regenerated on its own (pair with :func:`decode_offer_id`)."""
    return next(iter_offers(seed, platform, 1, start=index, shops=shops))


def build_catalogue(
    seed: int = DEFAULT_SEED,
    shops: int = DEFAULT_SHOPS,
    offers_1688: int = DEFAULT_OFFERS_1688,
    offers_taobao: int = DEFAULT_OFFERS_TAOBAO,
) -> Catalogue:
    """The whole catalogue in memory: 1688 offers first, then Taobao offers."""
    if shops < 2 and (offers_1688 or offers_taobao):
        raise ValueError("need at least 2 shops (one per platform)")
    built_shops = build_shops(seed, shops)
    # A build allocates millions of small, acyclic tuples: the cyclic collector would rescan
    # them again and again for nothing, so it is paused for the build (and restored).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        offers = [
            *iter_offers(seed, PLATFORM_1688, offers_1688, shops=built_shops),
            *iter_offers(seed, PLATFORM_TAOBAO, offers_taobao, shops=built_shops),
        ]
    finally:
        if gc_was_enabled:
            gc.enable()
    return Catalogue(seed=seed, categories=CATEGORIES, shops=built_shops, offers=tuple(offers))


_TOP_OF = {c.category_id: c.parent_id or c.category_id for c in CATEGORIES}
_TOP_NAMES_EN = {c.category_id: c.names["en"] for c in CATEGORIES if c.level == 1}


def image_hint(category_id: int) -> str:
    """The ``category_hint`` an offer's pictures are drawn with (``images.render_offer_image``):
    the English name of its top-level category, so clothes look like shirts, bags like bags.
    Serve pictures and build the image index with the same hint, or their hashes differ."""
    return _TOP_NAMES_EN[_TOP_OF[int(category_id)]]
