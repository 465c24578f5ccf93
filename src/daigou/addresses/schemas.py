"""Wire shapes of saved addresses (ENDPOINTS 10.1-10.3)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from daigou.core.pagination import PageOut
from daigou.core.wire import INT64_MAX, PageNo, PageSize


class Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class AddressIn(Strict):
    """10.1. No ``id`` (or 0) creates: then name, phone, province, city, district and address
    are required. An ``id`` updates that address: the fields given replace the saved ones."""

    id: StrictInt | None = Field(default=None, ge=0, le=INT64_MAX, description="0/absent: create")
    name: str | None = Field(default=None, min_length=1, max_length=50, description="recipient")
    phone: str | None = Field(
        default=None, min_length=5, max_length=30, description="the recipient's mobile number"
    )
    tel: str | None = Field(
        default=None, min_length=5, max_length=30, description="ours: a fixed-line number"
    )
    province: str | None = Field(default=None, min_length=1, max_length=50)
    city: str | None = Field(default=None, min_length=1, max_length=50)
    district: str | None = Field(default=None, min_length=1, max_length=50)
    town: str | None = Field(default=None, max_length=50, description="ours; matched to townCode")
    address: str | None = Field(default=None, min_length=1, max_length=200, description="street")
    postCode: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    districtCode: str | None = Field(
        default=None,
        pattern=r"^[0-9]{6}$",
        description="ours; filled from the names when absent, checked against them when given",
    )
    label: str | None = Field(default=None, max_length=32, description="ours, e.g. home")
    isDefault: StrictBool | None = Field(default=None, description="ours")


class AddressOut(BaseModel):
    id: int
    name: str
    phone: str
    tel: str | None
    province: str
    city: str
    district: str
    town: str | None
    address: str
    postCode: str | None
    districtCode: str = Field(description="6 digits (GB/T 2260)")
    townCode: str | None = Field(description="9 digits, when the town is one of the district's")
    label: str | None
    isDefault: bool
    createTime: int
    modifyTime: int


class AddressListQuery(Strict):
    pageNo: PageNo | None = None
    pageSize: PageSize | None = None


class AddressDelete(Strict):
    id: StrictInt = Field(ge=1, le=INT64_MAX)


AddressPage = PageOut[AddressOut]


# --- addressId in orders (S3 addressParam, S4 receiver / orderAddress) --------------------------
ADDRESS_OR_ID = "give addressId or the address, not both"


def field_errors(title: str, errors: list[tuple[str, str, str, Any]]) -> ValidationError:
    """A validation error naming fields of a model from one of its model validators: each
    (field, type, message, input) keeps its own path (``addressParam.fullName``), where a plain
    ValueError would name the model only."""
    return ValidationError.from_exception_data(
        title,
        [
            InitErrorDetails(type=PydanticCustomError(kind, message), loc=(name,), input=value)
            for name, kind, message, value in errors
        ],
    )


def address_or_id(
    model: BaseModel, address_fields: tuple[str, ...], required: tuple[str, ...]
) -> None:
    """An order's address is a saved one (``addressId``, ours) or given in full, never both:
    PandaPon has no saved addresses, so no client of its sends both, and a saved address with
    some fields given over it would leave the caller unsure which won. With ``addressId`` the
    other fields are left out (40001 on ``addressId`` otherwise); without it, ``required`` are
    required."""
    title = type(model).__name__
    address_id = getattr(model, "addressId", None)
    if address_id is not None:
        if any(getattr(model, name) not in (None, "") for name in address_fields):
            raise field_errors(title, [("addressId", "address_or_id", ADDRESS_OR_ID, address_id)])
        return
    missing = [name for name in required if not getattr(model, name)]
    if missing:
        raise field_errors(
            title,
            [(name, "missing", "Field required (or give addressId)", None) for name in missing],
        )
