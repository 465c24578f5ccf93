"""The signed-call dependency: every developer endpoint gets a Ctx with its Caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Request

from daigou.core.clock import wall_ms
from daigou.developers.service import SignedRequest, authenticate
from daigou.http.routing import Ctx, Router, base_ctx


def signed_ctx(
    request: Request,
    access_key: Annotated[str | None, Header(alias="access-key", description="32 lowercase hex")] = None,
    timestamp: Annotated[str | None, Header(description="Unix time in milliseconds")] = None,
    nonce_str: Annotated[
        str | None, Header(alias="nonce-str", description="8 to 64 of [A-Za-z0-9_-], never reused")
    ] = None,
    signature: Annotated[str | None, Header(description="uppercase hex (CONTRACT section 2)")] = None,
    sign_method: Annotated[
        str | None, Header(alias="sign-method", description="MD5 (default) or HMAC-SHA256")
    ] = None,
    user_id: Annotated[str | None, Header(alias="user-id", description="a sub-account")] = None,
) -> Ctx:
    ctx = base_ctx(request)
    req = SignedRequest(
        access_key=access_key, timestamp=timestamp, nonce=nonce_str, signature=signature,
        sign_method=sign_method, user_id=user_id, method=request.method,
        path=request.url.path, raw_query=request.url.query, body=request.state.raw_body,
    )
    ctx.caller = authenticate(ctx.db, ctx.settings, req, wall_ms())
    request.state.develop_id = ctx.caller.develop_id
    return ctx


def signed_router(**kwargs: object) -> Router:
    return Router("signed", signed_ctx, **kwargs)  # type: ignore[arg-type]
