"""TaobaoOrder (ENDPOINTS S6): a purchase order as the developer sees it, made from its own row,
its shop orders (the core's records, each over the marketplace's last view) and its voucher."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from daigou.aftersales.models import RefundRecord
from daigou.marketplace import port as P
from daigou.orderstaobao.models import TaobaoOrder, TaobaoVoucher
from daigou.orderstaobao.schemas import mp_of
from daigou.purchasing.models import PurchaseOrder
from daigou.purchasing.records import snapshot_of


def voucher_view(v: TaobaoVoucher | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "voucherId": v.voucher_id,
        "transferAccountImgs": json.loads(v.images),
        "transferAccountRemark": v.remark,
        "amount": v.amount,
        "reviewStatus": v.review_status,
        "rejectReason": v.reject_reason,
        "reviewTime": v.review_time,
    }


def _bill_code(bill_no: str) -> str:
    """The logistics company's code, as the bill number begins (ZTO..., SF...)."""
    return "".join(ch for ch in bill_no if ch.isalpha()) or ""


def match_lines(
    lines: list[dict[str, Any]], shops: list[dict[str, Any]], rows: list[PurchaseOrder]
) -> dict[str, tuple[PurchaseOrder, P.MarketOrder, P.OrderLine]]:
    """orderLineNo -> (its shop order, that order's view, its line there), for placed lines."""
    by_shop = {f"{r.group_id}-{sh['n']}": sh for r in rows for sh in shops}
    out: dict[str, tuple[PurchaseOrder, P.MarketOrder, P.OrderLine]] = {}
    asked = {ln["orderLineNo"]: ln for ln in lines}
    for row in rows:
        shop = by_shop.get(row.out_order_id or "")
        if shop is None:
            continue
        snap = snapshot_of(row)
        free = list(snap.lines)
        for no in shop["lines"]:
            ln = asked[no]
            hit = next(
                (
                    m
                    for m in free
                    if m.offer_id == ln["itemId"]
                    and (ln.get("skuId") in (None, m.sku_id, m.spec_id))
                ),
                None,
            )
            if hit is not None:
                free.remove(hit)
                out[no] = (row, snap, hit)
    return out


def newest_refunds(refunds: Sequence[RefundRecord]) -> dict[str, RefundRecord]:
    """Each line's newest reverse order (``refunds`` oldest first, as
    ``aftersales.queries.of_order`` reads them)."""
    out: dict[str, RefundRecord] = {}
    for r in refunds:
        for entry_id in json.loads(r.entry_ids):
            out[entry_id] = r
    return out


def order_view(
    order: TaobaoOrder,
    rows: list[PurchaseOrder],
    voucher: TaobaoVoucher | None,
    refunds: Sequence[RefundRecord] = (),
) -> dict[str, Any]:
    """``refunds``: the reverse orders of its shop orders (a sub-order shows its newest)."""
    lines: list[dict[str, Any]] = json.loads(order.lines)
    shops: list[dict[str, Any]] = json.loads(order.shops)
    rows = sorted(rows, key=lambda r: r.out_order_id or "")
    placed = match_lines(lines, shops, rows)
    refund_of = newest_refunds(refunds)
    active = [r for r in rows if r.status != "4"] or rows
    sub_orders = []
    for ln in lines:
        found = placed.get(ln["orderLineNo"])
        sub: dict[str, Any] = {
            "subOrderId": None,
            "orderLineNo": ln["orderLineNo"],
            "itemId": ln["itemId"],
            "skuId": ln.get("skuId"),
            "mpId": mp_of(ln["itemId"]),
            "mpSkuId": mp_of(ln.get("skuId")),
            "title": ln.get("title"),
            "picUrl": ln.get("picUrl"),
            "quantity": ln["quantity"],
            "price": ln.get("price"),
            "productAmount": (ln.get("price") or 0) * ln["quantity"],
            "refundStatus": 0,
            "refundId": None,
            "logisticCompanyName": None,
            "logisticNumber": None,
            "salesOrderId": None,
        }
        if found is not None:
            row, snap, m = found
            parcel = next((p for p in snap.parcels if m.entry_id in p.entry_ids), None)
            sub.update(
                subOrderId=m.entry_id,
                skuId=m.sku_id,
                mpSkuId=mp_of(m.sku_id),
                title=m.title.original,
                picUrl=m.image_url,
                quantity=m.quantity,
                price=m.unit_price_fen,
                productAmount=m.amount_fen,
                refundStatus=int(m.refund_status) if m.refund_status else 0,
                logisticCompanyName=parcel.company_name if parcel else None,
                logisticNumber=parcel.bill_no if parcel else None,
                salesOrderId=row.order_id,
            )
            refund = refund_of.get(m.entry_id)
            if refund is not None:  # the gateway's record is fresher than the order's view
                sub.update(refundId=refund.refund_id, refundStatus=int(refund.status))
        sub_orders.append(sub)
    pending = next((r.pending_operation for r in rows if r.pending_operation), None)
    if any(sh["state"] == "pending" for sh in shops):
        pending = "create"
    errors = [e for sh in shops for e in sh.get("errors", [])]
    close_reason = order.close_reason
    if close_reason is None and order.status == "4":
        # closed by the marketplace (pay timeout, the seller): its reason, as 1688's view has it
        close_reason = next(
            (c for r in rows if r.status == "4" and (c := snapshot_of(r).close_reason)), None
        )
    return {
        "orderId": order.order_id,
        "salesOrderId": rows[0].order_id if rows else None,
        "salesOrderIds": [r.order_id for r in rows],
        "sellerOrderNumber": order.seller_order_number,
        "orderSource": order.order_source,
        "status": int(order.status),
        "purchaseAmount": sum(r.total_fen for r in active) if rows else order.purchase_amount,
        "productAmount": sum(r.product_fen for r in active)
        if rows
        else sum((ln.get("price") or 0) * ln["quantity"] for ln in lines),
        "postFee": sum(r.shipping_fen for r in active) if rows else 0,
        "paidAmount": sum(r.paid_fen for r in rows),
        "currency": "CNY",
        "payMethod": order.pay_method,
        "voucher": voucher_view(voucher),
        "receiver": json.loads(order.receiver),
        "warehouseCode": order.warehouse_code,
        "subOrders": sub_orders,
        "remark": order.remark,
        "closeReason": close_reason,
        "userId": order.user_id,
        "createTime": order.created_at,
        "payTime": order.pay_time,
        "shipTime": order.ship_time,
        "finishTime": order.finish_time,
        "closeTime": order.close_time,
        "modifyTime": order.modified_at,
        "pendingOperation": pending,
        "errors": errors,
        "sequence": order.sequence,
    }


def packages(rows: list[PurchaseOrder], parcels_of: dict[str, tuple[P.Parcel, ...]]) -> list[Any]:
    """2.10: every parcel of every shop order, with its steps."""
    out = []
    for row in sorted(rows, key=lambda r: r.out_order_id or ""):
        for p in parcels_of.get(row.order_id, ()):
            out.append(
                {
                    "salesOrderId": row.order_id,
                    "subOrderIds": list(p.entry_ids),
                    "logisticCompanyName": p.company_name,
                    "logisticCompanyCode": _bill_code(p.bill_no),
                    "logisticNumber": p.bill_no,
                    "shipTime": p.shipped_ms,
                    "deliveredTime": p.delivered_ms,
                    "steps": [{"time": st.time_ms, "desc": st.remark} for st in p.steps],
                }
            )
    return out
