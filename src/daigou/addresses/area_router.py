"""ENDPOINTS 10.4 (address parsing) and 10.5 (the area tree): signed, read-only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from starlette.responses import Response

from daigou.addresses import area_service
from daigou.addresses.area_schemas import AddressParsed, AddressParseIn, AreaOut, AreaQuery
from daigou.core.pagination import PageOut, page_request
from daigou.deps import signed_ctx, signed_router
from daigou.http.routing import Ctx

router = signed_router(tags=["addresses"])
Signed = Annotated[Ctx, Depends(signed_ctx)]


@router.post_(
    "/open/address/parse",
    data=AddressParsed,
    summary="10.4 Split free text into name, phone and address, with the area codes",
)
async def parse_address(body: AddressParseIn, ctx: Signed) -> Response:
    return await ctx.run(lambda _caller: area_service.parse_address(body.text))


@router.get_(
    "/open/area/list",
    data=PageOut[AreaOut],
    summary="10.5 The area-code tree, one level per call (no parentCode: the provinces)",
)
async def list_areas(q: Annotated[AreaQuery, Query()], ctx: Signed) -> Response:
    page = page_request(q.pageNo, q.pageSize, None)
    return await ctx.run(lambda _caller: area_service.area_page(q.parentCode, page))
