"""Goods use cases (ENDPOINTS 1.1-1.6, 5.1-5.8, 12.19): ask the marketplace port, answer the
PandaPon wire shapes.

Every marketplace call runs inside ``acting_for(develop_id)`` (daigou.marketplace.context).
Marketplace failures propagate to the route, which maps them (not found 40401, error 50201,
timeout 50401); the batch check (1.2) instead reports them per item.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import zlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from daigou.config import Settings
from daigou.core.errors import ApiError, validation_error
from daigou.core.pagination import Page
from daigou.db.session import Database
from daigou.goods import schemas as S
from daigou.http.guards import audit
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for
from daigou.marketplace.controls import SandboxControls

T = TypeVar("T")

DEFAULT_LANGUAGE = "en"
MAX_IMAGE_BYTES = 3 * 1024 * 1024
MP_PREFIX = "2048"  # mpId / mpSkuId: PandaPon's distribution ids, paired 1:1 with ours
UNIT_ZH = "件"
UNIT = {"zh": "件", "en": "piece", "vi": "cái", "th": "ชิ้น", "es": "pieza"}
WANGWANG_URL = "https://amos.alicdn.com/getcid.aw?v=3&site=cnalichn&uid={nick}"
_PICTURE_PATH = re.compile(r"^/sandbox/images/(1688|taobao)/([0-9]{1,20})/([0-9]{1,3})\.(jpg|png)$")
_TAOBAO_SORT = {
    None: P.Sort.RELEVANCE,
    "tk_rate_desc": P.Sort.RELEVANCE,  # no commission data in the catalogue: relevance
    "price_asc": P.Sort.PRICE_ASC,
    "price_desc": P.Sort.PRICE_DESC,
    "sale_desc": P.Sort.SALES_DESC,
}
_1688_SORT = {
    ("price", "asc"): P.Sort.PRICE_ASC,
    ("price", "desc"): P.Sort.PRICE_DESC,
    ("monthsold", "desc"): P.Sort.SALES_DESC,
}


# --- inputs --------------------------------------------------------------------------------


def language_of(body: S.Languages) -> str:
    """CONTRACT section 5: `language` or `country` among zh, en, vi, th, es; default en."""
    given: dict[str, str] = {}
    for field in ("language", "country"):
        value = getattr(body, field)
        if value is None or not value.strip():
            continue
        norm = value.strip().lower()
        if norm not in P.LANGUAGES:
            raise validation_error(field, "must be one of " + ", ".join(P.LANGUAGES))
        given[field] = norm
    if len(set(given.values())) > 1:
        raise validation_error("country", "language and country differ; give one of them")
    return next(iter(given.values()), DEFAULT_LANGUAGE)


def sort_1688(sort: dict[str, str] | None) -> P.Sort:
    """`{"price":"asc"|"desc"}` or `{"monthSold":"desc"}`; absent or {} = relevance."""
    if not sort:
        return P.Sort.RELEVANCE
    if len(sort) != 1:
        raise validation_error("sort", 'give one key: {"price":"asc|desc"} or {"monthSold":"desc"}')
    (key, direction), *_ = sort.items()
    chosen = _1688_SORT.get((str(key).lower(), str(direction).lower()))
    if chosen is None:
        raise validation_error("sort", 'supported: {"price":"asc|desc"}, {"monthSold":"desc"}')
    return chosen


def _price_range(start: int | None, end: int | None) -> None:
    if start is not None and end is not None and start > end:
        raise validation_error("priceEnd", "must not be below priceStart")


def _page_size(value: int | None) -> int:
    return 20 if value is None else value


def _item_id(value: str) -> str:
    """A Taobao item id, or the mpId PandaPon pairs with it."""
    if len(value) == 16 and value.startswith(MP_PREFIX):
        return value[len(MP_PREFIX) :]
    return value


def mp_id(item_id: str) -> str:
    return MP_PREFIX + item_id


def decode_image_base64(value: str) -> bytes:
    text = value.strip()
    if text.startswith("data:"):
        text = text.partition(",")[2]
    text = "".join(text.split())
    if len(text) > (MAX_IMAGE_BYTES * 4) // 3 + 8:
        raise validation_error("imageBase64", "the picture is over 3 MB")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise validation_error("imageBase64", "not valid base64") from exc
    if not raw:
        raise validation_error("imageBase64", "the picture is empty")
    if len(raw) > MAX_IMAGE_BYTES:
        raise validation_error("imageBase64", "the picture is over 3 MB")
    return raw


def parse_picture_address(settings: Settings, address: str) -> tuple[P.Platform, str, int]:
    """Only this gateway's own picture route is accepted (nothing is ever fetched from the
    internet): ``{public_url}/sandbox/images/{platform}/{offerId}/{variant}.jpg``."""
    own = urlsplit(settings.resolved_public_url)
    url = urlsplit(address.strip())
    match = _PICTURE_PATH.match(url.path)
    if (url.scheme, url.netloc) != (own.scheme, own.netloc) or match is None:
        raise validation_error(
            "imageAddress",
            f"only pictures served by this gateway ({settings.resolved_public_url}"
            "/sandbox/images/...) are accepted; send any other picture as imageBase64",
        )
    return P.Platform(match.group(1)), match.group(2), int(match.group(3))


def query_image(
    sandbox: SandboxControls | None, settings: Settings, body: S.ImageInput
) -> tuple[bytes, str]:
    """The query picture's bytes and the field they came from. A picture address is one of
    this gateway's own picture routes, which exist only with the sandbox."""
    if body.imageBase64 and body.imageAddress:
        raise validation_error("imageAddress", "give imageBase64 or imageAddress, not both")
    if body.imageBase64:
        return decode_image_base64(body.imageBase64), "imageBase64"
    if body.imageAddress:
        platform, offer_id, variant = parse_picture_address(settings, body.imageAddress)
        if sandbox is None:
            raise validation_error("imageAddress", "no such picture")
        try:
            data, _ = sandbox.image(platform, offer_id, variant)
        except P.MarketplaceNotFound as exc:
            raise validation_error("imageAddress", "no such picture") from exc
        return data, "imageAddress"
    raise validation_error("imageBase64", "imageBase64 or imageAddress is required")


def _image_search(market: P.Marketplace, query: P.SearchQuery, field: str) -> P.SearchPage:
    try:
        return market.search(query)
    except ValueError as exc:  # the picture could not be read (sandbox: images.BadImage)
        raise validation_error(field, str(exc) or "the picture could not be read") from exc


# --- wire mapping ------------------------------------------------------------------------------


def _stable_id(*parts: str) -> str:
    return str(zlib.crc32("\x1f".join(parts).encode()))


def _translated(text: P.Text) -> str | None:
    return text.translated if text.translated is not None else text.original


def _status(on_sale: bool) -> str:
    return "active" if on_sale else "inactive"


def taobao_properties(sku: P.Sku, original: bool = False) -> list[S.TaobaoProperty]:
    """A Taobao SKU's properties (translated unless ``original``), with stable ids."""
    return [
        S.TaobaoProperty(
            propId=_stable_id(a.name.original),
            propName=a.name.original if original else (_translated(a.name) or ""),
            valueId=_stable_id(a.name.original, a.value.original),
            valueName=a.value.original if original else (_translated(a.value) or ""),
        )
        for a in sku.attributes
    ]


def _taobao_skus(offer: P.Offer, original: bool) -> list[S.TaobaoSku]:
    main = offer.images[0] if offer.images else ""
    out = []
    for sku in offer.skus:
        properties = taobao_properties(sku, original)
        out.append(
            S.TaobaoSku(
                skuId=sku.sku_id,
                mpSkuId=mp_id(sku.sku_id),
                picUrl=sku.image_url or main,
                quantity=sku.stock,
                price=sku.price_fen,
                promotionPrice=sku.promotion_price_fen,
                postFee=offer.shipping.first_fee_fen,
                status=_status(offer.on_sale and sku.on_sale),
                properties=properties,
            )
        )
    return out


def _on_sale_stock(offer: P.Offer) -> int:
    return sum(s.stock for s in offer.skus if s.on_sale)


def _category_path(market: P.Marketplace, offer: P.Offer, language: str) -> str:
    names = [_translated(offer.category_name) or ""]
    node = market.categories(offer.platform, offer.category_id, language)
    while node.parent_id:
        node = market.categories(offer.platform, node.parent_id, language)
        names.insert(0, _translated(node.name) or "")
    return "->".join(names)


def taobao_item(market: P.Marketplace, offer: P.Offer, language: str) -> S.TaobaoItem:
    promos = [s.promotion_price_fen for s in offer.skus if s.promotion_price_fen is not None]
    return S.TaobaoItem(
        itemId=offer.offer_id,
        mpId=mp_id(offer.offer_id),
        title=offer.title.original,
        titleTrans=_translated(offer.title),
        description=offer.description,
        picUrls=list(offer.images),
        price=min((s.price_fen for s in offer.skus), default=0),
        promotionPrice=min(promos) if promos else None,
        quantity=_on_sale_stock(offer),
        beginAmount=offer.min_order_quantity,
        status=_status(offer.on_sale),
        itemType="NORMAL",
        productUnit=UNIT_ZH,
        categoryId=str(offer.category_id),
        categoryName=_translated(offer.category_name) or "",
        categoryPath=_category_path(market, offer, language),
        shopId=offer.seller.shop_id,
        shopName=_translated(offer.seller.name) or "",
        userNick=offer.seller.wangwang_nick,
        currency=offer.currency,
        skuList=_taobao_skus(offer, original=False),
    )


def offer_1688(offer: P.Offer, language: str) -> S.Offer1688:
    # the offer's own attributes (material, style, origin), then the SKUs' distinct ones
    attributes: dict[tuple[str, str], S.ProductAttribute] = {
        (a.name.original, a.value.original): S.ProductAttribute(
            attributeName=a.name.original,
            attributeNameTrans=_translated(a.name),
            value=a.value.original,
            valueTrans=_translated(a.value),
        )
        for a in offer.attributes
    }
    sku_infos = []
    for sku in offer.skus:
        sku_attributes = []
        for a in sku.attributes:
            attr = S.SkuAttribute1688(
                attributeName=a.name.original,
                attributeNameTrans=_translated(a.name),
                value=a.value.original,
                valueTrans=_translated(a.value),
                skuImageUrl=a.image_url,
            )
            sku_attributes.append(attr)
            attributes.setdefault(
                (a.name.original, a.value.original),
                S.ProductAttribute(
                    attributeName=attr.attributeName,
                    attributeNameTrans=attr.attributeNameTrans,
                    value=attr.value,
                    valueTrans=attr.valueTrans,
                ),
            )
        sku_infos.append(
            S.ProductSkuInfo(
                skuId=sku.sku_id,
                specId=sku.spec_id,
                price=sku.price_fen,
                amountOnSale=sku.stock if sku.on_sale else 0,
                skuAttributes=sku_attributes,
            )
        )
    tiers = [
        S.PriceRange(startQuantity=t.start_quantity, price=t.price_fen) for t in offer.price_tiers
    ]
    if not tiers:
        low = min((s.price_fen for s in offer.skus), default=0)
        tiers = [S.PriceRange(startQuantity=offer.min_order_quantity, price=low)]
    ship = offer.shipping
    return S.Offer1688(
        offerId=offer.offer_id,
        categoryId=str(offer.category_id),
        categoryName=_translated(offer.category_name) or "",
        subject=offer.title.original,
        subjectTrans=_translated(offer.title),
        description=offer.description,
        mainVideo=None,
        productImage=S.ProductImage(images=list(offer.images)),
        productAttribute=list(attributes.values()),
        productSkuInfos=sku_infos,
        productSaleInfo=S.ProductSaleInfo(
            amountOnSale=_on_sale_stock(offer),
            priceRangeList=tiers,
            quoteType=1 if offer.price_tiers else 0,
            unitInfo=S.UnitInfo(unit=UNIT_ZH, transUnit=UNIT[language]),
        ),
        productShippingInfo=S.ProductShippingInfo(
            sendGoodsAddressText=ship.send_from,
            weight=ship.weight_g,
            length=ship.length_mm,
            width=ship.width_mm,
            height=ship.height_mm,
        ),
        isJxhy=False,
        sellerOpenId=offer.seller.seller_open_id,
        minOrderQuantity=offer.min_order_quantity,
        batchNumber=1,
        status="published" if offer.on_sale else "expired",
        traceInfo=f"sandbox:{offer.offer_id}",
        companyName=offer.seller.name.original,
        currency=offer.currency,
    )


def _list_item_1688(s: P.OfferSummary) -> S.OfferListItem1688:
    return S.OfferListItem1688(
        offerId=s.offer_id,
        imageUrl=s.image_url,
        subject=s.title.original,
        subjectTrans=_translated(s.title),
        priceInfo=S.PriceInfo(price=s.price_fen, consignPrice=s.promotion_price_fen or s.price_fen),
        monthSold=s.month_sold,
        repurchaseRate=f"{s.repurchase_rate_pct}%",
        isJxhy=False,
    )


def _taobao_search_item(s: P.OfferSummary) -> S.TaobaoSearchItem:
    return S.TaobaoSearchItem(
        itemId=s.offer_id,
        title=s.title.original,
        titleTrans=_translated(s.title),
        picUrl=s.image_url,
        price=s.price_fen,
        promotionPrice=s.promotion_price_fen,
        shopId=s.shop_id,
        shopName=s.shop_name,
        sales=s.month_sold,
        currency=s.currency,
    )


def _page(
    result: P.SearchPage, query: P.SearchQuery, mapper: Callable[[P.OfferSummary], Any]
) -> dict[str, Any]:
    """S1 with nextCursor null (goods searches page by number only)."""
    items = [mapper(s) for s in result.items]
    return Page(items, query.page_size, result.total, query.page, None).to_wire()


def _acting(develop_id: str | None, call: Callable[[], T]) -> T:
    with acting_for(develop_id):
        return call()


# --- Taobao (1.1-1.6) ----------------------------------------------------------------------------


def get_item(market: P.Marketplace, develop_id: str | None, q: S.ItemQuery) -> S.TaobaoItem:
    """1.1"""
    language = language_of(q)

    def run() -> S.TaobaoItem:
        offer = market.offer(P.Platform.TAOBAO, _item_id(q.itemId), language)
        return taobao_item(market, offer, language)

    return _acting(develop_id, run)


def source_item(
    market: P.Marketplace, develop_id: str | None, body: S.SourceGet
) -> S.TaobaoSourceItem:
    """1.3: the item fresh from the marketplace, with the untranslated text beside."""
    language = language_of(body)

    def run() -> S.TaobaoSourceItem:
        item_id = _item_id(body.itemId)
        offer = market.offer(P.Platform.TAOBAO, item_id, language)
        original = offer if language == "zh" else market.offer(P.Platform.TAOBAO, item_id, "zh")
        item = taobao_item(market, offer, language)
        resource = S.ItemResource(
            title=offer.title.original,
            description=original.description,
            skuList=_taobao_skus(offer, original=True),
        )
        return S.TaobaoSourceItem(**item.__dict__, itemResource=resource)

    return _acting(develop_id, run)


def _check_one(
    market: P.Marketplace, index: int, item: S.BatchItem, language: str
) -> tuple[S.BatchCheckResult, S.MpProduct | None]:
    item_id = _item_id(item.itemId)

    def result(code: int, msg: str, purchasable: bool, reason: str | None) -> S.BatchCheckResult:
        return S.BatchCheckResult(
            index=index,
            key=item.itemId,
            success=code == 200,
            code=code,
            msg=msg,
            itemId=item_id,
            purchasable=purchasable,
            reason=reason,
        )

    try:
        offer = market.offer(P.Platform.TAOBAO, item_id, language)
    except P.MarketplaceNotFound as exc:
        return result(40401, exc.message, False, "NOT_FOUND"), None
    except P.MarketplaceError as exc:
        return result(50201, f"the marketplace answered {exc.code}", False, "UPSTREAM_ERROR"), None
    except P.MarketplaceTimeout:
        return result(50401, "the marketplace did not answer in time", False, "TIMEOUT"), None
    by_id = {s.sku_id: s for s in offer.skus}
    wanted = [
        _item_id(s)[-14:] if s.startswith(MP_PREFIX) and len(s) == 18 else s for s in item.skuIds
    ]
    missing = [s for s in wanted if s not in by_id]
    if missing:
        return result(40401, f"no sku {missing[0]} on item {item_id}", False, "SKU_NOT_FOUND"), None
    skus = [by_id[s] for s in dict.fromkeys(wanted)] if wanted else list(offer.skus)
    if not offer.on_sale:
        return result(200, "success", False, "OFF_SALE"), None
    sellable = [s for s in skus if s.on_sale and s.stock > 0]
    if not sellable:
        reason = "OUT_OF_STOCK" if any(s.on_sale for s in skus) else "OFF_SALE"
        return result(200, "success", False, reason), None
    product = S.MpProduct(
        itemId=item_id,
        mpId=mp_id(item_id),
        skuList=[
            S.MpSku(
                skuId=s.sku_id,
                mpSkuId=mp_id(s.sku_id),
                price=s.promotion_price_fen or s.price_fen,
                quantity=s.stock,
                status=_status(s.on_sale and s.stock > 0),
            )
            for s in skus
        ],
    )
    return result(200, "success", True, None), product


def batch_check(
    market: P.Marketplace, develop_id: str | None, body: S.BatchCheck
) -> S.BatchCheckOut:
    """1.2: per item, in input order; one item's failure never fails the batch."""
    if len(body.params) > S.BATCH_CHECK_MAX:
        raise ApiError(40003, f"params: at most {S.BATCH_CHECK_MAX} items per call")
    if not body.params:
        raise validation_error("params", f"give 1 to {S.BATCH_CHECK_MAX} items")
    language = language_of(body)
    out = S.BatchCheckOut(mpProducts=[], noMpProductItemIds=[], noMpReasonList=[], results=[])
    with acting_for(develop_id):
        for index, item in enumerate(body.params):
            res, product = _check_one(market, index, item, language)
            out.results.append(res)
            if product is not None:
                out.mpProducts.append(product)
            else:
                out.noMpProductItemIds.append(res.itemId)
                out.noMpReasonList.append(S.NoMpReason(itemId=res.itemId, reason=res.reason or ""))
    return out


def _taobao_query(body: S.TaobaoPaging, language: str, **fields: Any) -> P.SearchQuery:
    return P.SearchQuery(
        platform=P.Platform.TAOBAO,
        language=language,
        page=body.pageNo or 1,
        page_size=_page_size(body.pageSize),
        **fields,
    )


def item_search(
    market: P.Marketplace, develop_id: str | None, body: S.ItemSearch
) -> dict[str, Any]:
    """1.4"""
    language = language_of(body)
    _price_range(body.priceStart, body.priceEnd)
    query = _taobao_query(
        body,
        language,
        keyword=body.keyword,
        sort=_TAOBAO_SORT[body.sort],
        price_min_fen=body.priceStart,
        price_max_fen=body.priceEnd,
    )
    return _page(_acting(develop_id, lambda: market.search(query)), query, _taobao_search_item)


def image_search(
    market: P.Marketplace,
    sandbox: SandboxControls | None,
    settings: Settings,
    develop_id: str | None,
    body: S.ImageSearch,
) -> dict[str, Any]:
    """1.5"""
    language = language_of(body)

    def run() -> dict[str, Any]:
        data, field = query_image(sandbox, settings, body)
        query = _taobao_query(body, language, image=data)
        return _page(_image_search(market, query, field), query, _taobao_search_item)

    return _acting(develop_id, run)


def shop_search(
    market: P.Marketplace, develop_id: str | None, body: S.ShopSearch
) -> dict[str, Any]:
    """1.6"""
    language = language_of(body)
    _price_range(body.priceStart, body.priceEnd)
    query = _taobao_query(
        body,
        language,
        keyword=body.keyword or "",
        sort=_TAOBAO_SORT[body.sort],
        price_min_fen=body.priceStart,
        price_max_fen=body.priceEnd,
        shop_id=body.shopId,
    )
    return _page(_acting(develop_id, lambda: market.search(query)), query, _taobao_search_item)


# --- 1688 (5.1-5.8) ------------------------------------------------------------------------------


def _1688_query(body: S.SearchFields, language: str, **fields: Any) -> P.SearchQuery:
    _price_range(body.priceStart, body.priceEnd)
    values: dict[str, Any] = {
        "platform": P.Platform.ALIBABA,
        "language": language,
        "page": body.beginPage or 1,
        "page_size": _page_size(body.pageSize),
        "sort": sort_1688(body.sort),
        "price_min_fen": body.priceStart,
        "price_max_fen": body.priceEnd,
        "category_id": int(body.categoryId) if body.categoryId is not None else None,
    }
    values.update(fields)
    return P.SearchQuery(**values)


def offer_detail(
    market: P.Marketplace, develop_id: str | None, body: S.OfferDetailGet
) -> S.Offer1688:
    """5.1"""
    language = language_of(body)
    offer = _acting(develop_id, lambda: market.offer(P.Platform.ALIBABA, body.offerId, language))
    return offer_1688(offer, language)


def keyword_query(
    market: P.Marketplace, develop_id: str | None, body: S.KeywordQuery
) -> dict[str, Any]:
    """5.2"""
    query = _1688_query(body, language_of(body), keyword=body.keyword)
    return _page(_acting(develop_id, lambda: market.search(query)), query, _list_item_1688)


def image_query(
    market: P.Marketplace,
    sandbox: SandboxControls | None,
    settings: Settings,
    develop_id: str | None,
    body: S.ImageQuery,
) -> dict[str, Any]:
    """5.3"""
    language = language_of(body)
    base = _1688_query(body, language)

    def run() -> dict[str, Any]:
        data, field = query_image(sandbox, settings, body)
        query = P.SearchQuery(
            platform=base.platform,
            language=language,
            page=base.page,
            page_size=base.page_size,
            image=data,
        )
        return _page(_image_search(market, query, field), query, _list_item_1688)

    return _acting(develop_id, run)


def seller_offers(
    market: P.Marketplace, develop_id: str | None, body: S.SellerOfferQuery
) -> dict[str, Any]:
    """5.4: a sellerOpenId names the store."""
    query = _1688_query(
        body, language_of(body), keyword=body.keyword or "", shop_id=body.sellerOpenId
    )
    return _page(_acting(develop_id, lambda: market.search(query)), query, _list_item_1688)


def category(market: P.Marketplace, develop_id: str | None, body: S.CategoryGet) -> S.CategoryOut:
    """5.5"""
    language = language_of(body)
    node = _acting(
        develop_id, lambda: market.categories(P.Platform.ALIBABA, int(body.categoryId), language)
    )
    return S.CategoryOut(
        categoryId=str(node.category_id),
        parentCateId=str(node.parent_id),
        chineseName=node.name.original,
        translatedName=_translated(node.name),
        language=language,
        leaf=node.leaf,
        level=node.level,
        children=[
            S.CategoryChild(
                categoryId=str(c.category_id),
                chineseName=c.name.original,
                translatedName=_translated(c.name),
                leaf=c.leaf,
            )
            for c in node.children
        ],
    )


def _stable_pick(key: str, choices: Sequence[T]) -> T:
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return choices[int.from_bytes(digest, "big") % len(choices)]


def recommend(
    market: P.Marketplace, develop_id: str | None, body: S.RecommendQuery
) -> dict[str, Any]:
    """5.6: the same end user (outMemberId) always gets the same choice: a top-level category
    picked by a stable hash of the id (unless categoryId is given), best sellers first."""
    language = language_of(body)

    def run() -> dict[str, Any]:
        category_id = int(body.categoryId) if body.categoryId is not None else None
        if category_id is None:
            tops = market.categories(P.Platform.ALIBABA, 0, language).children
            if tops:
                category_id = _stable_pick(body.outMemberId or "", tops).category_id
        query = _1688_query(
            body,
            language,
            category_id=category_id,
            sort=sort_1688(body.sort) if body.sort else P.Sort.SALES_DESC,
        )
        return _page(market.search(query), query, _list_item_1688)

    return _acting(develop_id, run)


def related(market: P.Marketplace, develop_id: str | None, body: S.RelatedQuery) -> dict[str, Any]:
    """5.7: offers of the same leaf category, best sellers first, the offer itself left out."""
    language = language_of(body)

    def run() -> dict[str, Any]:
        offer = market.offer(P.Platform.ALIBABA, body.offerId, language)
        query = P.SearchQuery(
            platform=P.Platform.ALIBABA,
            language=language,
            page=body.pageNo or 1,
            page_size=_page_size(body.pageSize),
            sort=P.Sort.SALES_DESC,
            category_id=offer.category_id,
        )
        result = market.search(query)
        items = tuple(s for s in result.items if s.offer_id != offer.offer_id)
        total = result.total - 1 if offer.on_sale and result.total else result.total
        return _page(P.SearchPage(items, max(0, total)), query, _list_item_1688)

    return _acting(develop_id, run)


def wangwang(
    market: P.Marketplace, platform: P.Platform, develop_id: str | None, body: S.WangwangDecrypt
) -> S.Wangwang:
    """5.8: a seller's open id (of ``platform``, the route's) to its Wangwang nickname and
    chat URL."""
    if body.sellerOpenId and body.openUid and body.sellerOpenId != body.openUid:
        raise validation_error("openUid", "sellerOpenId and openUid differ; give one of them")
    open_id = body.sellerOpenId or body.openUid
    if not open_id:
        raise validation_error("sellerOpenId", "sellerOpenId (or openUid) is required")

    def run() -> S.Wangwang:
        offer_id = body.offerId
        if offer_id is None:
            page = market.search(P.SearchQuery(platform=platform, shop_id=open_id, page_size=1))
            if not page.items:
                raise ApiError(40401, f"no seller {open_id}")
            offer_id = page.items[0].offer_id
        offer = market.offer(platform, offer_id, DEFAULT_LANGUAGE)
        if offer.seller.seller_open_id != open_id:
            raise ApiError(40401, f"no seller {open_id} for offer {offer_id}")
        nick = offer.seller.wangwang_nick
        return S.Wangwang(wangwangNick=nick, wangwangUrl=WANGWANG_URL.format(nick=quote(nick)))

    return _acting(develop_id, run)


# --- pictures ------------------------------------------------------------------------------------


def picture(
    sandbox: SandboxControls | None, platform: str, offer_id: str, variant: str, fmt: str
) -> tuple[bytes, str]:
    """The public picture route (the sandbox's pictures): JPEG as the sandbox serves it, or
    PNG converted here."""
    if (
        sandbox is None
        or platform not in ("1688", "taobao")
        or not (variant.isascii() and variant.isdigit() and len(variant) <= 3)
        or not (offer_id.isascii() and offer_id.isdigit() and len(offer_id) <= 20)
    ):
        raise ApiError(40401, "no such picture")
    try:
        data, content_type = sandbox.image(P.Platform(platform), offer_id, int(variant))
    except P.MarketplaceNotFound as exc:
        raise ApiError(40401, "no such picture") from exc
    if fmt == "png":
        from PIL import Image

        buf = io.BytesIO()
        with Image.open(io.BytesIO(data)) as im:
            im.save(buf, format="PNG")
        return buf.getvalue(), "image/png"
    return data, content_type


# --- 12.19 ----------------------------------------------------------------------------------------


def platform_of(code: int) -> P.Platform:
    return P.Platform.TAOBAO if code == 0 else P.Platform.ALIBABA


def sandbox_update_product(
    sandbox: SandboxControls | None,
    market: P.Marketplace,
    db: Database,
    now_ms: int,
    body: S.ProductUpdate,
    *,
    actor: str,
    request_id: str | None,
) -> S.TaobaoItem | S.Offer1688:
    """12.19: the sandbox seller changes an item; only with the sandbox marketplace (else
    40401). The change is the marketplace's own; the gateway audit-logs the request."""
    if sandbox is None:
        raise ApiError(40401, "sandbox endpoints exist only with the sandbox marketplace")
    platform = platform_of(body.platform)
    item_id = _item_id(body.itemId) if platform is P.Platform.TAOBAO else body.itemId
    offer = sandbox.update_product(
        platform,
        item_id,
        now_ms,
        sku_id=body.skuId,
        price_fen=body.price,
        stock=body.stock,
        min_order_quantity=body.minOrderQuantity,
        on_sale=body.onSale,
    )
    with db.transaction() as s:
        audit(
            s,
            actor=actor,
            action="sandbox.product.update",
            target=f"{platform.value}:{offer.offer_id}",
            details=body.model_dump(),
            request_id=request_id,
            now_ms=now_ms,
        )
    if platform is P.Platform.TAOBAO:
        return taobao_item(market, offer, DEFAULT_LANGUAGE)
    return offer_1688(offer, DEFAULT_LANGUAGE)
