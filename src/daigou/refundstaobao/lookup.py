"""Which shop order holds a sub-order: a reverse order names a purchase order's line
(``subOrderId``, the marketplace's line id), and the after-sales core works on the shop order
(the purchasing core's record) that line belongs to.

The purchasing core indexes each order's line ids (``purchase_order_line``), so the lookup is
one keyed read of the line's order, then the line in its parsed snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from daigou.core.errors import NotFound
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.purchasing.buyer import Buyer, check_visible
from daigou.purchasing.models import PurchaseOrder, PurchaseOrderLine
from daigou.purchasing.records import snapshot_of

PLATFORM = P.Platform.TAOBAO.value


@dataclass(frozen=True)
class SubOrder:
    """A purchase order's line and the shop order (detached) that holds it."""

    order: PurchaseOrder
    line: P.OrderLine

    @property
    def sub_order_id(self) -> str:
        return self.line.entry_id

    @property
    def shipped(self) -> bool:
        return self.line.logistics_status != 1


def sub_order(db: Database, buyer: Buyer, sub_order_id: str) -> SubOrder:
    """The sub-order, if the caller may see it: 40401 when no order of the caller's developer
    has it (another developer's line reads exactly like a line no one has), 40302 when it is
    another sub-account's."""
    found: SubOrder | None = None
    with db.transaction() as s:
        row = s.execute(
            select(PurchaseOrder)
            .join(
                PurchaseOrderLine,
                (PurchaseOrderLine.platform == PurchaseOrder.platform)
                & (PurchaseOrderLine.order_id == PurchaseOrder.order_id),
            )
            .where(
                PurchaseOrderLine.platform == PLATFORM,
                PurchaseOrderLine.entry_id == sub_order_id,
                PurchaseOrderLine.developer_id == buyer.developer_id,
            )
        ).scalar_one_or_none()
        if row is not None:
            line = next((ln for ln in snapshot_of(row).lines if ln.entry_id == sub_order_id), None)
            if line is not None:
                s.expunge(row)
                found = SubOrder(row, line)
    if found is None:
        raise NotFound("no such sub-order")
    check_visible(found.order.developer_id, found.order.user_id, buyer.developer_id, buyer.user_id)
    return found
