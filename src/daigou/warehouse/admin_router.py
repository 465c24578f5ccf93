"""The warehouse's operator routes, ENDPOINTS 12.9-12.12 (Bearer; audit-logged)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.responses import Response

from daigou.http.routing import Ctx, Router, admin_ctx
from daigou.warehouse import admin_schemas as S
from daigou.warehouse import freight, operations

router = Router("admin", tags=["admin", "warehouse"])
Admin = Annotated[Ctx, Depends(admin_ctx)]


@router.post_(
    "/admin/warehouse/inbound/scan",
    data=S.ScannedParcel,
    errors=[40901],
    summary="12.9 Receive (and weigh) a domestic parcel at the warehouse",
)
async def scan(body: S.InboundScan, ctx: Admin) -> Response:
    return await ctx.run(
        lambda _: operations.scan(
            ctx.db,
            body,
            ctx.clock.now_ms(),
            actor=ctx.actor,
            request_id=ctx.request_id,
            warehouses_path=ctx.settings.warehouses,
        )
    )


@router.post_(
    "/admin/warehouse/pack",
    data=S.LogisticsOrderOut,
    errors=[40401, 40901],
    summary="12.10 Pack an order's parcels and settle its freight",
)
async def pack(body: S.Pack, ctx: Admin) -> Response:
    return await ctx.run(
        lambda _: operations.pack(
            ctx.db,
            freight.load(ctx.settings.freight_tables),
            body,
            ctx.clock.now_ms(),
            actor=ctx.actor,
            request_id=ctx.request_id,
        )
    )


@router.post_(
    "/admin/warehouse/ship",
    data=S.LogisticsOrderOut,
    errors=[40401, 40901],
    summary="12.11 Hand a packed order to the international carrier",
)
async def ship(body: S.Ship, ctx: Admin) -> Response:
    return await ctx.run(
        lambda _: operations.ship(
            ctx.db, body, ctx.clock.now_ms(), actor=ctx.actor, request_id=ctx.request_id
        )
    )


@router.post_(
    "/admin/warehouse/track",
    data=S.LogisticsOrderOut,
    errors=[40401, 40901],
    summary="12.12 Add an international tracking step",
)
async def track(body: S.Track, ctx: Admin) -> Response:
    return await ctx.run(
        lambda _: operations.track(
            ctx.db, body, ctx.clock.now_ms(), actor=ctx.actor, request_id=ctx.request_id
        )
    )
