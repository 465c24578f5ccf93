"""GET /healthz (process up) and GET /readyz (database reachable); unauthenticated."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from daigou.core.errors import ApiError
from daigou.http.routing import Ctx, Router, public_ctx

router = Router("public", tags=["health"])
Public = Annotated[Ctx, Depends(public_ctx)]


class Health(BaseModel):
    status: str


@router.get_("/healthz", data=Health, summary="The process is up")
async def healthz(ctx: Public) -> Response:
    return ctx.ok({"status": "ok"})


@router.get_("/readyz", data=Health, errors=[50001], summary="The database is reachable")
async def readyz(ctx: Public) -> Response:
    try:
        await run_in_threadpool(ctx.db.ping)
    except Exception as exc:
        raise ApiError(50001, "database unreachable") from exc
    return ctx.ok({"status": "ready"})
