"""Wire shapes of the wallet (ENDPOINTS 0.1, 0.2, 12.5, 12.6)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from daigou.core.money import CURRENCIES, check_currency
from daigou.core.wire import PageNo, PageSize

CURRENCY_PATTERN = "^(" + "|".join(sorted(CURRENCIES)) + ")$"
EntryType = Literal["topup", "adjustment", "hold", "release", "capture", "refund"]


class Balance(BaseModel):
    currency: str
    availableAmount: int
    heldAmount: int
    totalAmount: int


class LedgerEntryOut(BaseModel):
    entryId: str
    type: str
    amount: int
    heldDelta: int
    availableAfter: int
    heldAfter: int
    currency: str
    platform: int | None
    orderId: str | None
    refundId: str | None
    logisticsOrderId: str | None
    userId: str | None
    reference: str | None
    remark: str | None
    createTime: int


class AdminLedgerEntryOut(LedgerEntryOut):
    developId: str


class LedgerQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    pageNo: PageNo | None = None
    pageSize: PageSize | None = None
    cursor: str | None = Field(default=None, max_length=512)
    type: EntryType | None = None
    orderId: str | None = Field(default=None, pattern=r"^[0-9]{1,19}$")
    refundId: str | None = Field(default=None, max_length=32)
    logisticsOrderId: str | None = Field(default=None, max_length=32)
    startTime: int | None = Field(default=None, ge=0, le=2**53)
    endTime: int | None = Field(default=None, ge=0, le=2**53)


class AdminLedgerQuery(LedgerQuery):
    developId: str | None = Field(default=None, max_length=19)


class WalletAdjust(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    developId: str = Field(min_length=1, max_length=19)
    type: Literal["topup", "adjustment"]
    amount: StrictInt = Field(ge=-(2**53), le=2**53)
    currency: str = "CNY"
    reference: str = Field(min_length=1, max_length=128)
    remark: str | None = Field(default=None, max_length=500)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return check_currency(value)


class EntryAndBalance(BaseModel):
    entry: LedgerEntryOut
    balance: Balance
