"""ENDPOINTS 10.6: the domestic carriers for return shipments."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from starlette.responses import Response

from daigou.carriers import service
from daigou.carriers.schemas import CompanyOut, CompanyQuery
from daigou.core.pagination import PageOut, page_request
from daigou.deps import signed_ctx, signed_router
from daigou.http.routing import Ctx

router = signed_router(tags=["foundations"])
Signed = Annotated[Ctx, Depends(signed_ctx)]


@router.get_(
    "/open/logistics/company/list",
    data=PageOut[CompanyOut],
    summary="10.6 Carriers for return shipments (1688 companyNo, Taobao logisticsCompanyCode)",
)
async def list_companies(q: Annotated[CompanyQuery, Query()], ctx: Signed) -> Response:
    page = page_request(q.pageNo, q.pageSize, None)
    return await ctx.run(lambda _: service.companies(q.platform, q.keyword, page).to_wire())
