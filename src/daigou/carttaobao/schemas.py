"""Wire shapes of the Taobao cart (ENDPOINTS 4.1-4.6); those both carts share are in
daigou.carts.schemas (line ids, paging, the added line, delete)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, StrictInt, model_validator

from daigou.carts.schemas import LineId, Strict
from daigou.core.pagination import PageOut
from daigou.core.wire import DecimalId, json_text
from daigou.developers.schemas import USER_ID_PATTERN
from daigou.goods.schemas import Fen, IdIn, TaobaoProperty
from daigou.orderstaobao import schemas as OS
from daigou.orderstaobao.wire import RenderLineOut

Quantity = Annotated[StrictInt, Field(ge=1, le=OS.MAX_QUANTITY)]
MAX_HINT_PROPERTIES = 50


def _text_id(value: Any) -> Any:
    """A property's ids come as strings or integers (PandaPon sends either)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _digits(value: Any) -> Any:
    """``skuQuantity`` is an int or a digit string (PandaPon documents a string)."""
    if isinstance(value, str) and value.strip().isdigit() and value.isascii():
        return int(value.strip())
    return value


HintText = Annotated[str, BeforeValidator(_text_id), Field(max_length=200)]


class TaobaoPropertyHint(Strict):
    """One of ``properties`` as PandaPon sends it: ``{propId, propName, valueId, valueName}``."""

    propId: HintText | None = None
    propName: HintText | None = None
    valueId: HintText | None = None
    valueName: HintText | None = None


class TaobaoCartAdd(Strict):
    """4.1. The item and SKU: PandaPon's ``mpId`` and ``mpSkuId``, or ``itemId`` and ``skuId``
    (ours; either may also be the paired 16- or 18-digit form). The rest are hints: stored, shown
    only when the marketplace no longer knows the item, never trusted (price, title and stock
    are read from the marketplace)."""

    mpId: DecimalId | None = Field(default=None, description="PandaPon's item id (2048 + itemId)")
    mpSkuId: DecimalId | None = Field(default=None, description="PandaPon's SKU id (2048 + skuId)")
    itemId: DecimalId | None = Field(default=None, description="the Taobao item id")
    skuId: DecimalId | None = Field(
        default=None, description="the SKU; optional only for an item with one SKU"
    )
    quantity: Quantity = Field(description="added to the line of the same SKU")
    userId: str | None = Field(
        default=None, pattern=USER_ID_PATTERN, description="acts as the user-id header"
    )
    itemTitle: str | None = Field(default=None, max_length=500, description="hint")
    itemPic: str | None = Field(default=None, max_length=2048, description="hint")
    price: Fen | None = Field(default=None, description="hint (fen); never trusted")
    promotionPrice: Fen | None = Field(default=None, description="hint (fen); never trusted")
    properties: Annotated[list[TaobaoPropertyHint] | None, BeforeValidator(json_text)] = Field(
        default=None,
        max_length=MAX_HINT_PROPERTIES,
        description="hint: JSON<[{propId, propName, valueId, valueName}]>",
    )
    shopId: IdIn | None = Field(default=None, description="hint")
    shopName: str | None = Field(default=None, max_length=200, description="hint")
    skuQuantity: Annotated[StrictInt | None, BeforeValidator(_digits)] = Field(
        default=None, ge=0, le=10**9, description="hint: the SKU's stock as you saw it"
    )
    userNick: str | None = Field(default=None, max_length=200, description="hint")
    platform: StrictInt | None = Field(default=None, ge=0, le=100, description="hint")

    @model_validator(mode="after")
    def _one_item(self) -> TaobaoCartAdd:
        item = _same("itemId", self.itemId, "mpId", self.mpId, OS.ITEM_DIGITS)
        if item is None:
            raise ValueError("give mpId and mpSkuId, or itemId (and skuId)")
        _same("skuId", self.skuId, "mpSkuId", self.mpSkuId, OS.SKU_DIGITS)
        return self

    @property
    def item_id(self) -> str:
        item = _same("itemId", self.itemId, "mpId", self.mpId, OS.ITEM_DIGITS)
        assert item is not None
        return item

    @property
    def sku_id(self) -> str | None:
        return _same("skuId", self.skuId, "mpSkuId", self.mpSkuId, OS.SKU_DIGITS)

    def hints(self) -> dict[str, Any]:
        """The hints given (none: an empty dict)."""
        return self.model_dump(
            include={
                "itemTitle",
                "itemPic",
                "price",
                "promotionPrice",
                "properties",
                "shopId",
                "shopName",
                "skuQuantity",
                "userNick",
                "platform",
            },  # fmt: skip
            exclude_none=True,
        )


def _same(ours: str, a: str | None, theirs: str, b: str | None, digits: int) -> str | None:
    """Our id from ``a`` (ours) or ``b`` (PandaPon's paired form); both given must agree."""
    x = OS.unpaired(a, digits) if a else None
    y = OS.unpaired(b, digits) if b else None
    if x and y and x != y:
        raise ValueError(f"{ours} and {theirs} name different ids")
    return x or y


class TaobaoCartEdit(Strict):
    id: LineId
    quantity: Quantity


class TaobaoCartLine(BaseModel):
    """A line of the Taobao cart, read again from the marketplace."""

    id: int = Field(description="the cart line")
    itemId: str
    skuId: str | None
    mpId: str
    mpSkuId: str | None
    itemTitle: str | None = Field(description="the item's title now (your hint once it is gone)")
    itemPic: str | None
    price: int | None = Field(description="fen, the SKU's price now; null once the item is gone")
    promotionPrice: int | None = Field(description="fen")
    quantity: int
    skuQuantity: int | None = Field(description="the SKU's stock now")
    properties: list[TaobaoProperty]
    shopId: str | None
    shopName: str | None
    available: bool = Field(
        description="orderable now: on sale, the SKU's stock covers the quantity, at least the "
        "item's minimum; false once the item is gone"
    )
    createTime: int = Field(description="ms")


class TaobaoCartPage(PageOut[TaobaoCartLine]):
    """4.2: the lines, most recently changed first (S1; no cursor)."""


class TaobaoCartPreview(Strict):
    """4.5"""

    ids: list[LineId] = Field(min_length=1, max_length=OS.MAX_LINES, description="cart lines")
    orderAddress: OS.ReceiverIn = Field(description="JSON<S4 Receiver>")


class TaobaoCartCreate(TaobaoCartPreview):
    """4.6"""

    userId: str | None = Field(
        default=None, pattern=USER_ID_PATTERN, description="acts as the user-id header"
    )
    purchaseAmount: OS.OrderFen | None = Field(
        default=None, description="fen: the total 4.5 priced; checked as 2.2 checks it"
    )
    sellerOrderNumber: str | None = Field(default=None, min_length=1, max_length=64)
    orderSource: str | None = Field(default=None, max_length=32)


class TaobaoCartRenderLine(RenderLineOut):
    """A line of 4.5: 2.1's, and the cart line it prices (``key`` and ``orderLineNo`` are
    the same id as text)."""

    id: int = Field(description="the cart line")


class TaobaoCartRenderOut(BaseModel):
    """4.5: as 2.1, each line carrying its cart line ``id``."""

    purchaseAmount: int = Field(description="fen: the amount 4.6 may send")
    productAmount: int
    postFee: int
    discount: int = Field(description="ours: shop promotions")
    currency: str
    lines: list[TaobaoCartRenderLine]
