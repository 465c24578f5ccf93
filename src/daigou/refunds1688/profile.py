"""The 1688 platform's refund profile for the after-sales core: its refund statuses (CONTRACT
section 7), its two refund message types (before and after the trade finished, CONTRACT
section 9) and the Refund1688 wire view (ENDPOINTS S6)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from daigou.aftersales import profile as core
from daigou.aftersales.models import RefundRecord
from daigou.marketplace import port as P

STATES = {
    "waitselleragree": core.REQUESTED,
    "waitbuyermodify": core.REFUSED,
    "waitbuyersend": core.AWAITING_RETURN,
    "waitsellerreceive": core.RETURNING,
    "refundsuccess": core.SUCCEEDED,
    "refundclose": core.CLOSED,
}
REFUND_IN_SALES = "ORDER_BUYER_VIEW_ORDER_BUYER_REFUND_IN_SALES"
REFUND_AFTER_SALES = "ORDER_BUYER_VIEW_ORDER_REFUND_AFTER_SALES"


def address_view(a: P.Address | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {
        "contactPerson": a.full_name,
        "mobile": a.mobile,
        "phone": a.phone,
        "zip": a.post_code,
        "province": a.province,
        "city": a.city,
        "area": a.area,
        "town": a.town,
        "address": a.address,
    }


def market_view(r: P.MarketRefund) -> dict[str, Any]:
    """A 1688 refund as the marketplace holds it, in Refund1688's names (also the sandbox
    operator's view of its refunds)."""
    return {
        "refundId": r.refund_id,
        "orderId": r.order_id,
        "orderEntryIds": list(r.entry_ids),
        "orderEntryCountList": [{"id": e, "count": c} for e, c in r.quantities],
        "refundStatus": r.status,
        "disputeRequest": r.dispute_request,
        "goodsStatus": r.goods_status,
        "afterSale": r.after_sale,
        "applyPayment": r.apply_payment_fen,
        "applyCarriage": r.apply_carriage_fen,
        "refundPayment": r.refund_payment_fen,
        "refundCarriage": r.refund_carriage_fen,
        "currency": "CNY",
        "applyReasonId": r.reason_id,
        "applyReason": r.reason,
        "description": r.description,
        "vouchers": list(r.vouchers),
        "logisticsCompanyNo": r.return_company_no,
        "freightBill": r.return_bill_no,
        "sellerRefuseReason": r.seller_refuse_reason,
        "returnAddress": address_view(r.return_address),
        "timeoutTime": r.timeout_ms,
        "gmtApply": r.created_ms,
        "gmtModified": r.modified_ms,
        "gmtCompleted": r.completed_ms,
    }


def refund_view(s: Session, row: RefundRecord, r: P.MarketRefund) -> dict[str, Any]:
    """Refund1688: the marketplace's view (the record's snapshot), with what the gateway adds
    (who, what the wallet got back, a write whose outcome is unknown, the message sequence)."""
    return {
        **market_view(r),
        "userId": row.user_id,
        "creditedAmount": row.credited_fen,
        "pendingOperation": row.pending_operation,
        "sequence": row.sequence,
    }


PROFILE = core.RefundProfile(
    platform=P.Platform.ALIBABA,
    object_type="refund1688",
    key_prefix="1688",
    states=STATES,
    message_in_sales=REFUND_IN_SALES,
    message_after_sales=REFUND_AFTER_SALES,
    view=refund_view,
)
