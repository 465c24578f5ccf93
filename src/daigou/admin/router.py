"""Operator admin API, ENDPOINTS 12.1 to 12.6."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from starlette.responses import Response

from daigou.admin import service
from daigou.core.clock import wall_ms
from daigou.core.pagination import PageOut, page_request
from daigou.developers import service as developers
from daigou.developers.schemas import (
    DeveloperCreate,
    DeveloperCreated,
    DeveloperOut,
    DeveloperQuery,
    DeveloperUpdate,
    KeyUpdate,
    KeyUpdated,
)
from daigou.http.routing import Ctx, Router, admin_ctx
from daigou.wallet.router import ledger_filter
from daigou.wallet.schemas import (
    AdminLedgerEntryOut,
    AdminLedgerQuery,
    EntryAndBalance,
    WalletAdjust,
)

router = Router("admin", tags=["admin"])
Admin = Annotated[Ctx, Depends(admin_ctx)]


@router.post_("/admin/developer/create", data=DeveloperCreated, summary="12.1 Register a developer")
async def create_developer(body: DeveloperCreate, ctx: Admin) -> Response:
    return await ctx.run(
        lambda _: developers.create_developer(
            ctx.db, ctx.settings, body, wall_ms(), actor=ctx.actor, request_id=ctx.request_id
        )
    )


@router.post_(
    "/admin/developer/update", data=DeveloperOut, errors=[40401], summary="12.2 Change a developer"
)
async def update_developer(body: DeveloperUpdate, ctx: Admin) -> Response:
    return await ctx.run(
        lambda _: developers.update_developer(
            ctx.db, body, wall_ms(), actor=ctx.actor, request_id=ctx.request_id
        )
    )


@router.get_("/admin/developer/list", data=PageOut[DeveloperOut], summary="12.3 Developers")
async def list_developers(q: Annotated[DeveloperQuery, Query()], ctx: Admin) -> Response:
    page = page_request(q.pageNo, q.pageSize, q.cursor, arity=1)
    return await ctx.run(
        lambda _: developers.list_developers(ctx.db, q.status, q.keyword, page).to_wire()
    )


@router.post_(
    "/admin/key/update",
    data=KeyUpdated,
    errors=[40401, 40901],
    summary="12.4 Add, rotate or change a key",
)
async def update_key(body: KeyUpdate, ctx: Admin) -> Response:
    return await ctx.run(
        lambda _: developers.update_key(
            ctx.db, ctx.settings, body, wall_ms(), actor=ctx.actor, request_id=ctx.request_id
        )
    )


@router.post_(
    "/admin/wallet/adjust",
    data=EntryAndBalance,
    errors=[40201, 40401, 40901],
    summary="12.5 Top up or correct a balance",
)
async def adjust_wallet(body: WalletAdjust, ctx: Admin) -> Response:
    # money moves on the gateway's clock (the sandbox clock in sandbox mode), like orders
    return await ctx.run(
        lambda _: service.adjust_wallet(
            ctx.db, body, ctx.clock.now_ms(), actor=ctx.actor, request_id=ctx.request_id
        )
    )


@router.get_(
    "/admin/wallet/ledger",
    data=PageOut[AdminLedgerEntryOut],
    errors=[40401],
    summary="12.6 Ledger across developers",
)
async def wallet_ledger(q: Annotated[AdminLedgerQuery, Query()], ctx: Admin) -> Response:
    page = page_request(q.pageNo, q.pageSize, q.cursor, arity=1)
    flt = ledger_filter(q, None, None)
    return await ctx.run(lambda _: service.ledger(ctx.db, q.developId, flt, page).to_wire())
