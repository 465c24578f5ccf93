"""The README's path for a newcomer: `daigou serve` on a fresh data dir prints credentials, the
first signed call works, and the operator CLI manages developers and money (real processes,
real HTTP on loopback)."""

from __future__ import annotations

import json
import subprocess

import httpx
import pytest

from daigou_sdk import AuthenticationError, Client
from tests.support.serve import run_cli


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(env, *args)


def test_a_newcomer_gets_credentials_and_a_first_signed_call(served):
    base, env, data_dir, _ = served
    creds = json.loads((data_dir / "demo-credentials.json").read_text())
    with Client(base, creds["accessKey"], creds["secret"]) as client:
        balance = client.balance()
    assert balance == {
        "currency": "CNY",
        "availableAmount": 1_000_000,
        "heldAmount": 0,
        "totalAmount": 1_000_000,
    }
    # the CLI's signed call uses the same demo credentials
    out = _cli(env, "call", "GET", "/open/account/balance", "--base-url", base)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["availableAmount"] == 1_000_000
    # and, without --url, goes where serve runs (it wrote its address in var/server.json)
    assert json.loads((data_dir / "server.json").read_text())["url"] == base
    out = _cli(env, "call", "GET", "/open/account/balance")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["availableAmount"] == 1_000_000
    # the admin token printed by dev mode works on the admin API
    token = (data_dir / "admin-token").read_text().strip()
    r = httpx.get(
        base + "/admin/developer/list", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert r.json()["data"]["totalRecords"] == 1


def test_a_newcomer_searches_for_a_shirt_opens_it_and_sees_its_picture(served):
    """The README's step 3, as a newcomer does it: the CLI's signed call, then a browser GET."""
    base, env, _, _ = served
    body = '{"keyword": "shirt", "country": "en", "pageSize": 5}'
    out = _cli(
        env, "call", "POST", "/alibaba/product/keywords/query", "--body", body, "--base-url", base
    )
    assert out.returncode == 0, out.stderr
    page = json.loads(out.stdout)
    assert page["totalRecords"] > 0 and page["data"]
    first = page["data"][0]
    assert "shirt" in first["subjectTrans"].lower()
    detail_body = json.dumps({"offerId": first["offerId"], "country": "en"})
    out = _cli(
        env,
        "call",
        "POST",
        "/alibaba/product/detail/get",
        "--body",
        detail_body,
        "--base-url",
        base,
    )
    assert out.returncode == 0, out.stderr
    offer = json.loads(out.stdout)
    assert offer["offerId"] == first["offerId"]
    assert offer["productSkuInfos"]
    picture = httpx.get(first["imageUrl"], timeout=30)  # the URL points at this server
    assert picture.status_code == 200
    assert picture.headers["content-type"] == "image/jpeg"
    assert picture.content[:3] == b"\xff\xd8\xff"


def test_the_operator_cli_registers_tops_up_and_rotates(served):
    base, env, _, _ = served
    made = _cli(env, "admin", "developer", "create", "--name", "Acme Trading", "--json")
    assert made.returncode == 0, made.stderr
    dev = json.loads(made.stdout)
    top = _cli(
        env,
        "admin",
        "wallet",
        "topup",
        dev["developId"],
        "250000",
        "--reference",
        "BANK-1",
        "--json",
    )
    assert top.returncode == 0, top.stderr
    assert json.loads(top.stdout)["balance"]["availableAmount"] == 250_000
    again = _cli(
        env,
        "admin",
        "wallet",
        "topup",
        dev["developId"],
        "250000",
        "--reference",
        "BANK-1",
        "--json",
    )
    assert json.loads(again.stdout)["balance"]["availableAmount"] == 250_000, (
        "a repeated reference moves nothing"
    )
    clash = _cli(
        env, "admin", "wallet", "topup", dev["developId"], "1", "--reference", "BANK-1", "--json"
    )
    assert clash.returncode == 2 and "40901" in clash.stderr
    with Client(base, dev["accessKey"], dev["secret"], sign_method="MD5") as client:
        assert client.balance()["availableAmount"] == 250_000
        rotated = json.loads(_cli(env, "admin", "key", "rotate", dev["accessKey"], "--json").stdout)
        # the old secret still works during the grace period, the new one works at once
        assert client.balance()["availableAmount"] == 250_000
    with Client(base, dev["accessKey"], rotated["secret"]) as fresh:
        sub = fresh.save_sub_account("vn shop")
        with pytest.raises(AuthenticationError) as err:
            fresh.post("/admin/wallet/adjust", {})  # a developer key is no admin token
        assert err.value.code == 40100 and err.value.http_status == 401
    assert sub["status"] == "enabled"
