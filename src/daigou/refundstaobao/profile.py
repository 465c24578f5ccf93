"""The Taobao platform's refund profile for the after-sales core: its reverse-order statuses
(PandaPon's numeric codes, CONTRACT section 7), its refund message (CONTRACT section 9) and the
TaobaoRefund wire view (ENDPOINTS S6, ``refundstaobao.views``)."""

from __future__ import annotations

from typing import Any

from daigou.aftersales import profile as core
from daigou.aftersales.models import RefundRecord
from daigou.marketplace import port as P
from daigou.refundstaobao.views import refund_view

STATES = {
    "10": core.REQUESTED,
    "-10": core.REFUSED,
    "20": core.AWAITING_RETURN,
    "30": core.RETURNING,
    "100": core.SUCCEEDED,
    "-20": core.CLOSED,
}
TAOBAO_ORDER_REFUND = "TAOBAO_ORDER_REFUND"


def message_ids(row: RefundRecord, previous: str | None, view: dict[str, Any]) -> dict[str, Any]:
    """S8: Taobao messages name the purchase order and carry ``refundStatus``."""
    return {
        "refundId": row.refund_id,
        "purchaseOrderId": row.group_id,
        "salesOrderId": row.order_id,
        "refundStatus": int(row.status),
        "previousRefundStatus": int(previous) if previous is not None else None,
    }


PROFILE = core.RefundProfile(
    platform=P.Platform.TAOBAO,
    object_type="refundtaobao",
    key_prefix="taobao",
    states=STATES,
    message_in_sales=TAOBAO_ORDER_REFUND,
    message_after_sales=TAOBAO_ORDER_REFUND,
    view=refund_view,
    message_ids=message_ids,
    # a reverse order may be withdrawn while waiting, refused or agreed (S7: 10|20|-10)
    cancellable=(core.REQUESTED, core.REFUSED, core.AWAITING_RETURN),
)
