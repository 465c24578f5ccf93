"""Request shapes of the Taobao reverse-order routes (ENDPOINTS 3.1-3.10).

Ids: ``subOrderId`` is a decimal id (string or integer); ``refundId`` is ``TQ`` and digits, and a
bare number (PandaPon documents numeric Taobao refund ids) is taken as the same digits after
``TQ`` (CONTRACT section 5). Pictures (``refundImages``) are a JSON list or a comma list of at most
five http(s) URLs; each bad one is named by its index (``refundImages[2]``).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

from daigou.core.wire import INT64_MAX, DecimalId, StrictPageNo, StrictPageSize
from daigou.goods.schemas import MAX_FEN
from daigou.refundstaobao import carriers

MAX_IMAGES = 5
MAX_URL = 1000
REFUND_STATUSES = (10, 20, 30, 100, -10, -20)
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")


def _integer_only(value: Any) -> Any:
    """A JSON integer, never a boolean, a float or a string."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError("int_type", "Input should be an integer")
    return value


def _refund_id(value: Any) -> Any:
    """``TQ...`` as sent; a number (or digits) is taken as ``TQ`` + its digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"TQ{value}"
    if isinstance(value, str) and value.isdigit() and value.isascii():
        return f"TQ{value}"
    return value


def images_of(value: Any) -> Any:
    """``refundImages``: a JSON list, or a comma list, of image URLs (empty: none)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError as exc:
                # (not pydantic's json_invalid: that names a body that is not JSON, 40002)
                raise ValueError("not valid JSON: give a JSON list or a comma list") from exc
        else:
            value = [part.strip() for part in text.split(",") if part.strip()]
    return value


Url = Annotated[
    str,
    StringConstraints(min_length=10, max_length=MAX_URL, pattern=_URL.pattern),
    Field(description="an http(s) image URL"),
]
Images = Annotated[
    list[Url],
    BeforeValidator(images_of),
    Field(max_length=MAX_IMAGES, description="JSON<str[]> or a comma list: up to 5 image URLs"),
]
RefundId = Annotated[
    str,
    BeforeValidator(_refund_id),
    StringConstraints(pattern=r"^TQ[0-9]{1,36}$"),
    Field(description="the reverse order's id (TQ...; a number is read as TQ + its digits)"),
]
RefundType = Annotated[
    Literal[1, 2], BeforeValidator(_integer_only), Field(description="1 refund only, 2 return")
]
GoodsStatus = Annotated[
    Literal[1, 2], BeforeValidator(_integer_only), Field(description="1 not received, 2 received")
]
ReasonId = Annotated[StrictInt, Field(ge=1, le=INT64_MAX, description="a reason from 3.1")]
Fen = Annotated[StrictInt, Field(ge=1, le=MAX_FEN, description="fen (integer minor units)")]


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class TaobaoRefundRenderRequest(RequestBody):
    """3.1"""

    subOrderId: DecimalId
    refundType: RefundType
    goodsStatus: GoodsStatus


class TaobaoRefundSubmit(TaobaoRefundRenderRequest):
    """3.2"""

    reasonId: ReasonId
    refundFee: Fen
    refundDesc: str | None = Field(default=None, max_length=200)
    refundImages: Images | None = None


class TaobaoRefundModify(RequestBody):
    """3.3: what is left out keeps its current value."""

    refundId: RefundId
    goodsStatus: GoodsStatus | None = None
    reasonId: ReasonId | None = None
    refundFee: Fen | None = None
    refundDesc: str | None = Field(default=None, max_length=200)
    refundImages: Images | None = None


class TaobaoRefundIdQuery(RequestBody):
    """3.5, 3.9"""

    refundId: RefundId


class TaobaoRefundListRequest(RequestBody):
    """3.6"""

    refundId: RefundId | None = None
    purchaseOrderId: DecimalId | None = None
    salesOrderId: DecimalId | None = None
    refundStatus: (
        Annotated[StrictInt, Field(ge=-20, le=100, description=f"one of {REFUND_STATUSES}")] | None
    ) = None
    refundStartTime: Annotated[StrictInt, Field(ge=0, le=INT64_MAX)] | None = None
    refundEndTime: Annotated[StrictInt, Field(ge=0, le=INT64_MAX)] | None = None
    pageNo: StrictPageNo | None = None
    pageSize: StrictPageSize | None = None
    cursor: str | None = Field(default=None, max_length=200)

    @field_validator("refundStatus")
    @classmethod
    def _status(cls, value: int | None) -> int | None:
        if value is not None and value not in REFUND_STATUSES:
            raise ValueError(f"a Taobao refund status: one of {REFUND_STATUSES}")
        return value


class TaobaoRefundMessageRequest(RequestBody):
    """3.7"""

    refundId: RefundId
    refundMessage: str = Field(min_length=1, max_length=500)
    refundImages: Images | None = None


class TaobaoRefundMessageList(RequestBody):
    """3.8"""

    refundId: RefundId
    pageNo: StrictPageNo | None = None
    pageSize: StrictPageSize | None = None


class TaobaoReturnSubmit(RequestBody):
    """3.10"""

    refundId: RefundId
    logisticsCompanyCode: str = Field(
        min_length=1, max_length=16, description="a logisticsCompanyCode of 3.9 (10.6 platform 0)"
    )
    logisticsNo: str = Field(pattern=r"^[A-Za-z0-9-]{4,40}$")
    buyerPhone: str | None = Field(
        default=None, min_length=5, max_length=30, pattern=r"^[0-9+ ()-]+$"
    )
    returnGoodsDesc: str | None = Field(default=None, max_length=200)

    @field_validator("logisticsCompanyCode")
    @classmethod
    def _known(cls, value: str) -> str:
        code = carriers.canonical(value)
        if code is None:
            raise ValueError("a logisticsCompanyCode from 3.9 or 10.6 (platform 0)")
        return code
