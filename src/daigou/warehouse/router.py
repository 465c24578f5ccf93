"""The developer's warehouse routes (ENDPOINTS 11.1-11.8) and the operator's warehouse creation
(``admin``; the scan, pack, ship and track routes are in admin_router.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from starlette.responses import Response

from daigou.core.pagination import page_request
from daigou.deps import signed_ctx, signed_router
from daigou.http.routing import Ctx, Router, admin_ctx
from daigou.purchasing.buyer import Buyer
from daigou.warehouse import booking, queries, quotes, warehouses
from daigou.warehouse import schemas as S

router = signed_router(tags=["Warehouse logistics"])
admin = Router("admin", tags=["admin", "warehouse"])
Signed = Annotated[Ctx, Depends(signed_ctx)]
Admin = Annotated[Ctx, Depends(admin_ctx)]
MARKET = [50201, 50401]
MINE = [40302, 40401]


@router.post_(
    "/open/pp/logistics/itemLogisticsPrice",
    data=S.QuotesOut,
    errors=[40401, *MARKET],
    summary="11.1 Quote overseas freight for one SKU on every channel reaching the country",
)
async def item_price(body: S.QuoteRequest, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: quotes.quote(
            ctx.marketplace, quotes.tables_of(ctx.settings.freight_tables), Buyer.of(c), body
        )
    )


@router.post_(
    "/open/pp/logistics/orderRenderFreight",
    data=S.FreightRenderOut,
    errors=[40401, *MARKET],
    summary="11.2 Preview a shipment on one channel (renderId valid 30 minutes)",
)
async def render(body: S.FreightRenderRequest, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: quotes.render(
            ctx.db,
            ctx.marketplace,
            quotes.tables_of(ctx.settings.freight_tables),
            Buyer.of(c),
            body,
            ctx.clock.now_ms(),
        )
    )


@router.post_(
    "/open/pp/logistics/orderBookingFreight",
    data=S.BookedOut,
    errors=[40201, *MINE, 40901],
    summary="11.3 Book an international logistics order: the freight is held in the wallet",
)
async def book(body: S.BookRequest, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: booking.book(
            ctx.db, Buyer.of(c), body, ctx.settings.warehouses, ctx.clock.now_ms()
        )
    )


@router.post_(
    "/open/pp/logistics/updateLogisticInfo",
    data=S.DeclareOut,
    errors=[*MINE, 40901],
    summary="11.4 Declare the domestic parcels the warehouse should expect (a result each)",
)
async def declare(body: S.DeclareRequest, ctx: Signed) -> Response:
    return await ctx.run(lambda c: booking.declare(ctx.db, Buyer.of(c), body, ctx.clock.now_ms()))


@router.get_(
    "/open/pp/logistics/order/detail",
    data=S.LogisticsOrderOut,
    errors=MINE,
    summary="11.5 One logistics order",
)
async def detail(q: Annotated[S.DetailQuery, Query()], ctx: Signed) -> Response:
    return await ctx.run(lambda c: queries.detail(ctx.db, Buyer.of(c), q.logisticsOrderId))


@router.post_(
    "/open/pp/logistics/order/page",
    data=S.LogisticsOrderPage,
    summary="11.6 Logistics orders, newest first (pageNo or cursor)",
)
async def page(body: S.LogisticsPageRequest, ctx: Signed) -> Response:
    req = page_request(body.pageNo, body.pageSize, body.cursor)
    flt = queries.OrderFilter(body.status, body.createStartTime, body.createEndTime)
    return await ctx.run(lambda c: queries.page(ctx.db, Buyer.of(c), flt, req))


@router.post_(
    "/open/pp/logistics/order/cancel",
    data=S.LogisticsOrderOut,
    errors=[*MINE, 40901],
    summary="11.7 Cancel before packing: the freight hold is released",
)
async def cancel(body: S.LogisticsCancelRequest, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: booking.cancel(
            ctx.db, Buyer.of(c), body.logisticsOrderId, body.reason, ctx.clock.now_ms()
        )
    )


@router.get_(
    "/open/pp/logistics/warehouse/list",
    data=S.WarehousePage,
    summary="11.8 Warehouses, with the consignee (and your mark) for domestic orders",
)
async def warehouse_list(q: Annotated[S.WarehouseListQuery, Query()], ctx: Signed) -> Response:
    req = page_request(q.pageNo, q.pageSize, None)
    return await ctx.run(
        lambda c: warehouses.page(
            ctx.db, Buyer.of(c), req, ctx.settings.warehouses, ctx.clock.now_ms()
        )
    )


# --- the operator -------------------------------------------------------------------------------
@admin.post_(
    "/admin/warehouse/create",
    data=S.WarehouseAdminOut,
    errors=[40901],
    summary="Add a consolidation warehouse (ours; audit-logged)",
)
async def create_warehouse(body: S.WarehouseCreate, ctx: Admin) -> Response:
    return await ctx.run(
        lambda _: warehouses.create(
            ctx.db,
            code=body.warehouseCode,
            name=body.name,
            district_code=body.districtCode,
            address=body.address,
            contact=body.contact,
            mobile=body.mobile,
            phone=body.phone,
            post_code=body.postCode,
            countries=body.serviceCountries,
            path=ctx.settings.warehouses,
            actor=ctx.actor,
            request_id=ctx.request_id,
            now_ms=ctx.clock.now_ms(),
        )
    )
