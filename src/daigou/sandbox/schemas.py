"""Requests of the sandbox controls (ENDPOINTS 12.15 to 12.18, 12.20 to 12.22)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from daigou.core.wire import DecimalId

PlatformCode = Literal[0, 1]  # 0 Taobao, 1 1688
MAX_MS = 2**53
TEN_YEARS_S = 10 * 366 * 86_400


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class ClockAdvance(_Body):
    seconds: StrictInt | None = Field(default=None, ge=0, le=TEN_YEARS_S)
    to: StrictInt | None = Field(default=None, ge=0, le=MAX_MS)

    @model_validator(mode="after")
    def _one_of(self) -> ClockAdvance:
        if (self.seconds is None) == (self.to is None):
            raise ValueError("give exactly one of seconds and to")
        return self


class Fired(BaseModel):
    time: int
    kind: str
    objectId: str


class ClockAdvanced(BaseModel):
    now: int
    fired: list[Fired]


class OrderShip(_Body):
    platform: PlatformCode
    orderId: DecimalId
    stage: Literal["shipped", "delivered"] = "shipped"
    lineIds: list[DecimalId] | None = Field(default=None, min_length=1, max_length=200)
    logisticsCompanyName: str | None = Field(default=None, min_length=1, max_length=64)
    logisticsBillNo: str | None = Field(
        default=None, min_length=4, max_length=40, pattern=r"^[A-Za-z0-9-]+$"
    )


class LinePrice(_Body):
    lineId: DecimalId
    price: StrictInt = Field(ge=1, le=2**40)


class PriceModify(_Body):
    platform: PlatformCode
    orderId: DecimalId
    totalAmount: StrictInt | None = Field(default=None, ge=1, le=2**40)
    lines: list[LinePrice] | None = Field(default=None, min_length=1, max_length=200)
    shippingFee: StrictInt | None = Field(default=None, ge=0, le=2**40)

    @model_validator(mode="after")
    def _one_of(self) -> PriceModify:
        if (self.totalAmount is None) == (self.lines is None):
            raise ValueError("give exactly one of totalAmount and lines")
        return self


class OrderClose(_Body):
    platform: PlatformCode
    orderId: DecimalId
    closeReason: str = Field(default="sellerGoodsLack", min_length=1, max_length=128)


class RefundAct(_Body):
    platform: PlatformCode
    refundId: str = Field(min_length=3, max_length=24, pattern=r"^TQ[0-9]+$")
    action: Literal["agree", "refuse", "receiveGoods", "close"]
    reason: str | None = Field(default=None, min_length=1, max_length=500)
    refundAmount: StrictInt | None = Field(default=None, ge=1, le=2**40)

    @model_validator(mode="after")
    def _reason(self) -> RefundAct:
        if self.action == "refuse" and not self.reason:
            raise ValueError("a refusal needs a reason")
        return self


class FaultInject(_Body):
    operation: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.*]+$")
    mode: Literal["error", "timeout", "timeout_after_commit", "latency", "duplicate", "reorder"]
    upstreamCode: str | None = Field(default=None, min_length=1, max_length=64)
    upstreamMessage: str | None = Field(default=None, min_length=1, max_length=256)
    latencyMs: StrictInt = Field(default=0, ge=0, le=60_000)
    count: StrictInt = Field(default=1, ge=0, le=1_000_000, description="0: until cleared")
    probability: StrictInt = Field(default=100, ge=0, le=100)
    developId: str | None = Field(default=None, min_length=1, max_length=19)

    @model_validator(mode="after")
    def _latency(self) -> FaultInject:
        if self.mode == "latency" and not self.latencyMs:
            raise ValueError("a latency fault needs latencyMs")
        return self


class Fault(BaseModel):
    faultId: str
    operation: str
    mode: str
    upstreamCode: str | None
    upstreamMessage: str | None
    latencyMs: int
    remaining: int | None
    probability: int
    developId: str | None
    hits: int
    createTime: int


class FaultInjected(BaseModel):
    faultId: str
    active: list[Fault]


class FaultClear(_Body):
    faultIds: list[str] | None = Field(default=None, min_length=1, max_length=100)


class FaultCleared(BaseModel):
    cleared: int


SandboxOrderOut = dict[str, Any]
