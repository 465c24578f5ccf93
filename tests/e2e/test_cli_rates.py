"""`daigou admin rate set` and `daigou admin rate list`: the operator sets display rates from the
command line through the same use case as POST /admin/exchange/rate/set (audit-logged as the
CLI), lists the current rates (the sandbox's rate of the day for pairs nobody set) and the
history; a bad rate or currency is one line and exit status 2."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.support.api import assert_ok
from tests.support.cli import cli_runner, one_line_error


@pytest.fixture
def cli(tmp_path, db_url):
    return cli_runner(tmp_path, db_url)


def listed(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # not a terminal: JSON without --json


def test_set_then_list_current_and_history(cli, api, dev, db):
    made = listed(cli("admin", "rate", "set", "CNY", "USD", "0.1389", "--remark", "from the bank"))
    assert (made["from"], made["to"], made["rate"], made["setBy"]) == (
        "CNY",
        "USD",
        "0.1389",
        "cli",
    )
    listed(cli("admin", "rate", "set", "usd", "eur", "0.92100000", "--source", "ecb"))

    current = listed(cli("admin", "rate", "list"))
    by_to = {r["to"]: r for r in current["data"]}
    assert (by_to["USD"]["rate"], by_to["USD"]["source"]) == ("0.1389", "operator")
    assert by_to["JPY"]["source"] == "sandbox"
    # the API answers the same current rate the CLI set
    api_usd = assert_ok(api.call(dev, "GET", "/open/exchange/rate", params={"to": "USD"}))
    assert api_usd["data"][0]["rate"] == "0.1389"
    eur = listed(cli("admin", "rate", "list", "--from", "USD", "--to", "EUR"))
    assert [(r["rate"], r["source"]) for r in eur["data"]] == [("0.921", "ecb")]

    history = listed(cli("admin", "rate", "list", "--history"))
    assert [(h["from"], h["to"], h["setBy"]) for h in history["data"]] == [
        ("USD", "EUR", "cli"),
        ("CNY", "USD", "cli"),
    ]
    assert history["data"][1]["remark"] == "from the bank"
    with db.transaction() as s:
        actions = s.execute(
            sa.text("SELECT actor, target FROM audit_log WHERE action = 'exchange_rate.set'")
        ).all()
    assert sorted(tuple(a) for a in actions) == [("cli", "CNY/USD"), ("cli", "USD/EUR")]


def test_mistakes_are_one_line(cli):
    one_line_error(cli("admin", "rate", "set", "CNY", "USD", "0.123456789"), "error 40001", "rate")
    one_line_error(cli("admin", "rate", "set", "CNY", "ABC", "1.5"), "error 40001", "to")
    one_line_error(cli("admin", "rate", "set", "CNY", "CNY", "1"), "error 40001", "to")
    one_line_error(cli("admin", "rate", "list", "--from", "XXX"), "error 40001", "from")
    one_line_error(cli("admin", "rate", "list", "--page-size", "0"), "error 40001", "pageSize")
