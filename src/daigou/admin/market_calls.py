"""The operator's view of the marketplace call log: every attempt, newest first, by key,
platform, operation or outcome (``GET /admin/marketplace/calls``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from daigou.core.pagination import PageOut, page_request
from daigou.core.wire import PageNo, PageSize
from daigou.http.routing import Ctx, Router, admin_ctx
from daigou.marketplace import calls

router = Router("admin", tags=["admin", "marketplace"])
Admin = Annotated[Ctx, Depends(admin_ctx)]


class CallQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str | None = Field(
        default=None,
        min_length=1,
        max_length=calls.KEY_CHARS,
        description="what the call carried: an opRequestId, an outOrderId, an order or offer id",
    )
    platform: Literal["1688", "taobao", "all"] | None = None
    operation: str | None = Field(
        default=None, min_length=1, max_length=32, description="the port method, e.g. pay"
    )
    outcome: (
        Literal["ok", "refused", "not_found", "not_sent", "rate_limited", "unknown", "error"] | None
    ) = None
    pageNo: PageNo | None = None
    pageSize: PageSize | None = None
    cursor: str | None = Field(default=None, max_length=500)


class CallOut(BaseModel):
    callId: int
    platform: str
    operation: str
    key: str | None
    developId: str | None
    startedTime: int
    durationMs: int
    outcome: str = Field(
        description="ok, refused, not_found, not_sent, rate_limited, unknown, error"
    )
    errorCode: str | None
    snippet: str | None = Field(description="the start of the answer or of the error")


@router.get_(
    "/admin/marketplace/calls",
    data=PageOut[CallOut],
    summary="Marketplace call attempts, newest first (what was sent, when, what came back)",
)
async def list_calls(q: Annotated[CallQuery, Query()], ctx: Admin) -> Response:
    page = page_request(q.pageNo, q.pageSize, q.cursor)

    def run(_: object) -> object:
        return calls.list_calls(
            ctx.db,
            key=q.key,
            platform=q.platform,
            operation=q.operation,
            outcome=q.outcome,
            page=page,
        ).to_wire()

    return await ctx.run(run)
