"""The 1688 Open Platform adapter wired in (``DAIGOU_MARKETPLACE_1688=alibaba``), against the
1688 protocol stub: the operator authorises the buyer account with the CLI (the authorisation
page, the code traded for tokens, a check), and the gateway the composition root builds then
buys 1688 goods through the stub while Taobao stays on the sandbox. Missing settings are named
at start."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from daigou.bootstrap import MarketplaceConfigError, bootstrap
from daigou.core.clock import ManualClock
from daigou.marketplace import port as P
from daigou.marketplace.sandbox.adapter import SandboxMarketplace
from daigou.marketplace.sandbox.clock import SandboxClock
from tests.support.alibaba_stub import AlibabaStub
from tests.support.cli import cli_runner

START_MS = 1_767_225_600_000
REDIRECT = "http://127.0.0.1:9/callback"


@pytest.fixture
def stub(settings, db):
    sandbox = SandboxMarketplace(db, settings, SandboxClock(db, ManualClock(START_MS)))
    with AlibabaStub(sandbox) as s:
        yield s


def _app_settings(stub: AlibabaStub) -> dict[str, str]:
    return {
        "marketplace_1688": "alibaba",
        "alibaba_app_key": stub.app_key,
        "alibaba_app_secret": stub.app_secret,
        "alibaba_member_id": stub.member_id,
        "alibaba_base_url": f"{stub.url}/openapi",
        "alibaba_redirect_uri": REDIRECT,
    }


def test_the_operator_authorises_then_the_gateway_buys_through_the_app(
    stub, settings, db, db_url, tmp_path
):
    app = _app_settings(stub)
    cli = cli_runner(tmp_path, db_url, {f"DAIGOU_{k.upper()}": v for k, v in app.items()})
    page = cli("admin", "alibaba", "authorize", "--state", "s1")
    assert page.exit_code == 0, page.output
    assert f"client_id={stub.app_key}" in page.stdout and "_aop_signature=" in page.stdout

    traded = cli("admin", "alibaba", "token", stub.issue_auth_code())
    assert traded.exit_code == 0, traded.output
    assert json.loads(traded.stdout)["accessTokenExpireTime"] > 0
    checked = cli("admin", "alibaba", "check")
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["ok"] is True
    # the tokens are kept sealed, never in clear
    with db.reading() as conn:
        raw = " ".join(
            str(v) for row in conn.exec_driver_sql("SELECT * FROM marketplace_token") for v in row
        )
    assert stub.access_token not in raw and stub.refresh_token not in raw

    typed = {**app, "alibaba_app_secret": SecretStr(stub.app_secret)}
    gateway = bootstrap(settings.model_copy(update=typed), db)
    try:
        found = gateway.marketplaces.search(
            P.SearchQuery(P.Platform.ALIBABA, keyword="", page=1, page_size=5)
        )
        assert found.items
        offer = gateway.marketplaces.offer(P.Platform.ALIBABA, found.items[0].offer_id, "en")
        assert offer.offer_id == found.items[0].offer_id
        assert gateway.sandbox is not None  # Taobao stays on the sandbox
    finally:
        gateway.close()
    apis = {c.api for c in stub.calls}
    # a search with nothing asked is 1688's recommendation (offerRecommend), then the detail
    assert any("offerRecommend" in a for a in apis) and any("queryProductDetail" in a for a in apis)


def test_missing_app_settings_are_named_at_start(settings, db):
    with pytest.raises(MarketplaceConfigError) as caught:
        bootstrap(settings.model_copy(update={"marketplace_1688": "alibaba"}), db)
    for variable in (
        "DAIGOU_ALIBABA_APP_KEY",
        "DAIGOU_ALIBABA_APP_SECRET",
        "DAIGOU_ALIBABA_MEMBER_ID",
    ):
        assert variable in str(caught.value)
