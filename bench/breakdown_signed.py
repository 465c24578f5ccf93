"""Where the time of one signed `GET /open/account/balance` goes, in process, one request at a time.

    .venv/bin/python bench/breakdown_signed.py [--db sqlite|postgresql] [--n 1500]

No server, no load generator, no concurrency: the app of `create_app` is called straight
through ASGI (the whole FastAPI stack, without uvicorn's HTTP parsing), and the pieces of the
signed path are called on their own, each N times, alternating blocks so that machine noise hits
them alike. Prints the median microseconds of each and the SQL statements one request runs.
It explains the numbers of bench_signed_vs_bare.py; it does not replace them (that one measures
the real server under concurrent load). Uses the working tree's src/ (the venv's install).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import bindparam, event, select, text
from sqlalchemy.dialects import postgresql, sqlite

from daigou.app import create_app
from daigou.config import Settings
from daigou.db.migrate import upgrade
from daigou.db.upsert import increment, insert_ignore
from daigou.developers import secrets as sealed
from daigou.developers import service as developers
from daigou.developers.models import ApiKey, Developer
from daigou.developers.schemas import DeveloperCreate
from daigou.http import signing
from daigou.http.logging import configure_logging
from daigou.http.models import Nonce, RateCounter
from daigou.wallet import service as wallet
from daigou.wallet.models import WalletAccount

ROOT = Path(__file__).resolve().parent.parent
BALANCE = "/open/account/balance"


class Asgi:
    """Calls the app with a minimal HTTP scope and collects the response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()]
            + [(b"host", b"127.0.0.1")],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        sent = False
        out: dict[str, Any] = {"body": b""}

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                out["status"] = message["status"]
            elif message["type"] == "http.response.body":
                out["body"] += message.get("body", b"")

        await self.app(scope, receive, send)
        return out["status"], out["body"]


def signed_headers(access_key: str, secret: str, method: str = "MD5") -> dict[str, str]:
    ts = str(int(time.time() * 1000))
    nonce = secrets.token_hex(16)
    if method == "MD5":
        sig = signing.md5_signature(access_key, nonce, ts, secret)
    else:
        sig = signing.hmac_signature("GET", BALANCE, [], access_key, ts, nonce, b"", secret)
    return {
        "access-key": access_key,
        "timestamp": ts,
        "nonce-str": nonce,
        "signature": sig,
        "sign-method": method,
    }


def measure(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    """(median wall us, mean CPU us of the whole process, every thread) per call."""
    times = []
    cpu0 = time.process_time()
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    cpu = (time.process_time() - cpu0) / n
    return statistics.median(times) * 1e6, cpu * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--n", type=int, default=1500, help="calls per measurement and block")
    parser.add_argument("--blocks", type=int, default=3, help="alternating blocks (3)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="daigou-breakdown-"))
    pg = None
    try:
        if args.db == "postgresql":
            sys.path.insert(0, str(ROOT))
            from tests.support.postgres import start_postgres

            pg = start_postgres()
            url = pg.url()
        else:
            url = f"sqlite:///{work / 'daigou.sqlite3'}"
        settings = Settings(
            mode="production",
            data_dir=work,
            database_url=url,
            log_level="WARNING",
            admin_token="adm_" + secrets.token_hex(24),
            secret_key=Fernet.generate_key().decode(),
            run_worker=False,
        )
        configure_logging("WARNING", True)
        upgrade(url)
        app = create_app(settings, worker=False)
        db = app.state.db
        now = int(time.time() * 1000)
        created = developers.create_developer(
            db,
            settings,
            DeveloperCreate(name="bench", rateLimitPerMinute=1_000_000),
            now,
            actor="bench",
            request_id=None,
        )
        ak, secret = created.accessKey, created.secret
        with db.transaction() as s:
            dev_pk = s.execute(
                select(Developer.id).where(Developer.develop_id == created.developId)
            ).scalar_one()
            secret_enc = s.execute(
                select(ApiKey.secret_enc).where(ApiKey.access_key == ak)
            ).scalar_one()

        client = Asgi(app)
        loop = asyncio.new_event_loop()

        def call(path: str, headers: dict[str, str]) -> None:
            status, body = loop.run_until_complete(client.get(path, headers))
            if status != 200:
                raise RuntimeError(f"{path}: {status} {body[:300]!r}")

        # --- SQL statements of one request --------------------------------------------------
        statements: list[str] = []
        captured: list[tuple[str, Any]] = []  # (SQL, parameters) or ("COMMIT", None)

        def on_execute(_c: Any, _cur: Any, statement: str, parameters: Any, *_a: Any) -> None:
            statements.append(" ".join(statement.split())[:90])
            captured.append((statement, parameters))

        def on_commit(_c: Any) -> None:
            statements.append("(commit)")
            captured.append(("COMMIT", None))

        event.listen(db.engine, "before_cursor_execute", on_execute)
        event.listen(db.engine, "commit", on_commit)
        for _ in range(3):  # warm: the key's last_used_at is then fresh, as under load
            call(BALANCE, signed_headers(ak, secret))
        per_request: dict[str, list[str]] = {}
        replay: list[tuple[str, Any]] = []
        for label, path, hdrs in (
            ("bare /healthz", "/healthz", {}),
            ("signed balance", BALANCE, signed_headers(ak, secret)),
        ):
            statements.clear()
            captured.clear()
            call(path, hdrs)
            per_request[label] = list(statements)
            if path == BALANCE:
                replay = list(captured)
                used_nonce = hdrs["nonce-str"]
        event.remove(db.engine, "before_cursor_execute", on_execute)
        event.remove(db.engine, "commit", on_commit)

        # --- timings -------------------------------------------------------------------------
        from daigou.developers.auth import SignedRequest, authenticate

        def auth_only() -> None:
            h = signed_headers(ak, secret)
            req = SignedRequest(
                access_key=ak,
                timestamp=h["timestamp"],
                nonce=h["nonce-str"],
                signature=h["signature"],
                sign_method="MD5",
                user_id=None,
                method="GET",
                path=BALANCE,
                raw_query="",
                body=b"",
            )
            authenticate(db, settings, req, int(time.time() * 1000))

        def select_1() -> None:
            with db.transaction() as s:
                s.execute(text("SELECT 1"))

        def select_key() -> None:
            with db.transaction() as s:
                s.execute(
                    select(ApiKey, Developer)
                    .join(Developer, Developer.id == ApiKey.developer_id)
                    .where(ApiKey.access_key == ak)
                ).first()

        def nonce_only() -> None:
            with db.transaction() as s:
                nonce = {
                    "access_key": ak,
                    "nonce": secrets.token_hex(16),
                    "expires_at": now + 10**9,
                }
                insert_ignore(s, Nonce.__table__, nonce, ["access_key", "nonce"])

        def counter_only() -> None:
            with db.transaction() as s:
                window = {"developer_id": dev_pk, "window": int(time.time() * 1000) // 60_000}
                increment(s, RateCounter.__table__, window, "count")

        raw = db.engine.raw_connection()

        def raw_driver() -> None:
            """The same statements, straight on the DB-API connection (no SQLAlchemy)."""
            nonce = secrets.token_hex(16)
            cur = raw.cursor()
            for sql, params in replay:
                if sql == "COMMIT":
                    raw.commit()
                    continue
                if isinstance(params, dict):
                    params = {k: nonce if v == used_nonce else v for k, v in params.items()}
                elif params:
                    params = tuple(nonce if v == used_nonce else v for v in params)
                cur.execute(sql, params or ())
                if cur.description is not None:
                    cur.fetchall()
            cur.close()

        # The same work as SQLAlchemy Core: statements built once, one transaction, no Session.
        ins = postgresql.insert if db.is_postgres else sqlite.insert
        keys, devs = ApiKey.__table__, Developer.__table__
        q_key = (
            select(
                keys.c.id,
                keys.c.status,
                keys.c.hmac_only,
                keys.c.secret_enc,
                keys.c.last_used_at,
                devs.c.id,
                devs.c.status,
                devs.c.develop_id,
                devs.c.rate_limit_per_minute,
            )
            .join(devs, devs.c.id == keys.c.developer_id)
            .where(keys.c.access_key == bindparam("ak"))
        )
        q_nonce = (
            ins(Nonce.__table__)
            .values(
                access_key=bindparam("ak"), nonce=bindparam("nonce"), expires_at=bindparam("exp")
            )
            .on_conflict_do_nothing(index_elements=["access_key", "nonce"])
        )
        counters = RateCounter.__table__
        q_count = (
            ins(counters)
            .values(developer_id=bindparam("dev"), window=bindparam("w"), count=1)
            .on_conflict_do_update(
                index_elements=["developer_id", "window"], set_={"count": counters.c.count + 1}
            )
            .returning(counters.c.count)
        )
        accounts = WalletAccount.__table__
        q_balance = select(accounts.c.available, accounts.c.held).where(
            accounts.c.developer_id == bindparam("dev"), accounts.c.currency == bindparam("cur")
        )

        def core_one_tx() -> None:
            now_ms = int(time.time() * 1000)
            with db.engine.begin() as conn:
                conn.execute(q_key, {"ak": ak}).first()
                conn.execute(
                    q_nonce, {"ak": ak, "nonce": secrets.token_hex(16), "exp": now_ms + 10**6}
                )
                conn.execute(q_count, {"dev": dev_pk, "w": now_ms // 60_000}).scalar_one()
                conn.execute(q_balance, {"dev": dev_pk, "cur": "CNY"}).first()

        async def hop() -> None:
            from starlette.concurrency import run_in_threadpool

            await run_in_threadpool(lambda: None)

        measures: dict[str, Callable[[], Any]] = {
            "ASGI GET /healthz (bare)": lambda: call("/healthz", {}),
            "ASGI GET balance, MD5 (signed)": lambda: call(BALANCE, signed_headers(ak, secret)),
            "ASGI GET balance, HMAC (signed)": lambda: call(
                BALANCE, signed_headers(ak, secret, "HMAC-SHA256")
            ),
            "authenticate() alone (1 tx)": auth_only,
            "wallet.get_balance() alone (1 tx)": lambda: wallet.get_balance(db, dev_pk),
            "tx + SELECT 1 (BEGIN, SELECT, COMMIT)": select_1,
            "tx + SELECT ApiKey JOIN Developer": select_key,
            "tx + INSERT nonce": nonce_only,
            "tx + rate counter upsert": counter_only,
            "raw DB-API: the same SQL, 2 tx (floor)": raw_driver,
            "SQLAlchemy Core: same SQL, prebuilt, 1 tx": core_one_tx,
            "Fernet unseal (uncached)": lambda: sealed.unseal.__wrapped__(
                settings.resolved_secret_key, secret_enc
            ),
            "one threadpool hop": lambda: loop.run_until_complete(hop()),
            "build signed headers (client side)": lambda: signed_headers(ak, secret),
        }
        for fn in measures.values():  # warm-up
            for _ in range(50):
                fn()
        wall: dict[str, list[float]] = {k: [] for k in measures}
        cpu: dict[str, list[float]] = {k: [] for k in measures}
        for _ in range(args.blocks):
            for name, fn in measures.items():
                w, c = measure(fn, args.n)
                wall[name].append(w)
                cpu[name].append(c)

        print(f"database: {args.db}; {args.blocks} blocks x {args.n} calls; one at a time")
        print("wall: median per call; cpu: process CPU (all threads) per call; median of blocks")
        print(f"\n{'':<40} {'wall us':>9} {'cpu us':>9}")
        for name in measures:
            w, c = statistics.median(wall[name]), statistics.median(cpu[name])
            print(f"{name:<40} {w:>9.1f} {c:>9.1f}")
        for label, table in (("wall", wall), ("cpu", cpu)):
            bare = statistics.median(table["ASGI GET /healthz (bare)"])
            md5 = statistics.median(table["ASGI GET balance, MD5 (signed)"])
            print(f"signed MD5 / bare ({label}): {md5 / bare:.2f}x (extra {md5 - bare:.0f} us)")

        for label, stmts in per_request.items():
            print(f"\nSQL of one {label}: {len(stmts)} statements (commits included)")
            for stmt in stmts:
                print(f"  {stmt}")
        raw.close()
        return 0
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
