"""Keyword search over the default sandbox catalogue against a signed order-less GET, one run.

    .venv/bin/python bench/bench_search.py [--requests N] [--db sqlite|postgresql] [--ref HEAD]

Starts `daigou serve --no-worker` (as bench_signed_vs_bare.py does: a temporary data dir, and
with `--db postgresql` a throwaway PostgreSQL cluster) with the DEFAULT sandbox catalogue
(500 shops, 100,000 1688 offers, 100,000 Taobao items; the time to build it on first start is
printed), creates a developer, then sends, over one keep-alive connection, one request of each
kind in turn, N times: the signed `GET /open/account/balance` and signed keyword searches
(1688 `POST /alibaba/product/keywords/query`, Taobao `POST /open/product/item/search`) for
keywords in each language. Interleaving request by request puts every kind under the same
machine noise. It prints the median and p99 latency of each kind and its ratio to the GET.

The goal (issue 3): search within 3x that GET. Not run by the test suite; 127.0.0.1 only;
bounded by --requests.
"""

from __future__ import annotations

import argparse
import http.client
import json
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from bench_signed_vs_bare import (  # noqa: E402
    bench_developer,
    git_state,
    start_server,
)

from daigou_sdk.signing import md5_signature  # noqa: E402

GOAL = 3.0
BALANCE = "/open/account/balance"
SEARCHES: list[tuple[str, str, dict[str, Any]]] = [
    ("1688 'shirt' en", "/alibaba/product/keywords/query", {"keyword": "shirt", "country": "en"}),
    ("1688 'bag' en p5", "/alibaba/product/keywords/query", {"keyword": "bag", "beginPage": 5}),
    ("1688 'T恤' zh", "/alibaba/product/keywords/query", {"keyword": "T恤", "country": "zh"}),
    ("1688 'áo' vi", "/alibaba/product/keywords/query", {"keyword": "áo", "country": "vi"}),
    (
        "1688 'shirt' price_asc",
        "/alibaba/product/keywords/query",
        {"keyword": "shirt", "sort": {"price": "asc"}},
    ),
    (
        "taobao 'camiseta' es",
        "/open/product/item/search",
        {"keyword": "camiseta", "language": "es"},
    ),
    (
        "taobao 'bag' sale_desc",
        "/open/product/item/search",
        {"keyword": "bag", "sort": "sale_desc"},
    ),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


class Caller:
    def __init__(self, base: str, access_key: str, secret: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)
        self.access_key = access_key
        self.secret = secret
        self.prefix = secrets.token_hex(6)
        self.n = 0

    def headers(self) -> dict[str, str]:
        self.n += 1
        ts = str(int(time.time() * 1000))
        nonce = f"{self.prefix}{self.n:010d}"
        return {
            "access-key": self.access_key,
            "timestamp": ts,
            "nonce-str": nonce,
            "signature": md5_signature(self.access_key, nonce, ts, self.secret),
        }

    def call(self, method: str, path: str, body: Any = None) -> tuple[float, Any]:
        headers = self.headers()
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["content-type"] = "application/json"
        start = time.perf_counter()
        self.conn.request(method, path, body=data, headers=headers)
        resp = self.conn.getresponse()
        raw = resp.read()
        elapsed = (time.perf_counter() - start) * 1000
        envelope = json.loads(raw)
        if resp.status != 200 or envelope.get("code") != 200:
            raise RuntimeError(f"{method} {path} failed: {resp.status} {raw[:300]!r}")
        return elapsed, envelope["data"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per kind (400)")
    parser.add_argument("--warmup", type=int, default=30, help="warm-up requests per kind (30)")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--ref", help="serve the committed src/ of this git ref")
    parser.add_argument("--offers", type=int, default=100_000, help="offers per platform")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="daigou-bench-search-"))
    server = None
    try:
        started = time.monotonic()
        server = start_server(
            work,
            args.db,
            args.ref,
            env_extra={
                "DAIGOU_SANDBOX_SHOPS": "500",
                "DAIGOU_SANDBOX_OFFERS_1688": str(args.offers),
                "DAIGOU_SANDBOX_OFFERS_TAOBAO": str(args.offers),
            },
            ready_seconds=900,
        )
        ready = time.monotonic() - started
        access_key, secret = bench_developer(server)
        caller = Caller(server.base, access_key, secret)
        kinds = [("signed GET balance", "GET", BALANCE, None)] + [
            (label, "POST", path, body) for label, path, body in SEARCHES
        ]
        print(
            f"server {server.base} ({args.db}, src: {git_state(args.ref)}), first start with "
            f"{args.offers:,} + {args.offers:,} offers ready in {ready:.1f} s; "
            f"{args.requests} requests per kind, interleaved, one connection",
            flush=True,
        )
        totals: dict[str, int] = {}
        for _ in range(args.warmup):
            for label, method, path, body in kinds:
                _, data = caller.call(method, path, body)
                if isinstance(data, dict) and "totalRecords" in data:
                    totals[label] = data["totalRecords"]
        times: dict[str, list[float]] = {label: [] for label, *_ in kinds}
        for _ in range(args.requests):
            for label, method, path, body in kinds:
                elapsed, _ = caller.call(method, path, body)
                times[label].append(elapsed)
        base = times[kinds[0][0]]
        b50, b99 = statistics.median(base), percentile(base, 99)
        print(f"\n{'kind':<28} {'hits':>8} {'p50 ms':>8} {'p99 ms':>8} {'p50 x':>7} {'p99 x':>7}")
        worst = 0.0
        for label, *_ in kinds:
            t = times[label]
            p50, p99 = statistics.median(t), percentile(t, 99)
            hits = str(totals.get(label, "")) if label in totals else "-"
            print(f"{label:<28} {hits:>8} {p50:8.2f} {p99:8.2f} {p50 / b50:7.2f} {p99 / b99:7.2f}")
            if label != kinds[0][0]:
                worst = max(worst, p50 / b50)
        verdict = "met" if worst <= GOAL else "NOT met"
        print(f"\nworst search median / GET median: {worst:.2f}x (goal <= {GOAL:g}x: {verdict})")
        return 0
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
