"""Wire shapes of saved addresses (ENDPOINTS 10.1-10.3)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

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
