"""The TaobaoRefund wire view (ENDPOINTS S6: ``RefundOrderAggregate``): ``refundOrder``,
``purchaseOrderLine`` and ``logistics``."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from daigou.aftersales.models import RefundRecord
from daigou.marketplace import port as P

REFUND_TYPE = {"refund": 1, "returnRefund": 2}


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def refund_view(s: Session, row: RefundRecord, r: P.MarketRefund) -> dict[str, Any]:
    entry_ids: list[str] = json.loads(row.entry_ids)
    status = _int(row.status)
    editable = status in (10, -10)
    return {
        "refundOrder": {
            "refundId": row.refund_id,
            "platformRefundId": r.refund_id,
            "payOrderId": row.order_id,
            "purchaseOrderId": row.group_id,
            "subOrderId": entry_ids[0] if entry_ids else None,
            "refundStatus": status,
            "refundType": REFUND_TYPE.get(r.dispute_request, 1),
            "goodsStatus": _int(r.goods_status, 1),
            "refundFee": r.apply_payment_fen + r.apply_carriage_fen,
            "refundedFee": r.refund_payment_fen + r.refund_carriage_fen,
            "canEditFee": editable,
            "reasonId": r.reason_id,
            "reasonDesc": r.reason,
            "refundDesc": r.description,
            "refundImages": list(r.vouchers),
            "feeTips": None,
            "timeoutType": None,
            "timeoutDate": r.timeout_ms,
            "remainingTime": None,
            "sellerRefuseReason": r.seller_refuse_reason,
            "sellerRefuseReasonDescribe": r.seller_refuse_reason,
            "createTime": r.created_ms,
            "modifyTime": r.modified_ms,
            "currency": "CNY",
            "userId": row.user_id,
            "creditedAmount": row.credited_fen,
            "pendingOperation": row.pending_operation,
        },
        "purchaseOrderLine": None,
        "logistics": None,
        "sequence": row.sequence,
    }
