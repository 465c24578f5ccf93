"""The Taobao create settler: the core's (``purchasing.creates.reconcile_create``), and when it
concludes a shop's order was never made, the purchase order goes on without that shop.

The core settles the operation in one transaction and the shop is marked failed in the next;
a process that dies between the two would leave the purchase order building (12) with nothing
left to settle. :func:`sweep_placing` (a worker job) finds such shops: their create is settled
or its key released, and no order of theirs is recorded."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from daigou.core.clock import Clock
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.orderstaobao import state
from daigou.orderstaobao.models import TaobaoOrder
from daigou.purchasing import creates
from daigou.purchasing.models import PurchaseOrder, PurchaseRequest
from daigou.reconcile import service as reconcile
from daigou.reconcile.models import FAILED, OPEN_STATES, MarketOperation


def reconcile_create(
    db: Database, market: P.Marketplace, clock: Clock, op: MarketOperation, owner: str
) -> reconcile.Settled:
    settled = creates.reconcile_create(db, market, clock, op, owner)
    group, _, n = op.object_id.rpartition("-")
    if settled.outcome == FAILED and group and n.isdigit():
        with db.transaction() as s:
            _not_placed(s, group, int(n), clock.now_ms())
    return settled


def _not_placed(s: Session, group: str, n: int, now_ms: int) -> None:
    order = s.get(TaobaoOrder, group)
    shops = state.shops_of(order) if order is not None else []
    line_nos = next((sh["lines"] for sh in shops if sh["n"] == n), [None])
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
    state.shop_failed(s, group, n, errors, now_ms)


def sweep_placing(db: Database, clock: Clock, limit: int = 100) -> int:
    """Purchase orders still building (12) after the reconciler's give-up time: each pending
    shop with no open create (settled, or its key released) and no recorded order is not
    placed. How many shops were settled so."""
    now_ms = clock.now_ms()
    due = now_ms - creates.CREATE_GIVE_UP_MS - 60_000
    done = 0
    with db.transaction() as s:
        stuck = list(
            s.execute(
                select(TaobaoOrder)
                .where(TaobaoOrder.status == state.BUILDING, TaobaoOrder.created_at <= due)
                .order_by(TaobaoOrder.created_at)
                .limit(limit)
            ).scalars()
        )
        for order in stuck:
            for sh in state.shops_of(order):
                if sh["state"] != "pending":
                    continue
                key = f"{order.order_id}-{sh['n']}"
                claim = s.get(PurchaseRequest, (order.developer_id, state.PLATFORM, key))
                open_op = claim is not None and (
                    s.execute(
                        select(MarketOperation.state).where(
                            MarketOperation.operation_id == f"create-{claim.market_key}"
                        )
                    ).scalar_one_or_none()
                    in OPEN_STATES
                )
                recorded = s.execute(
                    select(PurchaseOrder.order_id).where(
                        PurchaseOrder.platform == state.PLATFORM,
                        PurchaseOrder.group_id == order.order_id,
                        PurchaseOrder.out_order_id == key,
                    )
                ).first()
                if open_op or recorded is not None or (claim is not None and claim.state == "done"):
                    continue
                _not_placed(s, order.order_id, sh["n"], now_ms)
                done += 1
    return done
