"""The TaobaoRefund wire view (ENDPOINTS S6: ``RefundOrderAggregate``): ``refundOrder``,
``purchaseOrderLine`` (the sub-order, from its shop order's last view) and ``logistics`` (the
return: where to, and what the buyer sent), with the refund's message ``sequence``."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daigou.aftersales import profile as core
from daigou.aftersales.models import RefundRecord, RefundWrite
from daigou.marketplace import port as P
from daigou.purchasing.models import PurchaseOrder
from daigou.purchasing.records import snapshot_of
from daigou.refundstaobao import carriers

REFUND_TYPE = {"refund": 1, "returnRefund": 2}
DISPUTE_REQUEST = {1: "refund", 2: "returnRefund"}
CURRENCY = "CNY"
SALES_MARKET = "taobao"
# whose move the refund waits for, by its neutral state (``timeoutType``; ``timeoutDate`` is when
# the marketplace acts if nobody does)
TIMEOUT_TYPES = {
    core.REQUESTED: "sellerAgree",
    core.REFUSED: "buyerModify",
    core.AWAITING_RETURN: "buyerReturn",
    core.RETURNING: "sellerReceive",
}


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def goods_status_of(r: P.MarketRefund) -> int:
    """1 not received, 2 received (the marketplace's "1" / "2")."""
    return 2 if _int(r.goods_status, 1) == 2 else 1


def address_view(a: P.Address | None) -> dict[str, Any] | None:
    """Where returned goods go, as 3.9 and ``logistics`` show it."""
    if a is None:
        return None
    place = a.province + a.city + a.area + a.town + a.address
    return {"receiver": a.full_name, "phone": a.mobile or a.phone, "detailAddress": place}


def line_view(s: Session, row: RefundRecord, entry_id: str | None) -> dict[str, Any] | None:
    """``purchaseOrderLine``: the sub-order as its shop order's last view has it (the shop's
    freight on its first line, as 2.1 shows it)."""
    order = s.get(PurchaseOrder, (row.platform, row.order_id))
    if order is None or entry_id is None:
        return None
    snap = snapshot_of(order)
    line = next((ln for ln in snap.lines if ln.entry_id == entry_id), None)
    if line is None:
        return None
    post_fee = order.shipping_fen if snap.lines[0].entry_id == entry_id else 0
    return {
        "purchaseOrderId": order.group_id,
        "purchaseOrderLineId": line.entry_id,
        "salesOrderId": order.order_id,
        "salesMarket": SALES_MARKET,
        "supplierId": snap.seller_open_id,
        "supplierName": snap.seller_name,
        "itemId": line.offer_id,
        "skuId": line.sku_id,
        "quantity": line.quantity,
        "price": line.unit_price_fen,
        "totalPrice": line.amount_fen + post_fee,
        "productFee": line.amount_fen,
        "postFee": post_fee,
        "itemTitle": line.title.original,
        "itemImageUrl": line.image_url,
        "currency": snap.currency,
        "createTime": snap.created_ms,
    }


def _buyer_phone(s: Session, row: RefundRecord, bill_no: str) -> str | None:
    """The phone the buyer gave with the return it reported (kept with its write)."""
    for params in s.execute(
        select(RefundWrite.params)
        .where(
            RefundWrite.platform == row.platform,
            RefundWrite.refund_id == row.refund_id,
            RefundWrite.kind == "returnGoods",
        )
        .order_by(RefundWrite.created_at.desc())
    ).scalars():
        asked = json.loads(params)
        if asked.get("billNo") == bill_no:
            phone: str | None = asked.get("buyerPhone")
            return phone
    return None


def logistics_view(s: Session, row: RefundRecord, r: P.MarketRefund) -> dict[str, Any] | None:
    """``logistics``: once the seller agreed a return (where to send the goods, how), and what
    the buyer reported sending."""
    if r.return_address is None and r.return_bill_no is None:
        return None
    code = r.return_company_no
    company = None
    if code is not None:
        company = {"logisticsCompanyCode": code, "logisticsCompanyName": carriers.name_of(code)}
    return {
        "buyerPhone": _buyer_phone(s, row, r.return_bill_no) if r.return_bill_no else None,
        "logisticsCompany": company,
        "logisticsNo": r.return_bill_no,
        "receiverAddress": address_view(r.return_address),
        "returnGoodsDesc": r.return_description or None,
        "sellerAgreeReturnDescribe": r.seller_agree_describe,
    }


def refund_view(s: Session, row: RefundRecord, r: P.MarketRefund) -> dict[str, Any]:
    entry_ids: list[str] = json.loads(row.entry_ids)
    entry_id = entry_ids[0] if entry_ids else None
    status = _int(row.status)
    editable = status in (10, -10)
    return {
        "refundOrder": {
            "refundId": row.refund_id,
            "platformRefundId": r.refund_id,
            "payOrderId": row.order_id,
            "purchaseOrderId": row.group_id,
            "subOrderId": entry_id,
            "refundStatus": status,
            "refundType": REFUND_TYPE.get(r.dispute_request, 1),
            "goodsStatus": goods_status_of(r),
            "refundFee": r.apply_payment_fen + r.apply_carriage_fen,
            "refundedFee": r.refund_payment_fen + r.refund_carriage_fen,
            "canEditFee": editable,
            "reasonId": r.reason_id,
            "reasonDesc": r.reason,
            "refundDesc": r.description,
            "refundImages": list(r.vouchers),
            "feeTips": None,
            "timeoutType": TIMEOUT_TYPES.get(row.state) if r.timeout_ms is not None else None,
            "timeoutDate": r.timeout_ms,
            "remainingTime": None,
            "sellerRefuseReason": r.seller_refuse_reason,
            "sellerRefuseReasonDescribe": r.seller_refuse_reason,
            "createTime": r.created_ms,
            "modifyTime": r.modified_ms,
            "completeTime": r.completed_ms,
            "currency": CURRENCY,
            "userId": row.user_id,
            "creditedAmount": row.credited_fen,
            "pendingOperation": row.pending_operation,
        },
        "purchaseOrderLine": line_view(s, row, entry_id),
        "logistics": logistics_view(s, row, r),
        "sequence": row.sequence,
    }
