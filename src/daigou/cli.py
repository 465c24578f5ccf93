"""The `daigou` command: serve, worker, migrate, admin ..., call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from daigou.cli_call import call, remove_server_file, write_server_file
from daigou.config import Settings

app = typer.Typer(
    help="daigou: a cross-border purchasing gateway for Taobao and 1688.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
admin = typer.Typer(
    help="Operator commands (developers, keys, wallet, vouchers, exchange rates, warehouse).",
    no_args_is_help=True,
)
developer_cmd = typer.Typer(help="Developers.", no_args_is_help=True)
key_cmd = typer.Typer(help="Access keys.", no_args_is_help=True)
wallet_cmd = typer.Typer(help="Wallets: top-ups, adjustments, ledger.", no_args_is_help=True)
voucher_cmd = typer.Typer(
    help="Bank-transfer vouchers of Taobao orders: list them, approve or reject one "
    "(the admin API's 12.7 and 12.8).",
    no_args_is_help=True,
)
rate_cmd = typer.Typer(
    help="Display exchange rates (10.7): set a pair's rate, list the current rates or the "
    "history. The wallet stays in CNY.",
    no_args_is_help=True,
)
admin.add_typer(developer_cmd, name="developer")
admin.add_typer(key_cmd, name="key")
admin.add_typer(wallet_cmd, name="wallet")
admin.add_typer(voucher_cmd, name="voucher")
admin.add_typer(rate_cmd, name="rate")
warehouse_cmd = typer.Typer(
    help="The consolidation warehouse: receive (scan) domestic parcels, pack an order and "
    "settle its freight, ship it abroad, record its tracking steps (the admin API's 12.9-12.12).",
    no_args_is_help=True,
)
admin.add_typer(warehouse_cmd, name="warehouse")
alibaba_cmd = typer.Typer(
    help="The 1688 Open Platform app (DAIGOU_MARKETPLACE_1688=alibaba): authorise the buyer "
    "account once, then check the connection.",
    no_args_is_help=True,
)
admin.add_typer(alibaba_cmd, name="alibaba")
app.add_typer(admin, name="admin")
app.add_typer(voucher_cmd, name="voucher")  # `daigou voucher ...`, the same as `admin voucher`

console = Console(stderr=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON only")]


def _settings() -> Settings:
    return Settings()


def _db(settings: Settings) -> Any:
    from daigou.db.session import Database

    return Database(settings.resolved_database_url, pool_size=settings.db_pool_size)


def _print(data: Any, as_json: bool) -> None:
    """Rich's pretty print on a terminal; JSON with --json or when stdout is a pipe or file."""
    import sys

    from pydantic import BaseModel

    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    if as_json or not sys.stdout.isatty():
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        from rich.pretty import pprint

        pprint(data, expand_all=True)


def _now() -> int:
    from daigou.core.clock import wall_ms

    return wall_ms()


def _die(message: str, detail: Any = None) -> NoReturn:
    """One line on stderr (and the error's data, compact, on a second), exit status 2."""
    console.print(message, markup=False, highlight=False, soft_wrap=True)
    if detail:
        console.print(
            json.dumps(detail, ensure_ascii=False, default=str),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    raise typer.Exit(2)


def _fail(exc: Exception) -> NoReturn:
    """An operator command's failure as one line: the CONTRACT code and reason for what the
    service refused, the field and reason for a bad value; never a traceback."""
    from pydantic import ValidationError

    from daigou.core.errors import ApiError

    if isinstance(exc, ApiError):
        _die(f"error {exc.code}: {exc.msg}", exc.data)
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ())) or "value"
        _die(f"error 40001: {field}: {first.get('msg', 'invalid')}")
    if isinstance(exc, ValueError):
        _die(f"error: {exc}")
    from sqlalchemy.exc import OperationalError, ProgrammingError

    if isinstance(exc, OperationalError | ProgrammingError):
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__
        _die(f"error: the database said: {reason} (a new database? run `daigou migrate`)")
    raise exc


@app.command()
def migrate() -> None:
    """Bring the database schema to the newest version."""
    from daigou.db.migrate import upgrade

    settings = _settings()
    upgrade(settings.resolved_database_url)
    console.print("database migrated")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
    workers: Annotated[int, typer.Option(help="API processes (PostgreSQL only for > 1)")] = 1,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="no in-process worker")] = False,
) -> None:
    """Migrate, then start the API with an in-process worker."""
    import os

    import uvicorn

    from daigou.admin.service import ensure_demo
    from daigou.db.migrate import upgrade
    from daigou.http.logging import configure_logging
    from daigou.http.server import uvicorn_options

    settings = _settings()
    problems = settings.marketplace_problems()
    if problems:  # every missing or refused marketplace setting, named, before anything starts
        _die("error: " + "; ".join(problems))
    configure_logging(settings.log_level, settings.log_json)
    upgrade(settings.resolved_database_url)
    _ensure_warehouses(settings)
    demo = ensure_demo(_db(settings), settings, _now())
    host = host or settings.host
    port = port or settings.port
    if settings.is_dev:
        console.rule("[bold]daigou (dev mode)")
        console.print(f"API      http://{host}:{port}   docs: http://{host}:{port}/docs")
        console.print(f"database {settings.resolved_database_url}")
        console.print(f"admin token   {settings.resolved_admin_token}")
        if demo:
            console.print(f"demo developId {demo.developId}")
            console.print(f"demo access-key {demo.accessKey}")
            console.print(f"demo secret     {demo.secret}")
            console.print(f"(kept in {Path(settings.data_dir) / 'demo-credentials.json'})")
        console.print(
            "callbacks     dev mode: loopback callback URLs (http://127.0.0.1, ::1, localhost) "
            "are allowed; production mode refuses them"
        )
        console.rule()
    else:
        allow = ", ".join(settings.callback_allowlist) or "none"
        console.print(
            f"callbacks: public https only; allowlist: {allow}"
            + (" (+ private networks)" if settings.callback_allow_private_networks else "")
        )
    _ensure_sandbox_catalogue(settings)
    if no_worker:
        os.environ["DAIGOU_RUN_WORKER"] = "false"
    # the app (built by uvicorn, maybe in other processes) reads these from the environment
    os.environ["DAIGOU_HOST"] = host
    os.environ["DAIGOU_PORT"] = str(port)
    # `daigou call` (and anyone else on this machine) finds the running gateway here
    address = write_server_file(settings, host, port)
    try:
        uvicorn.run(
            "daigou.cli:_asgi_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level.lower(),
            access_log=False,
            lifespan="on",
            **uvicorn_options(settings),
        )
    finally:
        remove_server_file(address)


def _ensure_warehouses(settings: Settings) -> None:
    """Check the freight tables and sync the configured warehouses before serving: a bad file
    stops the start with its error, and every warehouse code works from the first call (1688
    orders name one by its code)."""
    from daigou.warehouse import freight, warehouses

    try:
        freight.load(settings.freight_tables)
        db = _db(settings)
        try:
            warehouses.ensure(db, settings.warehouses, _now())
        finally:
            db.dispose()
    except ValueError as exc:
        _die(f"warehouse configuration: {exc}")


def _ensure_sandbox_catalogue(settings: Settings) -> None:
    """Build the sandbox catalogue before serving (once; a lookup on later starts)."""
    import time

    from daigou.bootstrap import bootstrap

    gateway = bootstrap(settings, _db(settings))
    sandbox = gateway.sandbox
    try:
        if sandbox is None or sandbox.catalogue_ready():
            return
        started = time.monotonic()
        console.print(
            f"building the sandbox catalogue: {settings.sandbox_offers_1688:,} 1688 offers, "
            f"{settings.sandbox_offers_taobao:,} Taobao items, {settings.sandbox_shops} shops ..."
        )
        sandbox.ensure_catalogue()
        console.print(f"sandbox catalogue ready in {time.monotonic() - started:.1f} s")
    finally:
        gateway.close()
        gateway.db.dispose()


def _asgi_app() -> Any:
    from daigou.app import create_app

    return create_app(_settings())


@app.command()
def openapi(
    output: Annotated[Path | None, typer.Option(help="write here (default: stdout)")] = None,
) -> None:
    """Print the OpenAPI document (what /openapi.json serves), e.g. for a client generator."""
    from daigou.app import create_app

    doc = create_app(_settings(), worker=False).openapi()
    text = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True)
    if output is None:
        typer.echo(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text + "\n")


@app.command()
def worker() -> None:
    """Run a worker alone (any number may run beside the API processes)."""
    from daigou.bootstrap import bootstrap
    from daigou.http.logging import configure_logging

    settings = _settings()
    configure_logging(settings.log_level, settings.log_json)
    gateway = bootstrap(settings, _db(settings))
    runner = gateway.worker()
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        runner.stop()
    finally:
        gateway.close()


# --- admin ----------------------------------------------------------------------------------
@developer_cmd.command("create")
def developer_create(
    name: Annotated[str, typer.Option(help="the developer's name")],
    email: Annotated[str | None, typer.Option(help="contact email")] = None,
    hmac_only: Annotated[bool, typer.Option("--hmac-only", help="accept HMAC-SHA256 only")] = False,
    rate_limit: Annotated[int | None, typer.Option(help="requests per minute")] = None,
    dialect: Annotated[
        str, typer.Option(help="wire dialect: daigou (default) or pandapon (PandaPon's clients)")
    ] = "daigou",
    as_json: JsonOpt = False,
) -> None:
    """Register a developer and its first key (the secret is shown once)."""
    from daigou.developers import service
    from daigou.developers.schemas import DeveloperCreate

    settings = _settings()
    try:
        body = DeveloperCreate(
            name=name,
            contactEmail=email,
            hmacOnly=hmac_only,
            rateLimitPerMinute=rate_limit,
            dialect=dialect,  # type: ignore[arg-type]  # checked by the schema
        )
        _print(
            service.create_developer(
                _db(settings), settings, body, _now(), actor="cli", request_id=None
            ),
            as_json,
        )
    except Exception as exc:
        _fail(exc)


@developer_cmd.command("list")
def developer_list(
    keyword: Annotated[str | None, typer.Option(help="name, id or email")] = None,
    page_size: Annotated[int, typer.Option(help="rows")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Developers with balances and keys."""
    from daigou.core.pagination import page_request
    from daigou.developers import service

    settings = _settings()
    try:
        page = service.list_developers(
            _db(settings), None, keyword, page_request(1, page_size, None)
        )
    except Exception as exc:
        _fail(exc)
    _print(page.to_wire([d.model_dump() for d in page.items]), as_json)


@developer_cmd.command("update")
def developer_update(
    develop_id: Annotated[str, typer.Argument(help="developId")],
    status: Annotated[str | None, typer.Option(help="enabled / disabled")] = None,
    rate_limit: Annotated[int | None, typer.Option(help="requests per minute")] = None,
    name: Annotated[str | None, typer.Option(help="new name")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a developer (disable it, its rate limit, its name)."""
    from daigou.developers import service
    from daigou.developers.schemas import DeveloperUpdate

    settings = _settings()
    try:
        fields = {
            k: v
            for k, v in {"status": status, "rateLimitPerMinute": rate_limit, "name": name}.items()
            if v is not None
        }
        # the operator's text is validated by the schema (model_validate: typed as any input)
        body = DeveloperUpdate.model_validate({"developId": develop_id, **fields})
        _print(
            service.update_developer(_db(settings), body, _now(), actor="cli", request_id=None),
            as_json,
        )
    except Exception as exc:
        _fail(exc)


@key_cmd.command("add")
def key_add(
    develop_id: Annotated[str, typer.Argument(help="developId")],
    hmac_only: Annotated[bool, typer.Option("--hmac-only")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add a key to a developer (at most 5 active)."""
    from daigou.developers import service
    from daigou.developers.schemas import KeyUpdate

    settings = _settings()
    try:
        body = KeyUpdate(developId=develop_id, hmacOnly=hmac_only)
        _print(
            service.update_key(_db(settings), settings, body, _now(), actor="cli", request_id=None),
            as_json,
        )
    except Exception as exc:
        _fail(exc)


@key_cmd.command("rotate")
def key_rotate(
    access_key: Annotated[str, typer.Argument(help="the access key")],
    grace_seconds: Annotated[int | None, typer.Option(help="old secret stays valid")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Issue a new secret; the old one stays valid for the grace period."""
    from daigou.developers import service
    from daigou.developers.schemas import KeyUpdate

    settings = _settings()
    try:
        body = KeyUpdate(accessKey=access_key, rotate=True, graceSeconds=grace_seconds)
        _print(
            service.update_key(_db(settings), settings, body, _now(), actor="cli", request_id=None),
            as_json,
        )
    except Exception as exc:
        _fail(exc)


@key_cmd.command("set")
def key_set(
    access_key: Annotated[str, typer.Argument(help="the access key")],
    status: Annotated[str | None, typer.Option(help="enabled / disabled")] = None,
    hmac_only: Annotated[bool | None, typer.Option("--hmac-only/--any-method")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Enable or disable a key, or restrict it to HMAC-SHA256."""
    from daigou.developers import service
    from daigou.developers.schemas import KeyUpdate

    settings = _settings()
    try:
        body = KeyUpdate.model_validate(
            {"accessKey": access_key, "status": status, "hmacOnly": hmac_only}
        )
        _print(
            service.update_key(_db(settings), settings, body, _now(), actor="cli", request_id=None),
            as_json,
        )
    except Exception as exc:
        _fail(exc)


def _adjust(
    develop_id: str, type_: str, amount: int, reference: str, remark: str | None, as_json: bool
) -> None:
    from daigou.admin import service
    from daigou.wallet.schemas import WalletAdjust

    settings = _settings()
    try:
        body = WalletAdjust.model_validate(
            {
                "developId": develop_id,
                "type": type_,
                "amount": amount,
                "reference": reference,
                "remark": remark,
            }
        )
        _print(
            service.adjust_wallet(_db(settings), body, _now(), actor="cli", request_id=None),
            as_json,
        )
    except Exception as exc:
        _fail(exc)


@wallet_cmd.command("topup", context_settings={"ignore_unknown_options": True})
def wallet_topup(
    develop_id: Annotated[str, typer.Argument(help="developId")],
    amount: Annotated[int, typer.Argument(help="fen (integer minor units): 10000 = 100.00 CNY")],
    reference: Annotated[str, typer.Option(help="unique per developer, e.g. the bank reference")],
    remark: Annotated[str | None, typer.Option(help="note")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Top up a developer's balance."""
    _adjust(develop_id, "topup", amount, reference, remark, as_json)


# ignore_unknown_options: a negative amount (`adjust ID -1500 ...`) is the amount, not an option
@wallet_cmd.command("adjust", context_settings={"ignore_unknown_options": True})
def wallet_adjust(
    develop_id: Annotated[str, typer.Argument(help="developId")],
    amount: Annotated[int, typer.Argument(help="signed fen: -1500 takes 15.00 CNY away")],
    reference: Annotated[str, typer.Option(help="unique per developer")],
    remark: Annotated[str, typer.Option(help="the reason (required)")],
    as_json: JsonOpt = False,
) -> None:
    """Correct a balance (never below zero)."""
    _adjust(develop_id, "adjustment", amount, reference, remark, as_json)


@wallet_cmd.command("ledger")
def wallet_ledger(
    develop_id: Annotated[str | None, typer.Argument(help="developId (all when absent)")] = None,
    page_size: Annotated[int, typer.Option(help="rows")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Ledger entries, newest first."""
    from daigou.admin import service
    from daigou.core.pagination import page_request
    from daigou.wallet.service import LedgerFilter

    settings = _settings()
    try:
        page = service.ledger(
            _db(settings), develop_id, LedgerFilter(), page_request(1, page_size, None)
        )
        _print(page.to_wire([e.model_dump() for e in page.items]), as_json)
    except Exception as exc:
        _fail(exc)


# --- vouchers (the operator's side of paying a Taobao order by bank transfer) ---------------
REVIEW_STATUSES = ("pending", "approved", "rejected", "all")


@voucher_cmd.command("list")
def voucher_list(
    status: Annotated[
        str, typer.Option(help="pending (the default: waiting for review), approved, rejected, all")
    ] = "pending",
    develop_id: Annotated[
        str | None, typer.Option("--develop-id", help="one developer's vouchers only")
    ] = None,
    page_size: Annotated[int, typer.Option(help="rows (1 to 100)")] = 20,
    cursor: Annotated[
        str | None, typer.Option(help="the nextCursor of the page before, for the next page")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Vouchers, newest first, each with its order (the amount to check against the bank)."""
    from daigou.core.pagination import page_request
    from daigou.developers import service as developers
    from daigou.orderstaobao import vouchers
    from daigou.orderstaobao.schemas import VoucherListQuery

    if status not in REVIEW_STATUSES:
        _die(f"error: --status is one of {', '.join(REVIEW_STATUSES)} (got {status!r})")
    settings = _settings()
    try:
        q = VoucherListQuery.model_validate(
            {"reviewStatus": status, "developId": develop_id, "pageSize": page_size}
        )
        db = _db(settings)
        if q.developId is not None:
            with db.transaction() as s:  # a mistyped developId says so, as `wallet ledger` does
                developers.developer_pk_in(s, q.developId)
        flt = vouchers.VoucherFilter(
            review_status=None if q.reviewStatus == "all" else q.reviewStatus,
            develop_id=q.developId,
        )
        page = vouchers.list_vouchers(
            db, flt, page_request(None if cursor else 1, q.pageSize, cursor)
        )
    except Exception as exc:
        _fail(exc)
    _print(page, as_json)


@voucher_cmd.command("review")
def voucher_review(
    voucher_id: Annotated[str, typer.Argument(help="the voucher (tv_...), from `voucher list`")],
    decision: Annotated[str, typer.Argument(help="approve or reject")],
    received_amount: Annotated[
        int | None,
        typer.Option(
            "--received-amount",
            help="approve: the fen that reached the bank account (12345 = 123.45 CNY); must "
            "equal the voucher's amount",
        ),
    ] = None,
    reason: Annotated[
        str | None, typer.Option(help="reject: why (the developer is shown it)")
    ] = None,
    reviewer: Annotated[str | None, typer.Option(help="who decided (default: cli)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Decide a pending voucher, once.

    approve: the transfer is credited to the developer's wallet (a top-up whose reference is
    voucher:<id>) and the order is paid from it (status 1 -> 2 -> 5 -> 10). reject: the order
    goes to status 3 with the reason; the developer uploads again or pays from the wallet."""
    from daigou.bootstrap import bootstrap
    from daigou.orderstaobao import vouchers
    from daigou.orderstaobao.schemas import VoucherReview

    if decision not in ("approve", "reject"):
        _die(f"error: DECISION is approve or reject (got {decision!r})")
    if decision == "approve":
        if received_amount is None:
            _die("error: approve needs --received-amount N (fen received; 12345 = 123.45 CNY)")
        if reason is not None:
            _die("error: --reason goes with reject; approve takes --received-amount only")
    else:
        if not reason:
            _die("error: reject needs --reason TEXT (the developer is shown it)")
        if received_amount is not None:
            _die("error: --received-amount goes with approve; reject takes --reason only")
    settings = _settings()
    try:
        body = VoucherReview.model_validate(
            {
                "voucherId": voucher_id,
                "decision": decision,
                "receivedAmount": received_amount,
                "reason": reason,
                "reviewer": reviewer,
            }
        )
        gateway = bootstrap(settings, _db(settings))
        try:
            out = vouchers.review(
                gateway.db,
                gateway.marketplaces,
                gateway.clock,
                voucher_id=body.voucherId,
                decision=body.decision,
                received_amount=body.receivedAmount,
                reason=body.reason,
                reviewer=body.reviewer or "cli",
                actor="cli",
            )
        finally:
            gateway.close()
            gateway.db.dispose()
    except Exception as exc:
        _fail(exc)
    _print(out, as_json)
    order = out["order"]
    if decision == "approve" and order["pendingOperation"] == "pay":
        console.print(
            f"note: the marketplace did not answer the payment of order {order['orderId']}: "
            "its outcome is unknown until the reconciler settles it (the hold is kept)",
            markup=False,
            highlight=False,
        )
    elif decision == "approve" and order["status"] == 0:
        console.print(
            f"note: the marketplace refused the payment of order {order['orderId']}: it is "
            "back to status 0 and the transfer stays in the developer's wallet, to pay it "
            "again (2.5)",
            markup=False,
            highlight=False,
        )


# --- exchange rates (display only; the wallet stays in CNY) ---------------------------------
def _gateway_clock_ms(settings: Settings, db: Any) -> int:
    """Now on the gateway's clock (the sandbox clock with the sandbox marketplace), as the
    admin API sets and reads rates: a rate set here orders against the API's."""
    from daigou.bootstrap import bootstrap

    gateway = bootstrap(settings, db)
    try:
        return gateway.clock.now_ms()
    finally:
        gateway.close()


@rate_cmd.command("set")
def rate_set(
    from_ccy: Annotated[str, typer.Argument(metavar="FROM", help="ISO 4217 code, e.g. CNY")],
    to_ccy: Annotated[str, typer.Argument(metavar="TO", help="ISO 4217 code, e.g. USD")],
    rate: Annotated[
        str,
        typer.Argument(help="units of TO per unit of FROM, a decimal: 0.1389 (≤ 8 places, > 0)"),
    ],
    source: Annotated[str, typer.Option(help="where the rate comes from")] = "operator",
    remark: Annotated[str | None, typer.Option(help="note, kept in the history")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Set a pair's rate: a new row of its history, current from now on."""
    from daigou.rates import service
    from daigou.rates.schemas import RateSet

    settings = _settings()
    try:
        body = RateSet.model_validate(
            {"from": from_ccy, "to": to_ccy, "rate": rate, "source": source, "remark": remark}
        )
        db = _db(settings)
        try:
            out = service.set_rate(
                db, body, _gateway_clock_ms(settings, db), actor="cli", request_id=None
            )
        finally:
            db.dispose()
    except Exception as exc:
        _fail(exc)
    _print(out.model_dump(by_alias=True), as_json)


@rate_cmd.command("list")
def rate_list(
    from_ccy: Annotated[
        str | None, typer.Option("--from", help="source currency (current rates: CNY)")
    ] = None,
    to_ccy: Annotated[str | None, typer.Option("--to", help="one target currency")] = None,
    history: Annotated[
        bool, typer.Option("--history", help="every rate set, newest first, not the current ones")
    ] = False,
    page_size: Annotated[int, typer.Option(help="rows (1 to 100)")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """The current rates from a currency (the operator's newest, else the sandbox's rate of the
    day), or with --history every rate the operator set."""
    from daigou.core.pagination import Page, page_request
    from daigou.rates import service
    from daigou.rates.schemas import RateHistoryQuery, RateOut, RateQuery, RateRecordOut

    settings = _settings()
    try:
        page = page_request(1, page_size, None)
        db = _db(settings)
        try:
            out: Page[RateRecordOut] | Page[RateOut]
            if history:
                hq = RateHistoryQuery.model_validate({"from": from_ccy, "to": to_ccy})
                out = service.history(db, hq.from_, hq.to, page)
            else:
                q = RateQuery.model_validate({"from": from_ccy or "CNY", "to": to_ccy})
                out = service.current_rates(
                    db,
                    q.from_,
                    q.to,
                    page,
                    now_ms=_gateway_clock_ms(settings, db),
                    sandbox=settings.marketplace == "sandbox",
                )
        finally:
            db.dispose()
    except Exception as exc:
        _fail(exc)
    _print(out.to_wire([r.model_dump(by_alias=True) for r in out.items]), as_json)


# --- warehouse (the operator's side of shipping bought goods abroad) -----------------------
SCAN_COLUMNS = (
    "trackingNo",
    "weight",
    "length",
    "width",
    "height",
    "markCode",
    "logisticCompanyName",
    "warehouseCode",
)
ScanSize = Annotated[int | None, typer.Option(help="positive; g for --weight, mm for sides")]


def _scan_body(warehouse: str, fields: dict[str, Any]) -> Any:
    from daigou.warehouse.admin_schemas import InboundScan

    given = {k: v for k, v in fields.items() if v not in (None, "")}
    return InboundScan.model_validate({"warehouseCode": warehouse, **given})


def _scan_lines(path: Path) -> list[dict[str, Any]]:
    """The CSV's rows (a header row names the columns; `trackingNo` is required)."""
    import csv

    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            columns = [c.strip() for c in reader.fieldnames or []]
            if "trackingNo" not in columns:
                _die(
                    f"error: {path}: the first line names the columns; trackingNo is required "
                    f"(known: {', '.join(SCAN_COLUMNS)})"
                )
            unknown = sorted(set(columns) - set(SCAN_COLUMNS))
            if unknown:
                _die(f"error: {path}: unknown columns {', '.join(unknown)}")
            return [{(k or "").strip(): _csv_value(k, v) for k, v in row.items()} for row in reader]
    except OSError as exc:
        _die(f"error: cannot read {path}: {exc.strerror}")


def _csv_value(column: str | None, value: str | None) -> Any:
    """A cell: the sizes as integers when they are written as integers (else left as text, for
    the schema to refuse naming the field)."""
    text = (value or "").strip()
    if column in ("weight", "length", "width", "height"):
        try:
            return int(text) if text else None
        except ValueError:
            return text
    return text


def _line_error(exc: Exception) -> str:
    from pydantic import ValidationError

    from daigou.core.errors import ApiError

    if isinstance(exc, ApiError):
        errors = (exc.data or {}).get("errors") if isinstance(exc.data, dict) else None
        if errors:
            return f"{exc.code} {errors[0]['field']}: {errors[0]['message']}"
        return f"{exc.code} {exc.msg}"
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ())) or "value"
        return f"40001 {field}: {first.get('msg', 'invalid')}"
    raise exc


def _scan_file(db: Any, houses: Path | None, warehouse: str, path: Path, as_json: bool) -> None:
    """Each line in its own transaction; a bad line is reported and the rest go on."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from daigou.warehouse import operations

    lines = _scan_lines(path)
    results: list[dict[str, Any]] = []
    counts = {"matched": 0, "unclaimed": 0, "failed": 0}
    with Progress(
        TextColumn("scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[tally]}"),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("scan", total=len(lines), tally="")
        for number, row in enumerate(lines, start=2):  # line 1 is the header
            try:
                body = _scan_body(row.pop("warehouseCode", "") or warehouse, row)
                parcel = operations.scan(
                    db, body, _now(), actor="cli", request_id=None, warehouses_path=houses
                )
                kind = "matched" if parcel["matched"] else "unclaimed"
                results.append({"line": number, "result": kind, "parcel": parcel})
            except Exception as exc:
                kind = "failed"
                results.append(
                    {
                        "line": number,
                        "result": kind,
                        "trackingNo": row.get("trackingNo"),
                        "error": _line_error(exc),
                    }
                )
            counts[kind] += 1
            tally = " ".join(f"{k} {v}" for k, v in counts.items())
            progress.update(task, advance=1, tally=tally)
    _print({"summary": {"lines": len(lines), **counts}, "results": results}, as_json)
    for r in results:
        if r["result"] == "failed":
            console.print(
                f"line {r['line']} ({r['trackingNo']}): error {r['error']}",
                markup=False,
                highlight=False,
            )
    console.print(
        f"{len(lines)} lines: {counts['matched']} matched, {counts['unclaimed']} unclaimed, "
        f"{counts['failed']} failed",
        markup=False,
        highlight=False,
    )
    if counts["failed"]:
        raise typer.Exit(1)


@warehouse_cmd.command("scan")
def warehouse_scan(
    warehouse: Annotated[str, typer.Argument(help="the warehouse code")],
    tracking_no: Annotated[
        str | None, typer.Argument(help="the parcel's domestic tracking number")
    ] = None,
    weight: ScanSize = None,
    length: ScanSize = None,
    width: ScanSize = None,
    height: ScanSize = None,
    mark: Annotated[str | None, typer.Option(help="the mark code written on the parcel")] = None,
    company: Annotated[str | None, typer.Option(help="the domestic carrier")] = None,
    photo: Annotated[list[str] | None, typer.Option(help="a photo URL (repeatable)")] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="a CSV of parcels, one a line, with a header naming the columns: trackingNo "
            "(required), weight, length, width, height, markCode, logisticCompanyName, "
            "warehouseCode (default: WAREHOUSE)",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Receive (and weigh) a parcel, or a file of them: each is matched to its logistics order
    (declared, a source order's waybill, or the mark) or held unclaimed."""
    from daigou.warehouse import operations

    if (tracking_no is None) == (file is None):
        _die("error: give a TRACKING_NO or --file scans.csv (one of the two)")
    settings = _settings()
    db = _db(settings)
    if file is not None:
        try:
            _scan_file(db, settings.warehouses, warehouse, file, as_json)
        finally:
            db.dispose()
        return
    try:
        body = _scan_body(
            warehouse,
            {
                "trackingNo": tracking_no,
                "weight": weight,
                "length": length,
                "width": width,
                "height": height,
                "markCode": mark,
                "logisticCompanyName": company,
                "photos": photo or None,
            },
        )
        out = operations.scan(
            db, body, _now(), actor="cli", request_id=None, warehouses_path=settings.warehouses
        )
    except Exception as exc:
        _fail(exc)
    _print(out, as_json)


@warehouse_cmd.command("pack")
def warehouse_pack(
    logistics_order_id: Annotated[str, typer.Argument(help="the logistics order (LO...)")],
    parcel: Annotated[list[str], typer.Option(help="a received parcel of the order (repeatable)")],
    weight: Annotated[int, typer.Option(help="the package's actual weight, g")],
    length: Annotated[int, typer.Option(help="mm")],
    width: Annotated[int, typer.Option(help="mm")],
    height: Annotated[int, typer.Option(help="mm")],
    final_freight: Annotated[
        int | None,
        typer.Option(help="fen; default: the channel's tariff for the package (freight tables)"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Pack the order's parcels and settle its freight: the hold is captured up to the final
    freight and the rest released; more than the hold is taken from the balance, or the order
    awaits payment until a top-up covers it."""
    from daigou.warehouse import freight, operations
    from daigou.warehouse.admin_schemas import Pack

    settings = _settings()
    try:
        body = Pack.model_validate(
            {
                "logisticsOrderId": logistics_order_id,
                "parcelIds": parcel,
                "package": {"weight": weight, "length": length, "width": width, "height": height},
                "finalFreight": final_freight,
            }
        )
        out = operations.pack(
            _db(settings),
            freight.load(settings.freight_tables),
            body,
            _now(),
            actor="cli",
            request_id=None,
        )
    except Exception as exc:
        _fail(exc)
    _print(out, as_json)
    if out["status"] == "awaiting_payment":
        owed = out["finalFreight"] - out["chargedFreight"]
        console.print(
            f"note: the balance does not cover the freight: {owed}"
            " fen await a top-up (`daigou admin wallet topup`), which packs the order",
            markup=False,
            highlight=False,
        )


@warehouse_cmd.command("ship")
def warehouse_ship(
    logistics_order_id: Annotated[str, typer.Argument(help="the packed logistics order")],
    carrier: Annotated[str, typer.Option(help="the international carrier, e.g. DHL")],
    tracking_no: Annotated[str, typer.Option(help="the international tracking number")],
    as_json: JsonOpt = False,
) -> None:
    """Hand a packed order to the international carrier."""
    from daigou.warehouse.admin_schemas import Ship

    fields = {
        "logisticsOrderId": logistics_order_id,
        "carrierName": carrier,
        "internationalTrackingNo": tracking_no,
    }
    _print(_warehouse_step("ship", Ship, fields), as_json)


@warehouse_cmd.command("track")
def warehouse_track(
    logistics_order_id: Annotated[str, typer.Argument(help="the shipped logistics order")],
    status: Annotated[
        str, typer.Argument(help="in_transit, delivered, exception or exception_cleared")
    ],
    remark: Annotated[str | None, typer.Option(help="what the carrier says")] = None,
    time: Annotated[int | None, typer.Option(help="when, epoch ms (default: now)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an international tracking step (delivered ends the order)."""
    from daigou.warehouse.admin_schemas import Track

    fields = {"logisticsOrderId": logistics_order_id, "status": status, "remark": remark}
    _print(_warehouse_step("track", Track, {**fields, "time": time}), as_json)


def _warehouse_step(name: str, model: Any, fields: dict[str, Any]) -> Any:
    """One operator step of ``daigou.warehouse.operations`` (``ship``, ``track``) on ``fields``
    checked by its request ``model``; a refusal is one line and exit status 2."""
    from daigou.warehouse import operations

    settings = _settings()
    try:
        body = model.model_validate(fields)
        db = _db(settings)
        try:
            return getattr(operations, name)(db, body, _now(), actor="cli", request_id=None)
        finally:
            db.dispose()
    except Exception as exc:
        _fail(exc)


# --- the 1688 Open Platform app ------------------------------------------------------------
def _alibaba_settings() -> Settings:
    from daigou.config import alibaba_missing

    settings = _settings()
    missing = alibaba_missing(settings)
    if missing:
        _die("the 1688 Open Platform app needs " + ", ".join(missing) + " (not set)")
    return settings


@alibaba_cmd.command("authorize")
def alibaba_authorize(
    redirect_uri: Annotated[
        str | None,
        typer.Option(
            help="the app's registered redirect URI (default DAIGOU_ALIBABA_REDIRECT_URI)"
        ),
    ] = None,
    state: Annotated[str, typer.Option(help="a value 1688 sends back with the code")] = "",
) -> None:
    """Print the page where the buyer account authorises the app; 1688 then sends a `code` to
    the redirect URI, for `daigou admin alibaba token CODE`."""
    from daigou.marketplace.alibaba1688.signing import authorize_url

    settings = _alibaba_settings()
    uri = redirect_uri or settings.alibaba_redirect_uri
    if not uri:
        _die("give --redirect-uri or set DAIGOU_ALIBABA_REDIRECT_URI")
    assert settings.alibaba_app_secret is not None
    secret = settings.alibaba_app_secret.get_secret_value()
    typer.echo(authorize_url(settings.alibaba_app_key or "", uri, secret, state=state))


@alibaba_cmd.command("token")
def alibaba_token(
    code: Annotated[str, typer.Argument(help="the code 1688 sent to the redirect URI")],
    redirect_uri: Annotated[
        str | None, typer.Option(help="the redirect URI the code was sent to")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Trade the buyer account's authorisation code for its tokens and keep them (sealed with
    the gateway's key; the gateway refreshes them before they expire)."""
    from daigou.bootstrap import alibaba_client
    from daigou.core.clock import SystemClock
    from daigou.marketplace.alibaba1688.tokens import TokenStore

    settings = _alibaba_settings()
    uri = redirect_uri or settings.alibaba_redirect_uri
    if not uri:
        _die("give --redirect-uri or set DAIGOU_ALIBABA_REDIRECT_URI")
    db = _db(settings)
    try:
        store = alibaba_client(settings, db, SystemClock()).tokens
        assert isinstance(store, TokenStore)
        grant = store.exchange_code(code, uri)
    except Exception as exc:
        _fail(exc)
    finally:
        db.dispose()
    _print(
        {
            "memberId": grant.member_id or settings.alibaba_member_id,
            "accessTokenExpireTime": grant.access_expires_at,
            "refreshTokenExpireTime": grant.refresh_expires_at,
        },
        as_json,
    )


@alibaba_cmd.command("check")
def alibaba_check(as_json: JsonOpt = False) -> None:
    """Call 1688 with the app's signature (its clock) and read the buyer's token: what a start
    needs, checked."""
    from daigou.bootstrap import alibaba_client
    from daigou.core.clock import SystemClock

    settings = _alibaba_settings()
    db = _db(settings)
    try:
        client = alibaba_client(settings, db, SystemClock())
        remote = client.current_time()
        assert client.tokens is not None
        client.tokens.access_token()
    except Exception as exc:
        _fail(exc)
    finally:
        db.dispose()
    _print({"ok": True, "remoteTime": remote, "memberId": settings.alibaba_member_id}, as_json)


app.command()(call)


def main() -> None:
    try:
        app()
    except Exception as exc:  # a bug, not a mistake: still one line, the type names it
        console.print(f"error (unexpected): {type(exc).__name__}: {exc}", markup=False)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
