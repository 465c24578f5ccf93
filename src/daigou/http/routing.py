"""Routes: the request context handed to every endpoint, declared errors, idempotency.

A request's blocking work happens in one hop to the thread pool, `Ctx.run(use_case)`:
authenticate the caller (signed routes), claim the Idempotency-Key (POST), run the use case,
store its response under the key, render the envelope. The route itself only parses and calls.
"""

import asyncio
import contextvars
import functools
import hashlib
import hmac
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import orjson
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from daigou.config import Settings
from daigou.core.clock import Clock, wall_ms
from daigou.core.errors import ERROR_CODES, ApiError, http_status
from daigou.db.session import Database
from daigou.http.envelope import (
    DAIGOU,
    EnvelopeResponse,
    ErrorEnvelope,
    error_response,
    success_msg,
)
from daigou.http.guards import Claim, FailureThrottle, StoredResponse, claim_key
from daigou.http.middleware import BODY_LIMIT_KEY, PICTURE_BODY, PICTURE_PATHS
from daigou.http.openapi import error_example, security_for
from daigou.marketplace.controls import SandboxControls
from daigou.marketplace.port import (
    Marketplace,
    MarketplaceError,
    MarketplaceNotFound,
    MarketplaceNotSent,
    MarketplaceRateLimited,
    MarketplaceRefused,
    MarketplaceTimeout,
)

T = TypeVar("T")
IDEMPOTENCY_KEY_MAX = 255
# Responses that are never stored: the request did nothing (bad input, conflicts with another
# request, limits) or failed in a way a retry may cure (5xx: the transaction rolled back).
NOT_STORED = {40001, 40002, 40003, 40902, 40903, 42901, 50001, 50201, 50401}


@dataclass
class Caller:
    """An authenticated developer call: the developer, and the sub-account acting (if any)."""

    developer_id: int
    develop_id: str
    user_id: str | None
    access_key: str
    rate_limit_per_minute: int
    cashier_pay_allowed: bool = False
    dialect: str = DAIGOU  # the developer's wire dialect (CONTRACT section 1)
    main_user_id: str | None = None  # the main account's userId (user_id is None for it)


def signed_caller(caller: Caller | None) -> Caller:
    """The caller of a signed route, which always has one once authenticated."""
    assert caller is not None, "a signed route runs with its caller"
    return caller


def develop_id_of(caller: Caller | None) -> str | None:
    """The caller's developId (None on unsigned routes)."""
    return caller.develop_id if caller is not None else None


@dataclass
class Ctx:
    """What an endpoint gets: the services' dependencies, and (once run) the caller."""

    request: Request
    request_id: str
    db: Database
    settings: Settings
    clock: Clock
    caller: Caller | None = None
    admin: bool = False
    # signed routes: checks the signature when the request's work runs (see Ctx.run)
    authenticator: Callable[[], Caller] | None = None

    @property
    def develop_id(self) -> str | None:
        return self.caller.develop_id if self.caller else None

    @property
    def marketplace(self) -> Marketplace:
        return cast(Marketplace, self.request.app.state.marketplace)

    @property
    def sandbox(self) -> SandboxControls | None:
        """The sandbox's operator controls; None when the marketplace is not the sandbox."""
        return self.request.app.state.sandbox  # type: ignore[no-any-return]

    @property
    def actor(self) -> str:
        return "admin" if self.admin else f"developer:{self.develop_id}"

    def ok(self, data: Any = None, msg: str | None = None) -> EnvelopeResponse:
        if msg is None:
            msg = success_msg(self.caller.dialect if self.caller else None)
        return EnvelopeResponse(
            request_id=self.request_id, code=200, develop_id=self.develop_id, msg=msg, data=data
        )

    def error(self, exc: ApiError) -> EnvelopeResponse:
        return error_response(self.request_id, self.develop_id, exc)

    async def run(self, use_case: Callable[[Caller | None], Any]) -> Response:
        """Authenticate, claim the Idempotency-Key, run `use_case(caller)` and answer its
        result in the envelope: all in one hop to the thread pool."""
        return await offload(self.request, self._execute, use_case)

    def authenticate(self) -> None:
        if self.authenticator is not None:
            authenticator, self.authenticator = self.authenticator, None
            try:
                self.caller = authenticator()
            except ApiError as exc:
                if exc.dialect is not None:  # the key was found: answer in its dialect
                    self.request.state.dialect = exc.dialect
                raise
            self.request.state.develop_id = self.caller.develop_id
            # the middleware sends every answer of this request as the dialect says
            self.request.state.dialect = self.caller.dialect

    def _execute(self, use_case: Callable[[Caller | None], Any]) -> Response:
        self.authenticate()
        claim = self._claim()
        if isinstance(claim, Response):
            return claim
        try:
            response = self.ok(_answer_marketplace_errors(use_case, self.caller))
        except ApiError as exc:
            if claim is None:
                raise
            if exc.code in NOT_STORED:
                claim.abandon()
                raise
            response = self.error(exc)
            claim.complete(response.status_code, bytes(response.body))
            return response
        except BaseException:
            if claim is not None:
                claim.abandon()
            raise
        if claim is not None:
            claim.complete(response.status_code, bytes(response.body))
        return response

    def _claim(self) -> Claim | Response | None:
        """CONTRACT section 3: the key is scoped to the developer (or the operator)."""
        if self.request.method != "POST":
            return None
        key = self.request.headers.get("idempotency-key")
        if key is None:
            return None
        if not (1 <= len(key) <= IDEMPOTENCY_KEY_MAX) or not all(32 <= ord(ch) < 127 for ch in key):
            raise ApiError(
                40001,
                "Idempotency-Key must be 1 to 255 printable ASCII characters",
                {"errors": [{"field": "Idempotency-Key", "message": "1 to 255 printable ASCII"}]},
            )
        result = claim_key(
            self.db,
            self.develop_id or "admin",
            key,
            fingerprint(self.request, self.caller.user_id if self.caller else None),
            wall_ms(),
            self.settings.idempotency_ttl_seconds * 1000,
            self.settings.idempotency_lock_seconds * 1000,
            seal_key=self.settings.resolved_secret_key,
        )
        if isinstance(result, StoredResponse):
            return replayed(result, self.request_id)
        return result


def _answer_marketplace_errors(
    use_case: Callable[[Caller | None], Any], caller: Caller | None
) -> Any:
    """A marketplace failure that reaches the route becomes its CONTRACT code: not found 40401,
    a refusal 40901/40904, an error 50201, no answer 50401; the upstream code rides along.
    A call not sent (the upstream's limiter had no slot) or refused for the upstream's rate
    limit is a 50201 too (nothing happened; CONTRACT keeps 42901 for the gateway's own limit),
    with ``retryable`` and, when rate limited, ``retryAfter`` seconds and a Retry-After header;
    both are never stored under an Idempotency-Key (50201), so the same key may retry."""
    try:
        return use_case(caller)
    except MarketplaceNotFound as exc:
        raise ApiError(40401, exc.message) from exc
    except MarketplaceRefused as exc:
        data = {"upstreamCode": exc.code, "upstreamMessage": exc.message}
        raise ApiError(40904 if exc.stock_problem else 40901, exc.message, data) from exc
    except MarketplaceRateLimited as exc:
        after = max(1, math.ceil(exc.retry_after_s))
        limited = {"upstreamCode": exc.code, "upstreamMessage": exc.message}
        msg = f"the marketplace is rate limiting calls ({exc.code}): nothing was done"
        raise ApiError(
            50201,
            msg,
            {**limited, "retryable": True, "retryAfter": after},
            headers={"Retry-After": str(after)},
        ) from exc
    except MarketplaceNotSent as exc:
        sent = {"upstreamCode": exc.code, "upstreamMessage": exc.message}
        raise ApiError(
            50201, "the call was not sent to the marketplace: retry", {**sent, "retryable": True}
        ) from exc
    except MarketplaceError as exc:
        data = {"upstreamCode": exc.code, "upstreamMessage": exc.message}
        raise ApiError(50201, f"the marketplace answered {exc.code}", data) from exc
    except MarketplaceTimeout as exc:
        raise ApiError(50401, f"{exc.operation}: the marketplace did not answer in time") from exc


async def offload(request: Request, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """One hop to the app's thread pool: cheaper than anyio's, and copies contextvars so log
    lines keep the request id."""
    loop = asyncio.get_running_loop()
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await loop.run_in_executor(request.app.state.executor, call)


def base_ctx(request: Request) -> Ctx:
    app_state = request.app.state
    return Ctx(
        request=request,
        request_id=request.state.request_id,
        db=app_state.db,
        settings=app_state.settings,
        clock=app_state.clock,
    )


def public_ctx(request: Request) -> Ctx:
    return base_ctx(request)


async def admin_ctx(request: Request) -> Ctx:
    """The operator: `Authorization: Bearer <admin token>` (40100 missing, 40101 wrong; 42901
    once a client address sent too many wrong tokens, see guards.FailureThrottle)."""
    ctx = base_ctx(request)
    throttle: FailureThrottle = request.app.state.admin_throttle
    client = request.client.host if request.client else "unknown"
    throttle.check(client, wall_ms())
    authorization = request.headers.get("authorization")
    if not authorization or not authorization.startswith("Bearer ") or len(authorization) < 8:
        raise ApiError(40100, "Authorization: Bearer <admin token> is required")
    token = authorization[len("Bearer ") :].strip()
    expected = ctx.settings.resolved_admin_token
    if not hmac.compare_digest(token.encode("utf-8", "replace"), expected.encode()):
        throttle.failed(client, wall_ms())
        raise ApiError(40101, "wrong admin token")
    ctx.admin = True
    return ctx


def fingerprint(request: Request, user_id: str | None = None) -> str:
    """Method, path, query, body, and the acting sub-account (None: the main account, whether
    or not its userId was sent): a sub-account reusing another's key gets 40902, never the
    other's stored response."""
    digest = hashlib.sha256()
    digest.update((user_id or "").encode() + b"\n")
    digest.update(request.method.encode())
    digest.update(b"\n" + request.url.path.encode())
    digest.update(b"\n" + request.url.query.encode())
    digest.update(b"\n" + request.state.raw_body)
    return digest.hexdigest()


def replayed(stored: StoredResponse, request_id: str) -> Response:
    """The stored response, carrying this request's id: CONTRACT section 1 makes the body's
    requestId the X-Request-Id header and the id on this request's log lines."""
    body = stored.body
    try:
        envelope = orjson.loads(body)
        if isinstance(envelope, dict) and "requestId" in envelope:
            envelope["requestId"] = request_id
            body = orjson.dumps(envelope)
    except orjson.JSONDecodeError:
        pass
    return Response(
        content=body,
        status_code=stored.status_code,
        media_type="application/json",
        headers={"Idempotent-Replayed": "true", "X-Request-Id": request_id},
    )


def _header(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": {"type": "string"},
    }


# Headers read straight from the request (cheaper than FastAPI parameters), documented here.
# The signing headers and the admin token are security schemes (daigou.http.openapi); the code
# answers 40100 itself when a required one is missing.
SIGNED_HEADERS = [
    _header("sign-method", "MD5 (default) or HMAC-SHA256"),
]
ADMIN_HEADERS: list[dict[str, Any]] = []
IDEMPOTENCY_HEADER = [
    _header("Idempotency-Key", "1 to 255 printable ASCII characters; replays the first response")
]
HEADERS = {"signed": SIGNED_HEADERS, "admin": ADMIN_HEADERS, "public": []}

# Errors any route of a kind can answer (ENDPOINTS "Common errors").
COMMON = {
    "signed": (40001, 40002, 40100, 40101, 40102, 40103, 40104, 40301, 42901, 50001),
    "admin": (40001, 40002, 40100, 40101, 42901, 50001),
    "public": (50001,),
}
POST_COMMON = (40902, 40903)


def declared_responses(data_model: Any, codes: Sequence[int]) -> dict[int | str, dict[str, Any]]:
    from daigou.http.envelope import Envelope

    responses: dict[int | str, dict[str, Any]] = {
        200: {
            "model": Envelope[data_model] if data_model is not None else Envelope[None],
            "description": "success (code 200)",
        }
    }
    by_status: dict[int, list[int]] = {}
    for code in sorted(set(codes)):
        by_status.setdefault(http_status(code), []).append(code)
    for status, group in by_status.items():
        lines = "; ".join(f"{c} {ERROR_CODES[c]}" for c in group)
        example = error_example(group[0])
        responses[status] = {
            "model": ErrorEnvelope,
            "description": lines,
            "content": {"application/json": {"example": example}},
        }
    return responses


class Router(APIRouter):
    """An APIRouter whose routes declare their envelope, headers and every error code."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kind = kind

    def route(  # type: ignore[override]
        self,
        method: str,
        path: str,
        *,
        data: Any = None,
        errors: Sequence[int] = (),
        summary: str | None = None,
        picture: bool = False,
        **kwargs: Any,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """`picture`: the route takes a picture as base64, so its body may be as large as
        `max_picture_body_bytes` (CONTRACT section 4). Its path must be fixed (no parameters):
        the middleware looks it up before routing."""
        codes = list(COMMON[self.kind]) + list(errors)
        headers = list(HEADERS[self.kind])
        if method == "POST" and self.kind != "public":
            codes += POST_COMMON
            headers += IDEMPOTENCY_HEADER
        extra: dict[str, Any] = {"security": security_for(self.kind)}
        if headers:
            extra["parameters"] = headers
        if picture:
            PICTURE_PATHS.add(self.prefix + path)
            extra[BODY_LIMIT_KEY] = PICTURE_BODY
        kwargs["openapi_extra"] = {**extra, **kwargs.get("openapi_extra", {})}
        return self.api_route(
            path,
            methods=[method],
            response_model=None,
            responses=declared_responses(data, codes),
            summary=summary,
            **kwargs,
        )

    def get_(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route("GET", path, **kwargs)

    def post_(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route("POST", path, **kwargs)


def validation_field(loc: Sequence[Any]) -> str:
    """('body', 'cargoParamList', 0, 'quantity') -> 'cargoParamList[0].quantity'."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "header", "path", "cookie"):
        parts = parts[1:]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "$"


def validation_to_api_error(exc: RequestValidationError) -> ApiError:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return ApiError(40002, "body is not valid JSON")
    fields = [
        {"field": validation_field(e.get("loc", ())), "message": str(e.get("msg", "invalid"))}
        for e in errors
    ]
    first = fields[0] if fields else {"field": "$", "message": "invalid"}
    return ApiError(40001, f"{first['field']}: {first['message']}", {"errors": fields})


async def authenticate_before_validation(request: Request) -> None:
    """Authentication answers before validation (CONTRACT section 2's checks come first): a
    signed request whose parameters failed validation is authenticated here, and raises its
    authentication error if it has one."""
    ctx: Ctx | None = getattr(request.state, "ctx", None)
    if ctx is not None and ctx.authenticator is not None:
        await offload(request, ctx.authenticate)
