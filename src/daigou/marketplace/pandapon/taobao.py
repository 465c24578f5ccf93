"""The port's Taobao half over a PandaPon account (ENDPOINTS sections 1-3, as PandaPon defines
them); ``adapter.PandaPonMarketplace`` hands every Taobao call here.

The account buys as a PandaPon developer: one purchase order (2.2) per draft, keyed by the port's
``out_order_id`` as ``sellerOrderNumber`` (PandaPon's idempotent business key, a repeat answers
the existing order and ``replayed``), paid from the account's balance (2.5, ``op_request_id`` as
``Idempotency-Key``). The purchase order is the port's order; its sub-orders are its lines and a
reverse order (3.x) is opened on one sub-order.

Real PandaPon has, of these: 1.1, 2.2, 2.5, 2.10, 3.4, 3.6 and 3.7. The rest are the daigou
gateway's ("(ours)" in ENDPOINTS) and need a daigou upstream: 1.4 / 1.5 (by picture) / 1.6
searches, 2.1 render (the preview, and the price 2.2 must send), 2.4 detail and the lookup by
``sellerOrderNumber``, 2.7 cancel, 2.11 confirm receipt, 3.1 render (the reasons), 3.2 submit,
3.3 modify, 3.5 query, 3.8 the messages and 3.10 the return shipment.

PandaPon has no Taobao category tree and no Taobao marketing API: a category is known as the
items read name it (its id and name, under the root), and an item has no activities.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from daigou.marketplace import port as P
from daigou.marketplace.pandapon import taobao_mapper as T
from daigou.marketplace.pandapon.client import PandaPonClient
from daigou.marketplace.pandapon.mapper import picture_refusal, price_changed

TAOBAO = P.Platform.TAOBAO
KNOWN_CATEGORIES = 4096


class PandaPonTaobao:
    """Every port method for Taobao, over one PandaPon client."""

    def __init__(self, client: PandaPonClient) -> None:
        self.client = client
        self._categories: OrderedDict[int, P.Text] = OrderedDict()
        # 3.1 refuses a sub-order with an open reverse order; the reasons it gave before, per
        # goods status, answer a change of that reverse order (they depend on nothing else)
        self._reasons: dict[int, tuple[P.RefundReason, ...]] = {}

    # --- goods -----------------------------------------------------------------------------
    def search(self, query: P.SearchQuery) -> P.SearchPage:
        body = T.search_body(query)
        if query.image is not None:
            path = "/open/product/image/search"
        elif query.shop_id:
            path = "/open/product/shop/search"
        elif query.keyword:
            path = "/open/product/item/search"
        else:
            raise P.Unsupported(
                "a Taobao search through PandaPon needs a keyword, a shop or a picture"
            )
        if query.image is not None:
            try:
                page = self.client.read("POST", path, body)
            except P.MarketplaceError as exc:
                if (refused := picture_refusal(exc)) is None:
                    raise
                raise refused from exc
            return T.search_page(page)
        return T.search_page(self.client.read("POST", path, body))

    def offer(self, offer_id: str, language: str) -> P.Offer:
        data = self.client.read(
            "GET",
            "/open/product/get",
            params={"itemId": offer_id, "language": language},
            what="offer",
            ident=offer_id,
        )
        found = T.offer(data)
        self._categories[found.category_id] = found.category_name
        self._categories.move_to_end(found.category_id)
        while len(self._categories) > KNOWN_CATEGORIES:
            self._categories.popitem(last=False)
        return found

    def categories(self, parent_id: int) -> P.Category:
        if parent_id == 0:
            return P.Category(0, 0, 0, False, P.Text("淘宝", "Taobao"))
        name = self._categories.get(parent_id)
        if name is None:
            raise P.Unsupported(
                f"PandaPon has no Taobao category tree: category {parent_id} is known only "
                "once an item of it was read",
            )
        return P.Category(parent_id, 0, 1, True, name)

    def offer_activities(self, offer_id: str, language: str) -> tuple[P.Activity, ...]:
        self.offer(offer_id, language)  # an unknown item is not found
        return ()

    # --- orders ------------------------------------------------------------------------------
    def _render(self, draft: P.OrderDraft) -> dict[str, Any]:
        data: dict[str, Any] = self.client.read(
            "POST",
            "/open/order/render",
            {"receiver": T.receiver(draft.address), "orderLineList": T.order_lines(draft.lines)},
        )
        return data

    def preview(self, draft: P.OrderDraft) -> P.Preview:
        return T.preview(self._render(draft))

    def create_order(self, draft: P.OrderDraft) -> P.CreateResult:
        """2.1 for the amount 2.2 must send, then 2.2 (sent once; no Idempotency-Key:
        ``sellerOrderNumber`` is the business key and a repeat answers ``replayed``)."""
        rendered = self._render(draft)
        body: dict[str, Any] = {
            "purchaseAmount": rendered.get("purchaseAmount"),
            "receiver": T.receiver(draft.address),
            "orderLineList": T.order_lines(draft.lines),
        }
        if draft.out_order_id:
            body["sellerOrderNumber"] = draft.out_order_id
        if draft.message:
            body["remark"] = draft.message[:200]
        data = self.client.write("/open/order", body, what="order")
        made = T.order(data)
        return P.CreateResult(
            (made,), T.line_failures(data.get("errors"), draft.lines), bool(data.get("replayed"))
        )

    def orders_by_out_order_id(self, out_order_id: str) -> tuple[P.MarketOrder, ...]:
        """2.4 by ``sellerOrderNumber`` (one purchase order per key); none placed (9) is no
        order; one still being placed (12) is an error to ask again about."""
        try:
            data = self.client.read(
                "GET", "/open/order/detail", params={"sellerOrderNumber": out_order_id}
            )
        except P.MarketplaceNotFound:
            return ()
        if str(data.get("status")) == T.FAILED:
            return ()
        return (T.order(data),)

    def order(self, order_id: str) -> P.MarketOrder:
        return T.order(self._detail(order_id))

    def _detail(self, order_id: str) -> dict[str, Any]:
        data: dict[str, Any] = self.client.read(
            "GET", "/open/order/detail", params={"orderId": order_id}, what="order", ident=order_id
        )
        return data

    def cancel_order(self, order_id: str, reason: str, op_request_id: str) -> P.MarketOrder:
        data = self.client.write(
            "/open/order/cancel",
            {"orderId": order_id, "cancelReason": (reason or "buyerCancel")[:200]},
            idempotency_key=op_request_id,
            what="order",
            ident=order_id,
        )
        return T.order(data)

    def pay(self, order_id: str, amount_fen: int, op_request_id: str) -> P.PayResult:
        """2.5 from the account's balance, only at the price the gateway holds (2.5 pays what
        the order costs now: a price changed upstream is PRICE_CHANGED, nothing sent). The
        ``op_request_id`` is the Idempotency-Key: a repeat gets the first answer; an order
        not payable (paid before under another key) is ORDER_ALREADY_PAID or
        ORDER_STATUS_ERROR, a balance too low INSUFFICIENT_BALANCE (40201), nothing paid."""
        current = self.order(order_id)
        if (changed := price_changed(current, "0", amount_fen)) is not None:
            return changed
        try:
            data = self.client.write(
                "/open/order/pay",
                {"orderId": order_id},
                idempotency_key=op_request_id,
                what="order",
                ident=order_id,
            )
        except P.MarketplaceRefused as exc:
            code = exc.code
            if code == "ORDER_STATUS_ERROR" and current.paid_ms is not None:
                code = "ORDER_ALREADY_PAID"
            elif code == "40201":
                code = "INSUFFICIENT_BALANCE"
            return P.PayResult(order_id, False, 0, code, exc.message)
        if str(data.get("status")) != "10":
            raise P.MarketplaceTimeout("pay")  # the upstream's payment is still unknown
        return P.PayResult(order_id, True, int(data.get("paidAmount") or amount_fen))

    def confirm_receipt(self, order_id: str) -> P.MarketOrder:
        """2.11: the whole purchase order (Taobao confirms an order, not its lines)."""
        data = self.client.write(
            "/open/order/receivegoods", {"orderId": order_id}, what="order", ident=order_id
        )
        return T.order(data)

    def logistics(self, order_id: str) -> tuple[P.Parcel, ...]:
        data = self.client.read(
            "GET",
            "/open/order/logistics/detail/get",
            params={"orderId": order_id},
            what="order",
            ident=order_id,
        )
        return T.packages(data)

    # --- after-sales -------------------------------------------------------------------------
    def refund_reasons(
        self, order_id: str, entry_ids: tuple[str, ...], goods_status: str
    ) -> tuple[P.RefundReason, ...]:
        status = T.goods_status(goods_status)
        if not entry_ids:
            raise P.MarketplaceError("BAD_REQUEST", "a Taobao reverse order names a sub-order")
        try:
            data = self.client.read(
                "POST",
                "/open/order/refund/render",
                {"subOrderId": entry_ids[0], "refundType": 1, "goodsStatus": status},
                what="order",
                ident=order_id,
            )
        except P.MarketplaceRefused:
            if status in self._reasons:  # the line's reverse order is open: as 3.1 said
                return self._reasons[status]
            raise
        found = T.reasons(data)
        self._reasons[status] = found
        return found

    def create_refund(self, draft: P.RefundDraft) -> P.MarketRefund:
        if len(draft.entry_ids) != 1:
            raise P.MarketplaceError(
                "BAD_REQUEST", "a Taobao reverse order names exactly one sub-order"
            )
        body: dict[str, Any] = {
            "subOrderId": draft.entry_ids[0],
            "refundType": T.REFUND_TYPES.get(draft.dispute_request, 1),
            "goodsStatus": T.goods_status(draft.goods_status),
            "reasonId": draft.reason_id,
            "refundFee": draft.apply_payment_fen + draft.apply_carriage_fen,
            "refundDesc": draft.description[:200],
        }
        if draft.vouchers:
            body["refundImages"] = list(draft.vouchers)
        data = self.client.write(
            "/open/order/refund/submit",
            body,
            idempotency_key=draft.op_request_id,
            what="order",
            ident=draft.order_id,
        )
        return T.refund(data)

    def refund(self, refund_id: str) -> P.MarketRefund:
        data = self.client.read(
            "GET",
            "/open/order/refund/query",
            params={"refundId": refund_id},
            what="refund",
            ident=refund_id,
        )
        return T.refund(data.get("refundOrderAggregate"))

    def order_refunds(self, order_id: str) -> tuple[P.MarketRefund, ...]:
        self._detail(order_id)  # an unknown order is not found, not an empty list
        rows = self.client.every_row("/open/order/refund/queryList", {"purchaseOrderId": order_id})
        return tuple(sorted((T.refund(r) for r in rows), key=lambda r: (r.created_ms, r.refund_id)))

    def cancel_refund(self, refund_id: str, op_request_id: str) -> P.MarketRefund:
        data = self.client.write(
            f"/open/order/refund/cancel/{refund_id}",
            {},
            idempotency_key=op_request_id,
            what="refund",
            ident=refund_id,
        )
        return T.refund(data.get("refundOrderAggregate"))

    def return_goods(
        self, refund_id: str, company_no: str, bill_no: str, description: str
    ) -> P.MarketRefund:
        """3.10 (its wire carries no pictures of the shipment: the vouchers are not sent)."""
        body: dict[str, Any] = {
            "refundId": refund_id,
            "logisticsCompanyCode": company_no,
            "logisticsNo": bill_no,
        }
        if description:
            body["returnGoodsDesc"] = description
        data = self.client.write(
            "/open/order/refund/logistics/submit", body, what="refund", ident=refund_id
        )
        return T.refund(data)

    def modify_refund(
        self,
        refund_id: str,
        apply_payment_fen: int,
        reason_id: int,
        description: str,
        goods_status: str | None,
        vouchers: tuple[str, ...] | None,
    ) -> P.MarketRefund:
        body: dict[str, Any] = {
            "refundId": refund_id,
            "refundFee": apply_payment_fen,
            "reasonId": reason_id,
            "refundDesc": description[:200],
        }
        if goods_status is not None:
            body["goodsStatus"] = T.goods_status(goods_status)
        if vouchers is not None:
            body["refundImages"] = list(vouchers)
        data = self.client.write("/open/order/refund/modify", body, what="refund", ident=refund_id)
        return T.refund(data)

    def refund_notes(self, refund_id: str) -> tuple[P.RefundNote, ...]:
        notes: list[P.RefundNote] = []
        for page_no in range(1, 1000):  # bounded
            page = self.client.read(
                "POST",
                "/open/order/refund/message/list",
                {"refundId": refund_id, "pageNo": page_no, "pageSize": 100},
                what="refund",
                ident=refund_id,
            )
            items = page.get("data") or ()
            notes.extend(T.note(refund_id, n) for n in items)
            if len(items) < 100 or page_no >= int(page.get("totalPage") or page_no):
                break
        return tuple(notes)

    def add_refund_note(
        self, refund_id: str, content: str, images: tuple[str, ...], op_request_id: str
    ) -> P.RefundNote:
        body: dict[str, Any] = {"refundId": refund_id, "refundMessage": content}
        if images:
            body["refundImages"] = list(images)
        data = self.client.write(
            "/open/order/refund/submit/message",
            body,
            idempotency_key=op_request_id,
            what="refund",
            ident=refund_id,
        )
        return T.note(
            refund_id,
            {
                "id": data.get("id"),
                "owner": "buyer",
                "content": content,
                "images": list(images),
                "createTime": data.get("createTime"),
            },
        )
