"""Wire shapes of the warehouse's operator side (ENDPOINTS 12.9-12.12): the requests, and the
Parcel (S6) a scan answers; pack, ship and track answer the S6 LogisticsOrder of
:mod:`daigou.warehouse.schemas`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from daigou.core.money import Fen
from daigou.warehouse.schemas import LogisticsOrderOut as LogisticsOrderOut
from daigou.warehouse.schemas import ParcelOut

# a parcel's sizes: grams and millimetres, positive when given (a 0 or negative one is 40001)
Grams = Field(default=None, ge=1, le=10_000_000)  # 10 t: a typo, not a parcel
Millimetres = Field(default=None, ge=1, le=100_000)
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
    weight: StrictInt = Field(ge=1, le=10_000_000)
    length: StrictInt = Field(ge=1, le=100_000)
    width: StrictInt = Field(ge=1, le=100_000)
    height: StrictInt = Field(ge=1, le=100_000)


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
    time: StrictInt | None = Field(default=None, ge=1, le=2**53)


class ScannedParcel(ParcelOut):
    """S6 Parcel plus whether it was matched to a logistics order."""

    matched: bool = Field(description="false: held unclaimed until a declaration claims it")
