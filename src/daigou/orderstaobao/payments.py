"""Paying Taobao purchase orders from the wallet: 2.5 (one) and 2.5b (up to 100).

A purchase order is paid by paying its shop orders through the core
(``purchasing.payments``): each shop order is held, paid and captured or released on its own,
so money moves at most once per shop order whatever happens, and an unknown outcome keeps that
shop's hold until the reconciler settles it. The purchase order is paid (status 10) when every
shop order is; when only some are (the balance covered some, or the marketplace refused one),
it stays awaiting payment with ``paidAmount`` showing what was taken, and paying it again pays
the rest.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from daigou.core.clock import Clock
from daigou.core.errors import ApiError, Conflict
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.orderstaobao import state
from daigou.orderstaobao.models import TaobaoOrder
from daigou.orderstaobao.profile import PROFILE
from daigou.purchasing import pay_answers
from daigou.purchasing import payments as core
from daigou.purchasing.buyer import Buyer, check_visible
from daigou.purchasing.models import NONE, PAID, PurchaseOrder
from daigou.wallet import service as wallet

UNDER_REVIEW = frozenset({state.UPLOADED, state.APPROVED, state.GATEWAY_PAYING})


def _unpaid(rows: list[PurchaseOrder]) -> list[PurchaseOrder]:
    return [r for r in rows if r.status == state.UNPAID and r.pay_state == NONE]


def _fully_paid(rows: list[PurchaseOrder]) -> bool:
    alive = [r for r in rows if r.status != state.CANCELLED]
    return bool(alive) and all(r.pay_state == PAID for r in alive)


def _classify(
    buyer: Buyer,
    item: core.Item,
    order: TaobaoOrder | None,
    rows: list[PurchaseOrder],
    paying_voucher: bool = False,
) -> list[str]:
    """The shop orders to pay for one purchase order; if none, the item says why."""
    if order is None or order.developer_id != buyer.developer_id:
        item.fail(40401, core.NOT_FOUND, "no such order")
        return []
    item.status = order.status
    if buyer.user_id is not None and order.user_id != buyer.user_id:
        item.fail(40302, core.NOT_YOURS, "the order belongs to another sub-account")
    elif paying_voucher and order.status == state.GATEWAY_PAYING and _unpaid(rows):
        return [r.order_id for r in _unpaid(rows)]
    elif order.status in UNDER_REVIEW:
        item.fail(40901, core.NOT_PAYABLE, f"a transfer voucher of this order is {order.status}")
    elif any(r.pending_operation == "pay" for r in rows):
        item.outcome, item.code, item.reason = core.PENDING, 50401, core.IN_FLIGHT
        item.msg = "an earlier payment of this order has no known outcome yet"
    elif _fully_paid(rows):  # whatever the status read: a pay may have committed since
        item.outcome, item.code, item.reason = core.PAID_ITEM, 200, core.PAID_BEFORE
        item.msg = "the order was already paid through the gateway: no money moved"
    elif order.status not in state.PAYABLE or not _unpaid(rows):
        item.fail(40901, core.NOT_PAYABLE, f"the order is {order.status}: not payable")
    else:
        return [r.order_id for r in _unpaid(rows)]
    return []


def _load(
    db: Database, order_ids: list[str]
) -> tuple[dict[str, TaobaoOrder], dict[str, list[PurchaseOrder]]]:
    with db.transaction() as s:
        orders = {
            o.order_id: o
            for o in s.execute(
                select(TaobaoOrder).where(TaobaoOrder.order_id.in_(order_ids))
            ).scalars()
        }
        rows: dict[str, list[PurchaseOrder]] = {i: [] for i in orders}
        for r in s.execute(
            select(PurchaseOrder).where(
                PurchaseOrder.platform == state.PLATFORM,
                PurchaseOrder.group_id.in_(list(orders)),
            )
        ).scalars():
            rows[str(r.group_id)].append(r)
        s.expunge_all()
    return orders, rows


def pay_many(
    db: Database,
    market: P.Marketplace,
    clock: Clock,
    buyer: Buyer,
    order_ids: list[str],
    *,
    paying_voucher: bool = False,
) -> list[core.Item]:
    """Pay purchase orders; one :class:`core.Item` per purchase order, in input order.
    ``paying_voucher``: the gateway pays an order whose transfer voucher was approved (5)."""
    items = [core.Item(i, oid) for i, oid in enumerate(order_ids)]
    orders, rows = _load(db, order_ids)
    to_pay = {
        item.order_id: _classify(
            buyer, item, orders.get(item.order_id), rows.get(item.order_id, []), paying_voucher
        )
        for item in items
    }
    shop_ids = [sid for sids in to_pay.values() for sid in sids]
    paid, _ = core.pay_orders(db, market, clock, PROFILE, buyer, shop_ids, batch=False)
    by_shop = {p.order_id: p for p in paid}
    moved = [oid for oid, sids in to_pay.items() if sids]
    current: dict[str, str] = {}
    if moved:
        with db.transaction() as s:
            s.execute(
                update(TaobaoOrder)
                .where(
                    TaobaoOrder.order_id.in_(
                        [
                            oid
                            for oid in moved
                            if any(by_shop[sid].outcome == core.PAID_ITEM for sid in to_pay[oid])
                        ]
                    )
                )
                .values(pay_method="voucher" if paying_voucher else "balance")
                .execution_options(synchronize_session=False)
            )
            current = dict(
                s.execute(
                    select(TaobaoOrder.order_id, TaobaoOrder.status).where(
                        TaobaoOrder.order_id.in_(moved)
                    )
                )
                .tuples()
                .all()
            )
    for item in items:
        sids = to_pay[item.order_id]
        if not sids:
            continue
        results = [by_shop[sid] for sid in sids]
        item.status = current.get(item.order_id, item.status)
        failed = [r for r in results if r.outcome == core.FAILED_ITEM]
        if all(r.outcome == core.PAID_ITEM for r in results):
            item.outcome, item.code, item.reason, item.msg = core.PAID_ITEM, 200, None, "success"
        elif any(r.outcome == core.PENDING for r in results):
            item.outcome, item.code, item.reason = core.PENDING, 50401, core.IN_FLIGHT
            item.msg = "the marketplace did not answer: the outcome is unknown until reconciled"
        else:
            first = failed[0]
            item.fail(first.code, first.reason or core.MARKET_ERROR, first.msg)
            item.upstream = first.upstream
    return items


def pay_one(
    db: Database, market: P.Marketplace, clock: Clock, buyer: Buyer, order_id: str
) -> dict[str, Any]:
    """2.5: pay one purchase order; its answer, or the reason it was not paid as an error."""
    # the balance before the order: a concurrent call that holds the order's money between the
    # two reads shows as a pay in flight (50401), never as a balance short of the order (40201)
    available = wallet.get_balance(db, buyer.developer_id).availableAmount
    orders, rows = _load(db, [order_id])
    order = orders.get(order_id)
    if order is None:
        raise ApiError(40401, "no such order")
    check_visible(order.developer_id, order.user_id, buyer.developer_id, buyer.user_id)
    if order.status in UNDER_REVIEW:
        raise Conflict(f"a transfer voucher of this order is under review (status {order.status})")
    owed = sum(r.total_fen for r in _unpaid(rows[order_id]))
    # a pay in flight answers 50401 (pay_many) whatever the balance: nothing is paid meanwhile
    in_flight = any(r.pending_operation == "pay" for r in rows[order_id])
    if order.status in state.PAYABLE and owed and not in_flight and available < owed:
        raise ApiError(
            40201,
            f"the available balance ({available} fen) does not cover the order ({owed} fen)",
            {"orderId": order_id, "purchaseAmount": owed, "availableAmount": available},
        )
    before = sum(r.paid_fen for r in rows[order_id])
    (item,) = pay_many(db, market, clock, buyer, [order_id])
    if item.outcome == core.PENDING:
        raise ApiError(
            50401,
            item.msg,
            {"orderId": order_id, "status": int(item.status or 0), "pendingOperation": "pay"},
        )
    if item.outcome != core.PAID_ITEM:
        raise ApiError(
            item.code,
            item.msg,
            {"orderId": order_id, "reasonCode": item.reason, **item.upstream},
        )
    _, after = _load(db, [order_id])
    return {
        "orderId": order_id,
        "status": int(item.status or 0),
        "payMethod": "balance",
        "paidAmount": sum(r.paid_fen for r in after[order_id]) - before,
        "availableAmount": wallet.get_balance(db, buyer.developer_id).availableAmount,
    }


def bulk_pay(
    db: Database,
    market: P.Marketplace,
    clock: Clock,
    buyer: Buyer,
    order_ids: list[str],
    *,
    english: bool,
) -> dict[str, Any]:
    """2.5b: as 6.9 (every order in exactly one list, ``results[]`` in input order)."""
    items = pay_many(db, market, clock, buyer, pay_answers.checked_ids(order_ids, "orderIds"))
    return pay_answers.bulk_answer(items, None, english=english)
