"""`daigou voucher list` and `daigou voucher review` (also `daigou admin voucher ...`): the
operator reviews Taobao bank-transfer vouchers from the command line, through the same use
cases as the admin API's 12.7 and 12.8, and every mistake is one line and exit status 2."""

from __future__ import annotations

import json

import pytest

from tests.support.api import assert_ok
from tests.support.cli import cli_runner, one_line_error
from tests.support.orders1688 import balance, fund
from tests.support.taobao import (
    created,
    detail,
    fault,
    ledger,
    pay,
    shop_lines,
    status_moves,
    uploaded,
    voucher_audit,
    voucher_page,
)


@pytest.fixture
def cli(tmp_path, db_url):
    return cli_runner(tmp_path, db_url)


def under_review(api, dev, settings, shops=1):
    lines = [ln for shop in shop_lines(settings, shops=shops, per=1) for ln in shop]
    return uploaded(api, dev, created(api, dev, lines))


def listed(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # not a terminal: JSON without --json


def test_list_then_approve_from_the_cli(cli, api, dev, settings, db):
    fund(api, dev, 0)  # only the transfer can pay the order
    order = under_review(api, dev, settings, shops=2)
    v = order["voucher"]
    other = api.create_developer()

    page = listed(cli("voucher", "list"))
    assert [i["voucherId"] for i in page["data"]] == [v["voucherId"]]
    (item,) = page["data"]
    assert (item["orderId"], item["developId"], item["amount"]) == (
        order["orderId"],
        dev.develop_id,
        order["purchaseAmount"],
    )
    assert item["order"]["status"] == 1 and page["totalRecords"] == 1
    assert listed(cli("voucher", "list", "--status", "approved"))["data"] == []
    mine = listed(cli("voucher", "list", "--develop-id", dev.develop_id, "--json"))
    assert [i["voucherId"] for i in mine["data"]] == [v["voucherId"]]
    assert listed(cli("voucher", "list", "--develop-id", other.develop_id))["data"] == []

    r = cli("voucher", "review", v["voucherId"], "approve", "--received-amount", str(v["amount"]))
    out = listed(r)
    assert (out["voucherId"], out["reviewStatus"]) == (v["voucherId"], "approved")
    assert (out["order"]["status"], out["order"]["payMethod"]) == (10, "voucher")
    assert "note:" not in r.output

    # the same as the admin API would have done: credited, paid, reported step by step
    seen = detail(api, dev, order["orderId"])
    assert (seen["status"], seen["paidAmount"]) == (10, order["purchaseAmount"])
    (credit,) = [e for e in ledger(api, dev) if e["reference"] == f"voucher:{v['voucherId']}"]
    assert (credit["type"], credit["amount"]) == ("topup", order["purchaseAmount"])
    assert balance(api, dev)["availableAmount"] == 0
    assert status_moves(db, order["orderId"]) == [(12, 0), (0, 1), (1, 2), (2, 5), (5, 10)]
    ((actor, action, target, request_id, details),) = voucher_audit(db)
    assert (actor, action, target, request_id) == ("cli", "voucher.approve", v["voucherId"], None)
    assert details["reviewer"] == "cli"
    # `admin voucher` is the same command
    approved = listed(cli("admin", "voucher", "list", "--status", "approved"))
    assert [i["voucherId"] for i in approved["data"]] == [v["voucherId"]]
    assert approved["data"][0]["reviewer"] == "cli"


def test_reject_from_the_cli_then_a_second_decision_is_refused(cli, api, dev, settings):
    order = under_review(api, dev, settings)
    vid = order["voucher"]["voucherId"]
    r = cli("voucher", "review", vid, "reject", "--reason", "the amount is unreadable")
    out = listed(r)
    assert out["reviewStatus"] == "rejected" and out["order"]["status"] == 3
    seen = detail(api, dev, order["orderId"])
    assert seen["voucher"]["rejectReason"] == "the amount is unreadable"
    r = cli("voucher", "review", vid, "approve", "--received-amount", str(order["purchaseAmount"]))
    assert "error 40901" in one_line_error(r, "already rejected")
    r = cli("admin", "voucher", "review", vid, "reject", "--reason", "again", "--reviewer", "bob")
    one_line_error(r, "error 40901")
    assert detail(api, dev, order["orderId"])["voucher"]["rejectReason"] == (
        "the amount is unreadable"
    )
    # the developer pays from the wallet instead
    assert assert_ok(pay(api, dev, order["orderId"]))["status"] == 10


def test_an_approval_the_marketplace_refuses_is_said(cli, api, dev, settings):
    order = under_review(api, dev, settings)
    v = order["voucher"]
    start = balance(api, dev)["availableAmount"]
    fault(api, "taobao.order.pay", upstreamCode="SYSTEM_BUSY", count=1)
    r = cli("voucher", "review", v["voucherId"], "approve", "--received-amount", str(v["amount"]))
    out = listed(r)
    assert out["reviewStatus"] == "approved" and out["order"]["status"] == 0
    assert "marketplace refused the payment" in r.stderr and order["orderId"] in r.stderr
    assert balance(api, dev)["availableAmount"] == start + v["amount"]
    assert assert_ok(pay(api, dev, order["orderId"]))["status"] == 10


def test_voucher_mistakes_are_one_line_and_status_2(cli, api, dev, settings):
    order = under_review(api, dev, settings)
    vid, amount = order["voucher"]["voucherId"], order["purchaseAmount"]
    r = cli("voucher", "review", vid, "maybe")
    one_line_error(r, "DECISION is approve or reject", "maybe")
    one_line_error(cli("voucher", "review", vid, "approve"), "approve needs --received-amount")
    r = cli("voucher", "review", vid, "approve", "--received-amount", str(amount + 1))
    assert "error 40001" in one_line_error(r, "receivedAmount", str(amount))
    r = cli("voucher", "review", vid, "approve", "--received-amount", "1", "--reason", "x")
    one_line_error(r, "--reason goes with reject")
    one_line_error(cli("voucher", "review", vid, "reject"), "reject needs --reason")
    r = cli("voucher", "review", vid, "reject", "--reason", "x", "--received-amount", "1")
    one_line_error(r, "--received-amount goes with approve")
    r = cli("voucher", "review", "tv_" + "0" * 24, "reject", "--reason", "x")
    assert "error 40401" in one_line_error(r, "no such voucher")
    one_line_error(cli("voucher", "list", "--status", "waiting"), "--status is one of", "pending")
    r = cli("voucher", "list", "--develop-id", "9" * 16)
    assert "error 40401" in one_line_error(r)
    assert "error 40001" in one_line_error(cli("voucher", "list", "--page-size", "0"), "pageSize")
    assert "error 40001" in one_line_error(cli("voucher", "list", "--cursor", "nonsense"))
    # none of it decided anything
    assert voucher_page(api)["data"][0]["reviewStatus"] == "pending"
    assert detail(api, dev, order["orderId"])["status"] == 1


def test_the_voucher_commands_explain_themselves(cli):
    r = cli("voucher", "--help")
    assert r.exit_code == 0 and "list" in r.output and "review" in r.output
    r = cli("voucher", "review", "--help")
    assert r.exit_code == 0
    for text in ("--received-amount", "--reason", "approve", "reject", "voucher:<id>"):
        assert text in r.output, text
    r = cli("voucher", "list", "--help")
    assert r.exit_code == 0 and "--develop-id" in r.output and "--status" in r.output
    r = cli("admin", "--help")
    assert r.exit_code == 0 and "voucher" in r.output
