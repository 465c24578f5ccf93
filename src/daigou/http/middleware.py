"""Pure ASGI middleware: request id, body buffering with the size limit (larger on the picture
routes) and a deadline, the HTTP status of the caller's wire dialect, one log line a request,
and the edges of HTTP that should still answer the envelope:

- the body must arrive within ``body_timeout_seconds`` (else 40002 and the connection closes);
- a body must be JSON (``Content-Type`` absent, ``application/json`` or ``+json``) on every path
  but the console's and 1688's pushes' (else 40002, never a misleading validation error);
- ``HEAD`` is served as ``GET`` without the body;
- a trailing slash reaches the same route (``/open/x/`` is ``/open/x``).

The signature covers the request as sent: ``state["method"]`` keeps the method the client used
(``HEAD``), and the raw path (``scope["raw_path"]``) is never changed.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from daigou.core import ids
from daigou.core.errors import ApiError
from daigou.http.envelope import error_response, wire_status
from daigou.http.logging import log

JSON_TYPES = ("application/json",)
# the web console may post forms; so does 1688's message centre (feed/alibaba_router.py)
FORM_PATHS = ("/console", "/callbacks/alibaba")
# The routes that take a picture as base64 accept bodies up to the picture limit; every other
# route keeps max_body_bytes (CONTRACT section 4). Such a route declares itself when its module
# is imported (Router.route(picture=True) adds its path here and marks its OpenAPI operation
# with BODY_LIMIT_KEY), so the limit is known before the body is read.
PICTURE_PATHS: set[str] = set()
BODY_LIMIT_KEY = "x-body-limit"
PICTURE_BODY = "picture"
PICTURE_BODY_BYTES = 8 * 1024 * 1024


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        body_timeout: float = 30.0,
        max_picture_body_bytes: int = PICTURE_BODY_BYTES,
    ) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.body_timeout = body_timeout
        self.max_picture_body = max(max_body_bytes, max_picture_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = ids.request_id()
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["method"] = method = scope.get("method", "GET")
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = {"code": 0}
        head = method == "HEAD"
        scope = _routed(scope)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"x-request-id" for k, _ in headers):
                    headers.append((b"x-request-id", request_id.encode()))
                # the caller's wire dialect, once known (CONTRACT section 1)
                sent = wire_status(state.get("dialect"), message["status"])
                message = {**message, "headers": headers, "status": sent}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            limit = self._body_limit(scope)
            try:
                async with asyncio.timeout(self.body_timeout):
                    body = await self._read_body(scope, receive, limit)
            except TimeoutError:
                error = ApiError(
                    40002, f"the request body did not arrive within {self.body_timeout:g} s"
                )
                error.headers["Connection"] = "close"
                await error_response(request_id, None, error)(scope, receive, send_with_id)
                return
            if body and not _json_body(scope):
                response = error_response(
                    request_id,
                    None,
                    ApiError(40002, "the body must be JSON (Content-Type: application/json)"),
                )
                await response(scope, receive, send_with_id)
                return
            if body is None:
                response = error_response(
                    request_id,
                    None,
                    ApiError(40002, f"body is over the size limit of {limit} bytes"),
                )
                await response(scope, receive, send_with_id)
                return
            state["raw_body"] = body
            if _has_nul(scope.get("query_string", b""), body):
                response = error_response(
                    request_id,
                    None,
                    ApiError(
                        40001,
                        "NUL characters are not accepted in any field",
                        {"errors": [{"field": "$", "message": "contains a NUL character"}]},
                    ),
                )
                await response(scope, receive, send_with_id)
                return
            delivered = False

            async def replay() -> Message:
                nonlocal delivered
                if not delivered:
                    delivered = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, send_with_id)
        except Exception:
            log.exception("unhandled error")
            if status["code"] == 0:
                response = error_response(request_id, None, ApiError(50001))
                await response(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                method=scope.get("method"),
                path=scope.get("path"),
                status=status["code"],
                ms=round((time.perf_counter() - started) * 1000, 2),
                developId=state.get("develop_id"),
            )
            structlog.contextvars.clear_contextvars()

    def _body_limit(self, scope: Scope) -> int:
        """The picture limit on the routes that take a picture, else max_body_bytes."""
        return self.max_picture_body if scope.get("path") in PICTURE_PATHS else self.max_body

    async def _read_body(self, scope: Scope, receive: Receive, limit: int) -> bytes | None:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    if int(value) > limit:
                        return None
                except ValueError:
                    pass
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _routed(scope: Scope) -> Scope:
    """The scope the routes see: HEAD as GET, no trailing slash. ``raw_path`` is untouched."""
    path: str = scope.get("path", "/")
    method = scope.get("method")
    if method != "HEAD" and (len(path) <= 1 or not path.endswith("/")):
        return scope
    routed = dict(scope)
    if method == "HEAD":
        routed["method"] = "GET"
    if len(path) > 1 and path.endswith("/"):
        routed["path"] = path.rstrip("/") or "/"
    return routed


def _json_body(scope: Scope) -> bool:
    """A body's Content-Type is JSON (or absent: FastAPI reads it as JSON), or the path may
    take a form."""
    if str(scope.get("path", "")).startswith(FORM_PATHS):
        return True
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower().decode("latin-1")
            return media in JSON_TYPES or media.endswith("+json")
    return True


def _has_nul(query: bytes, body: bytes) -> bool:
    """No field of this API holds a NUL character, and PostgreSQL cannot store one: refuse it
    at the door (raw, percent-encoded in the query, or JSON-escaped in the body)."""
    return b"%00" in query or b"\x00" in query or b"\x00" in body or b"\\u0000" in body
