"""The requests of the 1688 after-sales routes (ENDPOINTS 7.1-7.7). What a body alone can tell
is checked here (40001 with the field's JSON path); what needs the order (its lines, what is
still refundable, the marketplace's reasons) is checked by the service, also as 40001 on the
field. PandaPon's documented forms pass: ids as integers, ``null`` for the optional lists."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, StrictInt, StringConstraints

from daigou.carriers import service as carriers
from daigou.core.wire import DecimalId, StrictPageNo, StrictPageSize
from daigou.orders1688.schemas import RequestBody

ORDER_ID = "3893213748262019372"
ENTRY_ID = "3893213748262019373"
REFUND_ID = "TQ38932137482620193"
VOUCHER = "http://127.0.0.1:8000/refund/vouchers/rv0f3c9a6d2b7e41c58a9d0e6f1b2c3d4e.jpg"
MAX_MS = 2**53
MAX_ENTRIES = 50  # the lines of one order (an order has at most 50)
MAX_VOUCHERS = 5

GoodsStatus = Literal[
    "refundWaitSellerSend",
    "refundWaitBuyerReceive",
    "refundBuyerReceived",
    "aftersaleBuyerNotReceived",
    "aftersaleBuyerReceived",
]
DisputeRequest = Literal["refund", "returnRefund"]
RefundId = Annotated[str, StringConstraints(pattern=r"^TQ[0-9A-Za-z]{1,38}$")]
VoucherUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=1000, pattern=r"^https?://[^\s]+$")
]


def _known_company(value: str) -> str:
    """A 1688 companyNo of ENDPOINTS 10.6 (platform 1), recorded as 10.6 lists it."""
    code = carriers.canonical(carriers.ALIBABA, value)
    if code is None:
        raise ValueError("a companyNo from 10.6 (GET /open/logistics/company/list)")
    return code


# a carrier's 1688 companyNo (e.g. YTO, SF, ZTO): 2-32 letters and digits, one 10.6 lists
CompanyNo = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9]{2,32}$"),
    AfterValidator(_known_company),
]
FreightBill = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{4,40}$")
]


def examples(*values: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(values)})


class RefundEntryCount(RequestBody):
    """A line refunded in part: ``count`` of its quantity."""

    id: DecimalId
    count: StrictInt = Field(ge=1, le=1_000_000)


class OrderLines(RequestBody):
    """Lines of one order (each once; checked against the order by the service)."""

    orderId: DecimalId
    orderEntryIds: list[DecimalId] = Field(min_length=1, max_length=MAX_ENTRIES)
    orderEntryCountList: list[RefundEntryCount] | None = Field(default=None, max_length=MAX_ENTRIES)


class RefundReasonsRequest(OrderLines):
    """7.1 (``orderEntryCountList`` is ours: the maxima of lines refunded in part)."""

    model_config = examples(
        {"orderId": ORDER_ID, "orderEntryIds": [ENTRY_ID], "goodsStatus": "refundWaitSellerSend"}
    )
    goodsStatus: GoodsStatus


class RefundVoucherUpload(RequestBody):
    """7.2: exactly one of the two (checked by the service, naming the field)."""

    model_config = examples({"imageAddress": VOUCHER})
    imageBase64: str | None = Field(default=None, max_length=12_000_000)
    imageAddress: str | None = Field(default=None, min_length=1, max_length=1000)


class RefundCreateRequest(OrderLines):
    """7.3"""

    model_config = examples(
        {
            "orderId": ORDER_ID,
            "orderEntryIds": [ENTRY_ID],
            "disputeRequest": "refund",
            "applyPayment": 5180,
            "applyCarriage": 0,
            "applyReasonId": 1,
            "description": "ordered by mistake",
            "goodsStatus": "refundWaitSellerSend",
        }
    )
    disputeRequest: DisputeRequest
    applyPayment: StrictInt = Field(ge=1, le=10**12, description="fen")
    applyCarriage: StrictInt = Field(ge=0, le=10**12, description="fen")
    applyReasonId: StrictInt = Field(ge=0, le=2**31 - 1)
    description: str = Field(min_length=2, max_length=150)
    goodsStatus: GoodsStatus
    vouchers: list[VoucherUrl] | None = Field(default=None, max_length=MAX_VOUCHERS)


class RefundReturnRequest(RequestBody):
    """7.4"""

    model_config = examples(
        {"refundId": REFUND_ID, "logisticsCompanyNo": "YTO", "freightBill": "YT7512345678901"}
    )
    refundId: RefundId
    logisticsCompanyNo: CompanyNo
    freightBill: FreightBill
    description: str | None = Field(default=None, max_length=500)
    vouchers: list[VoucherUrl] | None = Field(default=None, max_length=MAX_VOUCHERS)


class RefundGetRequest(RequestBody):
    """7.5"""

    model_config = examples({"refundId": REFUND_ID})
    refundId: RefundId


class RefundCancelRequest(RequestBody):
    """7.7"""

    model_config = examples({"refundId": REFUND_ID, "remark": "agreed with the seller"})
    refundId: RefundId
    remark: str | None = Field(default=None, max_length=200)


class RefundPageRequest(RequestBody):
    """7.6 (``refundStatus``: a status or a comma list)."""

    model_config = examples({"refundStatus": "waitselleragree,waitbuyermodify", "pageSize": 20})
    orderId: DecimalId | None = None
    refundStatus: str | None = Field(default=None, max_length=200)
    disputeRequest: DisputeRequest | None = None
    applyStartTime: StrictInt | None = Field(default=None, ge=0, le=MAX_MS)
    applyEndTime: StrictInt | None = Field(default=None, ge=0, le=MAX_MS)
    pageNo: StrictPageNo | None = None
    pageSize: StrictPageSize | None = None
    cursor: str | None = Field(default=None, max_length=512)
