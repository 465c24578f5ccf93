"""The answers of the sandbox's seller controls (12.16-12.18, 12.20): the order or refund as the
marketplace holds it (sandbox/views.py), described for the OpenAPI document."""

from __future__ import annotations

from pydantic import BaseModel, Field

from daigou.orders1688.wire import LogisticsItem1688, MarketOrder1688


class TaobaoSubOrder(BaseModel):
    subOrderId: str
    itemId: str
    skuId: str | None = None
    title: str
    picUrl: str | None = None
    quantity: int
    price: int
    productAmount: int
    refundStatus: int
    logisticCompanyName: str | None = None
    logisticNumber: str | None = None


class TaobaoMarketOrder(BaseModel):
    """A Taobao order as the sandbox marketplace holds it (status: CONTRACT section 7 codes)."""

    salesOrderId: str
    status: int
    productAmount: int
    postFee: int
    purchaseAmount: int
    discount: int
    currency: str
    shopName: str
    sellerOpenId: str
    closeReason: str | None = None
    createTime: int
    payTime: int | None = None
    shipTime: int | None = None
    finishTime: int | None = None
    modifyTime: int | None = None
    subOrders: list[TaobaoSubOrder]
    parcels: list[LogisticsItem1688]


class MarketRefund1688(BaseModel):
    """A 1688 refund as the marketplace holds it (the gateway's record: Refund1688, 7.5)."""

    refundId: str
    orderId: str
    orderEntryIds: list[str]
    refundStatus: str
    disputeRequest: str
    goodsStatus: str | None = None
    afterSale: bool
    applyPayment: int
    applyCarriage: int
    refundPayment: int | None = None
    refundCarriage: int | None = None
    currency: str
    applyReasonId: int | None = None
    applyReason: str | None = None
    description: str | None = None
    logisticsCompanyNo: str | None = None
    freightBill: str | None = None
    sellerRefuseReason: str | None = None
    timeoutTime: int | None = None
    gmtApply: int
    gmtModified: int | None = None
    gmtCompleted: int | None = None


class TaobaoRefund(BaseModel):
    platformRefundId: str
    payOrderId: str
    refundStatus: int
    refundType: int = Field(description="1 refund only, 2 return and refund")
    goodsStatus: int = Field(description="1 not received, 2 received")
    refundFee: int | None = None
    reasonId: int | None = None
    reasonDesc: str | None = None
    refundDesc: str | None = None
    timeoutDate: int | None = None
    sellerRefuseReason: str | None = None
    createTime: int
    modifyTime: int | None = None
    subOrderIds: list[str]


class TaobaoRefundOut(BaseModel):
    refundOrder: TaobaoRefund


SandboxOrder = MarketOrder1688 | TaobaoMarketOrder
SandboxRefund = MarketRefund1688 | TaobaoRefundOut
