"""What the P2 fan-out benches share: `bench_order_fanout.py` (1688) and
`bench_taobao_fanout.py` (Taobao).

- :func:`start` starts `daigou serve --no-worker` as `bench_signed_vs_bare.py` does (a copy of
  `src/`, a temporary data dir, with `--db postgresql` a throwaway PostgreSQL cluster) with a
  small sandbox catalogue of one platform, creates a developer and tops its wallet up.
- :func:`orderable` picks one orderable line per shop from the catalogue's own generator (the
  same offers the server loads: same seed, shop count and offer count).
- :func:`run` is the measurement both benches make, through a :class:`Driver` that knows the
  platform's endpoints: P2 under an operator latency fault on every sandbox operation (a create
  with lines of 1 shop against one with lines of 20 shops, and one order paid alone against 100
  orders paid by one bulk pay, interleaved round by round), then, without latency, one bulk pay
  of 100 orders against 100 single pays. It prints medians and ratios.

Not run by the test suite; 127.0.0.1 only; bounded by the rounds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from bench_search import Caller  # noqa: E402
from bench_signed_vs_bare import (  # noqa: E402
    Server,
    bench_developer,
    git_state,
    http_json,
    start_server,
)

from daigou.marketplace.sandbox import catalogue as C  # noqa: E402
from daigou.marketplace.sandbox.orders import Seller  # noqa: E402

SEED = 20260101  # the default sandbox_seed
SHOPS = 80  # shops alternate between the platforms: 40 are 1688's, 40 Taobao's
GOAL = 3.0
TOPUP_FEN = 10**12


def arguments(doc: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--ref", help="serve the committed src/ of this git ref")
    return parser.parse_args()


# --- the server -------------------------------------------------------------------------------
def admin(server: Server, path: str, body: dict[str, Any]) -> Any:
    status, envelope = http_json(
        "POST", server.base + path, body, {"Authorization": f"Bearer {server.admin_token}"}
    )
    if status != 200 or envelope.get("code") != 200:
        raise RuntimeError(f"{path}: {status} {envelope}")
    return envelope["data"]


def start(work: Path, args: argparse.Namespace, offers: dict[str, int]) -> Server:
    """The server with ``SHOPS`` shops and ``offers`` offers per platform ("1688", "taobao");
    orders unpaid for a day are not closed by the sandbox."""
    return start_server(
        work,
        args.db,
        args.ref,
        env_extra={
            "DAIGOU_SANDBOX_SHOPS": str(SHOPS),
            "DAIGOU_SANDBOX_OFFERS_1688": str(offers.get("1688", 0)),
            "DAIGOU_SANDBOX_OFFERS_TAOBAO": str(offers.get("taobao", 0)),
            "DAIGOU_SANDBOX_PAY_TIMEOUT_SECONDS": "86400",
        },
        ready_seconds=300,
    )


def funded_caller(server: Server) -> Caller:
    """A new developer with a large balance, and a signed caller on one keep-alive connection."""
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
        {"developId": develop_id, "type": "topup", "amount": TOPUP_FEN, "reference": "bench"},
    )
    return Caller(server.base, access_key, secret)


# --- the catalogue ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Pick:
    """One orderable line of a shop: on sale, from the shop's main warehouse (so one line makes
    one marketplace order), a SKU whose stock covers the quantity many times over (the
    sandbox's stock does not go down as orders are made; the margin is for safety)."""

    seller_open_id: str
    offer: C.Offer
    sku: C.Sku

    @property
    def quantity(self) -> int:
        return self.offer.min_order_quantity


def orderable(
    platform: str, offers: int, count: int, *, times: int = 1000, seed: int = SEED
) -> list[Pick]:
    """``count`` shops of ``platform``, one :class:`Pick` each, in catalogue order: the first
    offer of the shop with a SKU whose stock is at least ``times`` minimum quantities."""
    shops = C.build_shops(seed, SHOPS)
    open_id = {s.shop_id: s.seller_open_id for s in shops}
    chosen: dict[str, Pick] = {}
    for o in C.iter_offers(seed, platform, offers, shops=shops):
        seller = open_id[o.shop_id]
        if seller in chosen or not (o.on_sale and o.in_stock) or Seller.warehouse_of(o.offer_id):
            continue
        sku = next((k for k in o.skus if k.stock >= o.min_order_quantity * times), None)
        if sku is not None:
            chosen[seller] = Pick(seller, o, sku)
        if len(chosen) == count:
            break
    if len(chosen) < count:
        raise RuntimeError(
            f"only {len(chosen)} {platform} shops with an orderable line in {SHOPS} shops and "
            f"{offers} offers: raise SHOPS or the offer count"
        )
    return list(chosen.values())


# --- the measurement --------------------------------------------------------------------------
class Driver(Protocol):
    """A platform's endpoints, as the measurement uses them. Each timed call returns its wall
    time in ms (one request, measured by :class:`Caller`)."""

    create_label: str  # e.g. "create: 1 merchant vs 20 merchants (6.4)"
    pay_label: str  # e.g. "pay: 1 order (6.8) vs 100 orders (6.9)"

    def create_one(self) -> float: ...  # a create with lines of 1 shop

    def create_many(self) -> float: ...  # a create with lines of 20 shops

    def unpaid_order(self) -> str: ...  # one unpaid order of one shop, untimed

    def orders(self, n: int) -> list[str]: ...  # n unpaid orders (one shop each), untimed

    def stock_up(self, n: int) -> None: ...  # make n orders now, for orders() to hand out later

    def pay_one(self, order_id: str) -> float: ...

    def bulk_pay(self, ids: list[str]) -> float: ...


def ratio_line(label: str, one: list[float], many: list[float]) -> float:
    a, b = statistics.median(one), statistics.median(many)
    print(f"{label:<48} {a:9.1f} {b:9.1f} {b / a:7.2f}x")
    return b / a


def run(driver: Driver, server: Server, args: argparse.Namespace) -> int:
    print(
        f"server {server.base} ({args.db}, src: {git_state(args.ref)}); {args.rounds} "
        f"rounds, interleaved, one connection",
        flush=True,
    )
    # warm-up: the word index, pools, first-time paths
    driver.create_many()
    driver.create_one()
    driver.pay_one(driver.unpaid_order())
    driver.bulk_pay(driver.orders(2))
    driver.stock_up(args.rounds * 101)  # a no-op where orders are cheap to make under latency

    # 1. P2: fan-out under marketplace latency
    admin(
        server,
        "/admin/sandbox/fault/inject",
        {"operation": "*", "mode": "latency", "latencyMs": args.latency_ms, "count": 0},
    )
    single_create, many_create, single_pay, bulk = [], [], [], []
    for _ in range(args.rounds):
        single_create.append(driver.create_one())
        many_create.append(driver.create_many())
        single_pay.append(driver.pay_one(driver.unpaid_order()))
        bulk.append(driver.bulk_pay(driver.orders(100)))
    print(f"\nP2, {args.latency_ms} ms per marketplace call (medians, ms)")
    print(f"{'':<48} {'one':>9} {'many':>9} {'ratio':>8}")
    worst = max(
        ratio_line(driver.create_label, single_create, many_create),
        ratio_line(driver.pay_label, single_pay, bulk),
    )
    print(f"worst: {worst:.2f}x (goal <= {GOAL:g}x: {'met' if worst <= GOAL else 'NOT met'})")

    # 2. bulk pay of 100 vs 100 single pays, no latency
    admin(server, "/admin/sandbox/fault/clear", {})
    per_bulk, per_single = [], []
    for _ in range(args.rounds):
        ids = driver.orders(200)
        per_bulk.append(driver.bulk_pay(ids[:100]))
        started = time.perf_counter()
        for oid in ids[100:]:
            driver.pay_one(oid)
        per_single.append((time.perf_counter() - started) * 1000)
    print("\n100 orders, no latency (medians, ms)")
    print(f"{'':<48} {'bulk':>9} {'singles':>9} {'ratio':>8}")
    b, s = statistics.median(per_bulk), statistics.median(per_single)
    print(f"{'one bulk pay vs 100 single pays':<48} {b:9.1f} {s:9.1f} {s / b:7.2f}x")
    return 0
