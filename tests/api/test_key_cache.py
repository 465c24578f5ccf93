"""The per-process key cache (decision 0005): changes made through this process apply at once,
changes made elsewhere within `key_cache_seconds`, and a rotated secret is never refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from daigou.app import create_app
from daigou.db.session import Database
from daigou.developers import secrets as sealed
from daigou.developers.auth import KEYS
from daigou.developers.models import ApiKey
from tests.support.gateway import SECRET_KEY, Api, make_settings
from tests.support.wait import wait_until


@pytest.fixture
def cached(tmp_path, db_url):
    """An app whose key cache keeps keys for 0.5 s."""
    settings = make_settings(tmp_path, db_url, key_cache_seconds=0.5)
    db = Database(settings.resolved_database_url)
    KEYS.clear()
    with TestClient(create_app(settings, db, worker=False), raise_server_exceptions=False) as c:
        yield Api(c), db
    db.dispose()
    KEYS.clear()


def _balance(api, dev):
    return api.call(dev, "GET", "/open/account/balance").json()["code"]


def test_a_key_disabled_through_this_process_is_refused_at_once(cached):
    api, _ = cached
    dev = api.create_developer()
    assert _balance(api, dev) == 200  # now cached
    r = api.admin("POST", "/admin/key/update", {"accessKey": dev.access_key, "status": "disabled"})
    assert r.json()["code"] == 200
    assert _balance(api, dev) == 40101


def test_a_key_disabled_by_another_process_is_refused_within_the_ttl(cached):
    api, db = cached
    dev = api.create_developer()
    assert _balance(api, dev) == 200  # now cached
    with db.transaction() as s:  # as another API process or the CLI would
        s.execute(
            update(ApiKey).where(ApiKey.access_key == dev.access_key).values(status="disabled")
        )
    # refused once the cached entry expires (0.5 s); polled, so a busy machine cannot fail it
    wait_until(lambda: _balance(api, dev) == 40101, timeout=5, interval=0.1)


def test_a_secret_rotated_by_another_process_works_at_once(cached):
    api, db = cached
    dev = api.create_developer()
    assert _balance(api, dev) == 200  # the old secret is cached
    new_secret = "f" * 64
    with db.transaction() as s:  # rotation with no grace, written by another process
        s.execute(
            update(ApiKey)
            .where(ApiKey.access_key == dev.access_key)
            .values(secret_enc=sealed.seal(SECRET_KEY, new_secret), previous_secret_enc=None)
        )
    dev.secret = new_secret
    assert _balance(api, dev) == 200, "a mismatch on a cached key reads the key again"
    dev.secret = "0" * 64
    assert _balance(api, dev) == 40102
