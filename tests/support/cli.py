"""The `daigou` command run in-process (Typer's CliRunner) on a test's database and data
directory, and the shape of its mistakes: one line on stderr, exit status 2, no traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from daigou.cli import app
from tests.support.gateway import (
    ADMIN_TOKEN,
    SECRET_KEY,
    TEST_OFFERS_1688,
    TEST_OFFERS_TAOBAO,
    TEST_SHOPS,
)


def cli_runner(
    tmp_path: Path, db_url: str, extra_env: dict[str, str] | None = None
) -> Callable[..., Result]:
    """`run("admin", "wallet", ...)`: the CLI on the test's database (and its small sandbox
    catalogue, so a command that reaches the sandbox marketplace finds the test's);
    ``extra_env`` adds or replaces DAIGOU_ variables."""
    env = {
        "DAIGOU_DATA_DIR": str(tmp_path / "var"),
        "DAIGOU_DATABASE_URL": db_url,
        "DAIGOU_SECRET_KEY": SECRET_KEY,
        "DAIGOU_ADMIN_TOKEN": ADMIN_TOKEN,
        "DAIGOU_LOG_LEVEL": "WARNING",
        "DAIGOU_SANDBOX_SHOPS": str(TEST_SHOPS),
        "DAIGOU_SANDBOX_OFFERS_1688": str(TEST_OFFERS_1688),
        "DAIGOU_SANDBOX_OFFERS_TAOBAO": str(TEST_OFFERS_TAOBAO),
        **(extra_env or {}),
    }
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), env=env)

    return run


def own_output(result: Any) -> str:
    """What the command itself printed: without the JSON log lines a background thread of an
    earlier test in this process may write meanwhile (the runner captures the whole process's
    stderr)."""
    return "\n".join(
        line
        for line in result.output.splitlines()
        if not (line.startswith('{"') and '"event": ' in line and '"level": ' in line)
    )


def one_line_error(result: Any, *expected: str) -> str:
    """A mistake: exit status 2, no traceback, each of `expected` said; its first line."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    out = own_output(result)
    assert "Traceback" not in out
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    for text in expected:
        assert text in out, (text, out)
    return str(out.strip().splitlines()[0])
