"""A purchase order's status, derived from its shop orders, and its messages.

The developer sees one status per purchase order (PandaPon's codes, ENDPOINTS S7)::

    12 building: a shop's create has no known outcome yet
    9  placing failed: no shop order was made (nothing charged)
    0  awaiting payment (some shop order is unpaid); 1, 2, 3, 5 on the voucher path instead
    10, 11, 20: the least advanced of the shop orders still alive (paid, shipped, finished)
    4  cancelled: every shop order was cancelled (or fully refunded)

:func:`derive` computes it; :func:`refresh` stores it and records one
TAOBAO_ORDER_STATUS_CHANGE when it moved, carrying the whole TaobaoOrder and the purchase
order's next ``sequence`` (its messages are ordered by ``taobao:<orderId>``). The core hands
every change of a shop order here (:func:`report`, the Taobao profile's ``report``), so a push,
a payment the reconciler settled or a create it found all move the purchase order the same way.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daigou.messages import service as messages
from daigou.orderstaobao.models import TaobaoOrder, TaobaoVoucher
from daigou.orderstaobao.views import order_view
from daigou.purchasing.models import HELD, PurchaseOrder
from daigou.purchasing.profile import Change

PLATFORM = "taobao"
MESSAGE_PLATFORM = 0
STATUS_CHANGE = "TAOBAO_ORDER_STATUS_CHANGE"
PRICE_MODIFY = "TAOBAO_ORDER_BUYER_VIEW_ORDER_PRICE_MODIFY"
TOUCHED = ""  # a change the core reports without a message of its own (a refused payment)

BUILDING, FAILED, UNPAID, CANCELLED = "12", "9", "0", "4"
UPLOADED, APPROVED, REJECTED, GATEWAY_PAYING = "1", "2", "3", "5"
PAID, SHIPPED, FINISHED = "10", "11", "20"
FINAL = frozenset({FAILED, CANCELLED})
PAYABLE = frozenset({UNPAID, REJECTED})  # 2.5, 2.6 and 2.7 act on these
_ALIVE_RANK = {PAID: 0, SHIPPED: 1, FINISHED: 2}


def key_of(order_id: str) -> str:
    return f"taobao:{order_id}"


def lock(s: Session, order_id: str) -> TaobaoOrder | None:
    """The purchase order, locked and read afresh. The session does not autoflush, and a fresh
    read would drop unflushed changes: what this transaction changed is flushed first."""
    s.flush()
    return s.execute(
        select(TaobaoOrder)
        .where(TaobaoOrder.order_id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def rows_of(s: Session, order_id: str) -> list[PurchaseOrder]:
    """The purchase order's shop orders (the caller's session sees its own changes)."""
    return list(
        s.execute(
            select(PurchaseOrder)
            .where(PurchaseOrder.platform == PLATFORM, PurchaseOrder.group_id == order_id)
            .order_by(PurchaseOrder.out_order_id)
        ).scalars()
    )


def latest_voucher(s: Session, order_id: str) -> TaobaoVoucher | None:
    return s.execute(
        select(TaobaoVoucher)
        .where(TaobaoVoucher.order_id == order_id)
        .order_by(TaobaoVoucher.created_at.desc(), TaobaoVoucher.voucher_id.desc())
        .limit(1)
    ).scalar_one_or_none()


def shops_of(order: TaobaoOrder) -> list[dict[str, Any]]:
    shops: list[dict[str, Any]] = json.loads(order.shops)
    return shops


def derive(
    order: TaobaoOrder, rows: list[PurchaseOrder], override: dict[str, str] | None = None
) -> str:
    """The purchase order's status now (``override``: a shop order's status at the step being
    reported, when its record has already moved further)."""
    if order.status in FINAL:
        return order.status
    if any(sh["state"] == "pending" for sh in shops_of(order)):
        return BUILDING
    if not rows:
        return FAILED
    statuses = [(override or {}).get(r.order_id, r.status) for r in rows]
    alive = [st for st in statuses if st != CANCELLED]
    if not alive:
        return CANCELLED
    if UNPAID in alive:
        return order.voucher_stage or UNPAID
    return min(alive, key=lambda st: _ALIVE_RANK.get(st, 0))


def view(s: Session, order: TaobaoOrder) -> dict[str, Any]:
    return order_view(order, rows_of(s, order.order_id), latest_voucher(s, order.order_id))


def _record(
    s: Session, order: TaobaoOrder, message_type: str, fields: dict[str, Any], now_ms: int
) -> None:
    def body(sequence: int) -> dict[str, Any]:
        order.sequence = sequence
        return {"orderId": order.order_id, **fields, "order": view(s, order)}

    messages.record_each(
        s,
        developer_id=order.developer_id,
        platform=MESSAGE_PLATFORM,
        message_type=message_type,
        items=[(key_of(order.order_id), order.user_id, order.order_id, body)],
        now_ms=now_ms,
    )


def move(s: Session, order: TaobaoOrder, status: str, now_ms: int, **extra: Any) -> bool:
    """Set the status (and the time of reaching it) and record its message; False when it is
    already there."""
    previous = order.status
    if status == previous:
        return False
    order.status = status
    order.modified_at = now_ms
    if status == PAID and order.pay_time is None:
        order.pay_time = now_ms
    elif status == SHIPPED and order.ship_time is None:
        order.ship_time = now_ms
    elif status == FINISHED and order.finish_time is None:
        order.finish_time = now_ms
    elif status in FINAL and order.close_time is None:
        order.close_time = now_ms
    if status in (PAID, SHIPPED, FINISHED) and order.voucher_stage is not None:
        order.voucher_stage = None
    fields = {"status": int(status), "previousStatus": int(previous), **extra}
    _record(s, order, STATUS_CHANGE, fields, now_ms)
    return True


def refresh(
    s: Session, order: TaobaoOrder, now_ms: int, override: dict[str, str] | None = None
) -> bool:
    """Derive the status again; record its message if it moved."""
    return move(s, order, derive(order, rows_of(s, order.order_id), override), now_ms)


def _mark_placed(order: TaobaoOrder, rows: list[PurchaseOrder]) -> None:
    """A shop whose order is recorded is placed (a create the reconciler found included)."""
    shops = shops_of(order)
    keys = {r.out_order_id for r in rows}
    changed = False
    for sh in shops:
        if sh["state"] != "placed" and f"{order.order_id}-{sh['n']}" in keys:
            sh["state"], changed = "placed", True
    if changed:
        order.shops = json.dumps(shops)


def report(s: Session, change: Change) -> None:
    """The Taobao profile's ``report``: a change of shop orders, as changes of their purchase
    orders."""
    for group_id in sorted({r.group_id for r in change.rows if r.group_id}):
        order = lock(s, group_id)
        if order is None:
            continue
        mine = [r for r in change.rows if r.group_id == group_id]
        _mark_placed(order, mine)
        s.flush()
        if change.message_type == PRICE_MODIFY:
            now = view(s, order)
            shop_before = int(change.extra.get("previousTotalAmount") or 0)
            shop_after = int(change.extra.get("totalAmount") or 0)
            _record(
                s,
                order,
                PRICE_MODIFY,
                {
                    "salesOrderId": mine[0].order_id,
                    "previousPurchaseAmount": now["purchaseAmount"] - (shop_after - shop_before),
                    "purchaseAmount": now["purchaseAmount"],
                    "subOrders": now["subOrders"],
                    "purchaseOrderPriceDTO": {
                        "productAmount": now["productAmount"],
                        "postFee": now["postFee"],
                        "totalAmount": now["purchaseAmount"],
                    },
                },
                change.now_ms,
            )
            continue
        if change.message_type == TOUCHED:
            settle_gateway_pay(s, order, change.now_ms)
            continue
        override = {r.order_id: change.current for r in mine} if change.current else None
        refresh(s, order, change.now_ms, override)


def settle_gateway_pay(s: Session, order: TaobaoOrder, now_ms: int) -> None:
    """The gateway's payment of an approved voucher (5) ended without paying every shop: the
    order is payable again (0), the transfer stays in the wallet. Nothing while a shop's payment
    is still unknown."""
    rows = rows_of(s, order.order_id)
    paying = any(r.pending_operation == "pay" or r.pay_state == HELD for r in rows)
    if order.voucher_stage == GATEWAY_PAYING and not paying:
        order.voucher_stage = None
    refresh(s, order, now_ms)


def shop_failed(
    s: Session, order_id: str, n: int, errors: list[dict[str, Any]], now_ms: int
) -> None:
    """A shop's create was refused, or found never made: the purchase order goes on without it."""
    order = lock(s, order_id)
    if order is None:
        return
    shops = shops_of(order)
    for sh in shops:
        if sh["n"] == n and sh["state"] != "placed":
            sh["state"], sh["errors"] = "failed", errors
    order.shops = json.dumps(shops)
    refresh(s, order, now_ms)
