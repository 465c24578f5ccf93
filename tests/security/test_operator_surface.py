"""The operator's surface: production settings refuse a short admin token, every file holding
data or a secret is created 0600, and ids that reach the wire are never handed out twice."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from daigou.admin.service import ensure_demo
from daigou.config import Settings
from daigou.db.migrate import upgrade
from daigou.db.session import Database
from tests.support.api import assert_ok
from tests.support.gateway import SECRET_KEY
from tests.support.orders1688 import orderable

ADD, DELETE = "/alibaba/cart/add", "/alibaba/cart/delete"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("token", ["short", "x" * 31])
def test_production_refuses_an_admin_token_under_32_characters(tmp_path, token):
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            mode="production",
            admin_token=token,
            secret_key=SECRET_KEY,
            data_dir=tmp_path,
        )
    ok = Settings(
        _env_file=None,  # type: ignore[call-arg]
        mode="production",
        admin_token="x" * 32,
        secret_key=SECRET_KEY,
        data_dir=tmp_path,
    )
    assert ok.resolved_admin_token == "x" * 32


def test_dev_mode_files_are_created_0600_whatever_the_umask(tmp_path, monkeypatch):
    import os

    previous = os.umask(0o022)  # the usual umask: files 0644 unless the code says otherwise
    try:
        data = tmp_path / "var"
        settings = Settings(_env_file=None, data_dir=data)  # type: ignore[call-arg]
        url = settings.resolved_database_url
        upgrade(url)
        db = Database(url, pool_size=1)
        try:
            ensure_demo(db, settings, 1_700_000_000_000)
            with db.transaction() as s:  # a write: the -wal and -shm files exist now
                s.connection().exec_driver_sql("CREATE TABLE t_probe (x INTEGER)")
            files = [
                data / "daigou.sqlite3",
                data / "daigou.sqlite3-wal",
                data / "daigou.sqlite3-shm",
                data / "admin-token",
                data / "secret.key",
                data / "demo-credentials.json",
            ]
            for path in files:
                assert path.exists(), path
                assert _mode(path) == 0o600, (path, oct(_mode(path)))
            assert _mode(data) == 0o700
            assert json.loads((data / "demo-credentials.json").read_text())["secret"]
        finally:
            db.dispose()
    finally:
        os.umask(previous)


def test_an_existing_world_readable_database_is_made_0600(tmp_path):
    path = tmp_path / "old.sqlite3"
    path.write_bytes(b"")
    path.chmod(0o644)
    Database(f"sqlite:///{path}", pool_size=1).dispose()
    assert _mode(path) == 0o600


def test_a_deleted_cart_lines_id_is_never_issued_again(api, settings):
    first, second = api.create_developer(), api.create_developer()
    (a, sku_a, _), (b, sku_b, _), (c, sku_c, _) = orderable(settings)[:3]

    def add(dev, offer, sku):
        body = {"offerId": offer.offer_id, "specId": sku.spec_id, "quantity": 1}
        return assert_ok(api.call(dev, "POST", ADD, body=body))["id"]

    add(first, a, sku_a)
    newest = add(first, b, sku_b)
    assert_ok(api.call(first, "POST", DELETE, body={"ids": [newest]}))
    reissued = add(second, c, sku_c)
    assert reissued > newest, "the deleted line's id went to another account's new line"
