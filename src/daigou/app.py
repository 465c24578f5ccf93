"""create_app(settings): the HTTP application."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from daigou import __version__
from daigou.bootstrap import Gateway, bootstrap
from daigou.config import Settings
from daigou.core.clock import Clock
from daigou.core.errors import ApiError
from daigou.db.session import Database
from daigou.http.envelope import error_response
from daigou.http.guards import FailureThrottle
from daigou.http.logging import configure_logging, log
from daigou.http.middleware import RequestContextMiddleware
from daigou.http.openapi import install_docs, install_openapi
from daigou.http.routing import authenticate_before_validation, validation_to_api_error

DESCRIPTION = """
daigou speaks the PandaPon OpenAPI v1. Developer calls are signed (headers `access-key`,
`timestamp`, `nonce-str`, `signature`, optional `sign-method` and `user-id`); operator calls
under `/admin` use `Authorization: Bearer <admin token>`. Every response is the envelope
`{requestId, code, developId, msg, data}`; the HTTP status is `code // 100` (for a developer
created with the `pandapon` wire dialect: 200 for every answer, `msg` `成功` on success, and
`nonce-str` optional).
"""


def _render(request: Request, error: ApiError) -> Response:
    state = request.state
    return error_response(
        getattr(state, "request_id", ""), getattr(state, "develop_id", None), error
    )


def create_app(
    settings: Settings | None = None,
    db: Database | None = None,
    clock: Clock | None = None,
    worker: bool | None = None,
    gateway: Gateway | None = None,
) -> FastAPI:
    """The app over a gateway the composition root builds (``gateway`` replaces it whole:
    then ``settings``, ``db`` and ``clock`` are the gateway's)."""
    if gateway is None:
        settings = settings or Settings()
        gateway = bootstrap(settings, db, clock)
    settings, db = gateway.settings, gateway.db
    configure_logging(settings.log_level, settings.log_json)
    sandbox = gateway.sandbox
    run_worker = settings.run_worker if worker is None else worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner = None
        if sandbox is not None and settings.sandbox_load_on_start:
            # the sandbox catalogue is built before the first request (seconds on first start,
            # a lookup afterwards), so searches work as soon as the server answers
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(app.state.executor, sandbox.ensure_catalogue)
        if run_worker:
            runner = gateway.worker()
            runner.start_in_background()
        try:
            yield
        finally:
            if runner is not None:
                runner.stop()
            gateway.close()
            app.state.executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="daigou gateway",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # install_docs: Swagger UI served from the installed package
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.gateway = gateway
    app.state.settings = settings
    app.state.db = db
    app.state.clock = gateway.clock
    app.state.marketplace = gateway.marketplaces  # the port (Ctx.marketplace)
    app.state.sandbox = sandbox  # the sandbox's operator controls, or None (Ctx.sandbox)
    app.state.settlers = gateway.settlers
    app.state.admin_throttle = FailureThrottle(settings.admin_auth_failures_per_minute)
    # blocking work (the database) runs here; sized like the connection pool
    # never more threads than pooled connections: overflow connections are opened and closed
    # per checkout, which costs more than the request
    threads = settings.io_threads or (2 if db.is_sqlite else settings.db_pool_size)
    app.state.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="daigou-io")

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        if exc.code >= 50000:
            log.error("request failed", code=exc.code, msg=exc.msg)
        return _render(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        try:
            await authenticate_before_validation(request)
        except ApiError as auth_error:
            return _render(request, auth_error)
        return _render(request, validation_to_api_error(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            return _render(request, ApiError(40401, "this path does not take that method"))
        if exc.status_code == 404:
            return _render(request, ApiError(40401, "no such endpoint"))
        if exc.status_code == 400:
            return _render(request, ApiError(40002, str(exc.detail)))
        return _render(request, ApiError(50001))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled error", exc_info=exc)
        return _render(request, ApiError(50001))

    from daigou.addresses.area_router import router as areas_router
    from daigou.addresses.router import router as addresses_router
    from daigou.admin.market_calls import router as market_calls_router
    from daigou.admin.router import router as admin_router
    from daigou.developers.router import router as developers_router
    from daigou.goods.admin_router import router as goods_admin_router
    from daigou.goods.router import pictures as goods_pictures_router
    from daigou.goods.router import router as goods_router
    from daigou.health import router as health_router
    from daigou.wallet.router import router as wallet_router

    for router in (
        health_router,
        wallet_router,
        developers_router,
        admin_router,
        goods_router,
        goods_pictures_router,
        goods_admin_router,
        market_calls_router,
        addresses_router,
        areas_router,
    ):
        app.include_router(router)

    from daigou.carriers.router import router as carriers_router
    from daigou.cart1688.router import router as cart1688_router
    from daigou.carttaobao.router import router as carttaobao_router
    from daigou.feed.alibaba_router import router as alibaba_feed_router
    from daigou.feed.pandapon_router import router as pandapon_feed_router
    from daigou.messages.admin_router import router as messages_admin_router
    from daigou.messages.router import router as messages_router
    from daigou.orders1688.pay_router import router as pay1688_router
    from daigou.orders1688.router import router as orders1688_router
    from daigou.orderstaobao.router import admin as taobao_admin_router
    from daigou.orderstaobao.router import public as taobao_public_router
    from daigou.orderstaobao.router import router as taobao_router
    from daigou.rates.admin_router import router as rates_admin_router
    from daigou.rates.router import router as rates_router
    from daigou.reconcile.router import router as reconcile_router
    from daigou.refunds1688.router import public as refunds1688_public_router
    from daigou.refunds1688.router import router as refunds1688_router
    from daigou.refundstaobao.router import router as refundstaobao_router
    from daigou.sandbox.router import router as sandbox_router
    from daigou.warehouse.admin_router import router as warehouse_ops_router
    from daigou.warehouse.router import admin as warehouse_admin_router
    from daigou.warehouse.router import router as warehouse_router

    for router in (
        sandbox_router,
        cart1688_router,
        carttaobao_router,
        orders1688_router,
        pay1688_router,
        refunds1688_router,
        refunds1688_public_router,
        taobao_router,
        taobao_public_router,
        taobao_admin_router,
        refundstaobao_router,
        reconcile_router,
        messages_router,
        messages_admin_router,
        carriers_router,
        rates_router,
        rates_admin_router,
        warehouse_router,
        warehouse_admin_router,
        warehouse_ops_router,
        pandapon_feed_router,
        alibaba_feed_router,
    ):
        app.include_router(router)
    install_openapi(app)
    install_docs(app)
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_body_bytes,
        body_timeout=settings.body_timeout_seconds,
        max_picture_body_bytes=settings.max_picture_body_bytes,
    )
    return app
