"""Fan-out of 1688 order calls (issue 5, P2) and bulk pay against single pays, in one run.

    .venv/bin/python bench/bench_order_fanout.py [--db sqlite|postgresql] [--rounds N]
                                                  [--latency-ms 200] [--ref HEAD]

Starts `daigou serve --no-worker` (as bench_signed_vs_bare.py does: a temporary data dir, and
with `--db postgresql` a throwaway PostgreSQL cluster) with a small sandbox catalogue, creates a
developer with a large balance, then:

1. **P2, with latency**: every sandbox marketplace call is made to take ``--latency-ms``
   (an operator latency fault on every operation). Each round, interleaved:
   a single-merchant create (6.2) against a 20-merchant create (6.4), and one order paid by
   6.8 against 100 orders paid by one bulk pay (6.9). The goal: the 20-merchant create and the
   100-order bulk pay within 3x of one call's time (medians).
2. **Bulk against single pays, no latency**: each round, 100 orders paid by one bulk pay
   against 100 orders paid by 100 calls of 6.8 (one order each), side by side.

Every marketplace call goes through the gateway's ``GuardedMarketplace`` (the per-upstream
limiter, the process's shared call pool, the call-attempt log), as the composition root wires
it; the server runs with its default settings. Real HTTP on 127.0.0.1 over one keep-alive
connection, signed requests. Not run by the test
suite; bounded by --rounds.
"""

from __future__ import annotations

import argparse
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

from bench_search import Caller  # noqa: E402
from bench_signed_vs_bare import bench_developer, git_state, http_json, start_server  # noqa: E402

from daigou.marketplace.sandbox import catalogue as C  # noqa: E402
from daigou.marketplace.sandbox.orders import Seller  # noqa: E402

SHOPS, OFFERS = 80, 4000
GOAL = 3.0
ADDRESS = {
    "fullName": "Bench Buyer",
    "mobile": "13800000000",
    "provinceText": "浙江省",
    "cityText": "杭州市",
    "areaText": "余杭区",
    "address": "文一西路 969 号",
    "postCode": "311121",
}


def merchant_lines(seed: int, count: int) -> list[tuple[str, dict[str, Any]]]:
    """`count` merchants with one orderable line each (from the catalogue's own generator)."""
    shops = C.build_shops(seed, SHOPS)
    open_id = {s.shop_id: s.seller_open_id for s in shops}
    chosen: dict[str, dict[str, Any]] = {}
    for o in C.iter_offers(seed, "1688", OFFERS, shops=shops):
        seller = open_id[o.shop_id]
        if seller in chosen or not (o.on_sale and o.in_stock) or Seller.warehouse_of(o.offer_id):
            continue
        sku = next((k for k in o.skus if k.stock >= o.min_order_quantity * 1000), None)
        if sku is not None:
            chosen[seller] = {
                "offerId": o.offer_id,
                "specId": sku.spec_id,
                "quantity": o.min_order_quantity,
            }
        if len(chosen) == count:
            break
    if len(chosen) < count:
        raise RuntimeError(f"only {len(chosen)} merchants with an orderable line")
    return list(chosen.items())


class Bench:
    def __init__(self, caller: Caller, merchants: list[tuple[str, dict[str, Any]]]) -> None:
        self.caller = caller
        self.merchants = merchants

    def timed(self, method: str, path: str, body: Any) -> tuple[float, Any]:
        return self.caller.call(method, path, body)

    def create_one(self) -> tuple[float, str]:
        _, line = self.merchants[0]
        body = {"flow": "general", "addressParam": ADDRESS, "cargoParamList": [line]}
        ms, data = self.timed("POST", "/alibaba/order/create", body)
        return ms, data["orderId"]

    def create_many(self, merchants: int) -> tuple[float, list[str]]:
        lines = [{**line, "sellerOpenId": s} for s, line in self.merchants[:merchants]]
        body = {"flow": "general", "addressParam": ADDRESS, "cargoParamList": lines}
        ms, data = self.timed("POST", "/alibaba/order/batch/create", body)
        ids = [oid for r in data["results"] for oid in r["orderIds"]]
        if len(ids) < merchants:
            raise RuntimeError(f"a batch create made {len(ids)} orders: {data['results'][:2]}")
        return ms, ids

    def orders(self, n: int) -> list[str]:
        out: list[str] = []
        while len(out) < n:
            out += self.create_many(min(20, n - len(out)))[1]
        return out[:n]

    def pay_one(self, order_id: str) -> float:
        ms, data = self.timed("POST", "/alibaba/order/pay/url", {"orderIds": [order_id]})
        if not data["protocolPaySuccess"]:
            raise RuntimeError(f"not paid: {data}")
        return ms

    def bulk_pay(self, ids: list[str]) -> float:
        ms, data = self.timed("POST", "/alibaba/order/batch/submit/to/pay", {"orderIds": ids})
        # since the purchasing core, an order whose outcome is unknown is in payFailOrders
        # (PAY_RESULT_UNKNOWN) and an order already paid counts as a success
        if len(data["successOrderIds"]) != len(ids) or data["payFailOrders"]:
            codes = sorted({f["errorCode"] for f in data["payFailOrders"]})
            raise RuntimeError(
                f"bulk pay paid {len(data['successOrderIds'])} of {len(ids)}; failed: {codes}"
            )
        return ms


def admin(server: Any, path: str, body: dict[str, Any]) -> Any:
    status, envelope = http_json(
        "POST", server.base + path, body, {"Authorization": f"Bearer {server.admin_token}"}
    )
    if status != 200 or envelope.get("code") != 200:
        raise RuntimeError(f"{path}: {status} {envelope}")
    return envelope["data"]


def ratio_line(label: str, one: list[float], many: list[float]) -> float:
    a, b = statistics.median(one), statistics.median(many)
    print(f"{label:<44} {a:9.1f} {b:9.1f} {b / a:7.2f}x")
    return b / a


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--ref", help="serve the committed src/ of this git ref")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="daigou-bench-fanout-"))
    server = None
    try:
        server = start_server(
            work,
            args.db,
            args.ref,
            env_extra={
                "DAIGOU_SANDBOX_SHOPS": str(SHOPS),
                "DAIGOU_SANDBOX_OFFERS_1688": str(OFFERS),
                "DAIGOU_SANDBOX_OFFERS_TAOBAO": "0",
                "DAIGOU_SANDBOX_PAY_TIMEOUT_SECONDS": "86400",
            },
            ready_seconds=300,
        )
        access_key, secret = bench_developer(server)
        develop_id = http_json(
            "GET",
            server.base + "/admin/developer/list",
            None,
            {"Authorization": f"Bearer {server.admin_token}"},
        )[1]["data"]["data"][0]["developId"]
        admin(
            server,
            "/admin/wallet/adjust",
            {"developId": develop_id, "type": "topup", "amount": 10**12, "reference": "bench"},
        )
        bench = Bench(Caller(server.base, access_key, secret), merchant_lines(20260101, 20))
        print(
            f"server {server.base} ({args.db}, src: {git_state(args.ref)}); {args.rounds} "
            f"rounds, interleaved, one connection",
            flush=True,
        )
        bench.orders(2)  # warm-up: the word index, pools, first-time paths
        bench.pay_one(bench.create_one()[1])

        # 1. P2: fan-out under marketplace latency
        admin(
            server,
            "/admin/sandbox/fault/inject",
            {"operation": "*", "mode": "latency", "latencyMs": args.latency_ms, "count": 0},
        )
        single_create, batch_create, single_pay, bulk = [], [], [], []
        for _ in range(args.rounds):
            single_create.append(bench.create_one()[0])
            batch_create.append(bench.create_many(20)[0])
            single_pay.append(bench.pay_one(bench.create_one()[1]))
            bulk.append(bench.bulk_pay(bench.orders(100)))
        print(f"\nP2, {args.latency_ms} ms per marketplace call (medians, ms)")
        print(f"{'':<44} {'one':>9} {'many':>9} {'ratio':>8}")
        worst = max(
            ratio_line("create: 1 merchant vs 20 merchants (6.4)", single_create, batch_create),
            ratio_line("pay: 1 order (6.8) vs 100 orders (6.9)", single_pay, bulk),
        )
        print(f"worst: {worst:.2f}x (goal <= {GOAL:g}x: {'met' if worst <= GOAL else 'NOT met'})")

        # 2. bulk pay of 100 vs 100 single pays, no latency
        admin(server, "/admin/sandbox/fault/clear", {})
        per_bulk, per_single = [], []
        for _ in range(args.rounds):
            ids = bench.orders(200)
            per_bulk.append(bench.bulk_pay(ids[:100]))
            started = time.perf_counter()
            for oid in ids[100:]:
                bench.pay_one(oid)
            per_single.append((time.perf_counter() - started) * 1000)
        print("\n100 orders, no latency (medians, ms)")
        print(f"{'':<44} {'bulk':>9} {'singles':>9} {'ratio':>8}")
        b, s = statistics.median(per_bulk), statistics.median(per_single)
        print(f"{'one bulk pay vs 100 single pays':<44} {b:9.1f} {s:9.1f} {s / b:7.2f}x")
        return 0
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
