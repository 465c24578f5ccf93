"""ENDPOINTS 4.1-4.6: the Taobao cart of the caller (or of the sub-account acting)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from starlette.responses import Response

from daigou.carts.schemas import CartAdded, CartDelete, CartDeleteOut, CartListQuery
from daigou.carts.service import owner_of
from daigou.carttaobao import order, service
from daigou.carttaobao.schemas import (
    TaobaoCartAdd,
    TaobaoCartCreate,
    TaobaoCartEdit,
    TaobaoCartPage,
    TaobaoCartPreview,
    TaobaoCartRenderOut,
)
from daigou.core.pagination import page_request
from daigou.deps import signed_ctx, signed_router
from daigou.http.routing import Ctx
from daigou.orders1688.batch_create import acting_buyer
from daigou.orderstaobao.wire import TaobaoOrderCreated
from daigou.purchasing.buyer import Buyer

router = signed_router(tags=["carttaobao"])
Signed = Annotated[Ctx, Depends(signed_ctx)]
MARKET = [50201, 50401]


@router.post_(
    "/open/cart/add",
    data=CartAdded,
    errors=[40401, 40901, 40904, *MARKET],
    summary="4.1 Add a SKU to the Taobao cart (the same SKU again adds to its line)",
)
async def add(body: TaobaoCartAdd, ctx: Signed) -> Response:
    return await ctx.run(
        lambda caller: service.add(
            ctx.db,
            ctx.marketplace,
            owner_of(acting_buyer(ctx.db, caller, body.userId)),
            body,
            ctx.clock.now_ms(),
        )
    )


@router.get_(
    "/open/cart/list",
    data=TaobaoCartPage,
    errors=MARKET,
    summary="4.2 The Taobao cart, one line per SKU, re-priced",
)
async def list_cart(q: Annotated[CartListQuery, Query()], ctx: Signed) -> Response:
    page = page_request(q.pageNo, q.pageSize, None)
    return await ctx.run(
        lambda caller: service.list_cart(ctx.db, ctx.marketplace, owner_of(caller), page)
    )


@router.post_(
    "/open/cart/delete",
    data=CartDeleteOut,
    errors=[40003],
    summary="4.3 Remove Taobao cart lines (a result per id)",
)
async def delete(body: CartDelete, ctx: Signed) -> Response:
    return await ctx.run(lambda caller: service.delete_lines(ctx.db, owner_of(caller), body))


@router.post_(
    "/open/cart/edit-quantity",
    data=bool,
    errors=[40302, 40401, 40904, *MARKET],
    summary="4.4 Set a Taobao cart line's quantity",
)
async def edit_quantity(body: TaobaoCartEdit, ctx: Signed) -> Response:
    return await ctx.run(
        lambda caller: service.edit_quantity(
            ctx.db, ctx.marketplace, owner_of(caller), body, ctx.clock.now_ms()
        )
    )


@router.post_(
    "/open/cart/preview/order",
    data=TaobaoCartRenderOut,
    errors=[40302, 40401, *MARKET],
    summary="4.5 Price Taobao cart lines as one order (as 2.1, each line with its cart id)",
)
async def preview_order(body: TaobaoCartPreview, ctx: Signed) -> Response:
    return await ctx.run(
        lambda caller: order.preview(ctx.db, ctx.marketplace, Buyer.of(caller), body)
    )


@router.post_(
    "/open/cart/create/order",
    data=TaobaoOrderCreated,
    errors=[40302, 40401, 40904, *MARKET],
    summary="4.6 Order Taobao cart lines as one purchase order; ordered lines leave the cart",
)
async def create_order(body: TaobaoCartCreate, ctx: Signed) -> Response:
    return await ctx.run(
        lambda caller: order.create_from_cart(
            ctx.db,
            ctx.marketplace,
            ctx.clock,
            acting_buyer(ctx.db, caller, body.userId),
            body,
        )
    )
