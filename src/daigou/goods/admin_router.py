"""Operator goods control of the sandbox marketplace, ENDPOINTS 12.19."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.responses import Response

from daigou.core.clock import wall_ms
from daigou.goods import schemas as S
from daigou.goods import service
from daigou.http.routing import Ctx, Router, admin_ctx

router = Router("admin", tags=["admin", "sandbox"])
Admin = Annotated[Ctx, Depends(admin_ctx)]


@router.post_(
    "/admin/sandbox/product/update",
    data=S.TaobaoItem | S.Offer1688,
    errors=[40401, 50201, 50401],
    summary="12.19 Set a sandbox item's price, stock, minimum quantity or sale state",
)
async def update_product(body: S.ProductUpdate, ctx: Admin) -> Response:
    return await ctx.run(
        lambda _: service.sandbox_update_product(
            ctx.sandbox,
            ctx.marketplace,
            ctx.db,
            wall_ms(),
            body,
            actor=ctx.actor,
            request_id=ctx.request_id,
        )
    )
