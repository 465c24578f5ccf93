"""Wire shapes of the sandbox's orders and refunds: Order1688 / TaobaoOrder and Refund1688 /
TaobaoRefund fields (ENDPOINTS S6) as the marketplace holds them, without the gateway's own
``gatewayInfo`` (the gateway's order endpoints add it)."""

from __future__ import annotations

from typing import Any

from daigou.marketplace import port as P
from daigou.orders1688.views import order_view as order1688_view
from daigou.orders1688.views import parcel_view
from daigou.refunds1688.profile import market_view
from daigou.sandbox.wire import MarketRefund1688


def order_view(o: P.MarketOrder) -> dict[str, Any]:
    if o.platform == P.Platform.TAOBAO:
        return _taobao_order(o)
    return order1688_view(o)


def _taobao_order(o: P.MarketOrder) -> dict[str, Any]:
    parcel_of = {e: p for p in o.parcels for e in p.entry_ids}
    return {
        "salesOrderId": o.order_id,
        "status": int(o.status),
        "productAmount": o.product_fen,
        "postFee": o.shipping_fen,
        "purchaseAmount": o.total_fen,
        "discount": o.discount_fen,
        "currency": o.currency,
        "shopName": o.seller_name,
        "sellerOpenId": o.seller_open_id,
        "closeReason": o.close_reason,
        "createTime": o.created_ms,
        "payTime": o.paid_ms,
        "shipTime": o.shipped_ms,
        "finishTime": o.completed_ms,
        "modifyTime": o.modified_ms,
        "subOrders": [
            {
                "subOrderId": ln.entry_id,
                "itemId": ln.offer_id,
                "skuId": ln.sku_id,
                "title": ln.title.original,
                "picUrl": ln.image_url,
                "quantity": ln.quantity,
                "price": ln.unit_price_fen,
                "productAmount": ln.amount_fen,
                "refundStatus": int(ln.refund_status) if ln.refund_status else 0,
                "logisticCompanyName": parcel_of[ln.entry_id].company_name
                if ln.entry_id in parcel_of
                else None,
                "logisticNumber": parcel_of[ln.entry_id].bill_no
                if ln.entry_id in parcel_of
                else None,
            }
            for ln in o.lines
        ],
        "parcels": [parcel_view(p) for p in o.parcels],
    }


def refund_view(r: P.MarketRefund) -> dict[str, Any]:
    if r.platform == P.Platform.TAOBAO:
        return {
            "refundOrder": {
                "platformRefundId": r.refund_id,
                "payOrderId": r.order_id,
                "refundStatus": int(r.status),
                "refundType": 2 if r.dispute_request == "returnRefund" else 1,
                "goodsStatus": 2 if "Received" in r.goods_status or r.goods_status == "2" else 1,
                "refundFee": r.refund_payment_fen or r.apply_payment_fen,
                "reasonId": r.reason_id,
                "reasonDesc": r.reason,
                "refundDesc": r.description,
                "timeoutDate": r.timeout_ms,
                "sellerRefuseReason": r.seller_refuse_reason,
                "createTime": r.created_ms,
                "modifyTime": r.modified_ms,
                "subOrderIds": list(r.entry_ids),
            }
        }
    # the fields of MarketRefund1688 (what the sandbox shows of its own refunds)
    return {k: v for k, v in market_view(r).items() if k in MarketRefund1688.model_fields}
