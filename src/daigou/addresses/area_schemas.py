"""Wire shapes of the area tree (ENDPOINTS 10.5) and of address parsing (10.4)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from daigou.addresses.parse import MAX_TEXT
from daigou.core.wire import PageNo, PageSize

AREA_CODE = r"^[0-9]{6}([0-9]{3})?$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class AreaQuery(Strict):
    """10.5: one level of the tree; no `parentCode` lists the provinces."""

    parentCode: str | None = Field(
        default=None,
        pattern=AREA_CODE,
        description="6 digits (province, city, district) or 9 (town); absent: the provinces",
        examples=["440300"],
    )
    pageNo: PageNo | None = None
    pageSize: PageSize | None = None


class AreaOut(BaseModel):
    """One area: GB/T 2260 code (towns 9 digits), official name, its pinyin, level 1 province,
    2 city, 3 district, 4 town; `leaf` when nothing lies below it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "440305",
                    "name": "南山区",
                    "nameEn": "Nanshan Qu",
                    "level": 3,
                    "parentCode": "440300",
                    "leaf": False,
                }
            ]
        }
    )

    code: str
    name: str
    nameEn: str
    level: int
    parentCode: str | None
    leaf: bool


class AddressParseIn(Strict):
    """10.4: free text holding a name, a phone and a Chinese address, in any order."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"text": "张三 13812345678 广东省深圳市南山区粤海街道科技园10栋"}]
        }
    )

    text: StrictStr = Field(max_length=MAX_TEXT)


class AddressParsed(BaseModel):
    """10.4: the S3 fields ready for `addressParam` (null when not found), the town, how sure
    the parse is (0: no address found) and the text that was not understood."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "fullName": "张三",
                    "mobile": "13812345678",
                    "phone": "0755-86013388",
                    "postCode": "518057",
                    "provinceText": "广东省",
                    "cityText": "深圳市",
                    "areaText": "南山区",
                    "townText": "粤海街道",
                    "address": "科技园10栋",
                    "districtCode": "440305",
                    "townCode": "440305007",
                    "confidence": 95,
                    "unmatched": "",
                }
            ]
        }
    )

    fullName: str | None
    mobile: str | None
    phone: str | None
    postCode: str | None
    provinceText: str | None
    cityText: str | None
    areaText: str | None
    townText: str | None
    address: str
    districtCode: str | None
    townCode: str | None
    confidence: int = Field(ge=0, le=100)
    unmatched: str
