"""The answers of the Taobao reverse-order routes (ENDPOINTS S6 TaobaoRefund, 3.1-3.10), as
pydantic models for the OpenAPI document. The use cases build plain dicts (views.py,
service.py); these describe them field for field, and the schemathesis test checks every
answer."""

from __future__ import annotations

from pydantic import BaseModel, Field

from daigou.core.pagination import PageOut


class TaobaoRefundOrder(BaseModel):
    """TaobaoRefund ``refundOrder``."""

    refundId: str = Field(description="TQ...")
    platformRefundId: str = Field(description="ours: Taobao's own id")
    payOrderId: str = Field(description="the shop order (salesOrderId) the line belongs to")
    purchaseOrderId: str | None = None
    subOrderId: str | None = Field(default=None, description="the line (purchaseOrderLineId)")
    refundStatus: int = Field(description="CONTRACT section 7: 10, 20, 30, 100, -10, -20")
    refundType: int = Field(description="1 refund only, 2 return and refund")
    goodsStatus: int = Field(description="1 not received, 2 received")
    refundFee: int = Field(description="fen asked")
    refundedFee: int = Field(description="ours: fen the seller refunded")
    canEditFee: bool
    reasonId: int
    reasonDesc: str
    refundDesc: str
    refundImages: list[str]
    feeTips: str | None = None
    timeoutType: str | None = Field(
        default=None, description="whose move it waits for: sellerAgree, buyerModify, ..."
    )
    timeoutDate: int | None = Field(default=None, description="when the marketplace acts")
    remainingTime: int | None = None
    sellerRefuseReason: str | None = None
    sellerRefuseReasonDescribe: str | None = None
    createTime: int
    modifyTime: int
    completeTime: int | None = None
    currency: str
    userId: str | None = None
    creditedAmount: int = Field(description="ours: fen credited to the wallet (once)")
    pendingOperation: str | None = Field(
        default=None, description="a write whose outcome is unknown (create, modify, cancel...)"
    )


class TaobaoRefundLine(BaseModel):
    """TaobaoRefund ``purchaseOrderLine``: the sub-order."""

    purchaseOrderId: str | None = None
    purchaseOrderLineId: str
    salesOrderId: str
    salesMarket: str
    supplierId: str
    supplierName: str | None = None
    itemId: str
    skuId: str | None = None
    quantity: int
    price: int = Field(description="unit price, fen")
    totalPrice: int = Field(description="productFee + postFee")
    productFee: int
    postFee: int = Field(description="the shop's freight, on its first line")
    itemTitle: str
    itemImageUrl: str
    currency: str
    createTime: int


class TaobaoLogisticsCompany(BaseModel):
    logisticsCompanyCode: str
    logisticsCompanyName: str | None = None


class TaobaoReturnAddress(BaseModel):
    receiver: str
    phone: str
    detailAddress: str


class TaobaoRefundLogistics(BaseModel):
    """TaobaoRefund ``logistics``: a return agreed, and what the buyer sent."""

    buyerPhone: str | None = None
    logisticsCompany: TaobaoLogisticsCompany | None = None
    logisticsNo: str | None = None
    receiverAddress: TaobaoReturnAddress | None = None
    returnGoodsDesc: str | None = None
    sellerAgreeReturnDescribe: str | None = None


class RefundOrderAggregate(BaseModel):
    """TaobaoRefund (ENDPOINTS S6, PandaPon's ``RefundOrderAggregate``)."""

    refundOrder: TaobaoRefundOrder
    purchaseOrderLine: TaobaoRefundLine | None = None
    logistics: TaobaoRefundLogistics | None = None
    sequence: int = Field(description="the refund's last message sequence")


class RefundOrderAggregatePage(PageOut[RefundOrderAggregate]):
    pass


class TaobaoRefundReason(BaseModel):
    reasonId: int
    reasonDesc: str
    tips: str
    needVoucher: bool = Field(description="ours: pictures are expected with this reason")


class TaobaoMaxRefundFee(BaseModel):
    refundFee: int = Field(description="the most that may be asked, fen")
    minRefundFee: int
    feeTips: str
    canEditRefundFee: bool


class TaobaoRefundPrefill(BaseModel):
    """3.1 ``refundOrder``: the form filled in as 3.2 would take it."""

    payOrderId: str
    purchaseOrderId: str | None = None
    subOrderId: str
    refundStatus: int = Field(description="0: none yet")
    refundType: int
    goodsStatus: int
    refundFee: int
    canEditFee: bool
    reasonId: int | None = None
    reasonDesc: str | None = None
    refundDesc: str
    refundImages: list[str]
    currency: str


class TaobaoRefundTemplate(BaseModel):
    refundReasons: list[TaobaoRefundReason]
    goodsStatusList: list[int] = Field(description="the goodsStatus values this line allows")
    maxRefundFee: TaobaoMaxRefundFee
    refundOrder: TaobaoRefundPrefill


class TaobaoRefundRender(BaseModel):
    """3.1"""

    refundOrderTemplate: TaobaoRefundTemplate
    distributorId: str = Field(description="the caller: its sub-account, or its developId")
    currency: str
    saleFlag: bool = Field(description="a reverse order of this kind may be opened now")


class TaobaoRefundDetail(BaseModel):
    """3.5"""

    distributorId: str
    currency: str
    refundOrderAggregate: RefundOrderAggregate


class TaobaoRefundCancelled(TaobaoRefundDetail):
    """3.4"""

    cancelSuccess: bool


class TaobaoRefundMessageOut(BaseModel):
    """3.7"""

    refundId: str
    refundStatus: int
    id: str = Field(description="the message's id")
    createTime: int


class TaobaoRefundNote(BaseModel):
    id: str
    owner: str = Field(description="buyer, seller or platform")
    content: str
    images: list[str]
    createTime: int


class TaobaoRefundNotePage(PageOut[TaobaoRefundNote]):
    pass


class TaobaoReturnLogistics(BaseModel):
    """3.9"""

    refundId: str
    receiverAddress: TaobaoReturnAddress | None = None
    sellerAgreeReturnDescribe: str | None = None
    logisticsCompanies: list[TaobaoLogisticsCompany]
