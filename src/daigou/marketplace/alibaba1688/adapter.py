"""The 1688 Open Platform adapter: the marketplace port over the buyer API set (reference
section 2.4), as the 1688 protocol stub answers it (tests/support/alibaba_stub.py).

``AlibabaMarketplace(client, inbox=...)`` serves ``Platform.ALIBABA`` only: a call naming
another platform raises ``MarketplaceNotFound`` (the composite routes Taobao elsewhere). Reads
go through ``client.read`` (retried by the client on transient failures), writes through
``client.write`` (sent once: a lost answer is ``MarketplaceTimeout``, settled by the
reconciler's queries). ``inbox`` is the feed (see ``messages`` below).

The mapping, API by API (the answers read into the port's objects by ``mapper.py``):

- ``search``: ``product.search.keywordQuery`` (``offerQueryParam``: ``keyword``, page,
  ``country``, ``sort``, ``priceStart``/``priceEnd`` in yuan, ``categoryId``); yuan prices ->
  fen. A store (``shop_id``, the ``sellerOpenId``: 1688 has no shop id in this answer):
  ``product.search.querySellerOfferList`` (``offerQueryParam`` with ``sellerOpenId``, the
  keyword when given, and the same page, sort, price and category fields). Nothing to search
  by (no keyword, store, picture, category, price range, nor a price order):
  ``product.search.offerRecommend`` (``recommendOfferParam``: page and ``country`` only). Both
  answer keywordQuery's page (shapes inferred; a malformed page is ``BAD_ANSWER``). By picture:
  ``product.image.upload`` (``uploadImageParam.imageBase64``; answer: an ``imageId``, sent as
  a read: see ``_upload_picture``), then ``product.search.imageQuery`` with ``imageId`` and
  the same page, language, sort, price, category and seller fields, answered as keywordQuery
  is; a picture 1688 refuses is ``PictureRefused`` (port.py; shapes inferred).
- ``offer``: ``product.search.queryProductDetail``; SKU prices and tiers yuan -> fen; weight kg
  -> g and sizes cm -> mm; the detail carries no freight, so ``first_fee_fen`` and
  ``extra_fee_fen`` are 0 (the preview prices freight).
- ``categories``: ``category.translation.getById`` (``categoryId``, ``language``; ``0`` the
  top level): the category with its names (Chinese, translated) and ``childCategorys`` one
  level below (shape inferred).
- ``offer_activities``: no activity API is mapped yet: the offer is read (an unknown offer is
  not found) and the answer is ``()`` ("none", which the port allows), never made up.
- ``preview``: ``alibaba.createOrder.preview`` (``orderPreviewResuslt``, sic; fen); a line
  error comes as ``errorCode``/``errorMsg`` next to the results.
- ``create_order``: first ``buyerView`` by ``outOrderId`` (1688 deduplicates creates by it but
  its answer does not say "replayed": the adapter asks first, so a second create is never
  sent); then ``alibaba.trade.createCrossOrder`` once; ``orderId`` or the multi-order
  ``orderList``, and ``failedOfferList``; each created order is then read by ``buyerView``
  (a failure of that read after a create that happened is ``MarketplaceTimeout``: unknown).
- ``order``: ``alibaba.trade.get.buyerView``: yuan amounts -> fen (``discount`` is derived
  from the yuan totals, its own sign being unverified), the four time spellings, status and
  line statuses, ``nativeLogistics`` parcels and address.
- ``orders_by_out_order_id``: ``buyerView`` by ``outOrderId`` (not found: ``()``).
- ``cancel_order``: ``alibaba.trade.cancel`` (``tradeID``, ``webSite``, ``cancelReason``; 1688
  takes no request id), then ``buyerView``.
- ``pay``: ``alibaba.trade.pay.protocolPay.preparePay`` with ``opRequestId`` and ``payAmount``
  in fen; a business refusal is ``PayResult(paid=False, code, message)``.
- ``confirm_receipt``: ``trade.receivegoods.confirm`` (``orderId``, ``orderEntryIds``).
- ``logistics``: the parcels of ``buyerView``'s ``nativeLogistics`` with the steps of
  ``getLogisticsTraceInfo.buyerView`` (its "404, no trace yet" leaves them without steps).
- refunds: ``getRefundReasonList``, ``createRefund`` (then ``OpQueryOrderRefund``),
  ``OpQueryOrderRefund``, ``OpQueryBatchRefundByOrderIdAndStatus`` (``order_refunds``),
  ``cancelRefund``, ``refund.returnGoods``, all amounts in fen; ``refund_notes`` from
  ``OpQueryOrderRefundOperationList`` (its members inferred). ``modify_refund`` and
  ``add_refund_note`` have no buyer API in the reference: ``Unsupported``.
- ``messages``: the feed (feed.py): the inbox (inbox.py, the cursor a ``seq``), fed by the
  pushes of 1688's message centre (``POST /callbacks/alibaba``) and by the compensation pull
  ``push.query.messageList``, whose messages are kept before they are confirmed.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from daigou.marketplace import port as P
from daigou.marketplace.alibaba1688.client import AopCaller
from daigou.marketplace.alibaba1688.errors import GatewayRefused
from daigou.marketplace.alibaba1688.feed import Feed
from daigou.marketplace.alibaba1688.inbox import Inbox
from daigou.marketplace.alibaba1688.mapper import (
    ALI,
    as_dict,
    as_int,
    as_list,
    as_text,
    bad_picture,
    category_from_translation,
    fen_or,
    image_id_from_upload,
    note_from_operation,
    offer_from_detail,
    order_from_buyer_view,
    payload,
    refund_from_detail,
    search_page,
    yuan,
)
from daigou.marketplace.alibaba1688.values import fen_to_yuan, parse_time

TRADE = "com.alibaba.trade"
LOGISTICS = "com.alibaba.logistics"
GOODS = "com.alibaba.fenxiao.crossborder"
WEBSITE = "1688"
# refusals that mean "no such thing" in the stub's and 1688's business answers
NOT_FOUND_CODES = frozenset({"NOT_FOUND", "404", "ORDER_NOT_EXIST", "OFFER_NOT_EXIST"})
SORTS = {
    P.Sort.PRICE_ASC: {"price": "asc"},
    P.Sort.PRICE_DESC: {"price": "desc"},
    P.Sort.SALES_DESC: {"monthSold": "desc"},
}


class Unsupported(P.Unsupported):
    """The port asks for something no 1688 buyer API gives (or none is mapped yet)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"1688: {what} is not supported by this adapter")


def _recommended(query: P.SearchQuery) -> bool:
    """Nothing to search by (no keyword, store, picture, category or price range) and no price
    order asked: ``offerRecommend``, which takes only the page and language (a price sort
    needs keywordQuery's ``sort``; a sales or relevance order is 1688's own choice here)."""
    return (
        query.image is None
        and not query.keyword.strip()
        and not query.shop_id
        and query.category_id is None
        and query.price_min_fen is None
        and query.price_max_fen is None
        and query.sort not in (P.Sort.PRICE_ASC, P.Sort.PRICE_DESC)
    )


class AlibabaMarketplace:
    """The port over the 1688 Open Platform buyer APIs (see the module)."""

    name = "alibaba1688"

    def __init__(
        self,
        client: AopCaller,
        *,
        pay_channel: str = "alipay",
        inbox: Inbox | None = None,
        pull_interval_s: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.pay_channel = pay_channel
        # the feed: pushes received and pulls kept (inbox.py), pulled at most every
        # ``pull_interval_s`` (0: on every messages())
        self.feed = Feed(client, inbox, pull_interval_s, monotonic) if inbox is not None else None

    # --- plumbing -------------------------------------------------------------------------
    @staticmethod
    def _ali(platform: P.Platform) -> None:
        if platform is not ALI:
            raise P.MarketplaceNotFound("platform", f"{platform} (this adapter serves 1688 only)")

    def _read(self, ns: str, api: str, params: Mapping[str, Any], what: str, ident: str) -> Any:
        try:
            return self.client.read(ns, api, params)
        except P.MarketplaceNotFound as exc:
            raise P.MarketplaceNotFound(what, ident) from exc
        except P.MarketplaceRefused as exc:
            if exc.code in NOT_FOUND_CODES and not isinstance(exc, GatewayRefused):
                raise P.MarketplaceNotFound(what, ident) from exc
            raise

    def _write(self, ns: str, api: str, params: Mapping[str, Any], what: str, ident: str) -> Any:
        try:
            return self.client.write(ns, api, params)
        except P.MarketplaceNotFound as exc:
            raise P.MarketplaceNotFound(what, ident) from exc
        except P.MarketplaceRefused as exc:
            if exc.code in NOT_FOUND_CODES and not isinstance(exc, GatewayRefused):
                raise P.MarketplaceNotFound(what, ident) from exc
            raise

    # --- goods ----------------------------------------------------------------------------
    def search(self, query: P.SearchQuery) -> P.SearchPage:
        self._ali(query.platform)
        param: dict[str, Any] = {
            "beginPage": query.page,
            "pageSize": query.page_size,
            "country": query.language,
        }
        if _recommended(query):
            api = "product.search.offerRecommend"
            body = self._read(GOODS, api, {"recommendOfferParam": param}, "search", "recommended")
            return search_page(body, api, query.page_size)
        if query.sort in SORTS:
            param["sort"] = json.dumps(SORTS[query.sort])
        if query.price_min_fen is not None:
            param["priceStart"] = fen_to_yuan(query.price_min_fen)
        if query.price_max_fen is not None:
            param["priceEnd"] = fen_to_yuan(query.price_max_fen)
        if query.category_id is not None:
            param["categoryId"] = query.category_id
        if query.shop_id:
            param["sellerOpenId"] = query.shop_id
        what = "search"
        if query.image is not None:
            param["imageId"] = self._upload_picture(query.image)
            api, ident = "product.search.imageQuery", "by picture"
        elif query.shop_id:
            if query.keyword.strip():
                param["keyword"] = query.keyword
            api, what, ident = "product.search.querySellerOfferList", "shop", query.shop_id
        else:
            param["keyword"] = query.keyword
            api, ident = "product.search.keywordQuery", query.keyword
        body = self._read(GOODS, api, {"offerQueryParam": param}, what, ident)
        return search_page(body, api, query.page_size)

    def _upload_picture(self, image: bytes) -> str:
        """``product.image.upload`` (the picture as base64): the ``imageId`` imageQuery takes.

        Sent as a READ, retried on transient failures: an upload creates nothing the buyer
        owns (no order, no money, nothing another call depends on), so an upload repeated
        after a lost answer only costs 1688 a second image id, and the search is a read. A
        business refusal of the upload is a refusal of the picture (its one input):
        ``PictureRefused``, a ValueError as the sandbox's, so the gateway answers 40001 on the
        picture's field; the gateway's own refusals (signature, token) stay what they are."""
        params = {"uploadImageParam": {"imageBase64": base64.b64encode(image).decode("ascii")}}
        try:
            body = self.client.read(GOODS, "product.image.upload", params)
        except GatewayRefused:
            raise
        except P.MarketplaceRefused as exc:
            raise bad_picture(exc.code, exc.message) from exc
        return image_id_from_upload(body)

    def offer(self, platform: P.Platform, offer_id: str, language: str) -> P.Offer:
        self._ali(platform)
        param = {"offerId": offer_id, "country": language}
        body = self._read(
            GOODS,
            "product.search.queryProductDetail",
            {"offerDetailParam": param},
            "offer",
            offer_id,
        )
        d = as_dict(payload(body))
        if not d:
            raise P.MarketplaceNotFound("offer", offer_id)
        return offer_from_detail(d)

    def categories(self, platform: P.Platform, parent_id: int, language: str) -> P.Category:
        self._ali(platform)
        params = {"categoryId": parent_id, "language": language}
        body = self._read(GOODS, "category.translation.getById", params, "category", str(parent_id))
        return category_from_translation(body)

    def offer_activities(
        self, platform: P.Platform, offer_id: str, language: str
    ) -> tuple[P.Activity, ...]:
        self.offer(platform, offer_id, language)  # an unknown offer is not found
        return ()  # no activity API mapped: none, never made up

    # --- orders ---------------------------------------------------------------------------
    @staticmethod
    def _order_params(draft: P.OrderDraft) -> dict[str, Any]:
        a = draft.address
        address = {
            "fullName": a.full_name,
            "mobile": a.mobile,
            "phone": a.phone,
            "postCode": a.post_code,
            "provinceText": a.province,
            "cityText": a.city,
            "areaText": a.area,
            "townText": a.town,
            "address": a.address,
            "districtCode": a.district_code,
        }
        cargo = [
            {"offerId": ln.offer_id, "specId": ln.spec_id, "quantity": ln.quantity}
            for ln in draft.lines
        ]
        params: dict[str, Any] = {
            "addressParam": {k: v for k, v in address.items() if v},
            "cargoParamList": [{k: v for k, v in c.items() if v is not None} for c in cargo],
            "flow": draft.flow or None,
            "message": draft.message or None,
            "outOrderId": draft.out_order_id,
        }
        return params

    def preview(self, draft: P.OrderDraft) -> P.Preview:
        self._ali(draft.platform)
        body = self.client.read(TRADE, "alibaba.createOrder.preview", self._order_params(draft))
        orders = []
        for r in as_list(body.get("orderPreviewResuslt")):
            lines = tuple(
                P.PricedLine(
                    offer_id=as_text(c.get("offerId")),
                    spec_id=c.get("specId") or None,
                    quantity=self._quantity_of(draft, c),
                    unit_price_fen=yuan(c.get("finalUnitPrice")),
                )
                for c in as_list(r.get("cargoList"))
            )
            total = fen_or(r.get("sumPayment"))
            shipping = fen_or(r.get("sumCarriage"))
            discount = fen_or(r.get("discountFee"))
            product = total - shipping + discount
            orders.append(
                P.PreviewOrder(
                    lines=lines,
                    product_fen=product,
                    shipping_fen=shipping,
                    discount_fen=discount,
                    total_fen=total,
                    promotions=tuple(
                        P.Promotion(
                            as_text(p.get("promotionId")),
                            as_text(p.get("text")),
                            fen_or(p.get("discountFee")),
                            bool(p.get("selected")),
                        )
                        for p in as_list(r.get("shopPromotionList"))
                    ),
                )
            )
        failures: tuple[P.LineFailure, ...] = ()
        code = as_text(body.get("errorCode"))
        if code and orders:  # a line refused next to what can be ordered
            failures = (P.LineFailure("", None, code, as_text(body.get("errorMsg"))),)
        return P.Preview(tuple(orders), failures)

    @staticmethod
    def _quantity_of(draft: P.OrderDraft, cargo: Mapping[str, Any]) -> int:
        offer, spec = as_text(cargo.get("offerId")), cargo.get("specId") or None
        for ln in draft.lines:
            if ln.offer_id == offer and (ln.spec_id or None) == spec:
                return ln.quantity
        return as_int(cargo.get("quantity"), 1)

    def create_order(self, draft: P.OrderDraft) -> P.CreateResult:
        self._ali(draft.platform)
        if draft.out_order_id:
            existing = self.orders_by_out_order_id(ALI, draft.out_order_id)
            if existing:
                return P.CreateResult(existing, replayed=True)
        params = self._order_params(draft)
        params["isvBizType"] = "cross"
        body = self.client.write(TRADE, "alibaba.trade.createCrossOrder", params)
        result = as_dict(body.get("result"))
        ids = [
            as_text(o.get("orderId")) for o in as_list(result.get("orderList")) if o.get("orderId")
        ]
        if not ids and result.get("orderId"):
            ids = [as_text(result.get("orderId"))]
        failures = tuple(
            P.LineFailure(
                as_text(f.get("offerId")),
                f.get("specId") or None,
                as_text(f.get("errorCode")) or "FAILED",
                as_text(f.get("errorMessage")),
            )
            for f in as_list(result.get("failedOfferList"))
        )
        if not ids:
            first = failures[0] if failures else P.LineFailure("", None, "FAILED", "no order")
            stock = first.code in {"STOCK_NOT_ENOUGH", "QUANTITY_LESS_THAN_MIN", "OFFER_OFFLINE"}
            raise P.MarketplaceRefused(first.code, first.message, stock_problem=stock)
        try:
            orders = tuple(self.order(ALI, i) for i in ids)
        except (P.MarketplaceError, P.MarketplaceTimeout) as exc:
            # the orders exist; only reading them failed: unknown to the caller, who reconciles
            raise P.MarketplaceTimeout("alibaba.trade.createCrossOrder") from exc
        return P.CreateResult(orders, failures)

    def orders_by_out_order_id(
        self, platform: P.Platform, out_order_id: str
    ) -> tuple[P.MarketOrder, ...]:
        self._ali(platform)
        params = {"webSite": WEBSITE, "outOrderId": out_order_id}
        try:
            body = self._read(TRADE, "alibaba.trade.get.buyerView", params, "order", out_order_id)
        except P.MarketplaceNotFound:
            return ()
        info = as_dict(body.get("result"))
        return (self._order(info),) if info else ()

    def order(self, platform: P.Platform, order_id: str) -> P.MarketOrder:
        self._ali(platform)
        params = {"webSite": WEBSITE, "orderId": order_id}
        body = self._read(TRADE, "alibaba.trade.get.buyerView", params, "order", order_id)
        info = as_dict(body.get("result"))
        if not info:
            raise P.MarketplaceNotFound("order", order_id)
        return self._order(info)

    @staticmethod
    def _order(info: Mapping[str, Any]) -> P.MarketOrder:
        return order_from_buyer_view(info)

    def cancel_order(
        self, platform: P.Platform, order_id: str, reason: str, op_request_id: str
    ) -> P.MarketOrder:
        self._ali(platform)
        params = {"tradeID": order_id, "webSite": WEBSITE, "cancelReason": reason or "other"}
        self._write(TRADE, "alibaba.trade.cancel", params, "order", order_id)
        return self.order(ALI, order_id)

    def pay(
        self, platform: P.Platform, order_id: str, amount_fen: int, op_request_id: str
    ) -> P.PayResult:
        self._ali(platform)
        param = {
            "orderId": order_id,
            "payChannel": self.pay_channel,
            "payAmount": amount_fen,
            "opRequestId": op_request_id,
        }
        try:
            body = self._write(
                TRADE,
                "alibaba.trade.pay.protocolPay.preparePay",
                {"tradeWithholdPreparePayParam": param},
                "order",
                order_id,
            )
        except GatewayRefused:
            raise
        except P.MarketplaceNotFound:
            raise
        except P.MarketplaceRefused as exc:
            return P.PayResult(order_id, False, 0, exc.code, exc.message)
        result = as_dict(body.get("result"))
        if result.get("paySuccess") is False:
            code = as_text(body.get("code")) or "PAY_FAILED"
            return P.PayResult(order_id, False, 0, code, as_text(body.get("message")) or None)
        return P.PayResult(order_id, True, amount_fen)

    def confirm_receipt(
        self, platform: P.Platform, order_id: str, entry_ids: tuple[str, ...]
    ) -> P.MarketOrder:
        self._ali(platform)
        params: dict[str, Any] = {"orderId": order_id}
        if entry_ids:
            params["orderEntryIds"] = list(entry_ids)
        self._write(TRADE, "trade.receivegoods.confirm", params, "order", order_id)
        return self.order(ALI, order_id)

    def logistics(self, platform: P.Platform, order_id: str) -> tuple[P.Parcel, ...]:
        parcels = self.order(platform, order_id).parcels
        if not parcels:
            return ()
        params = {"orderId": order_id, "webSite": WEBSITE}
        try:
            body = self.client.read(
                LOGISTICS, "alibaba.trade.getLogisticsTraceInfo.buyerView", params
            )
        except P.MarketplaceNotFound:  # "404": no trace yet (tracking lags)
            return parcels
        except P.MarketplaceRefused as exc:
            if exc.code in NOT_FOUND_CODES:
                return parcels
            raise
        steps: dict[str, tuple[P.LogisticsStep, ...]] = {}
        for trace in as_list(body.get("logisticsTrace")):
            steps[as_text(trace.get("logisticsId"))] = tuple(
                P.LogisticsStep(parse_time(s.get("acceptTime")), as_text(s.get("remark")))
                for s in as_list(trace.get("logisticsSteps"))
            )
        return tuple(
            P.Parcel(
                logistics_id=p.logistics_id,
                bill_no=p.bill_no,
                company_name=p.company_name,
                entry_ids=p.entry_ids,
                shipped_ms=p.shipped_ms,
                steps=steps.get(p.logistics_id, p.steps),
                delivered_ms=p.delivered_ms,
            )
            for p in parcels
        )

    # --- after-sales ----------------------------------------------------------------------
    def refund_reasons(
        self, platform: P.Platform, order_id: str, entry_ids: tuple[str, ...], goods_status: str
    ) -> tuple[P.RefundReason, ...]:
        self._ali(platform)
        params = {
            "orderId": order_id,
            "orderEntryIds": list(entry_ids),
            "goodsStatus": goods_status,
        }
        body = self._read(TRADE, "alibaba.trade.getRefundReasonList", params, "order", order_id)
        return tuple(
            P.RefundReason(
                reason_id=as_int(r.get("id")),
                name=as_text(r.get("name")),
                need_voucher=bool(r.get("needVoucher")),
                no_refund_carriage=bool(r.get("noRefundCarriage")),
                tip=as_text(r.get("tip")),
            )
            for r in as_list(as_dict(payload(body)).get("reasons"))
        )

    def create_refund(self, draft: P.RefundDraft) -> P.MarketRefund:
        self._ali(draft.platform)
        params: dict[str, Any] = {
            "orderId": draft.order_id,
            "orderEntryIds": list(draft.entry_ids),
            "disputeRequest": draft.dispute_request,
            "applyPayment": draft.apply_payment_fen,
            "applyCarriage": draft.apply_carriage_fen,
            "applyReasonId": draft.reason_id,
            "description": draft.description,
            "goodsStatus": draft.goods_status,
            "vouchers": list(draft.vouchers) or None,
            "orderEntryCountList": ([{"id": e, "count": n} for e, n in draft.quantities] or None),
        }
        body = self._write(TRADE, "alibaba.trade.createRefund", params, "order", draft.order_id)
        refund_id = as_text(as_dict(payload(body)).get("refundId"))
        if not refund_id:
            raise P.MarketplaceTimeout("alibaba.trade.createRefund")  # no id: unknown
        try:
            return self.refund(ALI, refund_id)
        except (P.MarketplaceError, P.MarketplaceTimeout) as exc:
            raise P.MarketplaceTimeout("alibaba.trade.createRefund") from exc

    def refund(self, platform: P.Platform, refund_id: str) -> P.MarketRefund:
        self._ali(platform)
        params = {"refundId": refund_id, "needTimeOutInfo": True}
        body = self._read(
            TRADE, "alibaba.trade.refund.OpQueryOrderRefund", params, "refund", refund_id
        )
        detail = as_dict(as_dict(body.get("result")).get("opOrderRefundModelDetail"))
        if not detail:
            raise P.MarketplaceNotFound("refund", refund_id)
        return refund_from_detail(detail)

    def order_refunds(self, platform: P.Platform, order_id: str) -> tuple[P.MarketRefund, ...]:
        self._ali(platform)
        params = {"orderId": order_id, "queryType": "1"}
        body = self._read(
            TRADE,
            "alibaba.trade.refund.OpQueryBatchRefundByOrderIdAndStatus",
            params,
            "order",
            order_id,
        )
        models = as_list(as_dict(body.get("result")).get("opOrderRefundModels"))
        refunds = [refund_from_detail(as_dict(m)) for m in models]
        return tuple(sorted(refunds, key=lambda r: (r.created_ms, r.refund_id)))

    def cancel_refund(
        self, platform: P.Platform, refund_id: str, op_request_id: str
    ) -> P.MarketRefund:
        self._ali(platform)
        self._write(
            TRADE, "alibaba.trade.cancelRefund", {"refundId": refund_id}, "refund", refund_id
        )
        return self.refund(ALI, refund_id)

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
        self._ali(platform)
        params = {
            "refundId": refund_id,
            "logisticsCompanyNo": company_no,
            "freightBill": bill_no,
            "description": description or None,
            "vouchers": list(vouchers) or None,
        }
        self._write(TRADE, "alibaba.trade.refund.returnGoods", params, "refund", refund_id)
        return self.refund(ALI, refund_id)

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
        self._ali(platform)
        raise Unsupported("modifying a refund request")

    def refund_notes(self, platform: P.Platform, refund_id: str) -> tuple[P.RefundNote, ...]:
        self._ali(platform)
        body = self._read(
            TRADE,
            "alibaba.trade.refund.OpQueryOrderRefundOperationList",
            {"refundId": refund_id},
            "refund",
            refund_id,
        )
        models = as_list(as_dict(body.get("result")).get("opOrderRefundOperationModels"))
        notes = [note_from_operation(as_dict(m), refund_id) for m in models]
        return tuple(sorted(notes, key=lambda n: n.created_ms))

    def add_refund_note(
        self,
        platform: P.Platform,
        refund_id: str,
        content: str,
        images: tuple[str, ...],
        op_request_id: str,
    ) -> P.RefundNote:
        self._ali(platform)
        raise Unsupported("a buyer's refund note")

    # --- messages -------------------------------------------------------------------------
    def messages(self, platform: P.Platform, cursor: str | None, limit: int) -> P.MessageBatch:
        """The inbox after ``cursor``, the compensation pull run first when due (feed.py)."""
        self._ali(platform)
        if self.feed is None:
            raise Unsupported("messages without an inbox (the composition root gives one)")
        return self.feed.read(cursor, limit)


# --- the answer shapes, as functions (unit-tested apart) --------------------------------------
