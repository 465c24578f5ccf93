"""POST /callbacks/pandapon (ours): PandaPon's signed callbacks, the feed of the PandaPon
adapter. Register ``<public URL>/callbacks/pandapon`` as the callback URL of the PandaPon
account (its 0.10) and set ``DAIGOU_PANDAPON_CALLBACK_SECRET`` to the secret it shows; each
delivery is verified (Standard Webhooks) and kept once by its ``messageId``
(marketplace/pandapon/inbox.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel
from starlette.responses import Response

from daigou.core.clock import wall_ms
from daigou.core.errors import ApiError
from daigou.http.routing import Ctx, Router, offload, public_ctx
from daigou.marketplace.pandapon import inbox

router = Router("public", tags=["marketplace feeds"])
Public = Annotated[Ctx, Depends(public_ctx)]


class CallbackReceived(BaseModel):
    received: bool  # False: a repeat of a delivery already kept, or PandaPon's CALLBACK_TEST


@router.post_(
    "/callbacks/pandapon",
    data=CallbackReceived,
    errors=[40102, 40401],
    summary="PandaPon's signed callbacks: the PandaPon marketplace adapter's feed (ours)",
)
async def pandapon_callback(request: Request, ctx: Public) -> Response:
    body = await request.body()
    secret = ctx.settings.pandapon_callback_secret
    headers = dict(request.headers)

    def receive() -> bool:
        try:
            return inbox.receive(
                ctx.db, secret.get_secret_value() if secret else None, headers, body, wall_ms()
            )
        except LookupError as exc:
            raise ApiError(40401, "no PandaPon callbacks are expected here") from exc
        except inbox.CallbackRejected as exc:
            raise ApiError(40102, f"not a delivery of the PandaPon account: {exc}") from exc

    return ctx.ok({"received": await offload(request, receive)})
