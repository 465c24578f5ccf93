"""Fan-out of Taobao purchase-order calls (issue 11, P2 for Taobao) and bulk pay against single
pays, in one run.

    .venv/bin/python bench/bench_taobao_fanout.py [--db sqlite|postgresql] [--rounds N]
                                                   [--latency-ms 200] [--ref HEAD]

The Taobao twin of bench_order_fanout.py (the measurement itself is fanout_support.run).
Starts `daigou serve --no-worker` (a temporary data dir, and with `--db postgresql` a throwaway
PostgreSQL cluster) with a small sandbox catalogue (80 shops, of which 40 are Taobao's, and
4,000 Taobao items), creates a developer with a large balance, picks one orderable item in each
of 20 Taobao shops from the catalogue's own generator, then:

1. **P2, with latency**: every sandbox marketplace call is made to take ``--latency-ms``
   (an operator latency fault on every operation). Each round, interleaved: a purchase order
   (2.2 ``POST /open/order``) with a line of 1 shop against one with a line in each of 20
   shops, and one purchase order paid by 2.5 against 100 paid by one 2.5b bulk pay. The goal:
   the 20-shop create and the 100-order bulk pay within 3x of one call's time (medians).
   A create reads the items (one concurrent round), prices each shop's order (one concurrent
   round) and makes each shop's order (one concurrent round): about 3 marketplace calls'
   time whatever the number of shops.
2. **Bulk against single pays, no latency**: each round, 100 purchase orders paid by one bulk
   pay against 100 paid by 100 calls of 2.5, side by side.

Untimed: each create's ``purchaseAmount`` comes from a 2.1 render of the same lines (once per
distinct line list; the sandbox's prices do not move), and the purchase orders that part 1 pays
(one shop each, the 20 shops in turn) are made before the latency fault is set, since a Taobao
create makes one purchase order a call. Real HTTP on 127.0.0.1 over one keep-alive connection,
signed requests. Not run by the test suite; bounded by --rounds.
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
SHOPS = 20
RECEIVER = {
    "name": "Bench Buyer",
    "mobile_phone": "13800000000",
    "zip": "311121",
    "state": "浙江省",
    "city": "杭州市",
    "district": "余杭区",
    "address": "文一西路 969 号",
}
UNPAID, PAID = 0, 10  # Taobao purchase-order statuses


def shop_lines(count: int) -> list[dict[str, Any]]:
    """One orderable line in each of `count` Taobao shops (from the catalogue's generator).
    Taobao SKUs hold a few hundred pieces at most (1688's thousands): a SKU with 100 minimum
    quantities in stock is asked for."""
    return [
        {
            "itemId": p.offer.offer_id,
            "skuId": p.sku.sku_id,
            "orderLineNo": f"L{n}",
            "quantity": p.quantity,
        }
        for n, p in enumerate(F.orderable("taobao", OFFERS, count, times=100), start=1)
    ]


class Bench:
    """The Taobao endpoints for fanout_support.run: 2.2 create, 2.5 / 2.5b pay."""

    create_label = "create: 1 shop vs 20 shops (2.2)"
    pay_label = "pay: 1 order (2.5) vs 100 orders (2.5b)"

    def __init__(self, caller: Caller, lines: list[dict[str, Any]]) -> None:
        self.caller = caller
        self.lines = lines
        self.amounts: dict[tuple[str, ...], int] = {}
        self.stock: list[str] = []
        self.next_shop = 0

    def _amount(self, lines: list[dict[str, Any]]) -> int:
        """The purchase amount of these lines, by 2.1 render (untimed; once per line list)."""
        key = tuple(ln["itemId"] for ln in lines)
        if key not in self.amounts:
            body = {"receiver": RECEIVER, "orderLineList": lines}
            _, data = self.caller.call("POST", "/open/order/render", body)
            self.amounts[key] = data["purchaseAmount"]
        return self.amounts[key]

    def _create(self, lines: list[dict[str, Any]]) -> tuple[float, str]:
        body = {"receiver": RECEIVER, "orderLineList": lines, "purchaseAmount": self._amount(lines)}
        ms, data = self.caller.call("POST", "/open/order", body)
        # one shop order (salesOrderId) per shop, every shop placed
        if data["status"] != UNPAID or len(data["salesOrderIds"]) != len(lines):
            raise RuntimeError(f"a create of {len(lines)} shops answered {str(data)[:300]}")
        return ms, data["orderId"]

    def create_one(self) -> float:
        return self._create(self.lines[:1])[0]

    def create_many(self) -> float:
        return self._create(self.lines)[0]

    def _one_shop_order(self) -> str:
        line = self.lines[self.next_shop % len(self.lines)]
        self.next_shop += 1
        return self._create([line])[1]

    def stock_up(self, n: int) -> None:
        self.stock += [self._one_shop_order() for _ in range(n)]

    def orders(self, n: int) -> list[str]:
        taken, self.stock = self.stock[:n], self.stock[n:]
        return taken + [self._one_shop_order() for _ in range(n - len(taken))]

    def unpaid_order(self) -> str:
        return self.orders(1)[0]

    def pay_one(self, order_id: str) -> float:
        ms, data = self.caller.call("POST", "/open/order/pay", {"orderId": order_id})
        if data["status"] != PAID:
            raise RuntimeError(f"not paid: {data}")
        return ms

    def bulk_pay(self, ids: list[str]) -> float:
        ms, data = self.caller.call("POST", "/open/order/batch/pay", {"orderIds": ids})
        if len(data["successOrderIds"]) != len(ids) or data["payFailOrders"]:
            codes = sorted({f["errorCode"] for f in data["payFailOrders"]})
            raise RuntimeError(
                f"bulk pay paid {len(data['successOrderIds'])} of {len(ids)}; failed: {codes}"
            )
        return ms


def main() -> int:
    args = F.arguments(__doc__ or "")
    work = Path(tempfile.mkdtemp(prefix="daigou-bench-taobao-fanout-"))
    server = None
    try:
        server = F.start(work, args, {"taobao": OFFERS})
        bench = Bench(F.funded_caller(server), shop_lines(SHOPS))
        return F.run(bench, server, args)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
