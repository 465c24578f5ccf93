"""Wire shapes both carts share: line ids, paging, the added line, delete (4.3, 8.3)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from daigou.core.wire import PageNo, PageSize, StrictInt64

LineId = StrictInt64


class Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class CartAdded(BaseModel):
    id: int
    quantity: int


class CartListQuery(Strict):
    pageNo: PageNo | None = None
    pageSize: PageSize | None = None


class CartDelete(Strict):
    ids: list[LineId] = Field(description="1 to 100 cart line ids")


class CartDeleteResult(BaseModel):
    index: int
    key: int
    success: bool
    code: int
    msg: str


class CartDeleteOut(BaseModel):
    results: list[CartDeleteResult]
