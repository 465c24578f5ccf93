"""The 1688 adapter's settings (DAIGOU_ALIBABA_*): read from the environment, and
`alibaba_missing` names every required variable that is unset."""

from __future__ import annotations

import pytest

from daigou.config import Settings, alibaba_missing


def test_everything_required_is_named_when_unset(monkeypatch: pytest.MonkeyPatch):
    for name in ("APP_KEY", "APP_SECRET", "MEMBER_ID", "BASE_URL"):
        monkeypatch.delenv(f"DAIGOU_ALIBABA_{name}", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert alibaba_missing(settings) == [
        "DAIGOU_ALIBABA_APP_KEY",
        "DAIGOU_ALIBABA_APP_SECRET",
        "DAIGOU_ALIBABA_MEMBER_ID",
    ]
    assert settings.alibaba_base_url == "https://gw.open.1688.com/openapi"


def test_read_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DAIGOU_ALIBABA_APP_KEY", "1000000")
    monkeypatch.setenv("DAIGOU_ALIBABA_APP_SECRET", "test123")
    monkeypatch.setenv("DAIGOU_ALIBABA_MEMBER_ID", "b2b-1")
    monkeypatch.setenv("DAIGOU_ALIBABA_BASE_URL", "http://127.0.0.1:9/openapi")
    monkeypatch.setenv("DAIGOU_ALIBABA_CALLS_PER_SECOND", "2.5")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert alibaba_missing(settings) == []
    assert settings.alibaba_app_secret is not None
    assert settings.alibaba_app_secret.get_secret_value() == "test123"
    assert "test123" not in repr(settings)
    assert settings.alibaba_calls_per_second == 2.5


def test_a_blank_value_counts_as_missing():
    settings = Settings(_env_file=None, alibaba_app_key="  ", alibaba_member_id="m")  # type: ignore[call-arg]
    assert "DAIGOU_ALIBABA_APP_KEY" in alibaba_missing(settings)
    assert "DAIGOU_ALIBABA_MEMBER_ID" not in alibaba_missing(settings)
