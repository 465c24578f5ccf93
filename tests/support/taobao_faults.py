"""Taobao purchase orders under marketplace faults and concurrent calls, shared by the Taobao
pay-fault, create-fault and pay-concurrency tests: purchase orders of two shops each, sandbox
faults, the shop orders as recorded, each purchase order's status messages, and the books
checked once the reconciler is done (every shop order paid once or not at all, every hold
settled, the ledger explaining every fen, each purchase order's status following its shop
orders)."""

from __future__ import annotations

import json
from itertools import combinations
from typing import Any

from sqlalchemy import func, select

from daigou.marketplace import port as P
from daigou.messages.models import OutboxMessage
from daigou.orderstaobao.models import TaobaoOrder
from daigou.purchasing.models import PurchaseOrder
from daigou.wallet import service as wallet
from daigou.wallet.models import Hold, LedgerEntry
from tests.support.api import assert_ok
from tests.support.orders1688 import balance
from tests.support.taobao import created, detail, shop_lines

FAULT = "/admin/sandbox/fault/inject"
PAY_OP = "taobao.order.pay"
CREATE_OP = "taobao.order.create"
STATUS_CHANGE = "TAOBAO_ORDER_STATUS_CHANGE"
PAY_UNKNOWN = "PAY_RESULT_UNKNOWN"


def inject(
    api: Any,
    operation: str,
    mode: str,
    *,
    count: int = 1,
    probability: int = 100,
    latency_ms: int = 0,
) -> None:
    """A sandbox fault on ``operation`` (``count`` 0: until cleared)."""
    body = {"operation": operation, "mode": mode, "count": count, "probability": probability}
    if latency_ms:
        body["latencyMs"] = latency_ms
    assert_ok(api.admin("POST", FAULT, body))


def two_shop_orders(
    api: Any, dev: Any, settings: Any, n: int, user_id: str | None = None
) -> list[dict[str, Any]]:
    """``n`` purchase orders (status 0) of two shops each, one line per shop, the shops taken
    in pairs from four: each as 2.2 answered it."""
    shops = shop_lines(settings, shops=4, per=1)
    pairs = list(combinations(range(len(shops)), 2))
    out = []
    for k in range(n):
        i, j = pairs[k % len(pairs)]
        order = created(api, dev, shops[i] + shops[j], user_id=user_id)
        assert order["status"] == 0 and len(order["salesOrderIds"]) == 2, order
        out.append(order)
    return out


def shop_orders(db: Any, order_id: str | None = None) -> list[PurchaseOrder]:
    """The Taobao shop orders as recorded (of one purchase order, or all), by key."""
    query = select(PurchaseOrder).where(PurchaseOrder.platform == "taobao")
    if order_id is not None:
        query = query.where(PurchaseOrder.group_id == order_id)
    with db.transaction() as s:
        rows = list(s.execute(query.order_by(PurchaseOrder.out_order_id)).scalars())
        s.expunge_all()
    return rows


def status_changes(db: Any, order_id: str) -> list[tuple[int, int]]:
    """(previousStatus, status) of each TAOBAO_ORDER_STATUS_CHANGE of the purchase order, in
    the order recorded; their sequences strictly increase."""
    with db.reading() as conn:
        bodies = conn.execute(
            select(OutboxMessage.body)
            .where(
                OutboxMessage.object_id == order_id,
                OutboxMessage.message_type == STATUS_CHANGE,
            )
            .order_by(OutboxMessage.seq)
        ).scalars()
        found = [json.loads(b) for b in bodies]
    sequences = [b["sequence"] for b in found]
    assert sequences == sorted(set(sequences)), sequences
    return [(b["previousStatus"], b["status"]) for b in found]


def purchase_order_ids(db: Any) -> list[str]:
    with db.reading() as conn:
        return list(conn.execute(select(TaobaoOrder.order_id)).scalars())


def check_taobao_books(api: Any, db: Any, app: Any, dev: Any, topups: int) -> dict[str, bool]:
    """Once nothing is open: every shop order is paid once (one captured hold of its total, paid
    at the marketplace) or not at all; no hold is open, every ledger entry balances and never
    left the balance below zero; available + captured = top-ups; each purchase order is 10 when
    every shop order is paid, else 0 (9 when none was placed), shows no pendingOperation, and
    reported reaching 10 once (or never). Returns orderId -> fully paid."""
    market = app.state.marketplace
    rows = shop_orders(db)
    with db.transaction() as s:
        holds = list(s.execute(select(Hold)).scalars())
        assert wallet.unbalanced_entries(s) == []
        lowest = s.execute(
            select(func.min(LedgerEntry.available_after), func.min(LedgerEntry.held_after))
        ).one()
        s.expunge_all()
    assert all(v is None or v >= 0 for v in lowest), f"the balance went below zero: {lowest}"
    by_order: dict[str, list[Hold]] = {}
    for h in holds:
        assert h.status in ("captured", "released"), f"hold {h.hold_key} is still {h.status}"
        by_order.setdefault(str(h.order_id), []).append(h)
    captured_total = 0
    for row in rows:
        captured = [h for h in by_order.get(row.order_id, []) if h.status == "captured"]
        paid_at_market = market.order(P.Platform.TAOBAO, row.order_id).paid_ms is not None
        assert row.pending_operation is None, row.order_id
        if row.pay_state == "paid":
            assert len(captured) == 1, f"shop order {row.order_id} captured {len(captured)} times"
            assert captured[0].captured == row.total_fen == row.paid_fen
            assert paid_at_market, row.order_id
            captured_total += captured[0].captured
        else:
            assert row.pay_state == "none", row.order_id
            assert captured == [] and row.paid_fen == 0, row.order_id
            assert not paid_at_market, f"shop order {row.order_id} paid but not recorded"
    money = balance(api, dev)
    assert money["heldAmount"] == 0
    assert money["availableAmount"] + captured_total == topups
    paid: dict[str, bool] = {}
    groups: dict[str, list[PurchaseOrder]] = {}
    for row in rows:
        groups.setdefault(str(row.group_id), []).append(row)
    for order_id in purchase_order_ids(db):
        mine = groups.get(order_id, [])
        full = bool(mine) and all(r.pay_state == "paid" for r in mine)
        seen = detail(api, dev, order_id)
        assert seen["pendingOperation"] is None, seen
        expected = 10 if full else 0 if mine else 9  # 9: no shop order was placed
        assert seen["status"] == expected, (seen["status"], [r.pay_state for r in mine])
        assert seen["paidAmount"] == sum(r.paid_fen for r in mine)
        reached = [c for c in status_changes(db, order_id) if c[1] == 10]
        assert reached == ([(0, 10)] if full else []), status_changes(db, order_id)
        paid[order_id] = full
    return paid
