"""The operator's reconciliation (12.13, 12.14): marketplace writes whose outcome is unknown."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from daigou.core.pagination import page_request
from daigou.core.wire import PageNo, PageSize
from daigou.http.routing import Ctx, Router, admin_ctx
from daigou.reconcile import service
from daigou.reconcile.wire import OperationPage, ReconcileRunOut

router = Router("admin", tags=["admin", "reconciliation"])
Admin = Annotated[Ctx, Depends(admin_ctx)]


class ReconcileQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    objectType: Literal["order1688", "orderTaobao", "payment", "refund"] | None = None
    developId: str | None = Field(default=None, min_length=1, max_length=64)
    pageNo: PageNo | None = None
    pageSize: PageSize | None = None
    cursor: str | None = Field(default=None, max_length=500)


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operationId: str = Field(min_length=1, max_length=128)


@router.get_(
    "/admin/reconcile/list",
    data=OperationPage,
    errors=[40401],
    summary="12.13 Marketplace writes whose outcome is unknown, oldest first",
)
async def list_operations(q: Annotated[ReconcileQuery, Query()], ctx: Admin) -> Response:
    def run(_: object) -> object:
        page = page_request(q.pageNo, q.pageSize, q.cursor)
        return service.list_open(ctx.db, q.objectType, q.developId, page).to_wire()

    return await ctx.run(run)


@router.post_(
    "/admin/reconcile/run",
    data=ReconcileRunOut,
    errors=[40401, 50201, 50401],
    summary="12.14 Ask the marketplace now about one unknown operation",
)
async def run_operation(body: RunRequest, ctx: Admin) -> Response:
    def run(_: object) -> object:
        settlers = ctx.request.app.state.settlers
        reconciler = service.Reconciler(ctx.db, ctx.marketplace, ctx.clock, settlers)
        settled = reconciler.run_one(body.operationId)
        return {"outcome": settled.outcome, "object": settled.object}

    return await ctx.run(run)
