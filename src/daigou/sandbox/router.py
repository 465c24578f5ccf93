"""Operator sandbox controls, ENDPOINTS 12.15 to 12.18 and 12.20 to 12.22 (12.19, product
update, lives with the goods)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.responses import Response

from daigou.http.routing import Ctx, Router, admin_ctx
from daigou.sandbox import schemas as S
from daigou.sandbox import service
from daigou.sandbox.wire import SandboxOrder, SandboxRefund

router = Router("admin", tags=["admin: sandbox"])
Admin = Annotated[Ctx, Depends(admin_ctx)]


@router.post_(
    "/admin/sandbox/clock/advance",
    data=S.ClockAdvanced,
    errors=[40401],
    summary="12.15 Move the sandbox clock forward; due timers fire in time order",
)
async def advance(body: S.ClockAdvance, ctx: Admin) -> Response:
    return await ctx.run(
        lambda _: service.advance(ctx.sandbox, ctx.db, body, ctx.actor, ctx.request_id)
    )


@router.post_(
    "/admin/sandbox/order/ship",
    data=SandboxOrder,
    errors=[40401, 40901],
    summary="12.16 The seller ships lines, or a parcel is delivered",
)
async def ship(body: S.OrderShip, ctx: Admin) -> Response:
    return await ctx.run(
        lambda _: service.ship(ctx.sandbox, ctx.db, body, ctx.actor, ctx.request_id)
    )


@router.post_(
    "/admin/sandbox/order/price/modify",
    data=SandboxOrder,
    errors=[40401, 40901],
    summary="12.17 The seller changes an unpaid order's price",
)
async def modify_price(body: S.PriceModify, ctx: Admin) -> Response:
    return await ctx.run(
        lambda _: service.modify_price(ctx.sandbox, ctx.db, body, ctx.actor, ctx.request_id)
    )


@router.post_(
    "/admin/sandbox/order/close",
    data=SandboxOrder,
    errors=[40401, 40901],
    summary="12.18 The seller closes an unpaid order",
)
async def close(body: S.OrderClose, ctx: Admin) -> Response:
    return await ctx.run(
        lambda _: service.close(ctx.sandbox, ctx.db, body, ctx.actor, ctx.request_id)
    )


@router.post_(
    "/admin/sandbox/refund/act",
    data=SandboxRefund,
    errors=[40401, 40901],
    summary="12.20 The seller answers a refund",
)
async def refund_act(body: S.RefundAct, ctx: Admin) -> Response:
    return await ctx.run(
        lambda _: service.refund_act(ctx.sandbox, ctx.db, body, ctx.actor, ctx.request_id)
    )


@router.post_(
    "/admin/sandbox/fault/inject",
    data=S.FaultInjected,
    errors=[40401],
    summary="12.21 Make the sandbox marketplace fail on chosen calls",
)
async def inject(body: S.FaultInject, ctx: Admin) -> Response:
    return await ctx.run(
        lambda _: service.inject_fault(ctx.sandbox, ctx.db, body, ctx.actor, ctx.request_id)
    )


@router.post_(
    "/admin/sandbox/fault/clear",
    data=S.FaultCleared,
    errors=[40401],
    summary="12.22 Remove injected faults",
)
async def clear(body: S.FaultClear, ctx: Admin) -> Response:
    return await ctx.run(
        lambda _: service.clear_faults(ctx.sandbox, ctx.db, body, ctx.actor, ctx.request_id)
    )
