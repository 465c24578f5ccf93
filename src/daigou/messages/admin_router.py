"""The operator's view of messages and callbacks (ours): what failed, for whom, and why."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from starlette.responses import Response

from daigou.core.pagination import PageOut, page_request
from daigou.http.routing import Ctx, Router, admin_ctx
from daigou.messages import callbacks, service
from daigou.messages.schemas import (
    AdminCallbackOut,
    AdminCallbackQuery,
    AdminMessageOut,
    AdminMessageQuery,
)

router = Router("admin", tags=["admin", "messages"])
Admin = Annotated[Ctx, Depends(admin_ctx)]


@router.get_(
    "/admin/message/list",
    data=PageOut[AdminMessageOut],
    errors=[40401],
    summary="Messages across developers, oldest first, with the last attempt's error",
)
async def list_messages(q: Annotated[AdminMessageQuery, Query()], ctx: Admin) -> Response:
    page = page_request(q.pageNo, q.pageSize, q.cursor, arity=1)

    def run(_: object) -> object:
        flt = service.message_filter(
            developer_id=None,
            user_id=None,
            message_type=q.messageType,
            platform=q.messagePlatform,
            status=q.deliveryStatus,
            object_ids=(q.orderId, q.refundId, q.logisticsOrderId),
            start_time=q.startTime,
            end_time=q.endTime,
            since=None,
        )
        return service.admin_list_messages(ctx.db, q.developId, flt, page).to_wire()

    return await ctx.run(run)


@router.get_(
    "/admin/callback/list",
    data=PageOut[AdminCallbackOut],
    errors=[40401],
    summary="Callback settings across developers (disabled ones and why)",
)
async def list_callbacks(q: Annotated[AdminCallbackQuery, Query()], ctx: Admin) -> Response:
    page = page_request(q.pageNo, q.pageSize, q.cursor, arity=1)
    return await ctx.run(
        lambda _: callbacks.admin_list_callbacks(ctx.db, q.developId, q.enabled, page).to_wire()
    )
