"""4.5 and 4.6: cart lines priced and ordered as one Taobao purchase order, through the Taobao
order use cases (orderstaobao.create: 2.1 render, 2.2 create). Each cart line is an order line
whose ``orderLineNo`` is the cart line's id.

The order is recorded in create's own transactions; the lines it placed (each sub-order with a
marketplace line, ``subOrderId``) leave the cart right after, in one transaction of their own
(``carts.remove_lines``). A line the marketplace refused, a shop that failed, an order replayed
for its ``sellerOrderNumber`` or one whose outcome is still unknown (50401) keeps its lines.
Should the process die between the two, the order exists and the lines stay: ordering them again
is a new, deliberate call, and the same ``sellerOrderNumber`` returns the order made.
"""

from __future__ import annotations

from typing import Any

from daigou.carts import service as carts
from daigou.carttaobao.models import CartTaobaoLine
from daigou.carttaobao.schemas import TaobaoCartCreate, TaobaoCartPreview
from daigou.core.clock import Clock
from daigou.core.errors import ApiError
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.orderstaobao import create, queries
from daigou.orderstaobao import schemas as OS
from daigou.purchasing.buyer import Buyer


def order_lines(lines: list[CartTaobaoLine]) -> list[OS.OrderLine]:
    return [
        OS.OrderLine(
            itemId=ln.item_id,
            skuId=ln.sku_id or None,
            orderLineNo=str(ln.id),
            quantity=ln.quantity,
        )
        for ln in lines
    ]


def preview(
    db: Database, market: P.Marketplace, buyer: Buyer, body: TaobaoCartPreview
) -> dict[str, Any]:
    """4.5: as 2.1, each line also naming its cart line (``id``); 40302 / 40401 for an id that
    is not a line of the caller's cart."""
    lines = carts.lines_of(db, CartTaobaoLine, carts.owner_of(buyer), body.ids)
    data = create.render(
        db,
        market,
        buyer,
        lines=order_lines(lines),
        receiver=body.orderAddress,
        receiver_field="orderAddress",
    )
    for line in data["lines"]:
        line["id"] = int(line["orderLineNo"])
    return data


def create_from_cart(
    db: Database, market: P.Marketplace, clock: Clock, buyer: Buyer, body: TaobaoCartCreate
) -> dict[str, Any]:
    """4.6 for ``buyer`` (the body's userId applied): the TaobaoOrder made (``replayed`` when
    its ``sellerOrderNumber`` made one before); the lines it placed leave the cart."""
    owner = carts.owner_of(buyer)
    try:
        lines = carts.lines_of(db, CartTaobaoLine, owner, body.ids)
    except ApiError:
        made = _made_before(db, buyer, body.sellerOrderNumber)
        if made is None:
            raise
        return made  # a repeat after the lines left the cart
    data = create.create(
        db,
        market,
        clock,
        buyer,
        lines=order_lines(lines),
        receiver=body.orderAddress,
        purchase_amount=body.purchaseAmount,
        seller_order_number=body.sellerOrderNumber,
        order_source=body.orderSource,
        remark=None,
        receiver_field="orderAddress",
    )
    if not data.get("replayed"):
        placed = {s["orderLineNo"] for s in data["subOrders"] if s["subOrderId"] is not None}
        carts.remove_lines(
            db, CartTaobaoLine, owner, [ln.id for ln in lines if str(ln.id) in placed]
        )
    return data


def _made_before(db: Database, buyer: Buyer, number: str | None) -> dict[str, Any] | None:
    """The caller's order of ``sellerOrderNumber``, as a replayed create (None: none)."""
    if not number:
        return None
    try:
        order = queries.detail(db, buyer, order_id=None, seller_order_number=number)
    except ApiError:
        return None
    if order["userId"] != buyer.user_id:
        return None  # another account's: the cart's own error answers
    return {**order, "replayed": True}
