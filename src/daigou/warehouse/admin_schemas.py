"""Wire shapes of the warehouse's operator side (ENDPOINTS 12.9-12.12): requests, and the
Parcel (S6) a scan answers. The LogisticsOrder answered by pack, ship and track is S6's, as
:func:`daigou.warehouse.records.order_view` builds it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from daigou.core.money import Fen

# a parcel's sizes: grams and millimetres, positive when given (a 0 or negative one is 40001)
Grams = Field(default=None, gt=0, le=10_000_000)  # 10 t: a typo, not a parcel
Millimetres = Field(default=None, gt=0, le=100_000)
Code = Field(min_length=1, max_length=64)


class InboundScan(BaseModel):
    """12.9: a domestic parcel arriving at the warehouse."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    warehouseCode: str = Field(min_length=1, max_length=32)
    trackingNo: str = Code
    logisticCompanyName: str | None = Field(default=None, max_length=64)
    markCode: str | None = Field(default=None, min_length=1, max_length=32)
    weight: StrictInt | None = Grams
    length: StrictInt | None = Millimetres
    width: StrictInt | None = Millimetres
    height: StrictInt | None = Millimetres
    photos: list[str] | None = Field(default=None, max_length=20)


class PackageIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    weight: StrictInt = Field(gt=0, le=10_000_000)
    length: StrictInt = Field(gt=0, le=100_000)
    width: StrictInt = Field(gt=0, le=100_000)
    height: StrictInt = Field(gt=0, le=100_000)


class Pack(BaseModel):
    """12.10: pack received parcels of one order and settle its freight."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    logisticsOrderId: str = Field(min_length=1, max_length=32)
    parcelIds: list[str] = Field(min_length=1, max_length=200)
    package: PackageIn
    finalFreight: Fen | None = Field(default=None, ge=0, le=2**53)


class Ship(BaseModel):
    """12.11: hand a packed order to the international carrier."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    logisticsOrderId: str = Field(min_length=1, max_length=32)
    carrierName: str = Field(min_length=1, max_length=64)
    internationalTrackingNo: str = Code


TrackStatus = Literal["in_transit", "delivered", "exception", "exception_cleared"]


class Track(BaseModel):
    """12.12: one international tracking step."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    logisticsOrderId: str = Field(min_length=1, max_length=32)
    status: TrackStatus
    remark: str | None = Field(default=None, max_length=500)
    time: StrictInt | None = Field(default=None, gt=0, le=2**53)


class ParcelOut(BaseModel):
    """S6 Parcel (plus how it was matched, and the line declared for it)."""

    parcelId: str
    logisticsOrderId: str | None
    trackingNo: str
    logisticCompanyName: str | None
    status: str
    weight: int | None
    length: int | None
    width: int | None
    height: int | None
    photos: list[str]
    lineItem: dict[str, Any] | None = None
    matchedBy: str | None = None
    receivedTime: int | None


class ScannedParcel(ParcelOut):
    matched: bool = Field(description="false: held unclaimed until a declaration claims it")


class TraceStep(BaseModel):
    time: int
    status: str
    remark: str | None


class LogisticsOrderOut(BaseModel):
    """S6 LogisticsOrder, as the operator's writes answer it."""

    logisticsOrderId: str
    renderId: str
    status: str
    exception: bool
    userId: str | None
    receiverAddress: dict[str, Any]
    freightInfo: dict[str, Any]
    lineItems: list[dict[str, Any]]
    tmallOrderInfo: dict[str, Any] | None
    sourceOrders: list[dict[str, Any]]
    parcels: list[ParcelOut]
    quotedFreight: int
    heldFreight: int
    finalFreight: int | None
    chargedFreight: int
    currency: str
    chargeableWeight: int
    package: dict[str, Any] | None
    carrierName: str | None
    internationalTrackingNo: str | None
    warehouseCode: str
    markCode: str
    remark: str | None
    cancelReason: str | None
    trace: list[TraceStep]
    createTime: int
    modifyTime: int
    sequence: int
