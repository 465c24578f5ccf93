"""The signed-call dependency: every developer endpoint gets a Ctx whose `run` authenticates."""

from __future__ import annotations

import functools

from fastapi import Request

from daigou.core.clock import wall_ms
from daigou.developers.auth import SignedRequest, authenticate
from daigou.http.routing import Ctx, Router, base_ctx
from daigou.http.signing import signed_path


async def signed_ctx(request: Request) -> Ctx:
    """Read the signed-call headers (CONTRACT section 2). The checks themselves run in the
    request's one hop to the thread pool (Ctx.run), before anything else."""
    ctx = base_ctx(request)
    h = request.headers
    req = SignedRequest(
        access_key=h.get("access-key"),
        timestamp=h.get("timestamp"),
        nonce=h.get("nonce-str"),
        signature=h.get("signature"),
        sign_method=h.get("sign-method"),
        user_id=h.get("user-id"),
        method=request.state.method,
        path=signed_path(request.scope),
        raw_query=request.scope["query_string"].decode("latin-1"),
        body=request.state.raw_body,
    )
    ctx.authenticator = functools.partial(authenticate, ctx.db, ctx.settings, req, wall_ms())
    request.state.ctx = ctx
    return ctx


def signed_router(**kwargs: object) -> Router:
    return Router("signed", **kwargs)
