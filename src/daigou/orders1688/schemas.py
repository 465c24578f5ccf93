"""Shared request shapes of 1688 purchasing: ENDPOINTS S3 AddressParam and the Cargo line."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from daigou.addresses import service as addresses
from daigou.addresses.schemas import address_or_id, field_errors
from daigou.core.wire import INT64_MAX, DecimalId
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.purchasing.buyer import Buyer as _Buyer
from daigou.warehouse import warehouses

FLOWS = ("general", "saleproxy", "fenxiao", "boutiquefenxiao", "boutiquepifa")
Flow = Literal["general", "saleproxy", "fenxiao", "boutiquefenxiao", "boutiquepifa"]
MAX_LINES = 50  # per merchant (CONTRACT section 6)
MAX_MERCHANTS = 20


Buyer = _Buyer  # who buys (the core's): the developer and the acting sub-account


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class AddressParam(RequestBody):
    """S3. One of `mobile` and `phone` is required; `districtCode` is 6 digits. Or (ours)
    `addressId` alone: a saved address (10.1) of the buyer's, which fills every field
    (``address_or_id``: both answer 40001 on `addressId`; ``address_of`` reads it). Or (ours)
    `warehouseCode` alone: a consolidation warehouse (11.8), whose consignee, with the
    buyer's parcel mark after the name, receives the goods."""

    fullName: str | None = Field(default=None, min_length=1, max_length=50)
    mobile: str | None = Field(default=None, min_length=5, max_length=20, pattern=r"^[0-9+ -]+$")
    phone: str | None = Field(default=None, min_length=5, max_length=30, pattern=r"^[0-9+ ()-]+$")
    postCode: str | None = Field(default=None, max_length=10, pattern=r"^[0-9A-Za-z -]*$")
    provinceText: str | None = Field(default=None, max_length=50)
    cityText: str | None = Field(default=None, max_length=50)
    areaText: str | None = Field(default=None, max_length=50)
    townText: str | None = Field(default=None, max_length=50)
    address: str | None = Field(default=None, min_length=1, max_length=200)
    districtCode: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    addressId: StrictInt | None = Field(
        default=None, ge=1, le=INT64_MAX, description="ours: a saved address (10.1), alone"
    )
    warehouseCode: str | None = Field(
        default=None,
        min_length=1,
        max_length=32,
        description="ours: a consolidation warehouse (11.8), alone: its consignee with your mark",
    )

    @model_validator(mode="after")
    def _a_number(self) -> AddressParam:
        if self.warehouseCode is not None:
            if self.addressId is not None or any(
                getattr(self, name) not in (None, "") for name in ADDRESS_FIELDS
            ):
                raise field_errors(
                    type(self).__name__,
                    [("warehouseCode", "warehouse_alone", WAREHOUSE_ALONE, self.warehouseCode)],
                )
            return self
        address_or_id(self, ADDRESS_FIELDS, ("fullName", "address"))
        if self.addressId is None and not self.mobile and not self.phone:
            raise ValueError("give mobile or phone")
        return self

    def to_port(self) -> P.Address:
        """The address given in full (a saved one is read by ``address_of``)."""
        assert self.addressId is None and self.fullName and self.address
        return P.Address(
            full_name=self.fullName,
            mobile=self.mobile or "",
            phone=self.phone or "",
            post_code=self.postCode or "",
            province=self.provinceText or "",
            city=self.cityText or "",
            area=self.areaText or "",
            town=self.townText or "",
            address=self.address,
            district_code=self.districtCode or "",
        )


ADDRESS_FIELDS = tuple(
    f for f in AddressParam.model_fields if f not in ("addressId", "warehouseCode")
)
WAREHOUSE_ALONE = "give warehouseCode alone: the warehouse's consignee fills every field"


def address_of(
    db: Database, buyer: _Buyer, param: AddressParam, field: str = "addressParam"
) -> P.Address:
    """The address an order ships to: as given, the buyer's saved address ``addressId`` (read
    only; 40001 on ``<field>.addressId`` when it is not one the buyer sees), or the consignee
    of the warehouse ``warehouseCode`` with the buyer's mark (40001 on
    ``<field>.warehouseCode`` when no active warehouse has that code)."""
    if param.warehouseCode is not None:
        c = warehouses.consignee_of(db, buyer, param.warehouseCode, f"{field}.warehouseCode")
        return P.Address(
            full_name=str(c["fullName"]),
            mobile=str(c.get("mobile") or ""),
            phone=str(c.get("phone") or ""),
            post_code=str(c.get("postCode") or ""),
            province=str(c.get("provinceText") or ""),
            city=str(c.get("cityText") or ""),
            area=str(c.get("areaText") or ""),
            town=str(c.get("townText") or ""),
            address=str(c["address"]),
            district_code=str(c.get("districtCode") or ""),
        )
    if param.addressId is None:
        return param.to_port()
    saved = addresses.for_order(
        db, buyer.developer_id, buyer.user_id, param.addressId, f"{field}.addressId"
    )
    return addresses.to_port(saved)


class Cargo(RequestBody):
    offerId: DecimalId
    specId: str | None = Field(default=None, min_length=1, max_length=64)
    quantity: StrictInt = Field(ge=1, le=1_000_000)


class MerchantCargo(Cargo):
    """A line of a multi-merchant call: its merchant, and (ours) the merchant's business key."""

    sellerOpenId: str = Field(min_length=1, max_length=64)
    outOrderId: str | None = Field(default=None, min_length=1, max_length=64)


def to_port_lines(lines: list[Cargo] | list[MerchantCargo]) -> tuple[P.CargoLine, ...]:
    return tuple(P.CargoLine(c.offerId, c.specId, c.quantity) for c in lines)


class PreviewRequest(RequestBody):
    """6.1"""

    addressParam: AddressParam
    cargoParamList: list[Cargo] = Field(min_length=1, max_length=MAX_LINES)
    flow: Flow = "general"
    outOrderId: str | None = Field(default=None, min_length=1, max_length=64)


class PreviewBatchRequest(RequestBody):
    """6.3 (limits checked per merchant by the service: 40003)"""

    addressParam: AddressParam
    cargoParamList: list[MerchantCargo] = Field(min_length=1, max_length=MAX_LINES * MAX_MERCHANTS)
    flow: Flow = "general"
