"""Wire shapes of the goods endpoints (ENDPOINTS 1.1-1.6, 5.1-5.8, 12.19; objects S6).

Ids are sent as strings and accepted as strings or integers (CONTRACT section 5). Prices are
integer fen: a float or a decimal string is refused with 40001. ``JSON<T>`` fields (``params``
of 1.2, ``sort`` of the 1688 searches) take T itself or a JSON string encoding it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictInt,
    WithJsonSchema,
)

from daigou.core.wire import INT64_MAX, PageNo, PageSize, json_text

MAX_ID_DIGITS = 20
MAX_FEN = 2**53
BATCH_CHECK_MAX = 50
TAOBAO_SEARCH_MAX_PAGE_SIZE = 40
MAX_PAGE_NO = 1_000_000
LANGUAGE_HELP = "zh, en, vi, th or es (default en); `country` is the 1688 spelling"


def _to_id(value: Any, limit: int | None = None) -> str:
    """An id given as a decimal string or a JSON integer (never a boolean or a float), as text."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("must be a decimal id (a string of digits or an integer)")
    if isinstance(value, int):
        if value < 0 or value > INT64_MAX:
            raise ValueError(f"must be an integer id from 0 to {INT64_MAX}")
        text = str(value)
    else:
        text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > MAX_ID_DIGITS:
        raise ValueError(f"must be a decimal id of 1 to {MAX_ID_DIGITS} digits")
    if limit is not None and int(text) > limit:
        raise ValueError(f"must be at most {limit}")
    return text


def _id_schema(max_digits: int) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": INT64_MAX},
                {"type": "string", "pattern": f"^[0-9]{{1,{max_digits}}}$"},
            ]
        }
    )


# An id: a decimal string, or a JSON integer; always a string afterwards.
IdIn = Annotated[str, PlainValidator(_to_id), _id_schema(MAX_ID_DIGITS)]
# An id the marketplace keeps as an integer (a category): at most 2**63-1.
Int64IdIn = Annotated[
    str, PlainValidator(lambda v: _to_id(v, INT64_MAX)), _id_schema(len(str(INT64_MAX)))
]
Fen = Annotated[StrictInt, Field(ge=0, le=MAX_FEN, description="fen (integer minor units)")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Languages(Strict):
    language: str | None = Field(default=None, max_length=16, description=LANGUAGE_HELP)
    country: str | None = Field(default=None, max_length=16, description=LANGUAGE_HELP)


# --- Taobao requests (1.1-1.6) --------------------------------------------------------------


class ItemQuery(Languages):
    itemId: IdIn = Field(description="the Taobao item id (or its 16-digit mpId)")


class SourceGet(Languages):
    itemId: IdIn


class BatchItem(Strict):
    itemId: IdIn
    skuIds: list[IdIn] = Field(default_factory=list, max_length=200)


class BatchCheck(Languages):
    params: Annotated[list[BatchItem], BeforeValidator(json_text)] = Field(
        description=f"1 to {BATCH_CHECK_MAX} x {{itemId, skuIds[]}} (or a JSON string of it); "
        "empty skuIds = all SKUs; over the limit answers 40003"
    )


TaobaoSort = Literal["tk_rate_desc", "price_asc", "price_desc", "sale_desc"]


class TaobaoPaging(Languages):
    pageNo: PageNo | None = None
    pageSize: int | None = Field(default=None, ge=1, le=TAOBAO_SEARCH_MAX_PAGE_SIZE)


class ItemSearch(TaobaoPaging):
    keyword: str = Field(min_length=1, max_length=200)
    sort: TaobaoSort | None = None
    priceStart: Fen | None = None
    priceEnd: Fen | None = None


class ImageInput(Strict):
    imageBase64: str | None = Field(
        default=None, description="a JPEG or PNG picture, base64 (a data: URL prefix is allowed)"
    )
    imageAddress: str | None = Field(
        default=None,
        max_length=2048,
        description="the URL of a picture this gateway serves (/sandbox/images/...); pictures "
        "from elsewhere must be sent as imageBase64: the gateway never fetches other URLs",
    )


class ImageSearch(TaobaoPaging, ImageInput):
    pass


class ShopSearch(TaobaoPaging):
    shopId: IdIn
    keyword: str | None = Field(default=None, max_length=200)
    sort: TaobaoSort | None = None
    priceStart: Fen | None = None
    priceEnd: Fen | None = None


# --- 1688 requests (5.1-5.8) ----------------------------------------------------------------


def _blank_is_none(value: Any) -> Any:
    """An optional filter sent as "" (PandaPon's examples do: `"categoryId": ""`) is absent."""
    return None if isinstance(value, str) and not value.strip() else value


class SearchFields(Languages):
    beginPage: int | None = Field(default=None, ge=1, le=MAX_PAGE_NO)
    pageSize: PageSize | None = None
    filter: str | None = Field(default=None, max_length=500, description="passed through")
    sort: Annotated[dict[str, str] | None, BeforeValidator(json_text)] = Field(
        default=None,
        description='JSON<obj>: {"price":"asc"|"desc"} or {"monthSold":"desc"}; absent = relevance',
    )
    outMemberId: str | None = Field(default=None, max_length=128)
    priceStart: Fen | None = None
    priceEnd: Fen | None = None
    categoryId: Annotated[Int64IdIn | None, BeforeValidator(_blank_is_none)] = None


class OfferDetailGet(Languages):
    offerId: IdIn
    outMemberId: str | None = Field(default=None, max_length=128)


class KeywordQuery(SearchFields):
    keyword: str = Field(min_length=1, max_length=200)


class ImageQuery(SearchFields, ImageInput):
    region: str | None = Field(
        default=None, pattern=r"^\d{1,5},\d{1,5},\d{1,5},\d{1,5}$", description="x1,x2,y1,y2"
    )


class SellerOfferQuery(SearchFields):
    sellerOpenId: str = Field(min_length=1, max_length=64)
    keyword: str | None = Field(default=None, max_length=200)


class CategoryGet(Languages):
    categoryId: Int64IdIn = Field(description="0 = the top level")


class RecommendQuery(SearchFields):
    pass


class RelatedQuery(Languages):
    offerId: IdIn
    pageNo: PageNo | None = None
    pageSize: PageSize | None = None


class WangwangDecrypt(Strict):
    sellerOpenId: str | None = Field(default=None, min_length=1, max_length=64)
    openUid: str | None = Field(default=None, min_length=1, max_length=64)
    offerId: IdIn | None = None


# --- 12.19 ------------------------------------------------------------------------------------


class ProductUpdate(Strict):
    platform: Literal[0, 1] = Field(description="0 Taobao, 1 1688 (as messagePlatform)")
    itemId: IdIn = Field(description="the Taobao item or 1688 offer")
    skuId: IdIn | None = Field(default=None, description="absent = the whole offer, every SKU")
    price: Annotated[StrictInt, Field(ge=1, le=MAX_FEN)] | None = None
    stock: Annotated[StrictInt, Field(ge=0, le=10**9)] | None = None
    minOrderQuantity: Annotated[StrictInt, Field(ge=1, le=10**6)] | None = None
    onSale: StrictBool | None = None


# --- responses --------------------------------------------------------------------------------


class TaobaoProperty(BaseModel):
    propId: str
    propName: str
    valueId: str
    valueName: str


class TaobaoSku(BaseModel):
    skuId: str
    mpSkuId: str
    picUrl: str
    quantity: int
    price: int
    promotionPrice: int | None
    postFee: int
    status: str
    properties: list[TaobaoProperty]


class TaobaoItem(BaseModel):
    itemId: str
    mpId: str
    title: str
    titleTrans: str | None
    description: str
    picUrls: list[str]
    price: int
    promotionPrice: int | None
    quantity: int
    beginAmount: int
    status: str = Field(description="active (on sale) or inactive")
    itemType: str
    productUnit: str
    categoryId: str
    categoryName: str
    categoryPath: str
    shopId: str
    shopName: str
    userNick: str
    currency: str
    skuList: list[TaobaoSku]


class ItemResource(BaseModel):
    title: str
    description: str
    skuList: list[TaobaoSku]


class TaobaoSourceItem(TaobaoItem):
    itemResource: ItemResource


class TaobaoSearchItem(BaseModel):
    itemId: str
    title: str
    titleTrans: str | None
    picUrl: str
    price: int
    promotionPrice: int | None
    shopId: str
    shopName: str
    sales: int
    currency: str


class MpSku(BaseModel):
    skuId: str
    mpSkuId: str
    price: int
    quantity: int
    status: str


class MpProduct(BaseModel):
    itemId: str
    mpId: str
    skuList: list[MpSku]


class NoMpReason(BaseModel):
    itemId: str
    reason: str


class BatchCheckResult(BaseModel):
    index: int
    key: str
    success: bool
    code: int
    msg: str
    itemId: str
    purchasable: bool
    reason: str | None


class BatchCheckOut(BaseModel):
    mpProducts: list[MpProduct]
    noMpProductItemIds: list[str]
    noMpReasonList: list[NoMpReason]
    results: list[BatchCheckResult]


class ProductAttribute(BaseModel):
    attributeName: str
    attributeNameTrans: str | None
    value: str
    valueTrans: str | None


class SkuAttribute1688(ProductAttribute):
    skuImageUrl: str | None


class ProductSkuInfo(BaseModel):
    skuId: str
    specId: str
    price: int
    amountOnSale: int
    skuAttributes: list[SkuAttribute1688]


class PriceRange(BaseModel):
    startQuantity: int
    price: int


class UnitInfo(BaseModel):
    unit: str
    transUnit: str


class ProductSaleInfo(BaseModel):
    amountOnSale: int
    priceRangeList: list[PriceRange]
    quoteType: int = Field(description="1 price by quantity (priceRangeList), 0 price by SKU")
    unitInfo: UnitInfo


class ProductShippingInfo(BaseModel):
    sendGoodsAddressText: str
    weight: int = Field(description="grams")
    length: int = Field(description="mm")
    width: int = Field(description="mm")
    height: int = Field(description="mm")


class ProductImage(BaseModel):
    images: list[str]


class Offer1688(BaseModel):
    offerId: str
    categoryId: str
    categoryName: str
    subject: str
    subjectTrans: str | None
    description: str
    mainVideo: str | None
    productImage: ProductImage
    productAttribute: list[ProductAttribute]
    productSkuInfos: list[ProductSkuInfo]
    productSaleInfo: ProductSaleInfo
    productShippingInfo: ProductShippingInfo
    isJxhy: bool
    sellerOpenId: str
    minOrderQuantity: int
    batchNumber: int
    status: str = Field(description="published (on sale) or expired")
    traceInfo: str
    companyName: str
    currency: str


class PriceInfo(BaseModel):
    price: int
    consignPrice: int


class OfferListItem1688(BaseModel):
    offerId: str
    imageUrl: str
    subject: str
    subjectTrans: str | None
    priceInfo: PriceInfo
    monthSold: int
    repurchaseRate: str
    isJxhy: bool


class CategoryChild(BaseModel):
    categoryId: str
    chineseName: str
    translatedName: str | None
    leaf: bool


class CategoryOut(BaseModel):
    categoryId: str
    parentCateId: str
    chineseName: str
    translatedName: str | None
    language: str
    leaf: bool
    level: int
    children: list[CategoryChild]


class Wangwang(BaseModel):
    wangwangNick: str
    wangwangUrl: str
