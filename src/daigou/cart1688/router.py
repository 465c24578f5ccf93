"""ENDPOINTS 8.1-8.6: the 1688 cart of the caller (or of the sub-account acting)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from starlette.responses import Response

from daigou.cart1688 import create as cart_create
from daigou.cart1688 import preview as cart_preview
from daigou.cart1688 import service
from daigou.cart1688.schemas import CartAdd, CartEdit, CartPage
from daigou.carts.schemas import CartAdded, CartDelete, CartDeleteOut, CartListQuery
from daigou.carts.service import owner_of
from daigou.core.pagination import page_request
from daigou.deps import signed_ctx, signed_router
from daigou.http.routing import Ctx
from daigou.orders1688.batch_create import acting_buyer
from daigou.orders1688.wire_batch import CartCreateOut, CartPreviewOut

router = signed_router(tags=["cart1688"])
Signed = Annotated[Ctx, Depends(signed_ctx)]
MARKET = [50201, 50401]


@router.post_(
    "/alibaba/cart/add",
    data=CartAdded,
    errors=[40401, 40901, 40904, *MARKET],
    summary="8.1 Add an offer SKU to the 1688 cart",
)
async def add(body: CartAdd, ctx: Signed) -> Response:
    return await ctx.run(
        lambda caller: service.add(
            ctx.db, ctx.marketplace, owner_of(caller), body, ctx.clock.now_ms()
        )
    )


@router.get_(
    "/alibaba/cart/list",
    data=CartPage,
    errors=MARKET,
    summary="8.2 The 1688 cart, grouped by store, re-priced",
)
async def list_cart(q: Annotated[CartListQuery, Query()], ctx: Signed) -> Response:
    page = page_request(q.pageNo, q.pageSize, None)
    return await ctx.run(
        lambda caller: service.list_cart(ctx.db, ctx.marketplace, owner_of(caller), page)
    )


@router.post_(
    "/alibaba/cart/delete",
    data=CartDeleteOut,
    errors=[40003],
    summary="8.3 Remove 1688 cart lines",
)
async def delete(body: CartDelete, ctx: Signed) -> Response:
    return await ctx.run(lambda caller: service.delete_lines(ctx.db, owner_of(caller), body))


@router.post_(
    "/alibaba/cart/edit-quantity",
    data=bool,
    errors=[40401, 40904, *MARKET],
    summary="8.4 Set a 1688 cart line's quantity",
)
async def edit_quantity(body: CartEdit, ctx: Signed) -> Response:
    return await ctx.run(
        lambda caller: service.edit_quantity(
            ctx.db, ctx.marketplace, owner_of(caller), body, ctx.clock.now_ms()
        )
    )


@router.post_(
    "/alibaba/cart/preview/order",
    data=CartPreviewOut,
    errors=[40003, 40401, *MARKET],
    summary="8.5 Preview orders from 1688 cart lines (as 6.3, with cartIds per merchant)",
)
async def preview_order(body: cart_preview.CartPreview, ctx: Signed) -> Response:
    return await ctx.run(
        lambda caller: cart_preview.preview_cart(ctx.db, ctx.marketplace, owner_of(caller), body)
    )


@router.post_(
    "/alibaba/cart/create/order",
    data=CartCreateOut,
    errors=[40003, 40401],
    summary="8.6 Order 1688 cart lines (as 6.4, with cartIds per merchant); ordered lines leave",
)
async def create_order(body: cart_create.CartCreate, ctx: Signed) -> Response:
    return await ctx.run(
        lambda caller: cart_create.create_from_cart(
            ctx.db,
            ctx.marketplace,
            acting_buyer(ctx.db, caller, body.userId),
            body,
            ctx.clock.now_ms(),
        )
    )
