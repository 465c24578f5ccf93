"""The Taobao platform's profile for the purchasing core: the statuses of one marketplace
(shop) order (PandaPon's numeric codes, CONTRACT section 7), the steps between two views of it,
and its view. The core's records here are the shop orders of a purchase order; their changes are
reported as changes of the purchase order (``orderstaobao.state.report``), never one by one.
"""

from __future__ import annotations

from typing import Any

from daigou.marketplace import port as P
from daigou.orderstaobao import state
from daigou.purchasing import profile as core
from daigou.purchasing.models import PurchaseOrder
from daigou.purchasing.profile import Step
from daigou.purchasing.records import gateway_info

UNPAID, PAID, SHIPPED, FINISHED, CANCELLED = "0", "10", "11", "20", "4"
# a shop order's statuses along the arrows (ENDPOINTS S7); 4 ends it from 0 (cancel, timeout)
# or from 10 and 11 (every line refunded)
CHAIN = (UNPAID, PAID, SHIPPED, FINISHED)
RANK = {UNPAID: 0, PAID: 1, SHIPPED: 2, FINISHED: 3, CANCELLED: 3}


def crossed(old: str, new: str) -> list[str] | None:
    """The statuses a shop order went through from ``old`` to ``new``, ``new`` last: ``[]``
    when it stayed, None when ``new`` is not ahead of ``old``."""
    if old == new:
        return []
    if old not in CHAIN or old == FINISHED:
        return None  # 4 and 20 are final
    if new == CANCELLED:
        return [CANCELLED]
    if new not in CHAIN or CHAIN.index(new) <= CHAIN.index(old):
        return None
    return list(CHAIN[CHAIN.index(old) + 1 : CHAIN.index(new) + 1])


def steps_between(status: str, stored: P.MarketOrder, order: P.MarketOrder) -> list[Step] | None:
    """A price change while unpaid, then each status crossed (at the view's time of it)."""
    path = crossed(status, order.status)
    if path is None:
        return None
    out: list[Step] = []
    if status == UNPAID and stored.total_fen != order.total_fen:
        out.append(
            Step(
                order.modified_ms,
                0,
                state.PRICE_MODIFY,
                extra={"previousTotalAmount": stored.total_fen, "totalAmount": order.total_fen},
            )
        )
    times = {
        PAID: order.paid_ms,
        SHIPPED: order.shipped_ms,
        FINISHED: order.completed_ms or order.received_ms,
        CANCELLED: order.completed_ms,
    }
    last = 0
    for i, reached in enumerate(path):
        at = max(times.get(reached) or order.modified_ms, last)
        last = at
        out.append(Step(at, 1 + i, state.STATUS_CHANGE, reached))
    return out


def view(row: PurchaseOrder, order: P.MarketOrder) -> dict[str, Any]:
    """One shop order (as the reconciler's operation views show it)."""
    return {
        "salesOrderId": row.order_id,
        "purchaseOrderId": row.group_id,
        "status": int(row.status),
        "purchaseAmount": row.total_fen,
        "productAmount": row.product_fen,
        "postFee": row.shipping_fen,
        "shopName": order.seller_name,
        "sellerOpenId": order.seller_open_id,
        "subOrderIds": [ln.entry_id for ln in order.lines],
        "gatewayInfo": gateway_info(row),
    }


PROFILE = core.Profile(
    platform=P.Platform.TAOBAO,
    object_type="ordertaobao",
    key_prefix="taobao",
    key_name="sellerOrderNumber",
    rank=RANK,
    states={
        UNPAID: core.UNPAID,
        PAID: core.PAID,
        SHIPPED: core.SHIPPED,
        FINISHED: core.COMPLETED,
        CANCELLED: core.CANCELLED,
    },
    unpaid=UNPAID,
    paid=PAID,
    cancelled=CANCELLED,
    shipped=SHIPPED,
    message_on_create=state.STATUS_CHANGE,
    message_on_pay=state.STATUS_CHANGE,
    message_batch_pay="ORDER_BATCH_PAY",  # unused: a Taobao bulk pay reports per order
    view=view,
    steps=steps_between,
    report=state.report,
)
