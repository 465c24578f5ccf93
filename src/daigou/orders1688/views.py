"""The Order1688 shape (ENDPOINTS S6) of a marketplace order: `baseInfo`, `productItems`,
`nativeLogistics`. The gateway adds `gatewayInfo` (profile.py); the sandbox's operator
controls answer it as it is."""

from __future__ import annotations

from typing import Any

from daigou.marketplace import port as P


def order_view(o: P.MarketOrder) -> dict[str, Any]:
    return {
        "baseInfo": {
            "id": o.order_id,
            "status": o.status,
            "refundStatus": o.refund_status,
            "tradeType": "50060",
            "totalAmount": o.total_fen,
            "sumProductPayment": o.product_fen,
            "shippingFee": o.shipping_fen,
            "discount": o.discount_fen,
            "currency": o.currency,
            "sellerOpenId": o.seller_open_id,
            "sellerCompanyName": o.seller_name,
            "payTimeout": o.pay_timeout_s,
            "closeReason": o.close_reason,
            "closeOperateType": o.close_operate_type,
            "createTime": o.created_ms,
            "payTime": o.paid_ms,
            "allDeliveredTime": o.shipped_ms,
            "receivingTime": o.received_ms,
            "completeTime": o.completed_ms,
            "modifyTime": o.modified_ms,
            "outOrderId": o.out_order_id,
            "flow": o.flow,
            "buyerFeedback": o.message,
        },
        "productItems": [
            {
                "subItemID": ln.entry_id,
                "productID": ln.offer_id,
                "specId": ln.spec_id,
                "skuID": ln.sku_id,
                "cargoNumber": None,  # the seller's article number: the sandbox has none
                "name": ln.title.original,
                "nameTrans": ln.title.translated,
                "productImgUrl": [ln.image_url] if ln.image_url else [],
                "quantity": ln.quantity,
                "price": ln.unit_price_fen,
                "itemAmount": ln.amount_fen,
                "status": ln.status,
                "refundStatus": ln.refund_status,
                "logisticsStatus": ln.logistics_status,
            }
            for ln in o.lines
        ],
        "nativeLogistics": {
            **address_view(o.address),
            "logisticsItems": [parcel_view(p) for p in o.parcels],
        },
        # 1688's own objects, passed through (ENDPOINTS S6; PandaPon's example has them null)
        "guaranteesTerms": None,
        "internationalLogistics": None,
    }


def parcel_view(p: P.Parcel) -> dict[str, Any]:
    return {
        "logisticsId": p.logistics_id,
        "logisticsBillNo": p.bill_no,
        "logisticsCompanyName": p.company_name,
        "deliveredTime": p.shipped_ms,
        "signedTime": p.delivered_ms,
        "subItemIds": list(p.entry_ids),
        "steps": [{"acceptTime": s.time_ms, "remark": s.remark} for s in p.steps],
    }


def address_view(a: P.Address | None) -> dict[str, Any]:
    """Where the order ships, in 1688's ``nativeLogistics`` names."""
    if a is None:
        return {}
    return {
        "contactPerson": a.full_name,
        "mobile": a.mobile,
        "telephone": a.phone,
        "zip": a.post_code,
        "province": a.province,
        "city": a.city,
        "area": a.area,
        "areaCode": a.district_code,
        "town": a.town,
        "address": a.address,
    }
