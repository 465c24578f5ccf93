"""10.6 request and answer shapes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from daigou.core.wire import PageNo, PageSize


class CompanyQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    platform: int = Field(default=1, ge=0, le=1, description="1 (1688, default) or 0 (Taobao)")
    keyword: str | None = Field(
        default=None, max_length=64, description="name, code or spelling (pinyin), case-blind"
    )
    pageNo: PageNo | None = None
    pageSize: PageSize | None = None


class CompanyOut(BaseModel):
    companyNo: str = Field(description="1688 logisticsCompanyNo; Taobao logisticsCompanyCode")
    companyName: str
    companyPhone: str | None
    spelling: str = Field(description="the name in pinyin, lowercase")
    platform: int
