"""10.7 and the operator's rate routes: request and answer shapes.

A rate travels as a decimal string (``"0.1389"``), above zero, at most 12 digits before the point
and 8 after: it is not money, but it multiplies money, so it is never a JSON number (a float
would already have lost digits before the gateway saw it): a number answers 40001."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from daigou.core.wire import PageNo, PageSize
from daigou.rates.conversion import UnknownCurrency, currency

RATE_PATTERN = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,8})?$")
RESERVED_SOURCES = ("sandbox",)


def _currency(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("an ISO 4217 currency code such as CNY")
    code = value.strip().upper()
    try:
        currency(code)
    except UnknownCurrency as exc:
        raise ValueError(str(exc)) from exc
    return code


def _rate(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError(
            'a decimal string such as "0.1389" (a JSON number is refused: rates are never floats)'
        )
    text = value.strip()
    if not RATE_PATTERN.match(text):
        raise ValueError("a decimal string: up to 12 digits, a point, up to 8 decimal places")
    if Decimal(text) <= 0:
        raise ValueError("must be above zero")
    return text


CurrencyCode = Annotated[str, BeforeValidator(_currency)]
RateText = Annotated[str, BeforeValidator(_rate)]


def format_rate(rate: Decimal) -> str:
    """The wire form: fixed point, no exponent, no trailing zeros ("0.1389", "150")."""
    text = format(rate, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


class RateQuery(BaseModel):
    """10.7"""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    from_: CurrencyCode = Field(default="CNY", alias="from", description="ISO 4217; default CNY")
    to: CurrencyCode | None = Field(default=None, description="ISO 4217; absent = every pair")
    pageNo: PageNo | None = None
    pageSize: PageSize | None = None


class RateOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: str = Field(alias="from")
    to: str
    rate: str = Field(description="decimal string, at most 8 places; not money")
    updateTime: int
    source: str = Field(description="operator (or the source the operator named), sandbox")


class RateSet(BaseModel):
    """POST /admin/exchange/rate/set (ours)"""

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
        json_schema_extra={"examples": [{"from": "CNY", "to": "USD", "rate": "0.1389"}]},
    )
    from_: CurrencyCode = Field(alias="from")
    to: CurrencyCode
    rate: RateText = Field(description='decimal string ("0.1389"), > 0, at most 8 places')
    source: str = Field(
        default="operator",
        pattern=r"^[a-z][a-z0-9_.-]{0,31}$",
        description="where the rate comes from (default operator); sandbox is reserved",
    )
    remark: str | None = Field(default=None, max_length=200)


class RateHistoryQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    from_: CurrencyCode | None = Field(default=None, alias="from")
    to: CurrencyCode | None = None
    pageNo: PageNo | None = None
    pageSize: PageSize | None = None
    cursor: str | None = Field(default=None, max_length=512)


class RateRecordOut(RateOut):
    """A row of the history (the operator's view)."""

    id: int
    setBy: str
    remark: str | None
    createTime: int
