"""ENDPOINTS 10.1-10.3: the saved consignee addresses of the caller (or of the sub-account
acting)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from starlette.responses import Response

from daigou.addresses import service
from daigou.addresses.schemas import (
    AddressDelete,
    AddressIn,
    AddressListQuery,
    AddressOut,
    AddressPage,
)
from daigou.core.pagination import page_request
from daigou.deps import signed_ctx, signed_router
from daigou.http.routing import Ctx

router = signed_router(tags=["addresses"])
Signed = Annotated[Ctx, Depends(signed_ctx)]
MINE = [40302, 40401]


@router.post_(
    "/open/address/addOrUpdate",
    data=AddressOut,
    errors=[*MINE, 40901],
    summary="10.1 Save a consignee address (no id or 0 creates; at most 50 per account)",
)
async def add_or_update(body: AddressIn, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: service.save(ctx.db, service.Book.of(c), body, ctx.clock.now_ms())
    )


@router.get_(
    "/open/address/list",
    data=AddressPage,
    summary="10.2 Saved addresses of the acting account (the default first, then the newest)",
)
async def list_addresses(q: Annotated[AddressListQuery, Query()], ctx: Signed) -> Response:
    req = page_request(q.pageNo, q.pageSize, None)
    return await ctx.run(lambda c: service.page(ctx.db, service.Book.of(c), req).to_wire())


@router.post_(
    "/open/address/delete",
    data=bool,
    errors=MINE,
    summary="10.3 Delete a saved address (a deleted default passes to the newest one left)",
)
async def delete(body: AddressDelete, ctx: Signed) -> Response:
    return await ctx.run(lambda c: service.delete(ctx.db, service.Book.of(c), body.id))
