"""The port over a PandaPon account (ENDPOINTS sections 0-7, as PandaPon defines them).

1688: goods (5.1, 5.2/5.6, 5.3 by picture, 5.4, 5.5, 9.2), the whole purchase (6.1 preview,
6.2 create with ``outOrderId``, 6.5 detail, 6.6 by ``outOrderId``, 6.7 cancel, 6.9 bulk pay
for one order, 6.10 confirm, 6.11 logistics) and after-sales (7.1, 7.3, 7.4, 7.5, 7.6,
7.7). Taobao: every port method over sections 1-3 (``taobao.py``, which lists the calls that
need a daigou upstream, 1.5 search by picture among them).
The feed of both: PandaPon's callbacks as received (inbox.py) or, without them, its pull API
(0.5 list by cursor and ``messagePlatform``, 0.8 confirm). Not available: what PandaPon's
1688 API has no call for (modifying a refund, adding a negotiation note): these raise
``port.Unsupported`` (the gateway answers 40901, ``upstreamCode`` UNSUPPORTED).

A search by picture (5.3 here, 1.5 for Taobao) sends the picture as ``imageBase64``: up to
3 MB, PandaPon's limit (ENDPOINTS 1.5/5.3), which is the gateway's own, so a picture the
gateway accepted fits (its base64, about 4 MB, is under the 8 MiB body limit of CONTRACT
section 4 for picture routes); a larger one, or one the upstream refuses (40001), is
``PictureRefused`` (port.py), a ValueError as the sandbox's, so the gateway answers 40001 too.

Every write carries the port's deduplication key as ``Idempotency-Key`` (and ``outOrderId``
or ``sellerOrderNumber`` on create), so the upstream answers a repeat with its first answer.
"""

from __future__ import annotations

from typing import Any

from daigou.marketplace import port as P
from daigou.marketplace.pandapon import mapper as M
from daigou.marketplace.pandapon.client import PandaPonClient
from daigou.marketplace.pandapon.inbox import Inbox
from daigou.marketplace.pandapon.taobao import PandaPonTaobao

TAOBAO = P.Platform.TAOBAO

SORTS = {
    P.Sort.PRICE_ASC: {"price": "asc"},
    P.Sort.PRICE_DESC: {"price": "desc"},
    P.Sort.SALES_DESC: {"monthSold": "desc"},
}


def _unsupported(platform: P.Platform, what: str) -> P.Unsupported:
    return P.Unsupported(f"{what} on {platform.value} is not available through PandaPon")


class PandaPonMarketplace:
    """``Marketplace`` for the platforms bought through one PandaPon account."""

    name = "pandapon"

    def __init__(self, client: PandaPonClient, inbox: Inbox | None = None) -> None:
        self.client = client
        self.inbox = inbox  # PandaPon's pushes as received; None: pull them (0.5, 0.8)
        self.taobao = PandaPonTaobao(client)  # the Taobao half, on the same client

    # --- goods -----------------------------------------------------------------------------
    def search(self, query: P.SearchQuery) -> P.SearchPage:
        if query.platform is TAOBAO:
            return self.taobao.search(query)
        body: dict[str, Any] = {
            "beginPage": query.page,
            "pageSize": query.page_size,
            "country": query.language,
        }
        if query.sort in SORTS:
            body["sort"] = SORTS[query.sort]
        for name, value in (
            ("priceStart", query.price_min_fen),
            ("priceEnd", query.price_max_fen),
            ("categoryId", query.category_id),
        ):
            if value is not None:
                body[name] = value
        if query.image is not None:
            body["imageBase64"] = M.picture_base64(query.image)
            if query.shop_id:
                body["sellerOpenId"] = query.shop_id
            try:
                page = self.client.read("POST", "/alibaba/product/image/query", body)
            except P.MarketplaceError as exc:
                if (refused := M.picture_refusal(exc)) is None:
                    raise
                raise refused from exc
            return M.search_page(page)
        if query.shop_id:
            body |= {"sellerOpenId": query.shop_id, "keyword": query.keyword}
            path = "/alibaba/product/query/selleroffer"
        elif query.keyword:
            body["keyword"] = query.keyword
            path = "/alibaba/product/keywords/query"
        else:
            path = "/alibaba/product/recommend/query"
        return M.search_page(self.client.read("POST", path, body))

    def offer(self, platform: P.Platform, offer_id: str, language: str) -> P.Offer:
        if platform is TAOBAO:
            return self.taobao.offer(offer_id, language)
        data = self.client.read(
            "POST",
            "/alibaba/product/detail/get",
            {"offerId": offer_id, "country": language},
            what="offer",
            ident=offer_id,
        )
        return M.offer(data)

    def categories(self, platform: P.Platform, parent_id: int, language: str) -> P.Category:
        if platform is TAOBAO:
            return self.taobao.categories(parent_id)
        data = self.client.read(
            "POST",
            "/alibaba/product/category/get",
            {"categoryId": str(parent_id), "country": language},
            what="category",
            ident=str(parent_id),
        )
        return M.category(data)

    def offer_activities(
        self, platform: P.Platform, offer_id: str, language: str
    ) -> tuple[P.Activity, ...]:
        if platform is TAOBAO:
            return self.taobao.offer_activities(offer_id, language)
        data = self.client.read(
            "POST",
            "/alibaba/marketing/offer/activity/query",
            {"offerId": offer_id, "country": language},
            what="offer",
            ident=offer_id,
        )
        return tuple(M.activity(a) for a in data.get("activities") or ())

    # --- orders ------------------------------------------------------------------------------
    def _draft_body(self, draft: P.OrderDraft) -> dict[str, Any]:
        body: dict[str, Any] = {
            "flow": draft.flow,
            "addressParam": M.address_param(draft.address),
            "cargoParamList": M.cargo(draft.lines),
        }
        if draft.out_order_id:
            body["outOrderId"] = draft.out_order_id
        return body

    def preview(self, draft: P.OrderDraft) -> P.Preview:
        if draft.platform is TAOBAO:
            return self.taobao.preview(draft)
        data = self.client.read("POST", "/alibaba/order/create/preview", self._draft_body(draft))
        return M.preview(data)

    def create_order(self, draft: P.OrderDraft) -> P.CreateResult:
        if draft.platform is TAOBAO:
            return self.taobao.create_order(draft)
        body = self._draft_body(draft)
        if draft.message:
            body["message"] = draft.message
        if draft.shop_promotion_id:
            body["shopPromotionId"] = draft.shop_promotion_id
        # no Idempotency-Key: ``outOrderId`` is the upstream's business key, and a repeat is
        # answered with the existing orders and ``replayed`` (a replayed key would hide it)
        data = self.client.write("/alibaba/order/create", body)
        ids = [str(o["orderId"]) for o in data.get("orderList") or ()]
        if not ids and data.get("orderId"):
            ids = [str(data["orderId"])]
        return P.CreateResult(
            orders=tuple(self.order(draft.platform, oid) for oid in ids),
            failures=M.line_failures(data.get("failedOfferList")),
            replayed=bool(data.get("replayed")),
        )

    def orders_by_out_order_id(
        self, platform: P.Platform, out_order_id: str
    ) -> tuple[P.MarketOrder, ...]:
        if platform is TAOBAO:
            return self.taobao.orders_by_out_order_id(out_order_id)
        rows = self.client.every_row("/alibaba/order/page", {"outOrderId": out_order_id})
        return tuple(sorted((M.order(o) for o in rows), key=lambda o: o.order_id))

    def order(self, platform: P.Platform, order_id: str) -> P.MarketOrder:
        if platform is TAOBAO:
            return self.taobao.order(order_id)
        data = self.client.read(
            "POST",
            "/alibaba/order/detail",
            {"webSite": "1688", "orderId": order_id},
            what="order",
            ident=order_id,
        )
        return M.order(data)

    def cancel_order(
        self, platform: P.Platform, order_id: str, reason: str, op_request_id: str
    ) -> P.MarketOrder:
        if platform is TAOBAO:
            return self.taobao.cancel_order(order_id, reason, op_request_id)
        self.client.write(
            "/alibaba/order/cancel",
            {"webSite": "1688", "orderId": order_id, "cancelReason": reason or "other"},
            idempotency_key=op_request_id,
            what="order",
            ident=order_id,
        )
        return self.order(platform, order_id)

    def pay(
        self, platform: P.Platform, order_id: str, amount_fen: int, op_request_id: str
    ) -> P.PayResult:
        """6.9 for one order, paid from the PandaPon account's balance, and only at the price
        the gateway holds: 6.9 pays whatever the order costs, so a price changed upstream is
        answered PRICE_CHANGED without paying (as the marketplaces do). The ``op_request_id``
        is the Idempotency-Key: a repeat gets the first answer; an order paid before under
        another key answers ORDER_ALREADY_PAID."""
        if platform is TAOBAO:
            return self.taobao.pay(order_id, amount_fen, op_request_id)
        current = self.order(platform, order_id)
        if (changed := M.price_changed(current, "waitbuyerpay", amount_fen)) is not None:
            return changed
        data = self.client.write(
            "/alibaba/order/batch/submit/to/pay",
            {"orderIds": [order_id]},
            idempotency_key=op_request_id,
            what="order",
            ident=order_id,
        )
        result: dict[str, Any] = next(
            (r for r in data.get("results") or () if str(r.get("orderId")) == order_id), {}
        )
        if order_id in [str(i) for i in data.get("successOrderIds") or ()]:
            if result.get("reasonCode") == "ALREADY_PAID":
                return P.PayResult(
                    order_id, False, 0, "ORDER_ALREADY_PAID", "the order was paid before"
                )
            return P.PayResult(order_id, True, amount_fen)
        failed: dict[str, Any] = next(
            (f for f in data.get("payFailOrders") or () if str(f.get("orderId")) == order_id), {}
        )
        code = str(failed.get("errorCode") or "PAY_FAILED")
        if code == "PAY_RESULT_UNKNOWN":
            raise P.MarketplaceTimeout("pay")
        return P.PayResult(order_id, False, 0, code, failed.get("errorReason"))

    def confirm_receipt(
        self, platform: P.Platform, order_id: str, entry_ids: tuple[str, ...]
    ) -> P.MarketOrder:
        if platform is TAOBAO:
            return self.taobao.confirm_receipt(order_id)
        body: dict[str, Any] = {"orderId": order_id}
        if entry_ids:
            body["orderEntryIds"] = list(entry_ids)
        data = self.client.write("/alibaba/order/receivegoods", body, what="order", ident=order_id)
        if isinstance(data, dict) and data.get("success") is False:
            raise P.MarketplaceRefused(
                str(data.get("errorCode") or "ORDER_STATUS_ERROR"), str(data.get("errorInfo"))
            )
        return self.order(platform, order_id)

    def logistics(self, platform: P.Platform, order_id: str) -> tuple[P.Parcel, ...]:
        if platform is TAOBAO:
            return self.taobao.logistics(order_id)
        data = self.client.read(
            "GET",
            "/alibaba/order/logistics/trace",
            params={"orderId": order_id, "webSite": "1688"},
            what="order",
            ident=order_id,
        )
        shipped = {p.logistics_id: p for p in self.order(platform, order_id).parcels}
        out = []
        for t in data.get("logisticsTrace") or ():
            p = M.parcel(t)
            known = shipped.get(p.logistics_id)
            if known is not None:  # the order knows when it shipped and was signed for
                p = P.Parcel(
                    p.logistics_id,
                    p.bill_no or known.bill_no,
                    p.company_name or known.company_name,
                    p.entry_ids or known.entry_ids,
                    known.shipped_ms,
                    p.steps,
                    known.delivered_ms,
                )
            out.append(p)
        return tuple(out)

    # --- after-sales ---------------------------------------------------------------------------
    def refund_reasons(
        self, platform: P.Platform, order_id: str, entry_ids: tuple[str, ...], goods_status: str
    ) -> tuple[P.RefundReason, ...]:
        if platform is TAOBAO:
            return self.taobao.refund_reasons(order_id, entry_ids, goods_status)
        data = self.client.read(
            "POST",
            "/alibaba/refund/reason/list",
            {"orderId": order_id, "orderEntryIds": list(entry_ids), "goodsStatus": goods_status},
            what="order",
            ident=order_id,
        )
        return tuple(
            P.RefundReason(
                int(r["id"]),
                str(r.get("name") or ""),
                bool(r.get("needVoucher")),
                bool(r.get("noRefundCarriage")),
                str(r.get("tip") or ""),
            )
            for r in data.get("reasons") or ()
        )

    def create_refund(self, draft: P.RefundDraft) -> P.MarketRefund:
        if draft.platform is TAOBAO:
            return self.taobao.create_refund(draft)
        body: dict[str, Any] = {
            "orderId": draft.order_id,
            "orderEntryIds": list(draft.entry_ids),
            "disputeRequest": draft.dispute_request,
            "applyPayment": draft.apply_payment_fen,
            "applyCarriage": draft.apply_carriage_fen,
            "applyReasonId": draft.reason_id,
            "description": draft.description,
            "goodsStatus": draft.goods_status,
        }
        if draft.vouchers:
            body["vouchers"] = list(draft.vouchers)
        if draft.quantities:
            body["orderEntryCountList"] = [{"id": e, "count": c} for e, c in draft.quantities]
        data = self.client.write(
            "/alibaba/refund/detail/create",
            body,
            idempotency_key=draft.op_request_id,
            what="order",
            ident=draft.order_id,
        )
        return self.refund(draft.platform, str(data["refundId"]))

    def _refund_detail(self, refund_id: str) -> dict[str, Any]:
        data: dict[str, Any] = self.client.read(
            "POST",
            "/alibaba/refund/detail/get",
            {"refundId": refund_id},
            what="refund",
            ident=refund_id,
        )
        return data

    def refund(self, platform: P.Platform, refund_id: str) -> P.MarketRefund:
        if platform is TAOBAO:
            return self.taobao.refund(refund_id)
        return M.refund(self._refund_detail(refund_id))

    def order_refunds(self, platform: P.Platform, order_id: str) -> tuple[P.MarketRefund, ...]:
        if platform is TAOBAO:
            return self.taobao.order_refunds(order_id)
        self.order(platform, order_id)  # an unknown order is not found, not an empty list
        rows = self.client.every_row("/alibaba/refund/page", {"orderId": order_id})
        return tuple(sorted((M.refund(r) for r in rows), key=lambda r: (r.created_ms, r.refund_id)))

    def cancel_refund(
        self, platform: P.Platform, refund_id: str, op_request_id: str
    ) -> P.MarketRefund:
        if platform is TAOBAO:
            return self.taobao.cancel_refund(refund_id, op_request_id)
        self.client.write(
            "/alibaba/refund/cancel",
            {"refundId": refund_id},
            idempotency_key=op_request_id,
            what="refund",
            ident=refund_id,
        )
        return self.refund(platform, refund_id)

    def return_goods(
        self,
        platform: P.Platform,
        refund_id: str,
        company_no: str,
        bill_no: str,
        *,
        description: str = "",
        vouchers: tuple[str, ...] = (),
    ) -> P.MarketRefund:
        if platform is TAOBAO:
            return self.taobao.return_goods(refund_id, company_no, bill_no, description)
        body: dict[str, Any] = {
            "refundId": refund_id,
            "logisticsCompanyNo": company_no,
            "freightBill": bill_no,
        }
        if description:
            body["description"] = description
        if vouchers:
            body["vouchers"] = list(vouchers)
        self.client.write("/alibaba/refund/goods/return", body, what="refund", ident=refund_id)
        return self.refund(platform, refund_id)

    def modify_refund(
        self,
        platform: P.Platform,
        refund_id: str,
        apply_payment_fen: int,
        reason_id: int,
        description: str,
        *,
        goods_status: str | None = None,
        vouchers: tuple[str, ...] | None = None,
    ) -> P.MarketRefund:
        if platform is TAOBAO:
            return self.taobao.modify_refund(
                refund_id, apply_payment_fen, reason_id, description, goods_status, vouchers
            )
        raise _unsupported(platform, "modifying a refund")

    def refund_notes(self, platform: P.Platform, refund_id: str) -> tuple[P.RefundNote, ...]:
        if platform is TAOBAO:
            return self.taobao.refund_notes(refund_id)
        return M.notes(refund_id, self._refund_detail(refund_id).get("operations"))

    def add_refund_note(
        self,
        platform: P.Platform,
        refund_id: str,
        content: str,
        images: tuple[str, ...],
        op_request_id: str,
    ) -> P.RefundNote:
        if platform is TAOBAO:
            return self.taobao.add_refund_note(refund_id, content, images, op_request_id)
        raise _unsupported(platform, "a negotiation note")

    # --- messages ------------------------------------------------------------------------------
    def messages(self, platform: P.Platform, cursor: str | None, limit: int) -> P.MessageBatch:
        """PandaPon's pushes as received (the inbox, when its callbacks come here), else the
        upstream's pull API (0.5, oldest first), each batch confirmed (0.8) once read.

        PandaPon's ``nextCursor`` is null on the last page, so the cursor kept (short: the feed
        stores it in 200 characters) is the page last read and the last message read on it
        (``p:<PandaPon's cursor of the page>:<messageId>``): the next call reads that page again
        and takes what follows that message, moving on to PandaPon's next page once a page has
        been read whole. A message no longer listed (pruned after 30 days) was older than the
        rest, so then the whole page is new."""
        if self.inbox is not None:
            return self.inbox.read(platform, cursor, limit)
        start, last = _cursor(cursor)
        params: dict[str, Any] = {"messagePlatform": platform.message_platform, "pageSize": 100}
        for _ in range(1000):  # bounded
            if start:
                params["cursor"] = start
            page = self.client.read("GET", "/open/message/list", params=params)
            data = list(page.get("data") or ())
            ids = [str(m.get("messageId")) for m in data]
            rows = data[ids.index(last) + 1 :] if last in ids else data
            following = page.get("nextCursor")
            if rows or not following:
                break
            start, last = following, ""
        batch = tuple(M.message(m) for m in rows[: max(1, limit)])
        if not batch:
            return P.MessageBatch((), cursor or "")
        self.client.write("/open/message/confirm", {"messageIds": [m.message_id for m in batch]})
        if len(batch) == len(rows) and following:
            return P.MessageBatch(batch, f"p:{following}:")
        return P.MessageBatch(batch, f"p:{start}:{batch[-1].message_id}")


def _cursor(cursor: str | None) -> tuple[str, str]:
    """A ``p:<page>:<last id>`` cursor's page (PandaPon's cursor, empty for the first) and the
    id of the last message read on it (empty: none yet)."""
    if not cursor or not cursor.startswith("p:"):
        return "", ""
    start, _, last = cursor[2:].rpartition(":")
    return start, last
