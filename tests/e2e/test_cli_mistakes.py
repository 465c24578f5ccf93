"""The CLI as a new user meets it: every ordinary mistake is one line on stderr and exit status
2, never a traceback; `daigou call` goes where `daigou serve` runs (var/server.json) or says
where it tried; operator commands print JSON into a pipe; a negative adjustment works as the
guide writes it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from daigou.cli import app
from tests.support.cli import one_line_error
from tests.support.gateway import ADMIN_TOKEN, SECRET_KEY, Api
from tests.support.postgres import free_port

runner = CliRunner()


@pytest.fixture
def cli(tmp_path: Path, db_url: str):
    """Run `daigou ...` in-process on the test's database and data directory."""
    env = {
        "DAIGOU_DATA_DIR": str(tmp_path / "var"),
        "DAIGOU_DATABASE_URL": db_url,
        "DAIGOU_SECRET_KEY": SECRET_KEY,
        "DAIGOU_ADMIN_TOKEN": ADMIN_TOKEN,
        "DAIGOU_LOG_LEVEL": "WARNING",
    }

    def run(*args: str):
        return runner.invoke(app, list(args), env=env)

    return run


@pytest.fixture
def demo(tmp_path: Path, live_server: str):
    """A developer whose key the CLI uses as the dev-mode demo's, on the live server."""
    with httpx.Client(base_url=live_server, timeout=30) as http:
        dev = Api(http).create_developer(topup=5_000)
    var = tmp_path / "var"
    var.mkdir(exist_ok=True)
    (var / "demo-credentials.json").write_text(
        json.dumps({"developId": dev.develop_id, "accessKey": dev.access_key, "secret": dev.secret})
    )
    return dev, live_server, var


def test_call_mistakes_are_one_line_and_status_2(cli, demo):
    dev, base, _ = demo
    r = cli("call", "POST", "/open/subaccount/addOrUpdate", "--body", "{bad", "--url", base)
    one_line_error(r, "--body is not valid JSON")
    r = cli("call", "GET", "/open/account/ledger", "-p", "pageSize", "--url", base)
    one_line_error(r, "-p takes name=value", "pageSize")
    r = cli("call", "GET", "/open/account/balance", "--secret", dev.secret, "--url", base)
    one_line_error(r, "--secret needs --access-key")
    r = cli("call", "GET", "/open/account/balance", "--access-key", dev.access_key)
    one_line_error(r, "--access-key needs --secret")
    r = cli("call", "PUT", "/open/account/balance", "--url", base)
    one_line_error(r, "GET or POST")
    # the gateway's own refusal: its code, reason and requestId on one line
    r = cli("call", "POST", "/alibaba/order/detail", "--body", '{"orderId": "1"}', "--url", base)
    assert "40401" in one_line_error(r, "requestId")


def test_call_says_where_it_tried_when_nothing_answers(cli, demo):
    closed = f"http://127.0.0.1:{free_port()}"
    r = cli("call", "GET", "/open/account/balance", "--url", closed)
    one_line_error(r, f"cannot reach the gateway at {closed}", "--url")
    # without --url nor a running serve: the settings' address, and that no serve was found
    r = cli("call", "GET", "/open/account/balance")
    one_line_error(r, "http://127.0.0.1:8000", "no daigou serve found")


def test_call_follows_the_address_serve_wrote(cli, demo):
    _, base, var = demo
    server = var / "server.json"
    server.write_text(json.dumps({"url": base, "host": "127.0.0.1", "pid": os.getpid()}))
    r = cli("call", "GET", "/open/account/balance", "-v")
    assert r.exit_code == 0, r.output
    assert f"{base}/open/account/balance (address from {server})" in r.output
    assert '"availableAmount": 5000' in r.output
    # a serve that was killed leaves its file: the address is not trusted, and that is said
    dead_pid = 2**22 + 1  # above Linux's largest pid_max: no such process
    server.write_text(json.dumps({"url": base, "host": "127.0.0.1", "pid": dead_pid}))
    r = cli("call", "GET", "/open/account/balance")
    one_line_error(r, "stale", f"serve process {dead_pid} is gone", "http://127.0.0.1:8000")


def test_operator_mistakes_are_one_line_and_status_2(cli, demo):
    dev, _, _ = demo
    r = cli("admin", "developer", "update", dev.develop_id, "--status", "sleepy")
    assert "status" in one_line_error(r, "40001")
    r = cli("admin", "wallet", "topup", "9999999999", "100", "--reference", "R1")
    one_line_error(r, "error 40401")
    r = cli("admin", "key", "rotate", "0" * 32)
    one_line_error(r, "error 40401")
    r = cli("admin", "wallet", "topup", dev.develop_id, "-5", "--reference", "R2")
    one_line_error(r, "error 40001")


def test_a_negative_adjustment_works_as_the_guide_writes_it(cli, demo):
    dev, _, _ = demo
    # docs/guide.md: `admin wallet adjust ID -1500 --reference R --remark why`
    r = cli(
        "admin", "wallet", "adjust", dev.develop_id, "-1500", "--reference", "R", "--remark", "why"
    )
    assert r.exit_code == 0, r.output
    moved = json.loads(r.stdout)  # not a terminal: JSON without --json
    assert moved["balance"]["availableAmount"] == 3_500
    r = cli(
        "admin",
        "wallet",
        "adjust",
        dev.develop_id,
        "--reference",
        "R3",
        "--remark",
        "x",
        "--",
        "-500",
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["balance"]["availableAmount"] == 3_000


def test_a_new_database_is_named_not_a_traceback(tmp_path: Path):
    env = {"DAIGOU_DATA_DIR": str(tmp_path / "fresh"), "DAIGOU_LOG_LEVEL": "WARNING"}
    r = runner.invoke(app, ["admin", "developer", "list"], env=env)
    one_line_error(r, "daigou migrate")


def test_openapi_prints_the_document_without_a_server(tmp_path: Path):
    env = {"DAIGOU_DATA_DIR": str(tmp_path / "var"), "DAIGOU_LOG_LEVEL": "WARNING"}
    r = runner.invoke(app, ["openapi"], env=env)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert "/alibaba/order/create" in doc["paths"] and "securitySchemes" in doc["components"]
