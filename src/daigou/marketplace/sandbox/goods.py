"""Goods of the sandbox marketplace: search, offer detail, categories, pictures, and the
operator's product changes (ENDPOINTS 12.19).

An offer is never stored whole: its id decodes to its index in the deterministic catalogue
(``catalogue.decode_offer_id``) and ``catalogue.make_offer`` regenerates it. The operator's
changes live in ``sandbox_override`` (one row per offer and SKU, ``sku_id`` '' = the whole
offer; a SKU row beats the offer row) and are applied on every read; the searchable row in
``sandbox_offer`` is kept in step (list price, on sale, in stock) so search reflects them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, select, text, update

from daigou.config import Settings
from daigou.db.session import Database
from daigou.db.upsert import insert_ignore
from daigou.marketplace import port as P
from daigou.marketplace.sandbox import catalogue as C
from daigou.marketplace.sandbox import image_index, images, store, word_index
from daigou.marketplace.sandbox.models import SandboxOffer, SandboxShop
from daigou.marketplace.sandbox.seller_models import SandboxOverride

IMAGE_SIZE = 400
MAX_PICTURES = 5
UNIT_ZH = "件"
ROOT_NAMES = {"zh": "全部类目", "en": "All categories", "vi": "Tất cả danh mục",
              "th": "หมวดหมู่ทั้งหมด", "es": "Todas las categorías"}  # fmt: skip
_CATEGORIES = {c.category_id: c for c in C.build_categories()}
_OVERRIDE = SandboxOverride.__table__
_OFFER = SandboxOffer.__table__


# --- the catalogue, regenerated ------------------------------------------------------------


@lru_cache(maxsize=8)
def _shops(seed: int, count: int) -> tuple[C.Shop, ...]:
    return C.build_shops(seed, count)


@lru_cache(maxsize=8)
def _shops_by_id(seed: int, count: int) -> dict[str, C.Shop]:
    return {s.shop_id: s for s in _shops(seed, count)}


@lru_cache(maxsize=4096)
def _make_offer(seed: int, platform: str, index: int, shop_count: int) -> C.Offer:
    return C.make_offer(seed, platform, index, shops=_shops(seed, shop_count))


def _count(settings: Settings, platform: str) -> int:
    if platform == C.PLATFORM_1688:
        return settings.sandbox_offers_1688
    return settings.sandbox_offers_taobao


def generated_offer(settings: Settings, platform: P.Platform, offer_id: str) -> C.Offer:
    """The catalogue offer behind ``offer_id`` (overrides not applied), or MarketplaceNotFound."""
    decoded = C.decode_offer_id(settings.sandbox_seed, str(offer_id).strip())
    if (
        decoded is None
        or decoded[0] != platform.value
        or decoded[1] >= _count(settings, platform.value)
    ):
        raise P.MarketplaceNotFound("offer", str(offer_id))
    return _make_offer(settings.sandbox_seed, platform.value, decoded[1], settings.sandbox_shops)


def shop_of(settings: Settings, shop_id: str) -> C.Shop | None:
    return _shops_by_id(settings.sandbox_seed, settings.sandbox_shops).get(shop_id)


@lru_cache(maxsize=8)
def _shops_by_open_id(seed: int, count: int) -> dict[str, C.Shop]:
    return {s.seller_open_id: s for s in _shops(seed, count)}


def shop_of_seller(settings: Settings, seller_open_id: str) -> C.Shop | None:
    """The shop of a seller (orders name their seller by open id, not by shop)."""
    return _shops_by_open_id(settings.sandbox_seed, settings.sandbox_shops).get(seller_open_id)


def category_hint(category_id: int) -> str:
    """The hint pictures are drawn with; the image index hashes pictures drawn with the same."""
    return C.image_hint(category_id)


def picture_url(settings: Settings, platform: str, offer_id: str, variant: int) -> str:
    return f"{settings.resolved_public_url}/sandbox/images/{platform}/{offer_id}/{variant}.jpg"


# --- overrides -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _SkuState:
    sku: C.Sku
    price_fen: int
    promotion_price_fen: int | None
    stock: int
    on_sale: bool


@dataclass(frozen=True)
class _State:
    """An offer with the operator's overrides applied."""

    offer: C.Offer
    skus: tuple[_SkuState, ...]
    tiers: tuple[tuple[int, int], ...]  # 1688 price by quantity; () when priced by SKU
    min_order_quantity: int
    on_sale: bool

    @property
    def list_price_fen(self) -> int:
        return min(s.price_fen for s in self.skus)

    @property
    def promotion_price_fen(self) -> int | None:
        promos = [s.promotion_price_fen for s in self.skus if s.promotion_price_fen is not None]
        return min(promos) if promos else None

    @property
    def in_stock(self) -> bool:
        return any(s.stock > 0 and s.on_sale for s in self.skus)


def _override_rows(conn: Connection, platform: str, offer_id: str) -> dict[str, Any]:
    rows = conn.execute(
        select(_OVERRIDE).where(_OVERRIDE.c.platform == platform, _OVERRIDE.c.offer_id == offer_id)
    ).mappings()
    return {r["sku_id"]: r for r in rows}


def _pick(sku_row: Any, offer_row: Any, column: str, default: Any) -> Any:
    for row in (sku_row, offer_row):
        if row is not None and row[column] is not None:
            return row[column]
    return default


def _tiers(offer: C.Offer, price_fen: int | None, moq: int) -> tuple[tuple[int, int], ...]:
    """1688 quantity tiers after an offer-level price (scales every tier) and a minimum
    quantity (the first tier starts there) change."""
    if offer.platform != C.PLATFORM_1688 or offer.quote_type != 1 or not offer.price_tiers:
        return ()
    tiers = list(offer.price_tiers)
    if price_fen is not None:
        first = tiers[0][1]
        tiers = [(start, max(1, price * price_fen // first)) for start, price in tiers]
    opening = tiers[0][1]
    for start, price in tiers:
        if start <= moq:
            opening = price
    return ((moq, opening), *((s, p) for s, p in tiers if s > moq))


def _apply(offer: C.Offer, rows: dict[str, Any]) -> _State:
    offer_row = rows.get("")
    skus = []
    for sku in offer.skus:
        sku_row = rows.get(sku.sku_id)
        price = _pick(sku_row, offer_row, "price_fen", sku.price_fen)
        promo = sku.promotion_price_fen
        if promo is not None and promo >= price:
            promo = None
        skus.append(
            _SkuState(
                sku=sku,
                price_fen=int(price),
                promotion_price_fen=promo,
                stock=int(_pick(sku_row, offer_row, "stock", sku.stock)),
                on_sale=bool(_pick(sku_row, None, "on_sale", True)),
            )
        )
    moq = int(_pick(None, offer_row, "min_order_quantity", offer.min_order_quantity))
    offer_price = offer_row["price_fen"] if offer_row is not None else None
    return _State(
        offer=offer,
        skus=tuple(skus),
        tiers=_tiers(offer, offer_price, moq),
        min_order_quantity=moq,
        on_sale=bool(_pick(None, offer_row, "on_sale", offer.on_sale)),
    )


def _state(db: Database, settings: Settings, platform: P.Platform, offer_id: str) -> _State:
    offer = generated_offer(settings, platform, offer_id)
    with db.reading() as conn:
        rows = _override_rows(conn, platform.value, offer.offer_id)
    return _apply(offer, rows)


# --- mapping to the port's DTOs --------------------------------------------------------------


def _text(original: str, lang: str) -> P.Text:
    return P.Text(original=original, translated=C.translate(original, lang))


def _category_text(category_id: int, lang: str) -> P.Text:
    category = _CATEGORIES.get(category_id)
    if category is None:
        return P.Text(original="", translated="")
    return P.Text(original=category.names["zh"], translated=category.names[lang])


def _seller(settings: Settings, shop_id: str, lang: str) -> P.Seller:
    shop = shop_of(settings, shop_id)
    if shop is None:  # pragma: no cover - offers only name shops of their catalogue
        return P.Seller(seller_open_id="", shop_id=shop_id, name=P.Text(""), wangwang_nick="")
    return P.Seller(
        seller_open_id=shop.seller_open_id,
        shop_id=shop.shop_id,
        name=P.Text(original=shop.name_zh, translated=shop.names[lang]),
        wangwang_nick=shop.wangwang_nick,
        province=shop.province,
        city=shop.city,
    )


def _to_offer(settings: Settings, state: _State, lang: str) -> P.Offer:
    o = state.offer
    variants = sorted({s.image_variant for s in o.skus if s.image_variant > 0})
    pictures = [0, *variants][:MAX_PICTURES]
    skus = []
    for st in state.skus:
        sku_image = (
            picture_url(settings, o.platform, o.offer_id, st.sku.image_variant)
            if st.sku.image_variant > 0
            else None
        )
        attributes = tuple(
            P.SkuAttribute(
                name=_text(name, lang),
                value=_text(value, lang),
                image_url=sku_image if k == 0 else None,
            )
            for k, (name, value) in enumerate(st.sku.attributes)
        )
        skus.append(
            P.Sku(
                sku_id=st.sku.sku_id,
                spec_id=st.sku.spec_id,
                attributes=attributes,
                price_fen=st.price_fen,
                promotion_price_fen=st.promotion_price_fen,
                stock=st.stock,
                image_url=sku_image,
                on_sale=st.on_sale,
            )
        )
    shop = shop_of(settings, o.shop_id)
    send_from = f"{shop.province}{shop.city}" if shop is not None else ""
    return P.Offer(
        platform=P.Platform(o.platform),
        offer_id=o.offer_id,
        category_id=o.category_id,
        category_name=_category_text(o.category_id, lang),
        title=P.Text(original=o.title_zh, translated=o.titles[lang]),
        description=C.offer_description(o, lang),
        images=tuple(picture_url(settings, o.platform, o.offer_id, v) for v in pictures),
        skus=tuple(skus),
        price_tiers=tuple(P.PriceTier(start, price) for start, price in state.tiers),
        min_order_quantity=state.min_order_quantity,
        shipping=P.Shipping(
            send_from=send_from,
            weight_g=o.weight_g,
            length_mm=o.length_mm,
            width_mm=o.width_mm,
            height_mm=o.height_mm,
            first_fee_fen=o.freight_template[0],
            extra_fee_fen=o.freight_template[1],
        ),
        seller=_seller(settings, o.shop_id, lang),
        on_sale=state.on_sale,
        month_sold=o.month_sold,
        repurchase_rate_pct=o.repurchase_rate_pct,
        attributes=tuple(
            P.SkuAttribute(name=_text(name, lang), value=_text(value, lang))
            for name, value in o.attributes
        ),
    )


def _check_language(language: str) -> str:
    if language not in C.LANGS:
        raise ValueError(f"unknown language {language!r}")
    return language


# --- the port's goods operations -----------------------------------------------------------


def offer(
    db: Database, settings: Settings, platform: P.Platform, offer_id: str, language: str
) -> P.Offer:
    lang = _check_language(language)
    return _to_offer(settings, _state(db, settings, platform, offer_id), lang)


def _summary(settings: Settings, row: dict[str, Any], lang: str) -> P.OfferSummary:
    platform = row["platform"]
    generated = _make_offer(
        settings.sandbox_seed, platform, int(row["position"]), settings.sandbox_shops
    )
    shop = shop_of(settings, row["shop_id"])
    return P.OfferSummary(
        platform=P.Platform(platform),
        offer_id=row["offer_id"],
        title=P.Text(original=row["title_zh"], translated=row[f"title_{lang}"]),
        image_url=picture_url(settings, platform, row["offer_id"], 0),
        price_fen=int(row["price_fen"]),
        promotion_price_fen=row["promotion_price_fen"],
        shop_id=row["shop_id"],
        seller_open_id=shop.seller_open_id if shop else "",
        shop_name=shop.names[lang] if shop else "",
        month_sold=int(row["month_sold"]),
        repurchase_rate_pct=generated.repurchase_rate_pct,
    )


def _resolve_shop(db: Database, platform: P.Platform, shop_ref: str) -> str:
    """A Taobao shop id, or a 1688 sellerOpenId (a 1688 shop id is accepted too)."""
    t = SandboxShop.__table__
    with db.reading() as conn:
        shop_id = conn.execute(
            select(t.c.shop_id).where(
                t.c.platform == platform.value,
                (t.c.seller_open_id == shop_ref) | (t.c.shop_id == shop_ref),
            )
        ).scalar_one_or_none()
    if shop_id is None:
        raise P.MarketplaceNotFound("shop", shop_ref)
    return str(shop_id)


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _category_search(
    db: Database, query: P.SearchQuery, shop_id: str | None
) -> tuple[list[dict[str, Any]], int]:
    """Search inside one category (a leaf, or a top level and its leaves). ``store.search``
    has no category filter; categories are small, so substring matching is enough here."""
    category_id = int(query.category_id or 0)
    where = ["o.platform = :platform", "o.on_sale = :on_sale"]
    params: dict[str, Any] = {"platform": query.platform.value, "on_sale": True}
    category = _CATEGORIES.get(category_id)
    if category is not None and not category.leaf:
        where.append("o.category_id BETWEEN :lo AND :hi")
        params.update(lo=category_id * 100, hi=category_id * 100 + 99)
    else:
        where.append("o.category_id = :category_id")
        params["category_id"] = category_id
    if shop_id is not None:
        where.append("o.shop_id = :shop_id")
        params["shop_id"] = shop_id
    if query.price_min_fen is not None:
        where.append("o.price_fen >= :price_min")
        params["price_min"] = query.price_min_fen
    if query.price_max_fen is not None:
        where.append("o.price_fen <= :price_max")
        params["price_max"] = query.price_max_fen
    column = f"o.title_{_check_language(query.language)}"
    like = "ILIKE" if db.is_postgres else "LIKE"
    for i, term in enumerate(query.keyword.split()):
        where.append(f"{column} {like} :t{i} ESCAPE '\\'")
        params[f"t{i}"] = _like(term)
    order = {
        P.Sort.RELEVANCE: "o.month_sold DESC",
        P.Sort.PRICE_ASC: "o.price_fen ASC",
        P.Sort.PRICE_DESC: "o.price_fen DESC",
        P.Sort.SALES_DESC: "o.month_sold DESC",
    }[query.sort]
    params["limit"] = query.page_size
    params["offset"] = (max(1, query.page) - 1) * query.page_size
    # every identifier above is a constant; values are bound parameters
    base = "FROM sandbox_offer o WHERE " + " AND ".join(where)
    columns = ", ".join("o." + c for c in store.COLUMNS)
    with db.reading() as conn:
        total = int(conn.execute(text(f"SELECT COUNT(*) {base}"), params).scalar_one())  # noqa: S608
        rows = conn.execute(
            text(
                f"SELECT {columns} {base} ORDER BY {order}, o.offer_id ASC "  # noqa: S608
                "LIMIT :limit OFFSET :offset"
            ),
            params,
        ).mappings()
        return [dict(r) for r in rows], total


def _image_search(
    db: Database, query: P.SearchQuery, shop_id: str | None
) -> tuple[list[dict[str, Any]], int]:
    rows, total = image_index.image_search(
        db, query.platform.value, query.image, query.page, query.page_size, shop_id=shop_id
    )
    return [dict(r) for r in rows], int(total)


def search(db: Database, settings: Settings, query: P.SearchQuery) -> P.SearchPage:
    """Keyword search (``word_index``, which falls back to ``store.search`` for a keyword part
    that is no catalogue word), search inside a category, or search by picture (``image_index``;
    an unreadable picture raises ``images.BadImage``, a ValueError)."""
    lang = _check_language(query.language)
    shop_id = _resolve_shop(db, query.platform, query.shop_id) if query.shop_id else None
    if query.image is not None:
        rows, total = _image_search(db, query, shop_id)
    elif query.category_id is not None:
        rows, total = _category_search(db, query, shop_id)
    else:
        rows, total = word_index.search(
            db,
            query.platform.value,
            query.keyword,
            lang,
            query.page,
            query.page_size,
            query.sort.value,
            query.price_min_fen,
            query.price_max_fen,
            shop_id,
        )
    return P.SearchPage(items=tuple(_summary(settings, r, lang) for r in rows), total=total)


def _category(category: C.Category, lang: str, children: tuple[P.Category, ...]) -> P.Category:
    return P.Category(
        category_id=category.category_id,
        parent_id=category.parent_id,
        level=category.level,
        leaf=category.leaf,
        name=P.Text(original=category.names["zh"], translated=category.names[lang]),
        children=children,
    )


def categories(platform: P.Platform, parent_id: int, language: str) -> P.Category:
    """A category and its direct children; ``0`` is a virtual root over the top level. The
    tree is the same on both platforms."""
    lang = _check_language(language)
    kids = tuple(
        _category(c, lang, ()) for c in C.build_categories() if c.parent_id == int(parent_id)
    )
    if int(parent_id) == 0:
        return P.Category(
            category_id=0,
            parent_id=0,
            level=0,
            leaf=False,
            name=P.Text(original=ROOT_NAMES["zh"], translated=ROOT_NAMES[lang]),
            children=kids,
        )
    category = _CATEGORIES.get(int(parent_id))
    if category is None:
        raise P.MarketplaceNotFound("category", str(parent_id))
    return _category(category, lang, kids)


@lru_cache(maxsize=512)
def _picture(image_seed: int, variant: int, hint: str) -> bytes:
    return images.encode(
        images.render_offer_image(image_seed, variant, IMAGE_SIZE, hint), "JPEG", quality=88
    )


def image(
    db: Database, settings: Settings, platform: P.Platform, offer_id: str, variant: int
) -> tuple[bytes, str]:
    """The offer's picture as JPEG: variant 0 is the main picture, k the picture of colour k
    (a variant no SKU uses is not found)."""
    o = generated_offer(settings, platform, offer_id)
    if variant != 0 and variant not in {s.image_variant for s in o.skus}:
        raise P.MarketplaceNotFound("picture", f"{offer_id}/{variant}")
    return _picture(o.image_seed, variant, category_hint(o.category_id)), "image/jpeg"


# --- the operator's changes (12.19) ----------------------------------------------------------


def update_product(
    db: Database,
    settings: Settings,
    now_ms: int,
    platform: P.Platform,
    offer_id: str,
    sku_id: str | None = None,
    price: int | None = None,
    stock: int | None = None,
    min_order_quantity: int | None = None,
    on_sale: bool | None = None,
) -> P.Offer:
    """Set an offer's (or one SKU's) price, stock, minimum quantity or sale state; ``None``
    leaves a value unchanged. Without ``sku_id`` price and stock apply to every SKU (and
    replace earlier per-SKU values of the same field). The minimum quantity is the offer's;
    a SKU's ``on_sale`` takes that SKU off sale only. The search row follows in the same
    transaction."""
    if price is not None and price < 1:
        raise ValueError("price must be at least 1 fen")
    if stock is not None and stock < 0:
        raise ValueError("stock must be 0 or more")
    if min_order_quantity is not None and min_order_quantity < 1:
        raise ValueError("minOrderQuantity must be at least 1")
    generated = generated_offer(settings, platform, offer_id)
    oid = generated.offer_id
    if sku_id is not None and sku_id not in {s.sku_id for s in generated.skus}:
        raise P.MarketplaceNotFound("sku", sku_id)
    key = {"platform": platform.value, "offer_id": oid}
    offer_fields = {"min_order_quantity": min_order_quantity}
    if sku_id is None:
        offer_fields.update(price_fen=price, stock=stock, on_sale=on_sale)
        sku_fields: dict[str, Any] = {}
    else:
        sku_fields = {"price_fen": price, "stock": stock, "on_sale": on_sale}
    with db.writing() as conn:
        for row_sku, fields in (("", offer_fields), (sku_id, sku_fields)):
            changes = {k: v for k, v in fields.items() if v is not None}
            if row_sku is None or not changes:
                continue
            where = (
                (_OVERRIDE.c.platform == platform.value)
                & (_OVERRIDE.c.offer_id == oid)
                & (_OVERRIDE.c.sku_id == row_sku)
            )
            insert_ignore(
                conn,
                _OVERRIDE,
                {**key, "sku_id": row_sku, "modified_ms": now_ms},
                ["platform", "offer_id", "sku_id"],
            )
            conn.execute(update(_OVERRIDE).where(where).values(**changes, modified_ms=now_ms))
        if sku_id is None:
            # an offer-wide price or stock replaces what single SKUs had
            cleared = {c: None for c in ("price_fen", "stock") if offer_fields.get(c) is not None}
            if cleared:
                conn.execute(
                    update(_OVERRIDE)
                    .where(
                        (_OVERRIDE.c.platform == platform.value)
                        & (_OVERRIDE.c.offer_id == oid)
                        & (_OVERRIDE.c.sku_id != "")
                    )
                    .values(**cleared)
                )
        state = _apply(generated, _override_rows(conn, platform.value, oid))
        conn.execute(
            update(_OFFER)
            .where(_OFFER.c.offer_id == oid)
            .values(
                price_fen=state.list_price_fen,
                promotion_price_fen=state.promotion_price_fen,
                on_sale=state.on_sale,
                in_stock=state.in_stock,
            )
        )
        word_index.catalogue_changed(conn)  # search indexes re-read the changed offer
    return _to_offer(settings, state, "en")
