"""Wire shapes of the 1688 cart (ENDPOINTS 8.1-8.4); those both carts share are in
daigou.carts.schemas."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StrictInt

from daigou.carts.schemas import LineId, Strict
from daigou.goods.schemas import IdIn

MAX_QUANTITY = 1_000_000  # what one order line may carry (orders1688 Cargo)
Quantity = Annotated[StrictInt, Field(ge=1, le=MAX_QUANTITY)]


class CartAdd(Strict):
    offerId: IdIn
    specId: str | None = Field(
        default=None, max_length=64, description="optional only for an offer with one SKU"
    )
    quantity: Quantity = Field(description="added to the line of the same SKU")
    productNo: str | None = Field(default=None, max_length=64, description="your label")
    container: str | None = Field(default=None, max_length=64, description="your label")


class CartProperty(BaseModel):
    attributeName: str
    attributeNameTrans: str | None
    value: str
    valueTrans: str | None


class CartItem(BaseModel):
    id: int
    offerId: str
    specId: str | None
    skuId: str | None
    itemTitle: str | None
    itemPic: str | None
    price: int | None = Field(description="fen, the tier price for the line's quantity")
    quantity: int
    amountOnSale: int | None = Field(description="the SKU's stock")
    properties: list[CartProperty]
    productNo: str | None
    container: str | None


class CartStore(BaseModel):
    sellerOpenId: str
    sellerNickName: str | None
    cartItemInfos: list[CartItem]


class CartPage(BaseModel):
    """S1 counts (stores, not lines), with the orderable and unavailable lines of the page."""

    totalRecords: int
    totalPage: int
    pageSize: int
    currentPage: int
    enableList: list[CartStore]
    disableList: list[CartStore]
    nextCursor: str | None = None


class CartEdit(Strict):
    id: LineId
    quantity: Quantity
    productNo: str | None = Field(default=None, max_length=64)
    container: str | None = Field(default=None, max_length=64)
