"""The `daigou` command: serve, worker, migrate, admin ..., call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from daigou.cli_call import call, remove_server_file, write_server_file
from daigou.cli_common import JsonOpt, console
from daigou.cli_common import die as _die
from daigou.cli_common import fail as _fail
from daigou.cli_common import load_settings as _settings
from daigou.cli_common import now_ms as _now
from daigou.cli_common import open_db as _db
from daigou.cli_common import print_out as _print
from daigou.cli_operations import alibaba_cmd, rate_cmd, warehouse_cmd
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
admin.add_typer(developer_cmd, name="developer")
admin.add_typer(key_cmd, name="key")
admin.add_typer(wallet_cmd, name="wallet")
admin.add_typer(voucher_cmd, name="voucher")
admin.add_typer(rate_cmd, name="rate")
admin.add_typer(warehouse_cmd, name="warehouse")
admin.add_typer(alibaba_cmd, name="alibaba")
app.add_typer(admin, name="admin")
app.add_typer(voucher_cmd, name="voucher")  # `daigou voucher ...`, the same as `admin voucher`


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


app.command()(call)


def main() -> None:
    try:
        app()
    except Exception as exc:  # a bug, not a mistake: still one line, the type names it
        console.print(f"error (unexpected): {type(exc).__name__}: {exc}", markup=False)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
