"""Request and answer shapes of the developer's warehouse routes (ENDPOINTS 11.1-11.8) and the
operator's warehouse creation: S5 ReceiverAddressTO, the render and booking lines, parcels'
declarations, and the S6 LogisticsOrder / Parcel views (described field for field for the
OpenAPI document; the use cases build plain dicts)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import iso4217
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    field_validator,
    model_validator,
)

from daigou.core.wire import INT64_MAX, DecimalId, PageNo, PageSize, json_text
from daigou.goods.schemas import MAX_FEN
from daigou.warehouse import freight

MAX_ITEMS = 50  # render items, booking lines, parcel declarations per call
MAX_QUANTITY = 100_000
Fen = Annotated[StrictInt, Field(ge=0, le=MAX_FEN, description="fen (integer minor units)")]
Quantity = Annotated[StrictInt, Field(ge=1, le=MAX_QUANTITY)]
Ms = Annotated[int, Field(ge=0, le=INT64_MAX)]


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


def _country(value: str) -> str:
    code = freight.country_code(value)
    if code is None:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def _currency(value: str) -> str:
    code = value.strip().upper()
    if code not in iso4217.Currency.__members__:
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return code


Country = Annotated[str, Field(min_length=2, max_length=2, examples=["US"])]
Currency = Annotated[
    str, Field(min_length=3, max_length=3, description="ISO 4217", examples=["CNY"])
]


class QuoteAddress(RequestBody):
    """S5 as 11.1 needs it: the country decides; the rest is kept as given."""

    name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=30)
    mobilePhone: str | None = Field(default=None, max_length=30)
    address: str | None = Field(default=None, max_length=300)
    taxId: str | None = Field(default=None, max_length=50)
    country: Country = Field(description="ISO 3166-1 alpha-2")
    state: str | None = Field(default=None, max_length=100)
    city: str | None = Field(default=None, max_length=100)
    zip: str | None = Field(default=None, max_length=20)

    _country = field_validator("country")(_country)

    def wire(self) -> dict[str, Any]:
        return self.model_dump()


class ReceiverAddress(QuoteAddress):
    """S5 ReceiverAddressTO (overseas) of a shipment: name, address and a number required."""

    name: str = Field(min_length=1, max_length=100)
    address: str = Field(min_length=1, max_length=300)

    @model_validator(mode="after")
    def _a_number(self) -> ReceiverAddress:
        if not self.phone and not self.mobilePhone:
            raise ValueError("give phone or mobilePhone")
        return self


class FreightInfoIn(RequestBody):
    serviceId: str = Field(min_length=1, max_length=32)
    companyName: str | None = Field(default=None, max_length=100)
    serviceCategory: str | None = Field(default=None, max_length=32)


class QuoteRequest(RequestBody):
    """11.1"""

    itemId: DecimalId
    skuId: DecimalId
    quantity: Quantity
    receiverAddress: Annotated[QuoteAddress, BeforeValidator(json_text)]
    currency: Currency
    price: Fen = Field(description="unit price, for declaration (fen)")

    _currency = field_validator("currency")(_currency)


class FreightRenderItem(RequestBody):
    itemId: DecimalId
    skuId: DecimalId
    quantity: Quantity
    freightInfo: Annotated[FreightInfoIn, BeforeValidator(json_text)]
    currency: Currency
    price: Fen

    _currency = field_validator("currency")(_currency)


class FreightRenderRequest(RequestBody):
    """11.2"""

    receiverAddress: Annotated[ReceiverAddress, BeforeValidator(json_text)]
    renderItems: Annotated[list[FreightRenderItem], BeforeValidator(json_text)] = Field(
        min_length=1, max_length=MAX_ITEMS
    )


class LineItem(RequestBody):
    itemId: DecimalId
    skuId: DecimalId
    quantity: Quantity
    title: str | None = Field(default=None, max_length=300)
    imageUrl: str | None = Field(default=None, max_length=1000)
    freightInfo: Annotated[FreightInfoIn, BeforeValidator(json_text)] | None = None
    currency: Currency | None = None
    price: Fen | None = None

    _currency = field_validator("currency")(lambda v: None if v is None else _currency(v))


class TmallOrderInfo(RequestBody):
    tmallOrderId: str = Field(min_length=1, max_length=64)


class SourceOrder(RequestBody):
    platform: Literal[0, 1] = Field(description="0 Taobao (the purchase order), 1 1688")
    orderId: DecimalId


class BookRequest(RequestBody):
    """11.3"""

    renderId: str = Field(min_length=1, max_length=32)
    receiverAddress: Annotated[ReceiverAddress, BeforeValidator(json_text)] | None = None
    lineItems: Annotated[list[LineItem], BeforeValidator(json_text)] = Field(
        min_length=1, max_length=MAX_ITEMS
    )
    tmallOrderInfo: Annotated[TmallOrderInfo, BeforeValidator(json_text)] | None = None
    sourceOrders: Annotated[list[SourceOrder], BeforeValidator(json_text)] = Field(
        default_factory=list, max_length=MAX_ITEMS
    )
    remark: str | None = Field(default=None, max_length=500)

    @field_validator("sourceOrders")
    @classmethod
    def _distinct(cls, value: list[SourceOrder]) -> list[SourceOrder]:
        seen: set[tuple[int, str]] = set()
        for i, src in enumerate(value):
            if (src.platform, src.orderId) in seen:
                raise ValueError(f"sourceOrders[{i}] repeats order {src.orderId}")
            seen.add((src.platform, src.orderId))
        return value


TrackingNo = Annotated[
    str,
    Field(min_length=4, max_length=64, pattern=r"^[A-Za-z0-9-]+$", examples=["SF1234567890"]),
]


class DomesticInfo(RequestBody):
    logisticNumer: TrackingNo | None = Field(  # type: ignore[pydantic-alias]
        default=None, validation_alias=AliasChoices("logisticNumer", "logisticNumber")
    )
    logisticCompanyName: str | None = Field(default=None, max_length=64)
    rtsTime: Ms | None = Field(default=None, description="ms (10 digits: seconds)")


class DeclaredLine(RequestBody):
    itemId: DecimalId | None = None
    skuId: DecimalId | None = None
    quantity: Quantity | None = None
    title: str | None = Field(default=None, max_length=300)
    imageUrl: str | None = Field(default=None, max_length=1000)


class LogisticInfo(RequestBody):
    lineItem: DeclaredLine | None = None
    logisticNumer: TrackingNo | None = Field(  # type: ignore[pydantic-alias]
        default=None, validation_alias=AliasChoices("logisticNumer", "logisticNumber")
    )
    logisticCompanyName: str | None = Field(default=None, max_length=64)
    domesticLogisticInfo: list[DomesticInfo] = Field(default_factory=list, max_length=MAX_ITEMS)

    @model_validator(mode="after")
    def _a_number(self) -> LogisticInfo:
        if not self.logisticNumer and not any(d.logisticNumer for d in self.domesticLogisticInfo):
            raise ValueError("give logisticNumer (or domesticLogisticInfo[].logisticNumer)")
        return self


class DeclareRequest(RequestBody):
    """11.4"""

    orderId: str = Field(min_length=1, max_length=32, description="the logisticsOrderId")
    tmallOrderId: str | None = Field(default=None, max_length=64)
    logisticInfos: Annotated[list[LogisticInfo], BeforeValidator(json_text)] = Field(
        min_length=1, max_length=MAX_ITEMS
    )


class DetailQuery(RequestBody):
    """11.5"""

    logisticsOrderId: str = Field(min_length=1, max_length=32)


class LogisticsPageRequest(RequestBody):
    """11.6"""

    status: (
        Literal[
            "awaiting_inbound",
            "inbound",
            "packed",
            "awaiting_payment",
            "shipped",
            "delivered",
            "cancelled",
        ]
        | None
    ) = None
    createStartTime: Ms | None = None
    createEndTime: Ms | None = None
    pageNo: PageNo | None = None
    pageSize: PageSize | None = None
    cursor: str | None = Field(default=None, max_length=200)


class LogisticsCancelRequest(RequestBody):
    """11.7"""

    logisticsOrderId: str = Field(min_length=1, max_length=32)
    reason: str | None = Field(default=None, max_length=200)


class WarehouseListQuery(RequestBody):
    """11.8"""

    pageNo: PageNo | None = None
    pageSize: PageSize | None = None


class WarehouseCreate(RequestBody):
    """The operator's POST /admin/warehouse/create (ours)."""

    warehouseCode: str = Field(
        min_length=2, max_length=32, pattern=r"^[A-Z0-9][A-Z0-9-]*$", examples=["SZ-LH01"]
    )
    name: str = Field(min_length=1, max_length=100)
    districtCode: str = Field(
        pattern=r"^[0-9]{6}$", description="of the area table (10.5)", examples=["440309"]
    )
    address: str = Field(min_length=1, max_length=200)
    contact: str = Field(min_length=1, max_length=30, description="the consignee's name")
    mobile: str | None = Field(default=None, max_length=20)
    phone: str | None = Field(default=None, max_length=30)
    postCode: str | None = Field(
        default=None, max_length=10, pattern=r"^[0-9]*$", examples=["518000"]
    )
    serviceCountries: list[Annotated[Country, AfterValidator(_country)]] = Field(
        min_length=1, max_length=250
    )

    @field_validator("serviceCountries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        return sorted(set(value))

    @model_validator(mode="after")
    def _a_number(self) -> WarehouseCreate:
        if not self.mobile and not self.phone:
            raise ValueError("give mobile or phone")
        return self


# --- answers ------------------------------------------------------------------------------------
class FreightInfoOut(BaseModel):
    serviceId: str
    companyName: str
    serviceCategory: str


class QuoteOut(BaseModel):
    freightInfo: FreightInfoOut
    freight: int = Field(description="fen")
    currency: str
    chargeableWeight: int = Field(description="g")
    estimatedDaysMin: int
    estimatedDaysMax: int


class QuotesOut(BaseModel):
    quotes: list[QuoteOut] = Field(description="empty when no service reaches the country")


class FreightRenderItemOut(BaseModel):
    index: int
    key: str
    success: bool
    code: int
    msg: str
    itemId: str
    skuId: str
    quantity: int
    weight: int = Field(description="g: the line's estimated weight (unit weight x quantity)")
    defaultWeight: bool = Field(description="ours: the goods have no weight; a default was used")


class FreightRenderOut(BaseModel):
    renderId: str
    totalFreight: int = Field(description="fen")
    chargeableWeight: int = Field(description="g")
    currency: str
    expireTime: int = Field(description="ms")
    freightInfo: FreightInfoOut
    estimatedDaysMin: int
    estimatedDaysMax: int
    items: list[FreightRenderItemOut]


class ReceiverAddressOut(BaseModel):
    """S5"""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    mobilePhone: str | None = None
    address: str | None = None
    taxId: str | None = None
    country: str
    state: str | None = None
    city: str | None = None
    zip: str | None = None


class AddressParamOut(BaseModel):
    """S3: the warehouse's consignee, ready for a domestic order's addressParam."""

    fullName: str = Field(description="the consignee with the mark code")
    mobile: str | None = None
    phone: str | None = None
    postCode: str | None = None
    provinceText: str
    cityText: str
    areaText: str
    townText: str | None = None
    address: str
    districtCode: str


class SourceOrderOut(BaseModel):
    platform: int = Field(description="0 Taobao, 1 1688")
    orderId: str


class ParcelOut(BaseModel):
    parcelId: str
    logisticsOrderId: str | None = None
    trackingNo: str
    logisticCompanyName: str | None = None
    status: str = Field(description="expected, received, packed, shipped")
    weight: int | None = Field(default=None, description="g")
    length: int | None = Field(default=None, description="mm")
    width: int | None = None
    height: int | None = None
    photos: list[str]
    lineItem: dict[str, Any] | None = None
    matchedBy: str | None = Field(default=None, description="declared, source, mark")
    receivedTime: int | None = None


class LogisticsTraceOut(BaseModel):
    time: int
    status: str
    remark: str | None = None


class LogisticsPackageOut(BaseModel):
    weight: int | None = None
    length: int | None = None
    width: int | None = None
    height: int | None = None


class TmallOrderInfoOut(BaseModel):
    tmallOrderId: str


class LogisticsOrderOut(BaseModel):
    """LogisticsOrder (ENDPOINTS S6)"""

    logisticsOrderId: str
    renderId: str
    status: str = Field(description="ENDPOINTS S7 Logistics")
    exception: bool
    userId: str | None = None
    receiverAddress: ReceiverAddressOut
    freightInfo: FreightInfoOut
    lineItems: list[dict[str, Any]]
    tmallOrderInfo: TmallOrderInfoOut | None = None
    sourceOrders: list[SourceOrderOut]
    parcels: list[ParcelOut]
    quotedFreight: int
    heldFreight: int
    finalFreight: int | None = None
    chargedFreight: int
    currency: str
    chargeableWeight: int
    package: LogisticsPackageOut | None = None
    carrierName: str | None = None
    internationalTrackingNo: str | None = None
    warehouseCode: str
    markCode: str
    remark: str | None = None
    cancelReason: str | None = None
    trace: list[LogisticsTraceOut]
    createTime: int
    modifyTime: int
    sequence: int


class BookedWarehouseOut(BaseModel):
    warehouseCode: str
    receiver: AddressParamOut
    markCode: str


class BookedOut(LogisticsOrderOut):
    warehouse: BookedWarehouseOut


class LogisticsOrderPage(BaseModel):
    totalRecords: int | None
    totalPage: int | None
    pageSize: int
    currentPage: int | None
    data: list[LogisticsOrderOut]
    nextCursor: str | None


class DeclareResultOut(BaseModel):
    index: int
    key: str | None
    success: bool
    code: int
    msg: str
    parcelIds: list[str]


class DeclareOut(BaseModel):
    results: list[DeclareResultOut]


class WarehouseOut(BaseModel):
    warehouseCode: str
    name: str
    receiver: AddressParamOut
    markCode: str = Field(description="the caller's parcel mark (developer plus sub-account)")
    serviceCountries: list[str]


class WarehousePage(BaseModel):
    totalRecords: int | None
    totalPage: int | None
    pageSize: int
    currentPage: int | None
    data: list[WarehouseOut]
    nextCursor: str | None


class WarehouseAdminOut(BaseModel):
    warehouseCode: str
    name: str
    receiver: AddressParamOut = Field(description="the consignee, without a mark")
    serviceCountries: list[str]
    origin: str = Field(description="config or operator")
    active: bool
    createTime: int
    modifyTime: int
