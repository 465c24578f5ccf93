"""POST /callbacks/alibaba (ours): the pushes of the 1688 app's message centre, the feed of the
1688 Open Platform adapter. Register ``<public URL>/callbacks/alibaba`` as the app's
``httpCallBack`` address (open.1688.com, the app's message subscription); each delivery (form
fields ``message`` and ``_aop_signature``) is verified with the app secret
(marketplace/alibaba1688/push.py) and kept once by its ``msgId``
(marketplace/alibaba1688/inbox.py). A repeat answers 200 like a new message: 1688 re-sends what
was not answered 200. A refused delivery (non-200) stays with 1688 for the compensation pull."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel
from starlette.responses import Response

from daigou.core.clock import wall_ms
from daigou.core.errors import ApiError
from daigou.http.routing import Ctx, Router, offload, public_ctx
from daigou.marketplace.alibaba1688.inbox import Inbox, PushRejected

router = Router("public", tags=["marketplace feeds"])
Public = Annotated[Ctx, Depends(public_ctx)]


class MessageReceived(BaseModel):
    received: bool  # False: a repeat of a message already kept, or one about another member


@router.post_(
    "/callbacks/alibaba",
    data=MessageReceived,
    errors=[40001, 40102, 40401],
    summary="The 1688 app's message pushes: the 1688 Open Platform adapter's feed (ours)",
)
async def alibaba_push(request: Request, ctx: Public) -> Response:
    settings = ctx.settings
    secret = settings.alibaba_app_secret
    if settings.marketplace_for_1688 != "alibaba" or secret is None:
        raise ApiError(40401, "no 1688 messages are expected here (1688 is not on alibaba)")
    body = await request.body()
    inbox = Inbox(ctx.db, settings.alibaba_member_id)

    def receive() -> bool:
        try:
            return inbox.receive(secret.get_secret_value(), body, wall_ms()).new
        except PushRejected as exc:
            if exc.unsigned:
                raise ApiError(40102, f"not a delivery of the 1688 app: {exc}") from exc
            problem = {"field": exc.field, "message": str(exc)}
            raise ApiError(40001, f"{exc.field}: {exc}", {"errors": [problem]}) from exc

    return ctx.ok({"received": await offload(request, receive)})
