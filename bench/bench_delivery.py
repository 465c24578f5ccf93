"""Deliveries per second with per-object order kept, beside a plain HTTP client loop, one run.

    .venv/bin/python bench/bench_delivery.py [--messages N] [--keys K] [--rounds R]
                                            [--db sqlite|postgresql]

Starts the receiver (bench/fast_receiver.py under uvicorn, its own process) and, in this
process, a migrated temporary database (SQLite, or with `--db postgresql` a throwaway cluster)
with one developer whose callback URL is the receiver. Then, round after round:

- **plain**: an aiohttp client loop POSTs N prepared bodies to the receiver, at the delivery
  concurrency: how fast this machine can send to that receiver at all;
- **delivery**: N messages over K keys are written to the outbox (`messages.record`, as the
  gateway writes them), and the worker's delivery loop (`DeliveryLoop`: claim with a lease,
  sign, POST, log the attempt, settle) runs until every one is delivered.

The receiver checks that each key's `sequence` arrives in order and counts duplicates. The table
gives each round's rates and the ratio delivery/plain. Goal (issue 4): at least 1,000
deliveries/s. Not run by the test suite; 127.0.0.1 only; bounded by rounds x messages.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

from bench_catalogue_load import temporary_database  # noqa: E402
from bench_signed_vs_bare import free_port  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402
from sqlalchemy import text  # noqa: E402

from daigou.config import Settings  # noqa: E402
from daigou.core import ids  # noqa: E402
from daigou.core.clock import SystemClock  # noqa: E402
from daigou.core.sealed import seal  # noqa: E402
from daigou.db.migrate import upgrade  # noqa: E402
from daigou.db.session import Database  # noqa: E402
from daigou.messages import sender  # noqa: E402
from daigou.messages import service as messages  # noqa: E402
from daigou.messages.delivery import Deliverer, DeliveryLoop  # noqa: E402
from daigou.messages.models import CallbackConfig  # noqa: E402

GOAL = 1000.0


def stats(base: str) -> dict[str, int]:
    with urllib.request.urlopen(base + "/stats", timeout=10) as r:  # noqa: S310 (loopback)
        return json.loads(r.read())


def reset(base: str) -> None:
    req = urllib.request.Request(base + "/reset", method="POST", data=b"")
    urllib.request.urlopen(req, timeout=10).read()  # noqa: S310 (loopback)


def start_receiver() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "uvicorn"),
            "fast_receiver:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=HERE,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            stats(base)
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the receiver did not start")


def plain(url: str, n: int, concurrency: int) -> float:
    body = b'{"messageId":"plain","messageBody":{"sequence":1}}'

    async def run() -> float:
        async with sender.session(concurrency) as client:
            limit = asyncio.Semaphore(concurrency)

            async def one() -> None:
                async with limit:
                    outcome = await sender.post(
                        client, url, body, {"content-type": "application/json"}, 5
                    )
                    assert outcome.ok, outcome

            started = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(n)))
            return n / (time.perf_counter() - started)

    return asyncio.run(run())


def write_messages(db: Database, developer: int, n: int, keys: int, round_no: int) -> None:
    now = SystemClock().now_ms()
    with db.transaction() as s:
        for i in range(n):
            key = f"1688:{round_no}-{i % keys}"
            messages.record(
                s,
                developer_id=developer,
                user_id=None,
                platform=1,
                message_type="ORDER_BUYER_VIEW_ORDER_PAY",
                order_key=key,
                body={"key": key, "orderId": str(i)},
                now_ms=now,
            )


def delivered(db: Database) -> int:
    with db.reading() as conn:
        return int(
            conn.execute(
                text("SELECT COUNT(*) FROM outbox_message WHERE delivery_status = 'delivered'")
            ).scalar_one()
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()

    proc, base = start_receiver()
    try:
        with temporary_database(args.db, "daigou-bench-delivery-") as url:
            upgrade(url)
            settings = Settings(
                _env_file=None,
                database_url=url,
                secret_key=Fernet.generate_key().decode(),
                delivery_concurrency=args.concurrency,
            )
            db = Database(url, pool_size=8)
            with db.transaction() as s:
                developer = s.execute(
                    text(
                        "INSERT INTO developer (develop_id, name, status, rate_limit_per_minute, "
                        "cashier_pay_allowed, created_at, modified_at) VALUES "
                        "('9000000000000000001', 'bench', 'enabled', 1000000, false, 0, 0) "
                        "RETURNING id"
                    )
                ).scalar_one()
                s.add(
                    CallbackConfig(
                        developer_id=developer,
                        url=base + "/hook",
                        enabled=True,
                        message_types="[]",
                        secret_enc=seal(settings.resolved_secret_key, ids.webhook_secret()),
                        secret_created_at=0,
                        updated_at=0,
                    )
                )
            print(
                f"receiver {base} (uvicorn, own process); {args.db}; {args.messages:,} messages "
                f"over {args.keys:,} keys per round; concurrency {args.concurrency}; "
                f"{os.cpu_count()} CPUs",
                flush=True,
            )
            rows = []
            for n in range(1, args.rounds + 1):
                reset(base)
                plain_rate = plain(base + "/hook", args.messages, args.concurrency)
                reset(base)
                write_messages(db, developer, args.messages, args.keys, n)
                target = delivered(db) + args.messages
                loop = DeliveryLoop(Deliverer(db, settings, SystemClock()), idle_seconds=0.01)
                started = time.perf_counter()
                loop.start()
                while delivered(db) < target:
                    time.sleep(0.02)
                elapsed = time.perf_counter() - started
                loop.stop()
                got = stats(base)
                rate = args.messages / elapsed
                rows.append((plain_rate, rate))
                print(
                    f"  round {n}: plain {plain_rate:7.0f}/s   delivery {rate:7.0f}/s   "
                    f"ratio {rate / plain_rate:.2f}   received {got['received']}  "
                    f"out of order {got['out_of_order']}  duplicates {got['duplicates']}",
                    flush=True,
                )
                if got["out_of_order"] or got["duplicates"]:
                    print("ORDER OR DUPLICATE PROBLEM", file=sys.stderr)
                    return 1
            med_plain = statistics.median(r[0] for r in rows)
            med_rate = statistics.median(r[1] for r in rows)
            verdict = "met" if med_rate >= GOAL else "NOT met"
            print(
                f"\nmedian: plain {med_plain:.0f}/s, delivery {med_rate:.0f}/s "
                f"(ratio {med_rate / med_plain:.2f}); goal >= {GOAL:.0f}/s: {verdict}"
            )
            db.dispose()
            return 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    raise SystemExit(main())
