"""The answers of the 1688 order and pay routes (ENDPOINTS S6, 6.2, 6.5-6.11), as pydantic
models for the OpenAPI document (previews and multi-merchant answers: wire_batch.py). The routes
keep building plain dicts (views.py, profile.py, create.py, ...); these models describe them
field for field, and the schemathesis test checks every answer against them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from daigou.core.pagination import PageOut

ORDER_ID = "3893213748262019372"
SELLER = "b2b-221234567890abcdef"
T0 = 1765000000000


def examples(*values: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(values)})


# --- Order1688 (ENDPOINTS S6) ----------------------------------------------------------------
class BaseInfo1688(BaseModel):
    id: str = Field(description="the order id: a decimal string of up to 19 digits")
    status: str = Field(description="CONTRACT section 7: waitbuyerpay, waitsellersend, ...")
    refundStatus: str | None = None
    tradeType: str
    totalAmount: int = Field(description="fen, freight included")
    sumProductPayment: int
    shippingFee: int
    discount: int
    currency: str
    sellerOpenId: str
    sellerCompanyName: str
    payTimeout: int = Field(description="seconds the order waits for payment")
    closeReason: str | None = None
    closeOperateType: str | None = None
    createTime: int
    payTime: int | None = None
    allDeliveredTime: int | None = None
    receivingTime: int | None = None
    completeTime: int | None = None
    modifyTime: int | None = None
    outOrderId: str | None = None
    flow: str | None = None
    buyerFeedback: str | None = None


class ProductItem1688(BaseModel):
    subItemID: str = Field(description="the order entry id (orderEntryIds elsewhere)")
    productID: str
    specId: str | None = None
    skuID: str | None = None
    cargoNumber: str | None = Field(default=None, description="the seller's article number")
    name: str
    nameTrans: str | None = None
    productImgUrl: list[str]
    quantity: int
    price: int = Field(description="unit price, fen")
    itemAmount: int
    status: str
    refundStatus: str | None = None
    logisticsStatus: int = Field(description="1 not sent, 2 sent, 3 received")


class LogisticsStep1688(BaseModel):
    acceptTime: int
    remark: str


class LogisticsItem1688(BaseModel):
    logisticsId: str
    logisticsBillNo: str
    logisticsCompanyName: str
    deliveredTime: int
    signedTime: int | None = None
    subItemIds: list[str]
    steps: list[LogisticsStep1688]


class NativeLogistics1688(BaseModel):
    """The shipping address (absent fields when the marketplace keeps none) and the parcels."""

    contactPerson: str | None = None
    mobile: str | None = None
    telephone: str | None = None
    zip: str | None = None
    province: str | None = None
    city: str | None = None
    area: str | None = None
    areaCode: str | None = None
    town: str | None = None
    address: str | None = None
    logisticsItems: list[LogisticsItem1688]


class GatewayInfo(BaseModel):
    """What the gateway adds to every order it holds."""

    outOrderId: str | None = None
    userId: str | None = Field(default=None, description="the sub-account that ordered")
    staffName: str | None = None
    payState: str | None = Field(default=None, description="none, held or paid")
    heldAmount: int
    paidAmount: int
    refundedAmount: int
    pendingOperation: str | None = Field(
        default=None, description="create, pay or cancel while its outcome is unknown"
    )
    sequence: int = Field(description="increases with every message about the order")


ORDER_EXAMPLE: dict[str, Any] = {
    "baseInfo": {
        "id": ORDER_ID,
        "status": "waitbuyerpay",
        "refundStatus": None,
        "tradeType": "50060",
        "totalAmount": 5980,
        "sumProductPayment": 5180,
        "shippingFee": 800,
        "discount": 0,
        "currency": "CNY",
        "sellerOpenId": SELLER,
        "sellerCompanyName": "义乌市星辰服饰有限公司",
        "payTimeout": 43200,
        "closeReason": None,
        "closeOperateType": None,
        "createTime": T0,
        "payTime": None,
        "allDeliveredTime": None,
        "receivingTime": None,
        "completeTime": None,
        "modifyTime": T0,
        "outOrderId": "my-first",
        "flow": "general",
        "buyerFeedback": "",
    },
    "productItems": [
        {
            "subItemID": "3893213748262019373",
            "productID": "612345678901",
            "specId": "b3c5f0a1e2d4c6b8a0f1e2d3c4b5a697",
            "skuID": "4912345678901",
            "name": "纯棉短袖衬衫",
            "nameTrans": "Cotton short-sleeve shirt",
            "productImgUrl": ["http://127.0.0.1:8000/sandbox/images/1688/612345678901/0.jpg"],
            "quantity": 2,
            "price": 2590,
            "itemAmount": 5180,
            "status": "waitbuyerpay",
            "refundStatus": None,
            "logisticsStatus": 1,
        }
    ],
    "nativeLogistics": {
        "contactPerson": "Lin Wei",
        "mobile": "13800000000",
        "telephone": "",
        "zip": "",
        "province": "浙江省",
        "city": "杭州市",
        "area": "余杭区",
        "areaCode": "",
        "town": "",
        "address": "文一西路 969 号",
        "logisticsItems": [],
    },
}
GATEWAY_INFO_EXAMPLE: dict[str, Any] = {
    "outOrderId": "my-first",
    "userId": None,
    "staffName": None,
    "payState": "none",
    "heldAmount": 0,
    "paidAmount": 0,
    "refundedAmount": 0,
    "pendingOperation": None,
    "sequence": 1,
}


class MarketOrder1688(BaseModel):
    """Order1688 as the marketplace holds it (the sandbox's operator controls answer this)."""

    model_config = examples(ORDER_EXAMPLE)
    baseInfo: BaseInfo1688
    productItems: list[ProductItem1688]
    nativeLogistics: NativeLogistics1688
    guaranteesTerms: dict[str, Any] | None = Field(
        default=None, description="1688's own object, passed through (null in the sandbox)"
    )
    internationalLogistics: dict[str, Any] | None = Field(
        default=None, description="1688's own object, passed through (null in the sandbox)"
    )


class Order1688(MarketOrder1688):
    """Order1688 (ENDPOINTS S6): the marketplace's view under the gateway's own columns."""

    model_config = examples({**ORDER_EXAMPLE, "gatewayInfo": GATEWAY_INFO_EXAMPLE})
    gatewayInfo: GatewayInfo


class OrderPage1688(PageOut[Order1688]):
    """6.6: S1 page of Order1688, newest first."""


# --- 6.2 create -------------------------------------------------------------------------------
class CreatedOrder(BaseModel):
    orderId: str
    totalAmount: int
    postFee: int
    status: str


class FailedOffer(BaseModel):
    offerId: str
    specId: str | None = None
    errorCode: str
    errorMessage: str


class OrderCreated(BaseModel):
    """6.2: the order made (1688 may split one create into several: ``orderList``)."""

    model_config = examples(
        {
            "orderId": ORDER_ID,
            "orderList": [
                {"orderId": ORDER_ID, "totalAmount": 5980, "postFee": 800, "status": "waitbuyerpay"}
            ],
            "outOrderId": "my-first",
            "status": "waitbuyerpay",
            "totalSuccessAmount": 5980,
            "postFee": 800,
            "failedOfferList": [],
            "replayed": False,
        }
    )
    orderId: str
    orderList: list[CreatedOrder]
    outOrderId: str | None = None
    status: str
    totalSuccessAmount: int
    postFee: int
    failedOfferList: list[FailedOffer]
    replayed: bool = Field(description="true: the outOrderId was used before; nothing was made")


# --- 6.7 / 6.10 / 6.11 ------------------------------------------------------------------------
class CancelOut(BaseModel):
    model_config = examples({"success": True, "orderId": ORDER_ID, "status": "cancel"})
    success: bool
    orderId: str
    status: str


class ReceiveOut(BaseModel):
    model_config = examples(
        {"success": True, "errorInfo": "", "errorCode": "", "status": "confirm_goods"}
    )
    success: bool
    errorInfo: str
    errorCode: str
    status: str


class TraceParcel(BaseModel):
    logisticsId: str
    logisticsBillNo: str
    logisticsCompanyName: str
    orderEntryIds: list[str]
    logisticsSteps: list[LogisticsStep1688]


class TraceOut(BaseModel):
    """6.11: the parcels of an order and their steps."""

    model_config = examples(
        {
            "orderId": ORDER_ID,
            "status": "waitbuyerreceive",
            "logisticsTrace": [
                {
                    "logisticsId": "LP00012345",
                    "logisticsBillNo": "YT7512345678901",
                    "logisticsCompanyName": "圆通速递",
                    "orderEntryIds": ["3893213748262019373"],
                    "logisticsSteps": [{"acceptTime": T0, "remark": "卖家已发货"}],
                }
            ],
        }
    )
    orderId: str
    status: str
    logisticsTrace: list[TraceParcel]


# --- 6.8 / 6.9 pay ----------------------------------------------------------------------------
class PayResultItem(BaseModel):
    """S2: what became of one order of a pay call, in input order."""

    index: int
    key: str = Field(description="the order id")
    success: bool
    code: int = Field(description="200, or the CONTRACT code of this order's failure")
    msg: str
    orderId: str
    status: str | None = None
    payState: str | None = Field(default=None, description="paid, unknown (pending), ...")
    reasonCode: str | None = Field(
        default=None,
        description="why it was not paid: e.g. INSUFFICIENT_BALANCE, ALREADY_PAID, "
        "ORDER_STATUS_ERROR, PRICE_CHANGED, MARKETPLACE_TIMEOUT",
    )
    upstreamCode: str | int | None = None
    upstreamMessage: str | None = None


class PayFailOrder(BaseModel):
    orderId: str
    errorReason: str | None = Field(default=None, description="the item's reasonCode")
    errorCode: str | int | None = Field(default=None, description="the item's error code")


PAY_RESULT_EXAMPLE: dict[str, Any] = {
    "index": 0,
    "key": ORDER_ID,
    "success": True,
    "code": 200,
    "msg": "success",
    "orderId": ORDER_ID,
    "status": "waitsellersend",
    "payState": "paid",
    "reasonCode": None,
}


class BulkPayOut(BaseModel):
    """6.9: PandaPon's two lists (an order whose outcome is still unknown is in neither) and a
    result per order."""

    model_config = examples(
        {
            "successOrderIds": [ORDER_ID],
            "payFailOrders": [],
            "results": [PAY_RESULT_EXAMPLE],
            "batchId": "bp_01jb3k9q7w8x",
        }
    )
    successOrderIds: list[str]
    payFailOrders: list[PayFailOrder]
    results: list[PayResultItem]
    batchId: str | None = None


class PayUrlOut(BaseModel):
    """6.8: paid password-free from the balance; this gateway has no cashier (payUrl null)."""

    model_config = examples(
        {
            "orderId": ORDER_ID,
            "protocolPaySuccess": True,
            "payUrl": None,
            "cantPayOrderList": [],
            "results": [PAY_RESULT_EXAMPLE],
        }
    )
    orderId: str
    protocolPaySuccess: bool
    payUrl: str | None = None
    cantPayOrderList: list[str]
    results: list[PayResultItem]
