"""The answers of the 1688 previews and multi-merchant routes (ENDPOINTS S2, 6.1, 6.3, 6.4,
8.5, 8.6) and of the marketing queries (9.1, 9.2), as pydantic models for the OpenAPI
document; the routes build the same fields as dicts (preview.py, batch_create.py, cart1688,
marketing.py)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from daigou.orders1688.wire import (
    GATEWAY_INFO_EXAMPLE,
    ORDER_EXAMPLE,
    ORDER_ID,
    SELLER,
    T0,
    FailedOffer,
    Order1688,
    examples,
)


# --- 6.1 / 6.3 previews -----------------------------------------------------------------------
class ShopPromotion(BaseModel):
    promotionId: str
    promotionName: str
    discountFee: int
    selected: bool


class PreviewCargo(BaseModel):
    offerId: str
    specId: str | None = None
    amount: int | None = Field(default=None, description="quantity")
    finalUnitPrice: int | None = None


class PreviewResult(BaseModel):
    """One order the marketplace would make, or a refused line (``success`` false)."""

    success: bool
    errorCode: str | None = None
    errorMsg: str | None = None
    flowFlag: str
    sumPayment: int
    sumCarriage: int
    sumPaymentNoCarriage: int
    discountFee: int
    currency: str
    status: str
    tradeModeNameList: list[str]
    shopPromotionList: list[ShopPromotion]
    cargoList: list[PreviewCargo]
    postFeeByDescOfferList: list[Any]
    consignOfferList: list[Any]
    unsupportedCrossBorderPayOfferList: list[Any]


PREVIEW_RESULT_EXAMPLE: dict[str, Any] = {
    "success": True,
    "errorCode": None,
    "errorMsg": None,
    "flowFlag": "general",
    "sumPayment": 5980,
    "sumCarriage": 800,
    "sumPaymentNoCarriage": 5180,
    "discountFee": 0,
    "currency": "CNY",
    "status": "success",
    "tradeModeNameList": ["assureTrade"],
    "shopPromotionList": [],
    "cargoList": [
        {
            "offerId": "612345678901",
            "specId": "b3c5f0a1e2d4c6b8a0f1e2d3c4b5a697",
            "amount": 2,
            "finalUnitPrice": 2590,
        }
    ],
    "postFeeByDescOfferList": [],
    "consignOfferList": [],
    "unsupportedCrossBorderPayOfferList": [],
}


class PreviewOut(BaseModel):
    """6.1 (``orderPreviewResuslt``: PandaPon's spelling)."""

    model_config = examples(
        {"outOrderId": "my-first", "orderPreviewResuslt": [PREVIEW_RESULT_EXAMPLE]}
    )
    outOrderId: str | None = None
    orderPreviewResuslt: list[PreviewResult]


class MerchantItem(BaseModel):
    """S2: one merchant's result of a multi-merchant call, in order of first appearance."""

    index: int
    key: str = Field(description="the merchant's sellerOpenId")
    success: bool
    code: int = Field(description="200, or the CONTRACT code that stopped this merchant")
    msg: str
    sellerOpenId: str
    outOrderId: str | None = None
    lineIndexes: list[int] = Field(description="positions of the merchant's lines in the request")
    upstreamCode: str | int | None = None
    upstreamMessage: str | None = None


class MerchantPreview(MerchantItem):
    orderPreviewResuslt: list[PreviewResult]


MERCHANT_BASE: dict[str, Any] = {
    "index": 0,
    "key": SELLER,
    "success": True,
    "code": 200,
    "msg": "success",
    "sellerOpenId": SELLER,
    "outOrderId": "my-first",
    "lineIndexes": [0],
}


class PreviewBatchOut(BaseModel):
    """6.3: one result per merchant; never fails as a whole for one merchant."""

    model_config = examples(
        {"results": [{**MERCHANT_BASE, "orderPreviewResuslt": [PREVIEW_RESULT_EXAMPLE]}]}
    )
    results: list[MerchantPreview]


class MerchantCreated(MerchantItem):
    orderIds: list[str]
    orders: list[Order1688]
    failedOfferList: list[FailedOffer]
    replayed: bool
    pendingOperation: str | None = Field(
        default=None, description="create: the marketplace did not answer (50401)"
    )


class BatchCreateOut(BaseModel):
    """6.4: one result per merchant (its orders, or the error that stopped it)."""

    model_config = examples(
        {
            "results": [
                {
                    **MERCHANT_BASE,
                    "orderIds": [ORDER_ID],
                    "orders": [{**ORDER_EXAMPLE, "gatewayInfo": GATEWAY_INFO_EXAMPLE}],
                    "failedOfferList": [],
                    "replayed": False,
                }
            ]
        }
    )
    results: list[MerchantCreated]


class CartMerchantPreview(MerchantPreview):
    cartIds: list[int] = Field(description="the cart lines of this merchant")


class CartPreviewOut(BaseModel):
    """8.5: 6.3's answer with the cart lines of each merchant."""

    model_config = examples(
        {
            "results": [
                {
                    **MERCHANT_BASE,
                    "orderPreviewResuslt": [PREVIEW_RESULT_EXAMPLE],
                    "cartIds": [1],
                }
            ]
        }
    )
    results: list[CartMerchantPreview]


class CartMerchantCreated(MerchantCreated):
    cartIds: list[int] = Field(description="the cart lines of this merchant")


class CartCreateOut(BaseModel):
    """8.6: 6.4's answer with the cart lines of each merchant (ordered lines leave the cart)."""

    model_config = examples(
        {
            "results": [
                {
                    **MERCHANT_BASE,
                    "orderIds": [ORDER_ID],
                    "orders": [{**ORDER_EXAMPLE, "gatewayInfo": GATEWAY_INFO_EXAMPLE}],
                    "failedOfferList": [],
                    "replayed": False,
                    "cartIds": [1],
                }
            ]
        }
    )
    results: list[CartMerchantCreated]


class PromotionsOut(BaseModel):
    """9.1: the merchant's promotions usable for these lines."""

    model_config = examples(
        {
            "sellerOpenId": SELLER,
            "shopPromotionList": [
                {
                    "promotionId": "p-1001",
                    "promotionName": "满 100 减 10",
                    "discountFee": 1000,
                    "selected": True,
                }
            ],
        }
    )
    sellerOpenId: str
    shopPromotionList: list[ShopPromotion]


class ActivityPrice(BaseModel):
    specId: str = Field(description="the SKU (its specId in 5.1's productSkuInfos)")
    price: int = Field(description="fen: the special price, below the SKU's own")


class OfferActivity(BaseModel):
    activityId: str
    activityName: str = Field(description="in the language `country` asks for (default en)")
    startTime: int = Field(description="ms; later than now for an activity announced ahead")
    endTime: int = Field(description="ms")
    promotionPrices: list[ActivityPrice]
    limitQuantity: int = Field(description="pieces one buyer may buy at the special price")
    activityStock: int = Field(description="pieces left at the special price")


class OfferActivitiesOut(BaseModel):
    """9.2: the offer's activities running now or announced (empty when none)."""

    model_config = examples(
        {
            "offerId": "612345678901",
            "activities": [
                {
                    "activityId": "483920174655",
                    "activityName": "Limited-time offer",
                    "startTime": T0 - 86_400_000,
                    "endTime": T0 + 6 * 86_400_000,
                    "promotionPrices": [
                        {"specId": "b3c5f0a1e2d4c6b8a0f1e2d3c4b5a697", "price": 2330}
                    ],
                    "limitQuantity": 20,
                    "activityStock": 500,
                }
            ],
        }
    )
    offerId: str
    activities: list[OfferActivity]
