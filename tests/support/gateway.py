"""The test gateway: the fixed admin token and key, the small sandbox catalogue, settings, and
the signed / admin client the tests call the API with (TestClient or live HTTP)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from daigou.config import Settings
from daigou.db.session import Database
from tests.support import signing

ADMIN_TOKEN = "test-admin-token-" + "x" * 16
SECRET_KEY = "n1kZ3o7m9Jc3VZ2cS0yq9rN3pN5Xr3b3gqYV0Q3l6xE="  # a fixed Fernet key for tests

TEST_SHOPS = 20
TEST_OFFERS_1688 = 400
TEST_OFFERS_TAOBAO = 200


def load_test_catalogue(url: str) -> None:
    """The templates carry the small test catalogue, so a test's app finds it loaded."""
    from daigou.marketplace.sandbox.store import load_catalogue

    database = Database(url, pool_size=1)
    try:
        load_catalogue(
            database,
            shops=TEST_SHOPS,
            offers_1688=TEST_OFFERS_1688,
            offers_taobao=TEST_OFFERS_TAOBAO,
        )
    finally:
        database.dispose()


def make_settings(tmp_path: Path, db_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "var",
        "database_url": db_url,
        "admin_token": ADMIN_TOKEN,
        "secret_key": SECRET_KEY,
        "run_worker": False,
        "log_json": True,
        "log_level": "WARNING",
        # a small sandbox catalogue: the default 200,000 offers belong to benchmarks
        "sandbox_shops": TEST_SHOPS,
        "sandbox_offers_1688": TEST_OFFERS_1688,
        "sandbox_offers_taobao": TEST_OFFERS_TAOBAO,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Dev:
    develop_id: str
    access_key: str
    secret: str


class Api:
    """Signed and admin calls through any httpx-compatible client (TestClient or live HTTP)."""

    def __init__(self, http: Any) -> None:
        self.http = http

    def admin(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        h = {"Authorization": f"Bearer {ADMIN_TOKEN}", **(headers or {})}
        if method == "GET":
            return self.http.get(path, params=params, headers=h)
        return self.http.post(
            path,
            content=json.dumps(body or {}).encode(),
            headers={"content-type": "application/json", **h},
        )

    def create_developer(self, topup: int = 0, **fields: Any) -> Dev:
        r = self.admin("POST", "/admin/developer/create", {"name": "dev", **fields})
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        dev = Dev(data["developId"], data["accessKey"], data["secret"])
        if topup:
            r = self.admin(
                "POST",
                "/admin/wallet/adjust",
                {
                    "developId": dev.develop_id,
                    "type": "topup",
                    "amount": topup,
                    "reference": "seed-" + secrets.token_hex(4),
                },
            )
            assert r.status_code == 200, r.text
        return dev

    def call(
        self,
        dev: Dev,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        raw: bytes | None = None,
        sign_method: str = "HMAC-SHA256",
        user_id: str | None = None,
        extra: dict[str, str] | None = None,
        **sign_kw: Any,
    ) -> Any:
        pairs = [(k, str(v)) for k, v in (params or {}).items()]
        payload = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        h = signing.headers(
            dev.access_key,
            dev.secret,
            method,
            path,
            pairs,
            payload,
            sign_method=sign_method,
            user_id=user_id,
            **sign_kw,
        )
        if payload:
            h["content-type"] = "application/json"
        h.update(extra or {})
        if method == "GET":
            return self.http.get(path, params=pairs, headers=h)
        return self.http.post(path, content=payload, headers=h)


@contextmanager
def running_gateway(settings: Settings) -> Iterator[tuple[Database, Api]]:
    """The app on `settings` (no worker) behind a TestClient, for a world wider than one test
    (the function-scoped `db` and `api` fixtures do the same for one test)."""
    from daigou.app import create_app

    database = Database(settings.resolved_database_url, pool_size=5)
    try:
        app = create_app(settings, database, worker=False)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield database, Api(client)
    finally:
        database.dispose()
