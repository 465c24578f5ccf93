"""Routes: the request context handed to every endpoint, declared errors, idempotency."""


import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from daigou.config import Settings
from daigou.core.clock import Clock, wall_ms
from daigou.core.errors import ERROR_CODES, ApiError, http_status
from daigou.db.session import Database
from daigou.http.envelope import EnvelopeResponse, ErrorEnvelope
from daigou.http.guards import Claim, StoredResponse, claim_key

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


@dataclass
class Ctx:
    """What an endpoint gets: the services' dependencies and the caller."""

    request: Request
    request_id: str
    db: Database
    settings: Settings
    clock: Clock
    caller: Caller | None = None
    admin: bool = False
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def develop_id(self) -> str | None:
        return self.caller.develop_id if self.caller else None

    def ok(self, data: Any = None, msg: str = "success") -> EnvelopeResponse:
        return EnvelopeResponse(
            request_id=self.request_id, code=200, develop_id=self.develop_id, msg=msg, data=data
        )

    @property
    def actor(self) -> str:
        return "admin" if self.admin else f"developer:{self.develop_id}"


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


def admin_ctx(
    request: Request,
    authorization: Annotated[
        str | None, Header(description="Bearer <admin token>")
    ] = None,
) -> Ctx:
    ctx = base_ctx(request)
    if not authorization or not authorization.startswith("Bearer ") or len(authorization) < 8:
        raise ApiError(40100, "Authorization: Bearer <admin token> is required")
    token = authorization[len("Bearer "):].strip()
    expected = ctx.settings.resolved_admin_token
    if not hmac.compare_digest(token.encode("utf-8", "replace"), expected.encode()):
        raise ApiError(40101, "wrong admin token")
    ctx.admin = True
    return ctx


def fingerprint(request: Request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\n" + request.url.path.encode())
    digest.update(b"\n" + request.url.query.encode())
    digest.update(b"\n" + request.state.raw_body)
    return digest.hexdigest()


class IdempotentReplay(Exception):
    def __init__(self, stored: StoredResponse) -> None:
        self.stored = stored

    def response(self) -> Response:
        return Response(
            content=self.stored.body, status_code=self.stored.status_code,
            media_type="application/json", headers={"Idempotent-Replayed": "true"},
        )


def idempotency_for(ctx_dependency: Callable[..., Ctx]) -> Callable[..., None]:
    """A route dependency: claim the request's Idempotency-Key (if any) in the caller's scope."""

    def dependency(
        ctx: Annotated[Ctx, Depends(ctx_dependency)],
        idempotency_key: Annotated[
            str | None,
            Header(
                alias="Idempotency-Key",
                description="1 to 255 printable ASCII characters; replays the first response",
            ),
        ] = None,
    ) -> None:
        if idempotency_key is None:
            return
        if not (1 <= len(idempotency_key) <= IDEMPOTENCY_KEY_MAX) or not all(
            32 <= ord(ch) < 127 for ch in idempotency_key
        ):
            raise ApiError(
                40001, "Idempotency-Key must be 1 to 255 printable ASCII characters",
                {"errors": [{"field": "Idempotency-Key", "message": "1 to 255 printable ASCII"}]},
            )
        scope = ctx.develop_id or "admin"
        settings = ctx.settings
        result = claim_key(
            ctx.db, scope, idempotency_key, fingerprint(ctx.request), wall_ms(),
            settings.idempotency_ttl_seconds * 1000, settings.idempotency_lock_seconds * 1000,
        )
        if isinstance(result, StoredResponse):
            raise IdempotentReplay(result)
        ctx.request.state.idempotency_claim = result

    return dependency


class GatewayRoute(APIRoute):
    """Replays stored responses, and stores the first completed one of a claimed key."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await original(request)
            except IdempotentReplay as replay:
                return replay.response()
            except Exception as exc:
                claim: Claim | None = getattr(request.state, "idempotency_claim", None)
                if claim is None:
                    raise
                if isinstance(exc, ApiError) and exc.code not in NOT_STORED:
                    response = EnvelopeResponse(
                        request_id=request.state.request_id, code=exc.code,
                        develop_id=getattr(request.state, "develop_id", None), msg=exc.msg,
                        data=exc.data, headers=exc.headers,
                    )
                    await run_in_threadpool(claim.complete, response.status_code, response.body)
                    return response
                await run_in_threadpool(claim.abandon)
                raise
            claim = getattr(request.state, "idempotency_claim", None)
            if claim is not None:
                if response.status_code < 500:
                    await run_in_threadpool(claim.complete, response.status_code, bytes(response.body))
                else:
                    await run_in_threadpool(claim.abandon)
            return response

        return handler


# Errors any route of a kind can answer (ENDPOINTS "Common errors").
COMMON = {
    "signed": (40001, 40002, 40100, 40101, 40102, 40103, 40104, 40301, 42901, 50001),
    "admin": (40001, 40002, 40100, 40101, 50001),
    "public": (50001,),
}
POST_COMMON = (40902, 40903)


def declared_responses(data_model: Any, codes: Sequence[int]) -> dict[int | str, dict[str, Any]]:
    from daigou.http.envelope import Envelope

    responses: dict[int | str, dict[str, Any]] = {
        200: {"model": Envelope[data_model] if data_model is not None else Envelope[None],
              "description": "success (code 200)"}
    }
    by_status: dict[int, list[int]] = {}
    for code in sorted(set(codes)):
        by_status.setdefault(http_status(code), []).append(code)
    for status, group in by_status.items():
        lines = "; ".join(f"{c} {ERROR_CODES[c]}" for c in group)
        responses[status] = {"model": ErrorEnvelope, "description": lines}
    return responses


class Router(APIRouter):
    """An APIRouter whose routes declare their envelope and every error code they can answer."""

    def __init__(self, kind: str, ctx_dependency: Callable[..., Ctx], **kwargs: Any) -> None:
        super().__init__(route_class=GatewayRoute, **kwargs)
        self.kind = kind
        self.ctx_dependency = ctx_dependency

    def route(  # type: ignore[override]
        self, method: str, path: str, *, data: Any = None, errors: Sequence[int] = (),
        summary: str | None = None, **kwargs: Any,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        codes = list(COMMON[self.kind]) + list(errors)
        dependencies = list(kwargs.pop("dependencies", []))
        if method == "POST" and self.kind != "public":
            codes += POST_COMMON
            dependencies.append(Depends(idempotency_for(self.ctx_dependency)))
        return self.api_route(
            path, methods=[method], response_model=None, responses=declared_responses(data, codes),
            dependencies=dependencies, summary=summary, **kwargs,
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
