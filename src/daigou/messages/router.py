"""ENDPOINTS 0.5 to 0.12: the pull API of messages and the callback settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Depends, Query
from starlette.responses import Response

from daigou.core.errors import ApiError
from daigou.core.pagination import PageOut, page_request
from daigou.deps import signed_ctx, signed_router
from daigou.http.routing import Caller, Ctx
from daigou.messages import callbacks, service
from daigou.messages.schemas import (
    CallbackConfigIn,
    CallbackConfigOut,
    CallbackConfigSaved,
    CallbackTestIn,
    CallbackTestOut,
    DeliveriesOut,
    DeliveriesQuery,
    MessageIds,
    MessageOut,
    MessageQuery,
    MessageResults,
    RotateIn,
    RotateOut,
)

router = signed_router(tags=["messages"])
Signed = Annotated[Ctx, Depends(signed_ctx)]


def _main_account(caller: Caller | None) -> Caller:
    """Callback settings belong to the developer's main account: a sub-account may read them
    but not change them or the secret (40302)."""
    me = _me(caller)
    if me.user_id is not None:
        raise ApiError(40302, "callback settings belong to the main account")
    return me


def _me(caller: Caller | None) -> Caller:
    assert caller is not None  # signed routes always have one
    return caller


@router.get_(
    "/open/message/list",
    data=PageOut[MessageOut],
    summary="0.5 Messages of the last 30 days, oldest first (the pull API)",
)
async def list_messages(q: Annotated[MessageQuery, Query()], ctx: Signed) -> Response:
    page = page_request(q.pageNo, q.pageSize, q.cursor, arity=1)

    def run(caller: Caller | None) -> object:
        me = _me(caller)
        now = ctx.clock.now_ms()
        flt = service.message_filter(
            developer_id=me.developer_id,
            user_id=me.user_id,
            message_type=q.messageType,
            platform=q.messagePlatform,
            status=q.deliveryStatus,
            object_ids=(q.orderId, q.refundId, q.logisticsOrderId),
            start_time=q.startTime,
            end_time=q.endTime,
            since=now - ctx.settings.message_retention_days * service.DAY_MS,
        )
        return service.list_messages(ctx.db, flt, page).to_wire()

    return await ctx.run(run)


@router.get_(
    "/open/message/deliveries",
    data=DeliveriesOut,
    errors=[40302, 40401],
    summary="0.6 The delivery log of one message",
)
async def deliveries(q: Annotated[DeliveriesQuery, Query()], ctx: Signed) -> Response:
    return await ctx.run(
        lambda caller: service.deliveries(
            ctx.db, _me(caller).developer_id, _me(caller).user_id, q.messageId
        )
    )


@router.post_(
    "/open/message/redeliver",
    data=MessageResults,
    errors=[40003, 40901],
    summary="0.7 Send messages again (same messageId and body, fresh signature)",
)
async def redeliver(body: MessageIds, ctx: Signed) -> Response:
    return await ctx.run(
        lambda caller: service.redeliver(
            ctx.db,
            _me(caller).developer_id,
            _me(caller).user_id,
            body.messageIds,
            ctx.clock.now_ms(),
        )
    )


@router.post_(
    "/open/message/confirm",
    data=MessageResults,
    errors=[40003],
    summary="0.8 Mark pulled messages handled; releases the next message of each key",
)
async def confirm(body: MessageIds, ctx: Signed) -> Response:
    return await ctx.run(
        lambda caller: service.confirm(
            ctx.db,
            _me(caller).developer_id,
            _me(caller).user_id,
            body.messageIds,
            ctx.clock.now_ms(),
        )
    )


@router.get_(
    "/open/callback/config",
    data=CallbackConfigOut | None,
    summary="0.9 The callback settings (null when none)",
)
async def get_config(ctx: Signed) -> Response:
    return await ctx.run(
        lambda caller: callbacks.get_config(
            ctx.db, ctx.settings, _me(caller).developer_id, ctx.clock.now_ms()
        )
    )


@router.post_(
    "/open/callback/config",
    data=CallbackConfigSaved,
    errors=[40302],
    summary="0.10 Set the callback URL (verified by a signed CALLBACK_TEST)",
)
async def save_config(body: CallbackConfigIn, ctx: Signed) -> Response:
    return await ctx.run(
        lambda caller: callbacks.save_config(
            ctx.db,
            ctx.settings,
            _main_account(caller).developer_id,
            _main_account(caller).develop_id,
            body,
            ctx.clock.now_ms(),
        )
    )


@router.post_(
    "/open/callback/secret/rotate",
    data=RotateOut,
    errors=[40302, 40401],
    summary="0.11 New signing secret; the previous one signs too during the grace period",
)
async def rotate(ctx: Signed, body: Annotated[RotateIn | None, Body()] = None) -> Response:
    grace = (body or RotateIn()).graceSeconds
    return await ctx.run(
        lambda caller: callbacks.rotate_secret(
            ctx.db, ctx.settings, _main_account(caller).developer_id, grace, ctx.clock.now_ms()
        )
    )


@router.post_(
    "/open/callback/test",
    data=CallbackTestOut,
    summary="0.12 Send one signed delivery now and report it (not stored)",
)
async def test_callback(
    ctx: Signed, body: Annotated[CallbackTestIn | None, Body()] = None
) -> Response:
    request = body or CallbackTestIn()
    return await ctx.run(
        lambda caller: callbacks.try_delivery(
            ctx.db,
            ctx.settings,
            _me(caller).developer_id,
            _me(caller).develop_id,
            request,
            ctx.clock.now_ms(),
        )
    )
