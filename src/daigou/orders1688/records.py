"""The gateway's order record: mirrored from the marketplace's order, answered as Order1688
plus ``gatewayInfo``, and every change recorded as a message (CONTRACT section 9) in the same
transaction.

A mirror never moves an order backwards (CONTRACT section 7): a marketplace answer or push
whose status is behind the record is recorded nowhere and changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from daigou.marketplace import port as P
from daigou.messages import service as messages
from daigou.orders1688.models import Order1688
from daigou.orders1688.views import order_view

# how far along the arrows of CONTRACT section 7 a status is
RANK = {
    "waitbuyerpay": 0,
    "waitsellersend": 1,
    "waitbuyerreceive": 2,
    "confirm_goods": 3,
    "success": 4,
    "cancel": 4,
    "terminated": 4,
}
MESSAGE_ON_CREATE = "ORDER_BUYER_VIEW_BUYER_MAKE"
# the message that reports an order reaching a status (CONTRACT section 9)
MESSAGE_FOR_STATUS = {
    "waitsellersend": "ORDER_BUYER_VIEW_ORDER_PAY",
    "waitbuyerreceive": "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS",
    "confirm_goods": "ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS",
    "success": "ORDER_BUYER_VIEW_ORDER_SUCCESS",
    "terminated": "ORDER_BUYER_VIEW_ORDER_BUYER_REFUND_IN_SALES",
}


def message_for(order: P.MarketOrder) -> str:
    """The message type that reports ``order``'s current status."""
    if order.status == "cancel":
        if order.close_operate_type == "seller":
            return "ORDER_BUYER_VIEW_ORDER_SELLER_CLOSE"
        return "ORDER_BUYER_VIEW_ORDER_BUYER_CLOSE"
    return MESSAGE_FOR_STATUS.get(order.status, "ORDER_BUYER_VIEW_BUYER_MAKE")


def gateway_info(row: Order1688) -> dict[str, Any]:
    return {
        "outOrderId": row.out_order_id,
        "userId": row.user_id,
        "staffName": row.staff_name,
        "payState": row.pay_state,
        "heldAmount": row.held_fen,
        "paidAmount": row.paid_fen,
        "refundedAmount": row.refunded_fen,
        "pendingOperation": row.pending_operation,
        "sequence": row.sequence,
    }


def order_out(row: Order1688) -> dict[str, Any]:
    """Order1688 (ENDPOINTS S6) with ``gatewayInfo``."""
    return {**json.loads(row.body), "gatewayInfo": gateway_info(row)}


def _message(
    s: Session, row: Order1688, message_type: str, previous: str | None, now_ms: int
) -> None:
    """Record the change as a message; the order it carries shows the message's sequence."""
    msg = messages.record(
        s,
        developer_id=row.developer_id,
        user_id=row.user_id,
        platform=messages.PLATFORM_1688,
        message_type=message_type,
        order_key=f"1688:{row.order_id}",
        body={"orderId": row.order_id, "currentStatus": row.status, "previousStatus": previous},
        now_ms=now_ms,
        object_id=row.order_id,
    )
    row.sequence = msg.sequence
    body = {**json.loads(msg.body), "order": order_out(row)}
    msg.body = json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def record_created(
    s: Session,
    *,
    developer_id: int,
    user_id: str | None,
    out_order_id: str | None,
    order: P.MarketOrder,
    now_ms: int,
    staff_name: str | None = None,
) -> Order1688:
    """A new order made by a create: its record and ORDER_BUYER_VIEW_BUYER_MAKE."""
    row = Order1688(
        order_id=order.order_id,
        developer_id=developer_id,
        user_id=user_id,
        out_order_id=out_order_id,
        seller_open_id=order.seller_open_id,
        status=order.status,
        refund_status=order.refund_status,
        total_fen=order.total_fen,
        pay_state="none",
        held_fen=0,
        paid_fen=0,
        refunded_fen=0,
        pending_operation=None,
        pay_attempts=0,
        staff_name=staff_name,
        sequence=0,
        body=json.dumps(order_view(order), ensure_ascii=False),
        created_at=now_ms,
        modified_at=now_ms,
    )
    s.add(row)
    _message(s, row, MESSAGE_ON_CREATE, None, now_ms)
    return row


def refresh(s: Session, row: Order1688, order: P.MarketOrder, now_ms: int) -> bool:
    """Take the marketplace's newer view of an order (same status, or further along); False
    (nothing changed) when the view is behind the record."""
    if RANK.get(order.status, -1) < RANK.get(row.status, 0):
        return False
    row.body = json.dumps(order_view(order), ensure_ascii=False)
    row.status = order.status
    row.refund_status = order.refund_status
    row.total_fen = order.total_fen
    row.modified_at = now_ms
    return True


def apply(s: Session, row: Order1688, order: P.MarketOrder, now_ms: int) -> bool:
    """Mirror a newer view of the order; when its status moved, record the message that
    reports the status it reached."""
    previous = row.status
    if not refresh(s, row, order, now_ms):
        return False
    if row.status != previous:
        _message(s, row, message_for(order), previous, now_ms)
    return True
