"""The answers of the 1688 after-sales routes (ENDPOINTS S6 Refund1688, 7.1-7.7), as pydantic
models for the OpenAPI document. The routes build plain dicts (``refunds1688.profile`` renders
Refund1688); these models describe them field for field, and the schemathesis test checks every
answer against them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from daigou.core.pagination import PageOut

ORDER_ID = "3893213748262019372"
ENTRY_ID = "3893213748262019373"
REFUND_ID = "TQ38932137482620193"
T0 = 1765000000000
VOUCHER_PATH = "/refund/vouchers/rv0f3c9a6d2b7e41c58a9d0e6f1b2c3d4e.jpg"


def examples(*values: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(values)})


# --- Refund1688 (ENDPOINTS S6) ---------------------------------------------------------------
class RefundEntryCountOut(BaseModel):
    id: str = Field(description="the order entry id")
    count: int = Field(description="how many of the line's quantity are refunded")


class ReturnAddress1688(BaseModel):
    """Where the seller wants the goods back (set when it agrees a returnRefund)."""

    contactPerson: str
    mobile: str
    phone: str
    zip: str
    province: str
    city: str
    area: str
    town: str
    address: str


REFUND_EXAMPLE: dict[str, Any] = {
    "refundId": REFUND_ID,
    "orderId": ORDER_ID,
    "orderEntryIds": [ENTRY_ID],
    "orderEntryCountList": [],
    "refundStatus": "waitselleragree",
    "disputeRequest": "refund",
    "goodsStatus": "refundWaitSellerSend",
    "afterSale": False,
    "applyPayment": 5180,
    "applyCarriage": 0,
    "refundPayment": 0,
    "refundCarriage": 0,
    "currency": "CNY",
    "applyReasonId": 1,
    "applyReason": "不想要了 / no longer wanted",
    "description": "ordered by mistake",
    "vouchers": [],
    "logisticsCompanyNo": None,
    "freightBill": None,
    "sellerRefuseReason": None,
    "returnAddress": None,
    "timeoutTime": T0 + 172_800_000,
    "gmtApply": T0,
    "gmtModified": T0,
    "gmtCompleted": None,
    "userId": None,
    "creditedAmount": 0,
    "pendingOperation": None,
    "sequence": 1,
}


class Refund1688(BaseModel):
    """Refund1688 (ENDPOINTS S6): the marketplace's view with what the gateway adds (who asked,
    what the wallet got back, a write whose outcome is unknown, the message sequence)."""

    model_config = examples(REFUND_EXAMPLE)
    refundId: str = Field(description="TQ...")
    orderId: str
    orderEntryIds: list[str]
    orderEntryCountList: list[RefundEntryCountOut] = Field(
        description="the lines refunded in part (empty: every line whole)"
    )
    refundStatus: str = Field(
        description="waitselleragree, waitbuyermodify, waitbuyersend, waitsellerreceive, "
        "refundsuccess, refundclose"
    )
    disputeRequest: str = Field(description="refund or returnRefund")
    goodsStatus: str
    afterSale: bool = Field(description="applied for after the trade finished")
    applyPayment: int = Field(description="fen asked for the goods")
    applyCarriage: int = Field(description="fen asked for the freight")
    refundPayment: int = Field(description="fen refunded for the goods (once refundsuccess)")
    refundCarriage: int
    currency: str
    applyReasonId: int
    applyReason: str
    description: str
    vouchers: list[str]
    logisticsCompanyNo: str | None = None
    freightBill: str | None = None
    sellerRefuseReason: str | None = None
    returnAddress: ReturnAddress1688 | None = None
    timeoutTime: int | None = Field(default=None, description="when the refund moves by itself")
    gmtApply: int
    gmtModified: int
    gmtCompleted: int | None = None
    userId: str | None = Field(default=None, description="the sub-account that applied")
    creditedAmount: int = Field(description="fen the wallet got back for this refund")
    pendingOperation: str | None = Field(
        default=None,
        description="create, cancel, returnGoods, modify or note while its outcome is unknown",
    )
    sequence: int = Field(description="increases with every message about the refund")


class RefundOperation(BaseModel):
    operateType: str = Field(
        description="apply, modify, cancel, returnGoods, refuse, agreeReturn, refund, close, "
        "message"
    )
    operator: str = Field(description="buyer, seller or system")
    previousStatus: str | None = None
    refundStatus: str
    remark: str | None = None
    vouchers: list[str]
    createTime: int


class RefundDetail1688(Refund1688):
    """7.5: Refund1688 and its history, oldest first."""

    model_config = examples(
        {
            **REFUND_EXAMPLE,
            "operations": [
                {
                    "operateType": "apply",
                    "operator": "buyer",
                    "previousStatus": None,
                    "refundStatus": "waitselleragree",
                    "remark": "ordered by mistake",
                    "vouchers": [],
                    "createTime": T0,
                }
            ],
        }
    )
    operations: list[RefundOperation]


class RefundPage1688(PageOut[Refund1688]):
    """7.6: S1 page of Refund1688, newest first."""


# --- 7.1 / 7.2 / 7.3 / 7.4 / 7.7 --------------------------------------------------------------
class RefundReason1688(BaseModel):
    id: int = Field(description="applyReasonId of 7.3")
    name: str
    needVoucher: bool = Field(description="7.3 needs at least one voucher with this reason")
    noRefundCarriage: bool = Field(description="the freight is not refunded for this reason")
    tip: str


class RefundReasonsOut(BaseModel):
    """7.1: the reasons for these lines and goods status, and what may still be asked."""

    model_config = examples(
        {
            "reasons": [
                {
                    "id": 1,
                    "name": "不想要了 / no longer wanted",
                    "needVoucher": False,
                    "noRefundCarriage": True,
                    "tip": "",
                }
            ],
            "maxApplyPayment": 5180,
            "maxApplyCarriage": 800,
        }
    )
    reasons: list[RefundReason1688]
    maxApplyPayment: int = Field(description="fen: applyPayment of 7.3 at most")
    maxApplyCarriage: int = Field(description="fen: applyCarriage of 7.3 at most")


class RefundVoucherOut(BaseModel):
    """7.2: the picture's URL (for ``vouchers[]``), served by this gateway."""

    model_config = examples(
        {
            "imageUrl": "http://127.0.0.1:8000" + VOUCHER_PATH,
            "imageDomain": "http://127.0.0.1:8000",
            "imageRelativeUrl": VOUCHER_PATH,
        }
    )
    imageUrl: str
    imageDomain: str
    imageRelativeUrl: str


class RefundCreated(BaseModel):
    """7.3: the refund applied for."""

    model_config = examples(
        {
            "refundId": REFUND_ID,
            "refundStatus": "waitselleragree",
            "disputeRequest": "refund",
            "goodsStatus": "refundWaitSellerSend",
            "refund": REFUND_EXAMPLE,
        }
    )
    refundId: str
    refundStatus: str
    disputeRequest: str
    goodsStatus: str
    refund: Refund1688


class RefundMoved(BaseModel):
    """7.4 and 7.7: the refund's status after the write."""

    model_config = examples({"refundId": REFUND_ID, "refundStatus": "refundclose"})
    refundId: str
    refundStatus: str
