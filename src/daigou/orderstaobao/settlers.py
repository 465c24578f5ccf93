"""The Taobao create settler: the core's (``purchasing.creates.reconcile_create``), and when it
concludes a shop's order was never made, the purchase order goes on without that shop."""

from __future__ import annotations

from daigou.core.clock import Clock
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.orderstaobao import state
from daigou.orderstaobao.models import TaobaoOrder
from daigou.purchasing import creates
from daigou.reconcile import service as reconcile
from daigou.reconcile.models import FAILED, MarketOperation


def reconcile_create(
    db: Database, market: P.Marketplace, clock: Clock, op: MarketOperation, owner: str
) -> reconcile.Settled:
    settled = creates.reconcile_create(db, market, clock, op, owner)
    group, _, n = op.object_id.rpartition("-")
    if settled.outcome == FAILED and group and n.isdigit():
        with db.transaction() as s:
            order = s.get(TaobaoOrder, group)
            shops = state.shops_of(order) if order is not None else []
            line_nos = next((sh["lines"] for sh in shops if sh["n"] == int(n)), [None])
            # one error per line of the shop, as a shop refused at create lists them
            errors = [
                {
                    "orderLineNo": line_no,
                    "code": 40904,
                    "errorCode": "NOT_PLACED",
                    "msg": "the shop's order was never made (no answer, none found an hour later)",
                }
                for line_no in line_nos
            ]
            state.shop_failed(s, group, int(n), errors, clock.now_ms())
    return settled
