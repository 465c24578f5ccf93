"""What the `daigou` commands share: settings and the database, printing (pretty on a
terminal, JSON into a pipe), the clock, and a refusal as one line with exit status 2."""

from __future__ import annotations

import json
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from daigou.config import Settings

console = Console(stderr=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON only")]


def load_settings() -> Settings:
    return Settings()


def open_db(settings: Settings) -> Any:
    from daigou.db.session import Database

    return Database(settings.resolved_database_url, pool_size=settings.db_pool_size)


def print_out(data: Any, as_json: bool) -> None:
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


def now_ms() -> int:
    from daigou.core.clock import wall_ms

    return wall_ms()


def die(message: str, detail: Any = None) -> NoReturn:
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


def fail(exc: Exception) -> NoReturn:
    """An operator command's failure as one line: the CONTRACT code and reason for what the
    service refused, the field and reason for a bad value; never a traceback."""
    from pydantic import ValidationError

    from daigou.core.errors import ApiError

    if isinstance(exc, ApiError):
        die(f"error {exc.code}: {exc.msg}", exc.data)
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ())) or "value"
        die(f"error 40001: {field}: {first.get('msg', 'invalid')}")
    if isinstance(exc, ValueError):
        die(f"error: {exc}")
    from sqlalchemy.exc import OperationalError, ProgrammingError

    if isinstance(exc, OperationalError | ProgrammingError):
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__
        die(f"error: the database said: {reason} (a new database? run `daigou migrate`)")
    raise exc
