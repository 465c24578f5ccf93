"""Sample the real server with py-spy while wrk drives one endpoint, and sum the samples by phase.

    .venv/bin/pip install py-spy          # a profiling tool only: not a project dependency
    .venv/bin/python bench/profile_server.py [--kind MD5|HMAC-SHA256|bare] [--seconds 10]
                                             [--db sqlite|postgresql] [--all-threads]

Starts the server as bench_signed_vs_bare.py does (same snapshot of src/, same developer),
runs wrk on the endpoint, and records `py-spy --gil` (only the thread holding the GIL: the
server is one Python process, so GIL time is what bounds its throughput) for --seconds. Prints,
per phase, the share of samples and the GIL milliseconds per request, and keeps the raw
collapsed stacks (flamegraph input) in --out.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import bench_signed_vs_bare as bench

# First match wins, tested on the whole stack (outermost frame first).
SQL = r"(sqlalchemy/|sqlite3|psycopg)"
PHASES: list[tuple[str, str]] = [
    ("signature check: authenticate() SQL (SQLAlchemy + driver)", rf"authenticate \(.*{SQL}"),
    ("signature check: authenticate() rest (checks, hash, Fernet)", r"authenticate \("),
    (
        "endpoint: wallet.get_balance() SQL (SQLAlchemy + driver)",
        rf"get_balance \(daigou/wallet/service.*{SQL}",
    ),
    ("endpoint: rest (Balance model, ctx.ok)", r"get_balance \(daigou/wallet/"),
    ("sync dependency bodies (ctx building)", r"signed_ctx \(|public_ctx \(|base_ctx \("),
    (
        "threadpool dispatch (anyio.to_thread)",
        r"to_thread|run_sync_in_worker|WorkerThread|threading.py|current_async_library|"
        r"CapacityLimiter|run_in_threadpool",
    ),
    (
        "FastAPI: dependencies, header/query parameters",
        r"solve_dependencies|request_params_to_args|_request_param_model_to_args|"
        r"_validate_value_with_model_field|get_request_handler",
    ),
    (
        "response: envelope, orjson, send",
        r"EnvelopeResponse|envelope.py|Response.__call__|send_with_id|"
        r"orjson",
    ),
    ("middleware (request id, body buffering, log)", r"middleware.py|structlog"),
    ("uvicorn HTTP (httptools) and asyncio", r"httptools_impl|asyncio/|uvloop"),
]


def summarise(raw: Path, requests: int, rate: int) -> list[tuple[str, int, float]]:
    counts = dict.fromkeys([p for p, _ in PHASES] + ["other"], 0)
    compiled = [(name, re.compile(pat)) for name, pat in PHASES]
    total = 0
    for line in raw.read_text().splitlines():
        if not line.strip():
            continue
        stack, n_text = line.rsplit(" ", 1)
        n = int(n_text)
        total += n
        for name, pat in compiled:
            if pat.search(stack):
                counts[name] += n
                break
        else:
            counts["other"] += n
    rows = [(name, n, n / rate * 1000 / max(1, requests)) for name, n in counts.items()]
    rows.append(("total", total, total / rate * 1000 / max(1, requests)))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", default="MD5", choices=["bare", "MD5", "HMAC-SHA256"])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--ref", help="serve the committed src/ of this git ref")
    parser.add_argument(
        "--all-threads",
        action="store_true",
        help="sample every non-idle thread, not only the GIL holder",
    )
    parser.add_argument(
        "--out", type=Path, help="collapsed stacks (default: $TMPDIR/daigou-profile-KIND-DB.txt)"
    )
    args = parser.parse_args()
    if args.out is None:
        args.out = Path(tempfile.gettempdir()) / f"daigou-profile-{args.kind}-{args.db}.txt"

    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    wrk = shutil.which("wrk")
    if not Path(py_spy).exists() or wrk is None:
        print(
            "needs py-spy (.venv/bin/pip install py-spy) and wrk (apt-get install -y wrk)",
            file=sys.stderr,
        )
        return 2
    work = Path(tempfile.mkdtemp(prefix="daigou-profile-"))
    server = None
    try:
        server = bench.start_server(work, args.db, args.ref)
        access_key, secret = bench.bench_developer(server)
        load = bench.Load(wrk, server, work, 1, args.connections, access_key, secret)
        load.run(args.kind, 2)  # warm-up, and a rate estimate for the header sets
        result: dict[str, bench.Segment] = {}
        runner = threading.Thread(
            target=lambda: result.setdefault("seg", load.run(args.kind, args.seconds + 4))
        )
        runner.start()
        time.sleep(2)
        cmd = [
            py_spy,
            "record",
            "-p",
            str(server.proc.pid),
            "-d",
            str(args.seconds),
            "-r",
            str(args.rate),
            "--nonblocking",
            "--format",
            "raw",
            "-o",
            str(args.out),
        ]
        if not args.all_threads:
            cmd.append("--gil")
        subprocess.run(cmd, check=True, capture_output=True)
        runner.join()
        seg = result["seg"]
        requests = round(seg.rps * args.seconds)  # requests inside the sampled window
        print(
            f"{args.kind} on {args.db}: {seg.rps:.0f} rps, p50 {seg.p50_ms:.2f} ms, "
            f"p99 {seg.p99_ms:.2f} ms, server CPU {seg.cpu_ms_per_req:.3f} ms/req, "
            f"failed {seg.failures}; py-spy {'all threads' if args.all_threads else '--gil'} "
            f"{args.rate} Hz x {args.seconds} s, ~{requests} requests sampled"
        )
        print(f"\n{'phase':<62} {'samples':>8} {'share':>7} {'ms/req':>8}")
        rows = summarise(args.out, requests, args.rate)
        total = rows[-1][1] or 1
        for name, n, ms in rows:
            print(f"{name:<62} {n:>8} {100 * n / total:>6.1f}% {ms:>8.3f}")
        print(f"\ncollapsed stacks: {args.out}")
        return 0
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
