"""Request shapes of Taobao purchasing: S4 Receiver, the OrderLine of ``orderLineList``, and
the requests of 2.1-2.11 that carry more than an id."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictInt,
    field_validator,
    model_validator,
)

from daigou.addresses import service as addresses
from daigou.addresses.schemas import address_or_id
from daigou.core.wire import INT64_MAX, DecimalId, json_text
from daigou.db.session import Database
from daigou.goods.schemas import MAX_FEN
from daigou.marketplace import port as P
from daigou.purchasing.buyer import Buyer

MAX_LINES = 50  # per purchase order (2.1, 2.2, 4.5, 4.6)
MAX_QUANTITY = 100_000
MP_PREFIX = "2048"  # mpId / mpSkuId: PandaPon's distribution ids, paired 1:1 with ours
ITEM_DIGITS, SKU_DIGITS = 12, 14  # the sandbox's item and SKU ids (mpId 16, mpSkuId 18 digits)

OrderFen = Annotated[StrictInt, Field(ge=0, le=MAX_FEN, description="fen (integer minor units)")]


def _quantity(value: Any) -> Any:
    """``quantity`` is an int or a digit string (PandaPon sends either)."""
    if isinstance(value, str) and value.strip().isdigit() and value.isascii():
        return int(value.strip())
    return value


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Receiver(RequestBody):
    """S4: the consignee (Taobao ``receiver`` / ``orderAddress``). Or (ours) ``addressId``
    alone: a saved address (10.1) of the buyer's, which fills every field (``address_or_id``:
    both answer 40001 on ``addressId``; ``resolved`` reads it)."""

    name: str | None = Field(default=None, min_length=1, max_length=50)
    mobile_phone: str | None = Field(  # type: ignore[pydantic-alias]
        default=None,
        min_length=5,
        max_length=20,
        pattern=r"^[0-9+ -]+$",
        validation_alias=AliasChoices("mobile_phone", "mobilePhone"),
    )
    phone: str | None = Field(default=None, min_length=5, max_length=30, pattern=r"^[0-9+ ()-]+$")
    zip: str | None = Field(default=None, max_length=10, pattern=r"^[0-9A-Za-z -]*$")
    country: str | None = Field(default=None, max_length=50)
    state: str | None = Field(default=None, max_length=50)
    city: str | None = Field(default=None, max_length=50)
    district: str | None = Field(default=None, max_length=50)
    address: str | None = Field(default=None, min_length=1, max_length=200)
    addressId: StrictInt | None = Field(
        default=None, ge=1, le=INT64_MAX, description="ours: a saved address (10.1), alone"
    )
    # a saved address as the marketplace takes it (with its district code and town)
    _saved: P.Address | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _a_number(self) -> Receiver:
        address_or_id(self, RECEIVER_FIELDS, ("name", "address"))
        if self.addressId is None and not self.mobile_phone and not self.phone:
            raise ValueError("give mobile_phone or phone")
        return self

    def resolved(self, db: Database, buyer: Buyer, field: str) -> Receiver:
        """This receiver, or the buyer's saved address ``addressId`` in full (read only; 40001
        on ``<field>.addressId`` when it is not one the buyer sees)."""
        if self.addressId is None:
            return self
        saved = addresses.for_order(
            db, buyer.developer_id, buyer.user_id, self.addressId, f"{field}.addressId"
        )
        full = Receiver.model_construct(
            name=saved.name,
            mobile_phone=saved.phone,
            phone=saved.tel,
            zip=saved.postCode,
            country=CHINA,
            state=saved.province,
            city=saved.city,
            district=saved.district,
            address=saved.address,
            addressId=saved.id,
        )
        full._saved = addresses.to_port(saved)
        return full

    def to_port(self) -> P.Address:
        if self._saved is not None:
            return self._saved
        assert self.name and self.address, "a receiver by addressId is resolved first"
        return P.Address(
            full_name=self.name,
            mobile=self.mobile_phone or "",
            phone=self.phone or "",
            post_code=self.zip or "",
            province=self.state or "",
            city=self.city or "",
            area=self.district or "",
            address=self.address,
        )

    def wire(self) -> dict[str, Any]:
        """As the TaobaoOrder view shows it."""
        return {
            "name": self.name,
            "mobile_phone": self.mobile_phone,
            "phone": self.phone,
            "zip": self.zip,
            "country": self.country,
            "state": self.state,
            "city": self.city,
            "district": self.district,
            "address": self.address,
            "addressId": self.addressId,
        }


class OrderLine(RequestBody):
    """One line of ``orderLineList``. ``itemId`` may be the 16-digit mpId PandaPon pairs with
    it; ``skuId`` likewise ``mpSkuId``."""

    itemId: DecimalId | None = None
    skuId: DecimalId | None = None
    mpId: DecimalId | None = None
    mpSkuId: DecimalId | None = None
    orderLineNo: str = Field(min_length=1, max_length=64)
    quantity: Annotated[StrictInt, BeforeValidator(_quantity)] = Field(ge=1, le=MAX_QUANTITY)
    price: OrderFen | None = Field(default=None, description="the unit price you expect (fen)")
    currency: str | None = Field(default=None, pattern="^CNY$")

    @model_validator(mode="after")
    def _an_item(self) -> OrderLine:
        if not self.itemId and not self.mpId:
            raise ValueError("give itemId (or mpId)")
        return self

    @property
    def item_id(self) -> str:
        return self.itemId or unpaired(self.mpId or "", ITEM_DIGITS)

    @property
    def sku_id(self) -> str | None:
        if self.skuId:
            return self.skuId
        return unpaired(self.mpSkuId, SKU_DIGITS) if self.mpSkuId else None


def unpaired(value: str, digits: int) -> str:
    """Our id from PandaPon's paired mpId / mpSkuId (any other id is ours already)."""
    if len(value) == len(MP_PREFIX) + digits and value.startswith(MP_PREFIX):
        return value[len(MP_PREFIX) :]
    return value


def mp_of(value: str | None) -> str | None:
    return None if value is None else MP_PREFIX + value


RECEIVER_FIELDS = tuple(f for f in Receiver.model_fields if f != "addressId")
CHINA = "中国"  # a saved address is in China (its area chain); PandaPon's receivers say 中国

Lines = Annotated[list[OrderLine], BeforeValidator(json_text)]
ReceiverIn = Annotated[Receiver, BeforeValidator(json_text)]


def distinct_line_numbers(lines: list[OrderLine]) -> list[OrderLine]:
    seen: set[str] = set()
    for i, line in enumerate(lines):
        if line.orderLineNo in seen:
            raise ValueError(f"orderLineList[{i}].orderLineNo repeats {line.orderLineNo!r}")
        seen.add(line.orderLineNo)
    return lines


class RenderRequest(RequestBody):
    """2.1"""

    receiver: ReceiverIn
    orderLineList: Lines = Field(min_length=1, max_length=MAX_LINES)

    _distinct = field_validator("orderLineList")(distinct_line_numbers)


class CreateRequest(RenderRequest):
    """2.2"""

    purchaseAmount: OrderFen
    orderSource: str | None = Field(default=None, max_length=32)
    sellerOrderNumber: str | None = Field(default=None, min_length=1, max_length=64)
    remark: str | None = Field(default=None, max_length=200)


# --- 2.3-2.11 ---------------------------------------------------------------------------------
STATUSES = ("12", "0", "1", "2", "3", "5", "10", "11", "20", "4", "9")
Ms = Annotated[int, Field(ge=0, le=INT64_MAX)]


class PageQuery(RequestBody):
    """2.3"""

    status: str | None = Field(default=None, max_length=64, description="a code or a comma list")
    sellerOrderNumber: str | None = Field(default=None, min_length=1, max_length=64)
    salesOrderId: DecimalId | None = None
    orderSource: str | None = Field(default=None, min_length=1, max_length=32)
    createStartTime: Ms | None = None
    createEndTime: Ms | None = None
    modifyStartTime: Ms | None = None
    modifyEndTime: Ms | None = None
    pageNo: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    pageSize: Annotated[int, Field(ge=1, le=100)] | None = None
    cursor: str | None = Field(default=None, max_length=200)

    @field_validator("status")
    @classmethod
    def _statuses(cls, value: str | None) -> str | None:
        if value is None:
            return None
        for part in value.split(","):
            if part.strip() not in STATUSES:
                raise ValueError(f"{part.strip()!r} is not a Taobao order status ({STATUSES})")
        return value

    def status_list(self) -> list[str] | None:
        return [p.strip() for p in self.status.split(",")] if self.status else None


class DetailQuery(RequestBody):
    """2.4"""

    orderId: DecimalId | None = None
    sellerOrderNumber: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _one_of(self) -> DetailQuery:
        if (self.orderId is None) == (self.sellerOrderNumber is None):
            raise ValueError("give exactly one of orderId and sellerOrderNumber")
        return self


class OrderIdBody(RequestBody):
    """2.5, 2.11"""

    orderId: DecimalId


class OrderIdQuery(RequestBody):
    """2.10"""

    orderId: DecimalId


class BulkPayRequest(RequestBody):
    """2.5b"""

    orderIds: list[DecimalId] = Field(min_length=1)


class VoucherUpload(RequestBody):
    """2.6"""

    orderId: DecimalId
    transferAccountImgs: list[str] | str = Field(
        description="JSON<str[]> or a comma list: 1-5 https image URLs"
    )
    amount: OrderFen
    transferAccountRemark: str | None = Field(default=None, max_length=200)


class CancelRequest(RequestBody):
    """2.7"""

    orderId: DecimalId
    cancelReason: str | None = Field(default=None, max_length=200)


class UpdateWarehouse(RequestBody):
    """2.8"""

    orderId: DecimalId
    warehouseCode: str | None = Field(default=None, min_length=1, max_length=32)
    receiver: ReceiverIn | None = None
    remark: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _one_of(self) -> UpdateWarehouse:
        if (self.warehouseCode is None) == (self.receiver is None):
            raise ValueError("give exactly one of warehouseCode and receiver")
        return self


class PageParams(RequestBody):
    sourceType: Literal["item", "order"]
    bizId: DecimalId


class ChatLinkRequest(RequestBody):
    """2.9: ``sourceType`` + ``bizId``, or PandaPon's ``pageName`` + ``pageParamMap``."""

    sourceType: Literal["item", "order"] | None = None
    bizId: DecimalId | None = None
    pageName: str | None = Field(default=None, max_length=64)
    pageParamMap: Annotated[PageParams, BeforeValidator(json_text)] | None = None

    @model_validator(mode="after")
    def _target(self) -> ChatLinkRequest:
        if self.pageParamMap is not None:
            return self
        if self.sourceType is None or self.bizId is None:
            raise ValueError("give sourceType and bizId (or pageName and pageParamMap)")
        return self

    def target(self) -> tuple[str, str]:
        if self.sourceType is not None and self.bizId is not None:
            return self.sourceType, self.bizId
        assert self.pageParamMap is not None
        return self.pageParamMap.sourceType, self.pageParamMap.bizId


class ChatQuery(RequestBody):
    token: str = Field(min_length=10, max_length=2000)


# --- the operator (12.7, 12.8) ------------------------------------------------------------------
class VoucherListQuery(RequestBody):
    reviewStatus: Literal["pending", "approved", "rejected", "all"] = "pending"
    developId: str | None = Field(default=None, min_length=1, max_length=64)
    createStartTime: Ms | None = None
    createEndTime: Ms | None = None
    pageNo: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    pageSize: Annotated[int, Field(ge=1, le=100)] | None = None
    cursor: str | None = Field(default=None, max_length=200)


class VoucherReview(RequestBody):
    voucherId: str = Field(min_length=1, max_length=40)
    decision: Literal["approve", "reject"]
    receivedAmount: OrderFen | None = None
    reason: str | None = Field(default=None, min_length=1, max_length=200)
    reviewer: str | None = Field(default=None, min_length=1, max_length=64)
