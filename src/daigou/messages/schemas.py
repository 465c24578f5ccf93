"""Wire shapes of messages and callbacks (ENDPOINTS 0.5 to 0.12, S6 Message) and the operator's
message and callback lists."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from daigou.core.wire import PageNo, PageSize

# CONTRACT section 9: every message type and its messagePlatform
MESSAGE_TYPES: dict[str, int] = {
    "ORDER_BUYER_VIEW_BUYER_MAKE": 1,
    "ORDER_BUYER_VIEW_ORDER_PAY": 1,
    "ORDER_BATCH_PAY": 1,
    "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS": 1,
    "ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS": 1,
    "ORDER_BUYER_VIEW_ORDER_SUCCESS": 1,
    "ORDER_BUYER_VIEW_ORDER_BUYER_CLOSE": 1,
    "ORDER_BUYER_VIEW_ORDER_SELLER_CLOSE": 1,
    "ORDER_BUYER_VIEW_ORDER_PRICE_MODIFY": 1,
    "ORDER_BUYER_VIEW_ORDER_BUYER_REFUND_IN_SALES": 1,
    "ORDER_BUYER_VIEW_ORDER_REFUND_AFTER_SALES": 1,
    "LOGISTICS_BUYER_VIEW_TRACE": 1,
    "TAOBAO_ORDER_STATUS_CHANGE": 0,
    "TAOBAO_ORDER_BUYER_VIEW_ORDER_PRICE_MODIFY": 0,
    "TAOBAO_ORDER_REFUND": 0,
    "WALLET_BALANCE_CHANGE": 2,
    "WAREHOUSE_PARCEL_RECEIVED": 2,
    "INTERNATIONAL_SHIPMENT_UPDATE": 2,
    "CALLBACK_TEST": 2,
}
CALLBACK_TEST = "CALLBACK_TEST"
DELIVERY_STATUSES = ("pending", "waiting", "delivered", "failed", "confirmed")
MAX_BATCH = 100
MAX_GRACE_SECONDS = 604_800
DEFAULT_GRACE_SECONDS = 86_400
ID_PATTERN = r"^[0-9A-Za-z_-]{1,40}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


# --- messages -------------------------------------------------------------------------------
class MessageOut(BaseModel):
    """S6 Message."""

    messageId: str
    messageType: str
    messagePlatform: int
    timestamp: int
    messageBody: dict[str, Any]
    orderKey: str
    deliveryStatus: str
    attempts: int
    lastAttemptTime: int | None
    nextAttemptTime: int | None
    deliveredTime: int | None


class AdminMessageOut(MessageOut):
    developId: str
    userId: str | None
    lastError: str | None  # the last attempt's error, e.g. "non_2xx (HTTP 500)"


class MessageQuery(Strict):
    """0.5: filters and S1 paging."""

    messageType: str | None = Field(default=None, max_length=2000)
    messagePlatform: int | None = Field(default=None, ge=0, le=2)
    deliveryStatus: str | None = Field(default=None, max_length=100)
    orderId: str | None = Field(default=None, pattern=ID_PATTERN)
    refundId: str | None = Field(default=None, pattern=ID_PATTERN)
    logisticsOrderId: str | None = Field(default=None, pattern=ID_PATTERN)
    startTime: int | None = Field(default=None, ge=0, le=2**53)
    endTime: int | None = Field(default=None, ge=0, le=2**53)
    pageNo: PageNo | None = None
    pageSize: PageSize | None = None
    cursor: str | None = Field(default=None, max_length=512)


class AdminMessageQuery(MessageQuery):
    developId: str | None = Field(default=None, max_length=19)


class DeliveriesQuery(Strict):
    messageId: str = Field(min_length=1, max_length=40)


class AttemptOut(BaseModel):
    attempt: int
    time: int
    url: str
    httpStatus: int | None
    latencyMs: int
    error: str | None
    responseSnippet: str | None
    manual: bool


class DeliveriesOut(BaseModel):
    messageId: str
    deliveryStatus: str
    attempts: list[AttemptOut]


class MessageIds(Strict):
    """0.7 and 0.8. Over 100 ids answers 40003 (checked by the service, not here)."""

    messageIds: list[str] = Field(min_length=1, max_length=10_000)


class MessageResult(BaseModel):
    """S2 batch item plus `deliveryStatus`."""

    index: int
    key: str
    success: bool
    code: int
    msg: str
    deliveryStatus: str | None


class MessageResults(BaseModel):
    results: list[MessageResult]


# --- callbacks ------------------------------------------------------------------------------
class CallbackConfigOut(BaseModel):
    """0.9."""

    callbackUrl: str
    enabled: bool
    messageTypes: list[str]
    secretHint: str
    secretCreateTime: int
    previousSecretExpireTime: int | None
    lastVerifiedTime: int | None


class CallbackConfigSaved(CallbackConfigOut):
    """0.10: `secret` only on the first save (null afterwards)."""

    secret: str | None = None


class CallbackConfigIn(Strict):
    callbackUrl: str = Field(min_length=1, max_length=2048)  # ≤512 checked with its reason
    messageTypes: list[str] | None = Field(default=None, max_length=100)
    enabled: StrictBool = True


class RotateIn(Strict):
    graceSeconds: StrictInt = Field(default=DEFAULT_GRACE_SECONDS, ge=0, le=MAX_GRACE_SECONDS)


class RotateOut(BaseModel):
    secret: str
    secretCreateTime: int
    previousSecretExpireTime: int | None


class CallbackTestIn(Strict):
    messageType: str = Field(default=CALLBACK_TEST, min_length=1, max_length=64)
    callbackUrl: str | None = Field(default=None, min_length=1, max_length=2048)


class CallbackTestOut(BaseModel):
    delivered: bool
    httpStatus: int | None
    latencyMs: int
    error: str | None
    messageId: str


class AdminCallbackQuery(Strict):
    developId: str | None = Field(default=None, max_length=19)
    enabled: bool | None = None
    pageNo: PageNo | None = None
    pageSize: PageSize | None = None
    cursor: str | None = Field(default=None, max_length=512)


class AdminCallbackOut(BaseModel):
    developId: str
    callbackUrl: str
    enabled: bool
    messageTypes: list[str]
    disabledReason: str | None
    disabledTime: int | None
    lastVerifiedTime: int | None
    secretCreateTime: int
    updateTime: int
