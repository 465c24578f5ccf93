"""ENDPOINTS 0.3 and 0.4: sub-accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from starlette.responses import Response

from daigou.core.clock import wall_ms
from daigou.core.pagination import page_request
from daigou.deps import signed_ctx, signed_router
from daigou.developers import service
from daigou.developers.schemas import SubAccountIn, SubAccountOut, SubAccountPage, SubAccountQuery
from daigou.http.routing import Ctx, signed_caller

router = signed_router(tags=["sub-accounts"])
Signed = Annotated[Ctx, Depends(signed_ctx)]


@router.post_(
    "/open/subaccount/addOrUpdate", data=SubAccountOut, summary="0.3 Create or change a sub-account"
)
async def add_or_update(body: SubAccountIn, ctx: Signed) -> Response:
    return await ctx.run(
        lambda caller: service.save_sub_account(ctx.db, signed_caller(caller), body, wall_ms())
    )


@router.get_(
    "/open/subaccount/list", data=SubAccountPage, summary="0.4 The developer's sub-accounts"
)
async def list_(q: Annotated[SubAccountQuery, Query()], ctx: Signed) -> Response:
    page = page_request(q.pageNo, q.pageSize, None)
    return await ctx.run(
        lambda caller: service.sub_account_page(
            ctx.db, signed_caller(caller), q.status, q.userId, page
        )
    )
