"""The operator's exchange rates (ours): set a pair's rate, read the history."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from starlette.responses import Response

from daigou.core.pagination import PageOut, page_request
from daigou.http.routing import Ctx, Router, admin_ctx
from daigou.rates import service
from daigou.rates.schemas import RateHistoryQuery, RateRecordOut, RateSet

router = Router("admin", tags=["admin", "foundations"])
Admin = Annotated[Ctx, Depends(admin_ctx)]


@router.post_(
    "/admin/exchange/rate/set",
    data=RateRecordOut,
    summary="Set a pair's display rate (a new row of its history, effective now)",
)
async def set_rate(body: RateSet, ctx: Admin) -> Response:
    # rates take effect on the gateway's clock (the sandbox clock in sandbox mode), so they
    # order against the sandbox's daily rates
    return await ctx.run(
        lambda _: service.set_rate(
            ctx.db, body, ctx.clock.now_ms(), actor=ctx.actor, request_id=ctx.request_id
        )
    )


@router.get_(
    "/admin/exchange/rate/history",
    data=PageOut[RateRecordOut],
    summary="Every rate set (of a pair, or all), newest first",
)
async def rate_history(q: Annotated[RateHistoryQuery, Query()], ctx: Admin) -> Response:
    page = page_request(q.pageNo, q.pageSize, q.cursor, arity=2)
    return await ctx.run(lambda _: service.history(ctx.db, q.from_, q.to, page).to_wire())
