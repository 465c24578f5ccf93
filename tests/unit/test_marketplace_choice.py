"""The marketplace behind each platform (config.py, bootstrap.py): DAIGOU_MARKETPLACE_1688 and
DAIGOU_MARKETPLACE_TAOBAO, the old DAIGOU_MARKETPLACE, the PandaPon settings checked at start
with every missing one named (Taobao through PandaPon too), and the 1688 Open Platform adapter
refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from daigou.bootstrap import MarketplaceConfigError, _configured_adapters
from daigou.config import Settings
from daigou.core.clock import ManualClock
from daigou.marketplace.pandapon.adapter import PandaPonMarketplace
from daigou.marketplace.port import Platform
from tests.support.serve import daigou_env, run_cli

PANDAPON = {
    "pandapon_base_url": "http://127.0.0.1:9",
    "pandapon_access_key": "a" * 32,
    "pandapon_secret": "s",
    "pandapon_user_id": "100000000001",
}


def settings(**kw: object) -> Settings:
    return Settings(_env_file=None, **kw)  # type: ignore[call-arg]


def test_sandbox_is_the_default_for_both_platforms():
    s = settings()
    assert (s.marketplace_for_1688, s.marketplace_for_taobao) == ("sandbox", "sandbox")
    assert s.marketplace_problems() == []


def test_the_old_variable_sets_both_unless_they_are_given(monkeypatch):
    monkeypatch.setenv("DAIGOU_MARKETPLACE", "pandapon")
    monkeypatch.setenv("DAIGOU_MARKETPLACE_TAOBAO", "sandbox")
    s = settings(**PANDAPON)
    assert (s.marketplace_for_1688, s.marketplace_for_taobao) == ("pandapon", "sandbox")
    monkeypatch.delenv("DAIGOU_MARKETPLACE_TAOBAO")
    both = settings(**PANDAPON)
    assert both.marketplace_for_taobao == "pandapon"
    assert both.marketplace_problems() == []


def test_the_new_variables_are_read_and_checked(monkeypatch):
    monkeypatch.setenv("DAIGOU_MARKETPLACE_1688", "pandapon")
    s = settings(**PANDAPON)
    assert (s.marketplace_for_1688, s.marketplace_for_taobao) == ("pandapon", "sandbox")
    monkeypatch.setenv("DAIGOU_MARKETPLACE_TAOBAO", "alibaba")  # 1688 only
    with pytest.raises(ValueError, match="marketplace_taobao"):
        settings(**PANDAPON)


def test_every_missing_pandapon_setting_is_named_at_once():
    problems = settings(marketplace_1688="pandapon", pandapon_secret="s").marketplace_problems()
    assert problems == [
        "the PandaPon marketplace needs DAIGOU_PANDAPON_BASE_URL, DAIGOU_PANDAPON_ACCESS_KEY, "
        "DAIGOU_PANDAPON_USER_ID (not set)"
    ]


@pytest.mark.parametrize(
    ("choice", "named"),
    [
        # the 1688 app's settings are named (tests/integration/test_alibaba_wired.py runs it)
        ({"marketplace_1688": "alibaba"}, "DAIGOU_ALIBABA_APP_KEY, DAIGOU_ALIBABA_APP_SECRET"),
        ({"marketplace_taobao": "pandapon"}, "DAIGOU_PANDAPON_BASE_URL"),
    ],
)
def test_what_is_not_set_is_refused_clearly(choice, named):
    given = {} if choice.get("marketplace_taobao") else PANDAPON
    s = settings(**choice, **given)
    with pytest.raises(MarketplaceConfigError, match=named):
        _configured_adapters(s, None, ManualClock(0))  # type: ignore[arg-type]


def test_one_adapter_per_platform_and_the_sandbox_serves_the_rest(tmp_path: Path):
    s = settings(
        marketplace_1688="pandapon",
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/x.sqlite3",
        **PANDAPON,
    )
    from daigou.db.session import Database

    db = Database(s.resolved_database_url)
    try:
        adapters, sandbox, _clock = _configured_adapters(s, db, ManualClock(0))
    finally:
        db.dispose()
    assert isinstance(adapters[Platform.ALIBABA], PandaPonMarketplace)
    assert adapters[Platform.TAOBAO].name == "sandbox" and sandbox is not None


def test_both_platforms_through_pandapon_share_one_adapter(tmp_path: Path):
    s = settings(
        marketplace_1688="pandapon",
        marketplace_taobao="pandapon",
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/x.sqlite3",
        **PANDAPON,
    )
    adapters, sandbox, _clock = _configured_adapters(s, None, ManualClock(0))  # type: ignore[arg-type]
    assert isinstance(adapters[Platform.TAOBAO], PandaPonMarketplace)
    assert adapters[Platform.TAOBAO] is adapters[Platform.ALIBABA]  # one client, one limiter
    assert sandbox is None
    adapters[Platform.TAOBAO].client.close()


def test_serve_exits_2_naming_what_is_missing(tmp_path: Path):
    env = daigou_env(tmp_path / "var", DAIGOU_MARKETPLACE_1688="pandapon")
    done = run_cli(env, "serve", "--no-worker", "--port", "9", timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "DAIGOU_PANDAPON_BASE_URL" in done.stderr and "DAIGOU_PANDAPON_SECRET" in done.stderr


def test_only_a_gateway_wholly_on_the_sandbox_publishes_its_invented_rates(monkeypatch):
    assert settings().sandbox_only
    assert not settings(marketplace_1688="alibaba").sandbox_only
    assert not settings(marketplace_taobao="pandapon", **PANDAPON).sandbox_only
    monkeypatch.setenv("DAIGOU_MARKETPLACE", "alibaba")  # Taobao stays on the sandbox
    assert not settings().sandbox_only
