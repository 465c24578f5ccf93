"""Wire shapes of developers, keys and sub-accounts (ENDPOINTS 0.3, 0.4, 12.1 to 12.4)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from daigou.core.pagination import PageOut
from daigou.core.wire import PageNo, PageSize
from daigou.wallet.schemas import Balance

Status = Literal["enabled", "disabled"]
# the wire dialect a developer's calls are answered in (CONTRACT section 1)
Dialect = Literal["daigou", "pandapon"]
USER_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class SubAccountIn(Strict):
    userId: str | None = Field(default=None, pattern=USER_ID_PATTERN)
    userName: str | None = Field(default=None, min_length=1, max_length=64)
    remark: str | None = Field(default=None, max_length=200)
    status: Status | None = None


class SubAccountOut(BaseModel):
    userId: str
    userName: str
    remark: str | None
    status: str
    createTime: int
    modifyTime: int


class SubAccountPage(PageOut[SubAccountOut]):
    """0.4: the page of sub-accounts, with the main account's userId and the wire dialect."""

    mainUserId: str = Field(description="the main account's userId (send it, or no user-id)")
    dialect: str = Field(description="the developer's wire dialect: daigou or pandapon")


class SubAccountQuery(Strict):
    status: Status | None = None
    userId: str | None = Field(default=None, max_length=64)
    pageNo: PageNo | None = None
    pageSize: PageSize | None = None


class DeveloperCreate(Strict):
    name: str = Field(min_length=1, max_length=128)
    contactEmail: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    remark: str | None = Field(default=None, max_length=500)
    hmacOnly: StrictBool = False
    rateLimitPerMinute: StrictInt | None = Field(default=None, ge=1, le=1_000_000)
    cashierPayAllowed: StrictBool = False
    dialect: Dialect = Field(
        default="daigou",
        description="daigou (HTTP status code // 100, nonce-str required) or pandapon (for "
        "clients written from PandaPon's pages: HTTP 200 always, msg 成功, nonce-str optional)",
    )


class DeveloperCreated(BaseModel):
    developId: str
    userId: str = Field(description="the main account's userId (13 digits)")
    accessKey: str
    secret: str
    status: str
    dialect: str


class DeveloperUpdate(Strict):
    developId: str = Field(min_length=1, max_length=19)
    name: str | None = Field(default=None, min_length=1, max_length=128)
    contactEmail: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    remark: str | None = Field(default=None, max_length=500)
    rateLimitPerMinute: StrictInt | None = Field(default=None, ge=1, le=1_000_000)
    cashierPayAllowed: StrictBool | None = None
    status: Status | None = None


class KeyOut(BaseModel):
    accessKey: str
    status: str
    hmacOnly: bool
    lastUsedTime: int | None


class DeveloperOut(BaseModel):
    developId: str
    userId: str
    dialect: str
    name: str
    contactEmail: str | None
    remark: str | None
    status: str
    balance: Balance
    keys: list[KeyOut]
    subAccountCount: int
    rateLimitPerMinute: int
    cashierPayAllowed: bool
    createTime: int


class DeveloperQuery(Strict):
    status: Status | None = None
    keyword: str | None = Field(default=None, max_length=128)
    pageNo: PageNo | None = None
    pageSize: PageSize | None = None
    cursor: str | None = Field(default=None, max_length=512)


class KeyUpdate(Strict):
    accessKey: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    developId: str | None = Field(default=None, min_length=1, max_length=19)
    rotate: StrictBool = False
    graceSeconds: StrictInt | None = Field(default=None, ge=0, le=604_800)
    status: Status | None = None
    hmacOnly: StrictBool | None = None


class KeyUpdated(BaseModel):
    accessKey: str
    status: str
    hmacOnly: bool
    secret: str | None = None
    previousSecretExpireTime: int | None = None
