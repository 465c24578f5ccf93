"""Signed `GET /open/account/balance` against the bare `GET /healthz`, side by side in one run.

    .venv/bin/python bench/bench_signed_vs_bare.py [--duration S] [--connections N]
                                                  [--db sqlite|postgresql] [--methods md5,hmac]

Starts `daigou serve --no-worker` on a free 127.0.0.1 port in a temporary data dir (and, with
`--db postgresql`, a throwaway PostgreSQL cluster), creates a developer with a very high rate
limit through the admin API, then drives both endpoints with the same `wrk` (same threads,
connections and duration), alternating them round after round: bare, signed MD5, signed HMAC,
bare, ... Every signed request carries its own pre-signed header set (a fresh nonce, a current
timestamp), generated just before its segment. The table gives the median over the rounds of
each number and of each per-round ratio signed/bare. Everything started is stopped at the end.

The goal (the first benchmark's issue): a signed call costs at most 2x the bare one.
Not run by the test suite; only 127.0.0.1 traffic; bounded by --rounds x --duration.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from daigou_sdk.signing import hmac_signature, md5_signature

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LUA = HERE / "wrk_headers.lua"
BALANCE = "/open/account/balance"
HEALTHZ = "/healthz"
CLK_TCK = os.sysconf("SC_CLK_TCK")
GOAL = 2.0


# --- helpers --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_json(
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"content-type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (127.0.0.1 only)
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def sign_lines(access_key: str, secret: str, method: str, count: int) -> list[str]:
    """`count` header sets, each with a unique nonce and the current timestamp."""
    ts = str(int(time.time() * 1000))
    prefix = secrets.token_hex(6)
    lines = []
    for i in range(count):
        nonce = f"{prefix}{i:010d}"
        if method == "MD5":
            sig = md5_signature(access_key, nonce, ts, secret)
        else:
            sig = hmac_signature("GET", BALANCE, [], access_key, ts, nonce, b"", secret)
        lines.append(
            f"access-key={access_key}\ttimestamp={ts}\tnonce-str={nonce}\t"
            f"signature={sig}\tsign-method={method}"
        )
    return lines


# --- the server -----------------------------------------------------------------------------
@dataclass
class Server:
    base: str
    proc: subprocess.Popen[bytes]
    data_dir: Path
    log_path: Path
    admin_token: str
    pg: Any = None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.pg is not None:
            self.pg.stop()


def start_server(
    work: Path,
    db: str,
    ref: str | None,
    env_extra: dict[str, str] | None = None,
    ready_seconds: float = 60,
) -> Server:
    data_dir = work / "data"
    data_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAIGOU_")}
    # production mode: no dev-mode demo developer (we create our own), explicit keys
    admin_token = "adm_" + secrets.token_hex(24)
    env.update(
        DAIGOU_DATA_DIR=str(data_dir),
        DAIGOU_LOG_LEVEL="WARNING",
        DAIGOU_MODE="production",
        DAIGOU_ADMIN_TOKEN=admin_token,
        DAIGOU_SECRET_KEY=Fernet.generate_key().decode(),
        # the smallest sandbox catalogue: this bench needs none (bench_search.py sets its own)
        DAIGOU_SANDBOX_SHOPS="2",
        DAIGOU_SANDBOX_OFFERS_1688="0",
        DAIGOU_SANDBOX_OFFERS_TAOBAO="0",
    )
    env.update(env_extra or {})
    pg = None
    if db == "postgresql":
        sys.path.insert(0, str(ROOT))
        from tests.support.postgres import start_postgres  # a throwaway cluster, as the tests do

        pg = start_postgres()
        env["DAIGOU_DATABASE_URL"] = pg.url()
    # The server runs a copy of src/ taken now, so edits made to the working tree during the
    # run cannot mix into it: the working tree's (default) or the committed tree at `ref`.
    tree = work / "tree"
    tree.mkdir()
    if ref is None:
        shutil.copytree(
            ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
        )
    else:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", ref, "src"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    env["PYTHONPATH"] = str(tree / "src")
    port = free_port()
    log_path = work / "server.log"
    daigou = Path(sys.executable).parent / "daigou"
    cmd = [str(daigou), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-worker"]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", proc, data_dir, log_path, admin_token, pg)
    deadline = time.monotonic() + ready_seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            server.stop()
            raise RuntimeError(f"the server exited:\n{log_path.read_text()[-3000:]}")
        try:
            if http_json("GET", server.base + HEALTHZ, timeout=1)[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(
        f"the server did not answer in {ready_seconds:.0f} s:\n{log_path.read_text()[-3000:]}"
    )


def git_state(ref: str | None) -> str:
    """The commit benchmarked, and the src/ files the working tree changes (if it is used)."""

    def git(*a: str) -> str:
        out = subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True, text=True)
        return out.stdout.strip()

    head = git("rev-parse", "--short", ref or "HEAD")
    if ref is not None:
        return f"{ref} = {head}"
    dirty = git("status", "--porcelain", "--", "src").splitlines()
    return f"working tree on {head}" + (f" + {len(dirty)} changed src files" if dirty else "")


def bench_developer(server: Server) -> tuple[str, str]:
    token = server.admin_token
    status, body = http_json(
        "POST",
        server.base + "/admin/developer/create",
        {"name": "bench", "rateLimitPerMinute": 1_000_000},
        {"Authorization": f"Bearer {token}"},
    )
    if status != 200 or body.get("code") != 200:
        raise RuntimeError(f"could not create the bench developer: {status} {body}")
    access_key, secret = body["data"]["accessKey"], body["data"]["secret"]
    for method in ("MD5", "HMAC-SHA256"):
        line = sign_lines(access_key, secret, method, 1)[0]
        headers = dict(pair.split("=", 1) for pair in line.split("\t"))
        status, body = http_json("GET", server.base + BALANCE, headers=headers)
        if status != 200 or body.get("code") != 200:
            raise RuntimeError(f"a signed {method} call failed: {status} {body}")
    return access_key, secret


# --- load -----------------------------------------------------------------------------------
@dataclass
class Segment:
    kind: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_ms_per_req: float
    failures: int
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Load:
    wrk: str
    server: Server
    work: Path
    threads: int
    connections: int
    access_key: str
    secret: str
    rps_guess: float = 5000.0

    def run(self, kind: str, duration: int) -> Segment:
        headers = self.work / f"headers-{kind}.tsv"
        if kind == "bare":
            path, mode = HEALTHZ, "cycle"
            headers.write_text("\n")
        else:
            path, mode = BALANCE, "once"
            # more header sets than the fastest segment so far could use, with a wide margin
            count = int(self.rps_guess * duration * 2) + 2000
            headers.write_text(
                "\n".join(sign_lines(self.access_key, self.secret, kind, count)) + "\n"
            )
        cmd = [
            self.wrk,
            "-t",
            str(self.threads),
            "-c",
            str(self.connections),
            "-d",
            f"{int(duration)}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            self.server.base + path,
            "--",
            str(headers),
            str(self.threads),
            mode,
        ]
        cpu0 = cpu_seconds(self.server.proc.pid)
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
        cpu1 = cpu_seconds(self.server.proc.pid)
        line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
        if out.returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
        raw = json.loads(line[len("BENCH_JSON ") :])
        failures = (
            raw["non2xx"]
            + raw["connect_errors"]
            + raw["read_errors"]
            + raw["write_errors"]
            + raw["timeouts"]
            + raw["reused_lines"]
        )
        seg = Segment(
            kind,
            raw["requests"],
            raw["duration_us"] / 1e6,
            raw["p50_us"] / 1000,
            raw["p99_us"] / 1000,
            (cpu1 - cpu0) * 1000 / max(1, raw["requests"]),
            failures,
            raw,
        )
        self.rps_guess = max(self.rps_guess, seg.rps)
        return seg


# --- report ---------------------------------------------------------------------------------
LABELS = {
    "bare": f"bare    GET {HEALTHZ}",
    "MD5": f"signed  GET {BALANCE} (MD5)",
    "HMAC-SHA256": f"signed  GET {BALANCE} (HMAC-SHA256)",
}


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(rounds: list[dict[str, Segment]], kinds: list[str]) -> dict[str, Any]:
    print()
    print(
        f"{'endpoint':<46} {'rps':>8} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms/req':>11} {'failed':>7}"
    )
    summary: dict[str, Any] = {"segments": {}, "ratios": {}}
    for kind in kinds:
        segs = [r[kind] for r in rounds]
        row = {
            "rps": median([s.rps for s in segs]),
            "p50_ms": median([s.p50_ms for s in segs]),
            "p99_ms": median([s.p99_ms for s in segs]),
            "cpu_ms_per_req": median([s.cpu_ms_per_req for s in segs]),
            "failed": sum(s.failures for s in segs),
            "requests": sum(s.requests for s in segs),
            "per_round_rps": [round(s.rps, 1) for s in segs],
        }
        summary["segments"][kind] = row
        print(
            f"{LABELS[kind]:<46} {row['rps']:>8.0f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} "
            f"{row['cpu_ms_per_req']:>11.3f} {row['failed']:>7d}"
        )
    print()
    print("signed / bare (median of the per-round ratios; cost = bare rps / signed rps)")
    print(
        f"{'':<22} {'cost (rps)':>10} {'p50':>8} {'p99':>8} {'cpu/req':>8}   goal cost <= {GOAL:g}x"
    )
    for kind in kinds:
        if kind == "bare":
            continue
        ratio = {
            "cost_rps": median([r["bare"].rps / r[kind].rps for r in rounds]),
            "p50": median([r[kind].p50_ms / r["bare"].p50_ms for r in rounds]),
            "p99": median([r[kind].p99_ms / r["bare"].p99_ms for r in rounds]),
            "cpu_per_req": median(
                [r[kind].cpu_ms_per_req / r["bare"].cpu_ms_per_req for r in rounds]
            ),
        }
        ratio["meets_goal"] = ratio["cost_rps"] <= GOAL
        summary["ratios"][kind] = ratio
        verdict = "met" if ratio["meets_goal"] else "NOT met"
        print(
            f"{kind:<22} {ratio['cost_rps']:>9.2f}x {ratio['p50']:>7.2f}x {ratio['p99']:>7.2f}x "
            f"{ratio['cpu_per_req']:>7.2f}x   {verdict}"
        )
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per segment (8)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of bare+signed (3)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per kind (2)")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--methods",
        default="md5,hmac",
        help="signature methods, comma-separated: md5, hmac (md5,hmac)",
    )
    parser.add_argument(
        "--ref",
        help="serve the committed src/ of this git ref (e.g. HEAD) instead of the working tree",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server log)")
    parser.add_argument(
        "--install-wrk", action="store_true", help="apt-get install wrk when it is missing (root)"
    )
    args = parser.parse_args()

    wrk = shutil.which("wrk")
    if wrk is None and args.install_wrk:
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True)
        wrk = shutil.which("wrk")
    if wrk is None:
        print(
            "wrk is not installed: `apt-get install -y wrk` (or rerun with --install-wrk)",
            file=sys.stderr,
        )
        return 2
    methods = {"md5": "MD5", "hmac": "HMAC-SHA256"}
    kinds = ["bare"] + [methods[m.strip().lower()] for m in args.methods.split(",") if m.strip()]

    work = Path(tempfile.mkdtemp(prefix="daigou-bench-"))
    server = None
    try:
        started = time.monotonic()
        server = start_server(work, args.db, args.ref)
        access_key, secret = bench_developer(server)
        load = Load(wrk, server, work, args.threads, args.connections, access_key, secret)
        print(
            f"server {server.base} (pid {server.proc.pid}, {args.db}, --no-worker, "
            f"src: {git_state(args.ref)}), "
            f"ready in {time.monotonic() - started:.1f} s; wrk -t{args.threads} "
            f"-c{args.connections}, {args.rounds} rounds x {len(kinds)} segments x "
            f"{args.duration:g} s",
            flush=True,
        )
        if args.warmup > 0:
            for kind in kinds:
                load.run(kind, args.warmup)
        rounds: list[dict[str, Segment]] = []
        for n in range(1, args.rounds + 1):
            this: dict[str, Segment] = {}
            for kind in kinds:
                seg = load.run(kind, args.duration)
                this[kind] = seg
                print(
                    f"  round {n} {kind:<12} {seg.rps:8.0f} rps  p50 {seg.p50_ms:7.2f} ms  "
                    f"p99 {seg.p99_ms:7.2f} ms  cpu {seg.cpu_ms_per_req:.3f} ms/req  "
                    f"failed {seg.failures}",
                    flush=True,
                )
            rounds.append(this)
        summary = report(rounds, kinds)
        summary["config"] = {
            "db": args.db,
            "duration": args.duration,
            "connections": args.connections,
            "threads": args.threads,
            "rounds": args.rounds,
            "cpus": os.cpu_count(),
            "src": git_state(args.ref),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        }
        summary["rounds"] = [{k: s.raw for k, s in r.items()} for r in rounds]
        if args.json:
            args.json.write_text(json.dumps(summary, indent=2) + "\n")
        failed = sum(row["failed"] for row in summary["segments"].values())
        if failed:
            print(
                f"\n{failed} requests failed (non-2xx, socket errors or re-sent nonces): "
                f"see {server.log_path}",
                file=sys.stderr,
            )
            args.keep = True
        print(f"\ntotal {time.monotonic() - started:.0f} s")
        return 1 if failed else 0
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
