"""The response envelope of CONTRACT section 1, and its rendering."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel, Field
from starlette.responses import Response

from daigou.core.errors import ApiError, http_status

T = TypeVar("T")

# Wire dialects (CONTRACT section 1), chosen per developer. `daigou`: the HTTP status is
# code // 100 and success says "success". `pandapon`, for clients written from PandaPon's own
# pages: every answer travels as HTTP 200 (the code is in `code`) and success says "成功".
DAIGOU = "daigou"
PANDAPON = "pandapon"
SUCCESS_MSG = {DAIGOU: "success", PANDAPON: "成功"}


def success_msg(dialect: str | None) -> str:
    return SUCCESS_MSG.get(dialect or DAIGOU, SUCCESS_MSG[DAIGOU])


def wire_status(dialect: str | None, status: int) -> int:
    """The HTTP status an answer travels with in the caller's dialect."""
    return 200 if dialect == PANDAPON else status


class Envelope(BaseModel, Generic[T]):
    requestId: str = Field(description="32 lowercase hex; also the X-Request-Id header")
    code: int = Field(description="200 on success")
    developId: str | None = None
    msg: str
    data: T


class FieldError(BaseModel):
    field: str
    message: str


class ErrorData(BaseModel):
    errors: list[FieldError] | None = None
    upstreamCode: str | None = None
    upstreamMessage: str | None = None


class ErrorEnvelope(BaseModel):
    requestId: str
    code: int = Field(description="an error code of CONTRACT section 4")
    developId: str | None = None
    msg: str
    data: dict[str, Any] | None = None


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        # pydantic writes the JSON itself (in Rust); orjson embeds it as is
        return orjson.Fragment(value.__pydantic_serializer__.to_json(value, by_alias=True))
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default)


class EnvelopeResponse(Response):
    media_type = "application/json"

    def __init__(
        self,
        *,
        request_id: str,
        code: int,
        develop_id: str | None,
        msg: str,
        data: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        body = dumps(
            {
                "requestId": request_id,
                "code": code,
                "developId": develop_id,
                "msg": msg,
                "data": data,
            }
        )
        all_headers = {"X-Request-Id": request_id, **(headers or {})}
        super().__init__(content=body, status_code=http_status(code), headers=all_headers)


def error_response(request_id: str, develop_id: str | None, error: ApiError) -> EnvelopeResponse:
    return EnvelopeResponse(
        request_id=request_id,
        code=error.code,
        develop_id=develop_id or error.develop_id,
        msg=error.msg,
        data=error.data,
        headers=error.headers,
    )
