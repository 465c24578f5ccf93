"""The operator's commands for this wave's domains: display exchange rates (`daigou admin
rate`), the consolidation warehouse (`daigou admin warehouse`) and the 1688 Open Platform app
(`daigou admin alibaba`). `cli.py` mounts them under `daigou admin`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from daigou.cli_common import JsonOpt, console
from daigou.cli_common import die as _die
from daigou.cli_common import fail as _fail
from daigou.cli_common import load_settings as _settings
from daigou.cli_common import now_ms as _now
from daigou.cli_common import open_db as _db
from daigou.cli_common import print_out as _print
from daigou.config import Settings

rate_cmd = typer.Typer(
    help="Display exchange rates (10.7): set a pair's rate, list the current rates or the "
    "history. The wallet stays in CNY.",
    no_args_is_help=True,
)

warehouse_cmd = typer.Typer(
    help="The consolidation warehouse: receive (scan) domestic parcels, pack an order and "
    "settle its freight, ship it abroad, record its tracking steps (the admin API's 12.9-12.12).",
    no_args_is_help=True,
)

alibaba_cmd = typer.Typer(
    help="The 1688 Open Platform app (DAIGOU_MARKETPLACE_1688=alibaba): authorise the buyer "
    "account once, then check the connection.",
    no_args_is_help=True,
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
                    sandbox=settings.sandbox_only,
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
