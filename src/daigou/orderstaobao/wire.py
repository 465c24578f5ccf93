"""The answers of the Taobao order routes (ENDPOINTS S6 TaobaoOrder, 2.1-2.11, 12.7-12.8), as
pydantic models for the OpenAPI document. The use cases build plain dicts (views.py, create.py,
...); these describe them field for field, and the schemathesis test checks every answer."""

from __future__ import annotations

from pydantic import BaseModel, Field

from daigou.core.pagination import PageOut


class ReceiverOut(BaseModel):
    """S4"""

    name: str
    mobile_phone: str | None = None
    phone: str | None = None
    zip: str | None = None
    country: str | None = None
    state: str | None = None
    city: str | None = None
    district: str | None = None
    address: str
    addressId: int | None = None


class VoucherOut(BaseModel):
    voucherId: str
    transferAccountImgs: list[str]
    transferAccountRemark: str | None = None
    amount: int = Field(description="fen")
    reviewStatus: str = Field(description="pending, approved or rejected")
    rejectReason: str | None = None
    reviewTime: int | None = None


class SubOrderOut(BaseModel):
    subOrderId: str | None = Field(
        description="the marketplace's line id (purchaseOrderLineId); null until placed"
    )
    orderLineNo: str
    itemId: str
    skuId: str | None = None
    mpId: str | None = None
    mpSkuId: str | None = None
    title: str | None = None
    picUrl: str | None = None
    quantity: int
    price: int | None = Field(default=None, description="unit price, fen")
    productAmount: int
    refundStatus: int = Field(description="CONTRACT section 7 Taobao refund status; 0 none")
    refundId: str | None = None
    logisticCompanyName: str | None = None
    logisticNumber: str | None = None
    salesOrderId: str | None = Field(default=None, description="ours: the shop's order")


class LineErrorOut(BaseModel):
    orderLineNo: str | None = None
    index: int | None = None
    code: int
    errorCode: str | None = None
    msg: str


class TaobaoOrderOut(BaseModel):
    """TaobaoOrder (ENDPOINTS S6): one purchase order; its lines may span several shops, each
    placed as its own marketplace order (``salesOrderIds``)."""

    orderId: str = Field(description="the purchase order id (purchaseOrderId)")
    salesOrderId: str | None = Field(description="Taobao's order (the first shop's)")
    salesOrderIds: list[str] = Field(description="ours: Taobao's order of each shop")
    sellerOrderNumber: str | None = None
    orderSource: str | None = None
    status: int = Field(description="CONTRACT section 7: 12, 0, 1, 2, 3, 5, 10, 11, 20, 4, 9")
    purchaseAmount: int = Field(description="fen, freight included")
    productAmount: int
    postFee: int
    paidAmount: int
    currency: str
    payMethod: str | None = Field(default=None, description="balance, voucher")
    voucher: VoucherOut | None = None
    receiver: ReceiverOut
    warehouseCode: str | None = None
    subOrders: list[SubOrderOut]
    remark: str | None = None
    closeReason: str | None = None
    userId: str | None = None
    createTime: int
    payTime: int | None = None
    shipTime: int | None = None
    finishTime: int | None = None
    closeTime: int | None = None
    modifyTime: int | None = None
    pendingOperation: str | None = Field(
        default=None, description="create, pay or cancel while its outcome is unknown"
    )
    errors: list[LineErrorOut] = Field(description="ours: lines that could not be placed")
    sequence: int


class TaobaoOrderCreated(TaobaoOrderOut):
    replayed: bool = Field(description="an earlier create with this sellerOrderNumber made it")


class TaobaoOrderPage(PageOut[TaobaoOrderOut]):
    pass


class RenderLineOut(BaseModel):
    index: int
    key: str
    success: bool
    code: int
    msg: str
    reasonCode: str | None = None
    orderLineNo: str
    itemId: str
    skuId: str | None = None
    title: str | None = None
    picUrl: str | None = None
    shopName: str | None = None
    quantity: int
    price: int | None = Field(default=None, description="unit price now, fen")
    productAmount: int
    postFee: int = Field(description="the shop's freight, on its first line")
    available: bool


class RenderOut(BaseModel):
    """2.1: the amount 2.2 must send, and every line checked."""

    purchaseAmount: int
    productAmount: int
    postFee: int
    discount: int = Field(description="ours: shop promotions")
    currency: str
    lines: list[RenderLineOut]


class PayOut(BaseModel):
    """2.5"""

    orderId: str
    status: int
    payMethod: str
    paidAmount: int = Field(description="fen taken by this call")
    availableAmount: int = Field(description="the wallet's available balance after")


class PackageStepOut(BaseModel):
    time: int
    desc: str


class PackageOut(BaseModel):
    salesOrderId: str
    subOrderIds: list[str]
    logisticCompanyName: str
    logisticCompanyCode: str
    logisticNumber: str
    shipTime: int
    deliveredTime: int | None = None
    steps: list[PackageStepOut]


class LogisticsOut(BaseModel):
    """2.10"""

    orderId: str
    status: int
    packages: list[PackageOut]


class VoucherItemOut(VoucherOut):
    orderId: str
    developId: str
    userId: str | None = None
    currency: str
    reviewer: str | None = None
    receivedAmount: int | None = None
    ledgerEntryId: str | None = None
    createTime: int
    order: TaobaoOrderOut | None = None


class VoucherPage(PageOut[VoucherItemOut]):
    pass


class VoucherReviewOut(BaseModel):
    voucherId: str
    reviewStatus: str
    order: TaobaoOrderOut


class ChatOut(BaseModel):
    sourceType: str
    bizId: str
    sellerOpenId: str | None = None
    expiresAt: int
