"""ENDPOINTS 10.7: display exchange rates."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from starlette.responses import Response

from daigou.core.pagination import PageOut, page_request
from daigou.deps import signed_ctx, signed_router
from daigou.http.routing import Ctx
from daigou.rates import service
from daigou.rates.schemas import RateOut, RateQuery

router = signed_router(tags=["foundations"])
Signed = Annotated[Ctx, Depends(signed_ctx)]


@router.get_(
    "/open/exchange/rate",
    data=PageOut[RateOut],
    summary="10.7 Display exchange rates (the wallet stays in CNY)",
)
async def exchange_rates(q: Annotated[RateQuery, Query()], ctx: Signed) -> Response:
    page = page_request(q.pageNo, q.pageSize, None)
    return await ctx.run(
        lambda _: service.current_rates(
            ctx.db,
            q.from_,
            q.to,
            page,
            now_ms=ctx.clock.now_ms(),
            sandbox=ctx.settings.sandbox_only,
        ).to_wire()
    )
