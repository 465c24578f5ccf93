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
suite; bounded by --rounds. The server, the catalogue picks and the measurement are shared
with the Taobao bench (bench_taobao_fanout.py) in fanout_support.py.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fanout_support as F  # noqa: E402
from bench_search import Caller  # noqa: E402

OFFERS = 4000
MERCHANTS = 20
ADDRESS = {
    "fullName": "Bench Buyer",
    "mobile": "13800000000",
    "provinceText": "浙江省",
    "cityText": "杭州市",
    "areaText": "余杭区",
    "address": "文一西路 969 号",
    "postCode": "311121",
}


def merchant_lines(count: int) -> list[tuple[str, dict[str, Any]]]:
    """`count` merchants with one orderable line each (from the catalogue's own generator)."""
    return [
        (
            p.seller_open_id,
            {"offerId": p.offer.offer_id, "specId": p.sku.spec_id, "quantity": p.quantity},
        )
        for p in F.orderable("1688", OFFERS, count)
    ]


class Bench:
    """The 1688 endpoints for fanout_support.run: 6.2 / 6.4 create, 6.8 / 6.9 pay."""

    create_label = "create: 1 merchant vs 20 merchants (6.4)"
    pay_label = "pay: 1 order (6.8) vs 100 orders (6.9)"

    def __init__(self, caller: Caller, merchants: list[tuple[str, dict[str, Any]]]) -> None:
        self.caller = caller
        self.merchants = merchants

    def timed(self, method: str, path: str, body: Any) -> tuple[float, Any]:
        return self.caller.call(method, path, body)

    def _create_one(self) -> tuple[float, str]:
        _, line = self.merchants[0]
        body = {"flow": "general", "addressParam": ADDRESS, "cargoParamList": [line]}
        ms, data = self.timed("POST", "/alibaba/order/create", body)
        return ms, data["orderId"]

    def create_one(self) -> float:
        return self._create_one()[0]

    def unpaid_order(self) -> str:
        return self._create_one()[1]

    def _create_many(self, merchants: int) -> tuple[float, list[str]]:
        lines = [{**line, "sellerOpenId": s} for s, line in self.merchants[:merchants]]
        body = {"flow": "general", "addressParam": ADDRESS, "cargoParamList": lines}
        ms, data = self.timed("POST", "/alibaba/order/batch/create", body)
        ids = [oid for r in data["results"] for oid in r["orderIds"]]
        if len(ids) < merchants:
            raise RuntimeError(f"a batch create made {len(ids)} orders: {data['results'][:2]}")
        return ms, ids

    def create_many(self) -> float:
        return self._create_many(MERCHANTS)[0]

    def orders(self, n: int) -> list[str]:
        out: list[str] = []
        while len(out) < n:
            out += self._create_many(min(MERCHANTS, n - len(out)))[1]
        return out[:n]

    def stock_up(self, n: int) -> None:
        """Nothing: 6.4 makes 20 orders a call, so the rounds make theirs as they go."""

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


def main() -> int:
    args = F.arguments(__doc__ or "")
    work = Path(tempfile.mkdtemp(prefix="daigou-bench-fanout-"))
    server = None
    try:
        server = F.start(work, args, {"1688": OFFERS})
        bench = Bench(F.funded_caller(server), merchant_lines(MERCHANTS))
        return F.run(bench, server, args)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
