"""The developer's client: signed calls (CONTRACT section 2) and one method per endpoint.

Methods take the main fields as Python arguments and any other field of the endpoint under its
wire name (``**fields``, e.g. ``message="..."``); they return the envelope's ``data`` (JSON as
dicts and lists) or raise a ``DaigouError``. List methods named in the plural follow
``nextCursor`` for you (``ledger()``, ``orders()``, ``messages()``); ``*_page`` methods return
one page.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterator, Sequence
from typing import Any, Literal, cast
from urllib.parse import quote

import httpx

from daigou_sdk import schemas as S
from daigou_sdk._base import BaseClient, drop_none
from daigou_sdk.retry import RetryPolicy
from daigou_sdk.signing import hmac_signature, md5_signature

Json = dict[str, Any]
Dialect = Literal["daigou", "pandapon"]


class Client(BaseClient):
    """A developer's signed client.

    ``dialect="pandapon"`` talks to a developer created with the PandaPon dialect (CONTRACT
    section 1), or to PandaPon itself: MD5 signatures by default, and every answer read from
    the envelope's ``code`` (such servers answer errors as HTTP 200).
    """

    def __init__(
        self,
        base_url: str,
        access_key: str,
        secret: str,
        *,
        sign_method: str | None = None,
        dialect: Dialect = "daigou",
        user_id: str | None = None,
        timeout: float = 30.0,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        **kw: Any,
    ) -> None:
        if dialect not in ("daigou", "pandapon"):
            raise ValueError("dialect is 'daigou' or 'pandapon'")
        sign_method = sign_method or ("MD5" if dialect == "pandapon" else "HMAC-SHA256")
        if sign_method not in ("MD5", "HMAC-SHA256"):
            raise ValueError("sign_method is MD5 or HMAC-SHA256")
        super().__init__(
            base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry=retry,
            transport=transport,
            **kw,
        )
        self.access_key = access_key
        self.secret = secret
        self.sign_method = sign_method
        self.dialect = dialect
        self.user_id = user_id

    def __enter__(self) -> Client:
        return self

    def signed_headers(
        self,
        method: str,
        path: str,
        params: list[tuple[str, str]],
        body: bytes,
        user_id: str | None = None,
    ) -> dict[str, str]:
        timestamp = str(time.time_ns() // 1_000_000)
        nonce = secrets.token_hex(16)
        if self.sign_method == "MD5":
            signature = md5_signature(self.access_key, nonce, timestamp, self.secret)
        else:
            signature = hmac_signature(
                method, path, params, self.access_key, timestamp, nonce, body, self.secret
            )
        headers = {
            "access-key": self.access_key,
            "timestamp": timestamp,
            "nonce-str": nonce,
            "signature": signature,
            "sign-method": self.sign_method,
        }
        uid = user_id or self.user_id
        if uid:
            headers["user-id"] = uid
        return headers

    def _headers(
        self,
        method: str,
        path: str,
        pairs: list[tuple[str, str]],
        body: bytes,
        user_id: str | None,
    ) -> dict[str, str]:
        return self.signed_headers(method, path, pairs, body, user_id)

    # --- public ---------------------------------------------------------------------------------
    def health(self) -> S.Health:
        """GET /readyz: the gateway answers and reaches its database."""
        return cast(S.Health, self.get_json("/readyz"))

    # --- account (0.1-0.4) ----------------------------------------------------------------------
    def balance(self, currency: str = "CNY") -> S.Balance:
        return cast(S.Balance, self.get_json("/open/account/balance", {"currency": currency}))

    def ledger(self, page_size: int = 100, **filters: Any) -> Iterator[S.LedgerEntryOut]:
        """Every ledger entry, newest first (filters: type, orderId, startTime, ...)."""
        return self.paginate("GET", "/open/account/ledger", filters, page_size)

    def ledger_page(self, **query: Any) -> S.PageOutLedgerEntryOut:
        return cast(S.PageOutLedgerEntryOut, self.get_json("/open/account/ledger", query))

    def save_sub_account(
        self, user_name: str, user_id: str | None = None, **fields: Any
    ) -> S.SubAccountOut:
        body = {"userName": user_name, **fields, **drop_none(userId=user_id)}
        return cast(S.SubAccountOut, self.post_json("/open/subaccount/addOrUpdate", body))

    def sub_accounts(self, **query: Any) -> S.SubAccountPage:
        """One page of sub-accounts (query: status, userId, pageNo, pageSize)."""
        return cast(S.SubAccountPage, self.get_json("/open/subaccount/list", query))

    # --- saved addresses (10.1-10.3) -------------------------------------------------------------
    def save_address(self, address_id: int | None = None, **fields: Any) -> S.AddressOut:
        """Create a saved address (no ``address_id``) or change the fields given of one (10.1):
        name, phone, province, city, district, address, town, postCode, districtCode, label,
        isDefault. Its ``id`` is what orders take as ``addressId``."""
        body = {**fields, **drop_none(id=address_id)}
        return cast(S.AddressOut, self.post_json("/open/address/addOrUpdate", body))

    def addresses(self, **query: Any) -> S.PageOutAddressOut:
        """One page of the acting account's saved addresses, the default first (10.2)."""
        return cast(S.PageOutAddressOut, self.get_json("/open/address/list", query))

    def delete_address(self, address_id: int) -> bool:
        return bool(self.post("/open/address/delete", {"id": address_id}))

    # --- Taobao goods (1.1-1.6) -----------------------------------------------------------------
    def taobao_item(self, item_id: str, language: str = "en") -> S.TaobaoItem:
        return cast(
            S.TaobaoItem,
            self.get_json("/open/product/get", {"itemId": item_id, "language": language}),
        )

    def taobao_check(self, params: Sequence[S.BatchItem], language: str = "en") -> S.BatchCheckOut:
        body = {"params": list(params), "language": language}
        return cast(S.BatchCheckOut, self.post_json("/open/product/batch/check", body))

    def taobao_source_item(self, item_id: str, **fields: Any) -> S.TaobaoSourceItem:
        return cast(
            S.TaobaoSourceItem,
            self.post_json("/open/product/source/get", {"itemId": item_id, **fields}),
        )

    def taobao_search(
        self, keyword: str, language: str = "en", **fields: Any
    ) -> S.PageOutTaobaoSearchItem:
        body = {"keyword": keyword, "language": language, **fields}
        return cast(S.PageOutTaobaoSearchItem, self.post_json("/open/product/item/search", body))

    def taobao_image_search(
        self, image_address: str | None = None, image_base64: str | None = None, **fields: Any
    ) -> S.PageOutTaobaoSearchItem:
        body = {**drop_none(imageAddress=image_address, imageBase64=image_base64), **fields}
        return cast(S.PageOutTaobaoSearchItem, self.post_json("/open/product/image/search", body))

    def taobao_shop_search(self, shop_id: str, **fields: Any) -> S.PageOutTaobaoSearchItem:
        return cast(
            S.PageOutTaobaoSearchItem,
            self.post_json("/open/product/shop/search", {"shopId": shop_id, **fields}),
        )

    # --- 1688 goods (5.1-5.8) -------------------------------------------------------------------
    def offer(self, offer_id: str, country: str = "en", **fields: Any) -> S.Offer1688:
        body = {"offerId": offer_id, "country": country, **fields}
        return cast(S.Offer1688, self.post_json("/alibaba/product/detail/get", body))

    def search_offers(
        self, keyword: str, country: str = "en", **fields: Any
    ) -> S.PageOutOfferListItem1688:
        body = {"keyword": keyword, "country": country, **fields}
        return cast(
            S.PageOutOfferListItem1688, self.post_json("/alibaba/product/keywords/query", body)
        )

    def search_offers_by_image(
        self, image_address: str | None = None, image_base64: str | None = None, **fields: Any
    ) -> S.PageOutOfferListItem1688:
        body = {**drop_none(imageAddress=image_address, imageBase64=image_base64), **fields}
        return cast(
            S.PageOutOfferListItem1688, self.post_json("/alibaba/product/image/query", body)
        )

    def seller_offers(self, seller_open_id: str, **fields: Any) -> S.PageOutOfferListItem1688:
        body = {"sellerOpenId": seller_open_id, **fields}
        return cast(
            S.PageOutOfferListItem1688, self.post_json("/alibaba/product/query/selleroffer", body)
        )

    def category(self, category_id: int, country: str = "en") -> S.CategoryOut:
        body = {"categoryId": category_id, "country": country}
        return cast(S.CategoryOut, self.post_json("/alibaba/product/category/get", body))

    def recommended_offers(self, **fields: Any) -> S.PageOutOfferListItem1688:
        return cast(
            S.PageOutOfferListItem1688, self.post_json("/alibaba/product/recommend/query", fields)
        )

    def related_offers(self, offer_id: str, **fields: Any) -> S.PageOutOfferListItem1688:
        body = {"offerId": offer_id, **fields}
        return cast(
            S.PageOutOfferListItem1688,
            self.post_json("/alibaba/product/productRelatedRecommendQuery", body),
        )

    def wangwang(self, seller_open_id: str | None = None, **fields: Any) -> S.Wangwang:
        body = {**drop_none(sellerOpenId=seller_open_id), **fields}
        return cast(S.Wangwang, self.post_json("/alibaba/product/wangwang/decrypt", body))

    # --- 1688 cart (8.1-8.6) --------------------------------------------------------------------
    def cart_add(
        self, offer_id: str, quantity: int, spec_id: str | None = None, **fields: Any
    ) -> S.CartAdded:
        body = {"offerId": offer_id, "quantity": quantity, **drop_none(specId=spec_id), **fields}
        return cast(S.CartAdded, self.post_json("/alibaba/cart/add", body))

    def cart(self, page_no: int = 1, page_size: int = 20) -> S.CartPage:
        return cast(
            S.CartPage,
            self.get_json("/alibaba/cart/list", {"pageNo": page_no, "pageSize": page_size}),
        )

    def cart_delete(self, ids: Sequence[int]) -> S.CartDeleteOut:
        return cast(S.CartDeleteOut, self.post_json("/alibaba/cart/delete", {"ids": list(ids)}))

    def cart_edit_quantity(self, line_id: int, quantity: int, **fields: Any) -> bool:
        body = {"id": line_id, "quantity": quantity, **fields}
        return bool(self.post("/alibaba/cart/edit-quantity", body))

    def cart_preview(
        self, cart_ids: Sequence[int], address: S.AddressParam, **fields: Any
    ) -> S.CartPreviewOut:
        body = {"cartIds": list(cart_ids), "addressParam": address, **fields}
        return cast(S.CartPreviewOut, self.post_json("/alibaba/cart/preview/order", body))

    def cart_create_orders(
        self, cart_ids: Sequence[int], address: S.AddressParam, flow: str = "general", **fields: Any
    ) -> S.CartCreateOut:
        body = {"cartIds": list(cart_ids), "addressParam": address, "flow": flow, **fields}
        return cast(S.CartCreateOut, self.post_json("/alibaba/cart/create/order", body))

    # --- Taobao cart (4.1-4.6) ------------------------------------------------------------------
    def taobao_cart_add(
        self, item_id: str, quantity: int, sku_id: str | None = None, **fields: Any
    ) -> S.CartAdded:
        """4.1: ``fields`` may name the item as PandaPon does (mpId, mpSkuId) and carry hints."""
        body = {"itemId": item_id, "quantity": quantity, **drop_none(skuId=sku_id), **fields}
        return cast(S.CartAdded, self.post_json("/open/cart/add", body))

    def taobao_cart(self, page_no: int = 1, page_size: int = 20) -> S.TaobaoCartPage:
        return cast(
            S.TaobaoCartPage,
            self.get_json("/open/cart/list", {"pageNo": page_no, "pageSize": page_size}),
        )

    def taobao_cart_delete(self, ids: Sequence[int]) -> S.CartDeleteOut:
        return cast(S.CartDeleteOut, self.post_json("/open/cart/delete", {"ids": list(ids)}))

    def taobao_cart_edit_quantity(self, line_id: int, quantity: int) -> bool:
        body = {"id": line_id, "quantity": quantity}
        return bool(self.post("/open/cart/edit-quantity", body))

    def taobao_cart_preview(
        self, ids: Sequence[int], order_address: S.Receiver
    ) -> S.TaobaoCartRenderOut:
        body = {"ids": list(ids), "orderAddress": order_address}
        return cast(S.TaobaoCartRenderOut, self.post_json("/open/cart/preview/order", body))

    def taobao_cart_create_order(
        self, ids: Sequence[int], order_address: S.Receiver, **fields: Any
    ) -> S.TaobaoOrderCreated:
        """4.6: ``fields``: purchaseAmount (from taobao_cart_preview), sellerOrderNumber..."""
        body = {"ids": list(ids), "orderAddress": order_address, **fields}
        return cast(S.TaobaoOrderCreated, self.post_json("/open/cart/create/order", body))

    # --- Taobao orders (2.1-2.11, 2.5b) ---------------------------------------------------------
    def taobao_render(
        self, receiver: S.ReceiverOut, lines: Sequence[dict[str, Any]]
    ) -> S.RenderOut:
        """2.1: ``lines`` are OrderLines ({itemId, skuId, orderLineNo, quantity})."""
        body = {"receiver": receiver, "orderLineList": list(lines)}
        return cast(S.RenderOut, self.post_json("/open/order/render", body))

    def taobao_create_order(
        self,
        receiver: S.ReceiverOut,
        lines: Sequence[dict[str, Any]],
        purchase_amount: int,
        **fields: Any,
    ) -> S.TaobaoOrderCreated:
        """2.2: ``purchase_amount`` from taobao_render; ``fields``: sellerOrderNumber..."""
        body = {
            "receiver": receiver,
            "orderLineList": list(lines),
            "purchaseAmount": purchase_amount,
            **fields,
        }
        return cast(S.TaobaoOrderCreated, self.post_json("/open/order", body))

    def taobao_orders(self, page_size: int = 100, **filters: Any) -> Iterator[S.TaobaoOrderOut]:
        """2.3, every page (filters: status, sellerOrderNumber, salesOrderId, ...)."""
        return self.paginate("GET", "/open/order/page", filters, page_size)

    def taobao_order(
        self, order_id: str | None = None, seller_order_number: str | None = None
    ) -> S.TaobaoOrderOut:
        query = drop_none(orderId=order_id, sellerOrderNumber=seller_order_number)
        return cast(S.TaobaoOrderOut, self.get_json("/open/order/detail", query))

    def taobao_pay(self, order_id: str) -> S.PayOut:
        return cast(S.PayOut, self.post_json("/open/order/pay", {"orderId": order_id}))

    def taobao_pay_orders(self, order_ids: Sequence[str]) -> S.BulkPayOut:
        body = {"orderIds": list(order_ids)}
        return cast(S.BulkPayOut, self.post_json("/open/order/batch/pay", body))

    def taobao_upload_voucher(
        self, order_id: str, images: Sequence[str], amount: int, remark: str | None = None
    ) -> S.TaobaoOrderOut:
        body = {
            "orderId": order_id,
            "transferAccountImgs": list(images),
            "amount": amount,
            **drop_none(transferAccountRemark=remark),
        }
        return cast(S.TaobaoOrderOut, self.post_json("/open/order/payment/voucher/upload", body))

    def taobao_cancel(self, order_id: str, reason: str | None = None) -> S.TaobaoOrderOut:
        body = {"orderId": order_id, **drop_none(cancelReason=reason)}
        return cast(S.TaobaoOrderOut, self.post_json("/open/order/cancel", body))

    def taobao_update_warehouse(self, order_id: str, **fields: Any) -> S.TaobaoOrderOut:
        """2.8: ``fields``: receiver (or warehouseCode), remark."""
        body = {"orderId": order_id, **fields}
        return cast(S.TaobaoOrderOut, self.post_json("/open/order/updateWarehouse", body))

    def taobao_chat_link(self, source_type: str, biz_id: str) -> str:
        body = {"sourceType": source_type, "bizId": biz_id}
        return str(self.post("/open/order/page/link/get", body))

    def taobao_logistics(self, order_id: str) -> S.LogisticsOut:
        query = {"orderId": order_id}
        return cast(S.LogisticsOut, self.get_json("/open/order/logistics/detail/get", query))

    def taobao_receive(self, order_id: str) -> S.TaobaoOrderOut:
        body = {"orderId": order_id}
        return cast(S.TaobaoOrderOut, self.post_json("/open/order/receivegoods", body))

    # --- Taobao after-sales: reverse orders (3.1-3.10) ------------------------------------------
    def taobao_refund_render(
        self, sub_order_id: str, refund_type: int = 1, goods_status: int = 1
    ) -> S.TaobaoRefundRender:
        """3.1: the reasons, goods statuses and fee a reverse order of the sub-order may ask."""
        body = {"subOrderId": sub_order_id, "refundType": refund_type, "goodsStatus": goods_status}
        return cast(S.TaobaoRefundRender, self.post_json("/open/order/refund/render", body))

    def taobao_refund_submit(
        self,
        sub_order_id: str,
        refund_fee: int,
        reason_id: int,
        refund_type: int = 1,
        goods_status: int = 1,
        **fields: Any,
    ) -> S.RefundOrderAggregate:
        """3.2: ``fields``: refundDesc, refundImages (up to 5 URLs)."""
        body = {
            "subOrderId": sub_order_id,
            "refundType": refund_type,
            "goodsStatus": goods_status,
            "reasonId": reason_id,
            "refundFee": refund_fee,
            **fields,
        }
        return cast(S.RefundOrderAggregate, self.post_json("/open/order/refund/submit", body))

    def taobao_refund_modify(self, refund_id: str, **fields: Any) -> S.RefundOrderAggregate:
        """3.3: ``fields``: goodsStatus, reasonId, refundFee, refundDesc, refundImages (what is
        left out keeps its value)."""
        body = {"refundId": refund_id, **fields}
        return cast(S.RefundOrderAggregate, self.post_json("/open/order/refund/modify", body))

    def taobao_refund_cancel(self, refund_id: str) -> S.TaobaoRefundCancelled:
        """3.4, by POST: retried with the same Idempotency-Key."""
        path = "/open/order/refund/cancel/{refundId}".format(refundId=quote(refund_id, safe=""))
        return cast(S.TaobaoRefundCancelled, self.post_json(path))

    def taobao_refund(self, refund_id: str) -> S.TaobaoRefundDetail:
        query = {"refundId": refund_id}
        return cast(S.TaobaoRefundDetail, self.get_json("/open/order/refund/query", query))

    def taobao_refunds(
        self, page_size: int = 100, **filters: Any
    ) -> Iterator[S.RefundOrderAggregate]:
        """3.6, every page (filters: purchaseOrderId, salesOrderId, refundStatus, ...)."""
        return self.paginate("POST", "/open/order/refund/queryList", filters, page_size)

    def taobao_refunds_page(self, **body: Any) -> S.RefundOrderAggregatePage:
        return cast(
            S.RefundOrderAggregatePage, self.post_json("/open/order/refund/queryList", body)
        )

    def taobao_refund_message(
        self, refund_id: str, message: str, images: Sequence[str] | None = None
    ) -> S.TaobaoRefundMessageOut:
        """3.7: a message for the seller."""
        body = {
            "refundId": refund_id,
            "refundMessage": message,
            **drop_none(refundImages=list(images) if images is not None else None),
        }
        return cast(
            S.TaobaoRefundMessageOut, self.post_json("/open/order/refund/submit/message", body)
        )

    def taobao_refund_messages(
        self, refund_id: str, page_no: int = 1, page_size: int = 20
    ) -> S.TaobaoRefundNotePage:
        """3.8: one page of the negotiation, oldest first."""
        body = {"refundId": refund_id, "pageNo": page_no, "pageSize": page_size}
        return cast(S.TaobaoRefundNotePage, self.post_json("/open/order/refund/message/list", body))

    def taobao_refund_return_render(self, refund_id: str) -> S.TaobaoReturnLogistics:
        """3.9: where and how to send the goods back, and the carriers to choose from."""
        query = {"refundId": refund_id}
        return cast(
            S.TaobaoReturnLogistics, self.get_json("/open/order/refund/logistics/render", query)
        )

    def taobao_refund_return(
        self, refund_id: str, company_code: str, logistics_no: str, **fields: Any
    ) -> S.RefundOrderAggregate:
        """3.10: the goods are sent back; ``fields``: buyerPhone, returnGoodsDesc."""
        body = {
            "refundId": refund_id,
            "logisticsCompanyCode": company_code,
            "logisticsNo": logistics_no,
            **fields,
        }
        return cast(
            S.RefundOrderAggregate, self.post_json("/open/order/refund/logistics/submit", body)
        )

    # --- 1688 orders (6.1-6.11, 9.1) ------------------------------------------------------------
    def preview_order(
        self,
        address: S.AddressParam,
        cargo: Sequence[S.Cargo],
        flow: str = "general",
        **fields: Any,
    ) -> S.PreviewOut:
        body = {"addressParam": address, "cargoParamList": list(cargo), "flow": flow, **fields}
        return cast(S.PreviewOut, self.post_json("/alibaba/order/create/preview", body))

    def preview_orders(
        self,
        address: S.AddressParam,
        cargo: Sequence[S.MerchantCargo],
        flow: str = "general",
        **fields: Any,
    ) -> S.PreviewBatchOut:
        """6.3: lines of several merchants (each line names its sellerOpenId)."""
        body = {"addressParam": address, "cargoParamList": list(cargo), "flow": flow, **fields}
        return cast(S.PreviewBatchOut, self.post_json("/alibaba/order/create/previewbatch", body))

    def shop_promotions(
        self, cargo: Sequence[S.Cargo], address: S.AddressParam | None = None
    ) -> S.PromotionsOut:
        body = {"cargoParamList": list(cargo), **drop_none(addressParam=address)}
        return cast(
            S.PromotionsOut, self.post_json("/alibaba/marketing/shop/promotion/query", body)
        )

    def offer_activities(self, offer_id: str, country: str = "en") -> S.OfferActivitiesOut:
        """9.2: the offer's activities (special prices per specId), running or announced."""
        body = {"offerId": offer_id, "country": country}
        return cast(
            S.OfferActivitiesOut,
            self.post_json("/alibaba/marketing/offer/activity/query", body),
        )

    def create_order(
        self,
        address: S.AddressParam,
        cargo: Sequence[S.Cargo],
        *,
        flow: str = "general",
        out_order_id: str | None = None,
        **fields: Any,
    ) -> S.OrderCreated:
        """6.2: ``out_order_id`` is your business key: calling again with it returns the same
        order (``replayed``), never a second one."""
        body = {
            "flow": flow,
            "addressParam": address,
            "cargoParamList": list(cargo),
            **drop_none(outOrderId=out_order_id),
            **fields,
        }
        return cast(S.OrderCreated, self.post_json("/alibaba/order/create", body))

    def create_orders(
        self,
        address: S.AddressParam,
        cargo: Sequence[S.MerchantCargo],
        flow: str = "general",
        **fields: Any,
    ) -> S.BatchCreateOut:
        """6.4: orders across merchants, one result per merchant."""
        body = {"flow": flow, "addressParam": address, "cargoParamList": list(cargo), **fields}
        return cast(S.BatchCreateOut, self.post_json("/alibaba/order/batch/create", body))

    def order(self, order_id: str | None = None, out_order_id: str | None = None) -> S.Order1688:
        body = drop_none(orderId=order_id, outOrderId=out_order_id)
        return cast(S.Order1688, self.post_json("/alibaba/order/detail", body))

    def orders(self, page_size: int = 100, **filters: Any) -> Iterator[S.Order1688]:
        """Every 1688 order, newest first (filters: status, outOrderId, createStartTime, ...)."""
        return self.paginate("POST", "/alibaba/order/page", filters, page_size)

    def orders_page(self, **body: Any) -> S.OrderPage1688:
        return cast(S.OrderPage1688, self.post_json("/alibaba/order/page", body))

    def cancel_order(
        self, order_id: str, reason: str = "buyerCancel", **fields: Any
    ) -> S.CancelOut:
        body = {"orderId": order_id, "cancelReason": reason, **fields}
        return cast(S.CancelOut, self.post_json("/alibaba/order/cancel", body))

    def confirm_receipt(
        self, order_id: str, entry_ids: Sequence[str] | None = None
    ) -> S.ReceiveOut:
        body = {"orderId": order_id, **drop_none(orderEntryIds=entry_ids and list(entry_ids))}
        return cast(S.ReceiveOut, self.post_json("/alibaba/order/receivegoods", body))

    def logistics_trace(self, order_id: str, logistics_id: str | None = None) -> S.TraceOut:
        query = {"orderId": order_id, **drop_none(logisticsId=logistics_id)}
        return cast(S.TraceOut, self.get_json("/alibaba/order/logistics/trace", query))

    def pay_orders(self, order_ids: Sequence[str]) -> S.BulkPayOut:
        """6.9: pay up to 100 orders from the balance; a result per order, in input order."""
        return cast(
            S.BulkPayOut,
            self.post_json("/alibaba/order/batch/submit/to/pay", {"orderIds": list(order_ids)}),
        )

    def pay_url(self, order_ids: Sequence[str]) -> S.PayUrlOut:
        """6.8: pay password-free from the balance (``payUrl`` is null: no cashier)."""
        return cast(
            S.PayUrlOut, self.post_json("/alibaba/order/pay/url", {"orderIds": list(order_ids)})
        )

    # --- 1688 after-sales (7.1-7.7) ------------------------------------------------------------
    def refund_reasons(
        self,
        order_id: str,
        entry_ids: Sequence[str],
        goods_status: str = "refundWaitSellerSend",
        **fields: Any,
    ) -> S.RefundReasonsOut:
        """7.1: the reasons for a refund of these lines, and ``maxApplyPayment`` /
        ``maxApplyCarriage`` (``fields``: orderEntryCountList for lines refunded in part)."""
        body = {
            "orderId": order_id,
            "orderEntryIds": list(entry_ids),
            "goodsStatus": goods_status,
            **fields,
        }
        return cast(S.RefundReasonsOut, self.post_json("/alibaba/refund/reason/list", body))

    def upload_refund_voucher(
        self, image: bytes | None = None, address: str | None = None
    ) -> S.RefundVoucherOut:
        """7.2: a JPEG or PNG picture (at most 5 MB), or the address of one this gateway serves;
        ``imageUrl`` goes in the ``vouchers`` of 7.3 and 7.4."""
        body = drop_none(
            imageBase64=base64.b64encode(image).decode() if image is not None else None,
            imageAddress=address,
        )
        return cast(S.RefundVoucherOut, self.post_json("/alibaba/refund/voucher/upload", body))

    def create_refund(
        self,
        order_id: str,
        entry_ids: Sequence[str],
        apply_payment: int,
        reason_id: int,
        description: str,
        dispute_request: str = "refund",
        goods_status: str = "refundWaitSellerSend",
        apply_carriage: int = 0,
        **fields: Any,
    ) -> S.RefundCreated:
        """7.3: apply for a refund (amounts in fen, within 7.1's maxima); ``fields``: vouchers,
        orderEntryCountList."""
        body = {
            "orderId": order_id,
            "orderEntryIds": list(entry_ids),
            "disputeRequest": dispute_request,
            "applyPayment": apply_payment,
            "applyCarriage": apply_carriage,
            "applyReasonId": reason_id,
            "description": description,
            "goodsStatus": goods_status,
            **fields,
        }
        return cast(S.RefundCreated, self.post_json("/alibaba/refund/detail/create", body))

    def return_refund_goods(
        self, refund_id: str, company_no: str, freight_bill: str, **fields: Any
    ) -> S.RefundMoved:
        """7.4: the goods are sent back (``fields``: description, vouchers)."""
        body = {
            "refundId": refund_id,
            "logisticsCompanyNo": company_no,
            "freightBill": freight_bill,
            **fields,
        }
        return cast(S.RefundMoved, self.post_json("/alibaba/refund/goods/return", body))

    def refund(self, refund_id: str) -> S.RefundDetail1688:
        """7.5: one refund with its history (``operations``)."""
        body = {"refundId": refund_id}
        return cast(S.RefundDetail1688, self.post_json("/alibaba/refund/detail/get", body))

    def refunds(self, page_size: int = 100, **filters: Any) -> Iterator[S.Refund1688]:
        """7.6: every 1688 refund, newest first (filters: orderId, refundStatus, ...)."""
        return self.paginate("POST", "/alibaba/refund/page", filters, page_size)

    def refunds_page(self, **body: Any) -> S.RefundPage1688:
        return cast(S.RefundPage1688, self.post_json("/alibaba/refund/page", body))

    def cancel_refund(self, refund_id: str, remark: str | None = None) -> S.RefundMoved:
        """7.7: withdraw a refund the seller has not refunded."""
        body = {"refundId": refund_id, **drop_none(remark=remark)}
        return cast(S.RefundMoved, self.post_json("/alibaba/refund/cancel", body))

    # --- foundations (10.6, 10.7) ---------------------------------------------------------------
    def logistics_companies(
        self, platform: int = 1, keyword: str | None = None, **query: Any
    ) -> S.PageOutCompanyOut:
        """10.6: one page of carriers for return shipments: ``companyNo`` is the 1688
        logisticsCompanyNo (platform 1) or the Taobao logisticsCompanyCode (platform 0)."""
        params = {"platform": platform, **drop_none(keyword=keyword), **query}
        return cast(S.PageOutCompanyOut, self.get_json("/open/logistics/company/list", params))

    def exchange_rates(
        self, from_ccy: str = "CNY", to_ccy: str | None = None, **query: Any
    ) -> S.PageOutRateOut:
        """10.7: one page of display rates from ``from_ccy`` (``rate`` is a decimal string: read
        it with ``decimal.Decimal``, never ``float``)."""
        params = {"from": from_ccy, **drop_none(to=to_ccy), **query}
        return cast(S.PageOutRateOut, self.get_json("/open/exchange/rate", params))

    # --- messages and callbacks (0.5-0.12) ------------------------------------------------------
    def messages(self, page_size: int = 100, **filters: Any) -> Iterator[S.MessageOut]:
        """Every message of the last 30 days, oldest first (the pull API)."""
        return self.paginate("GET", "/open/message/list", filters, page_size)

    def message_deliveries(self, message_id: str) -> S.DeliveriesOut:
        return cast(
            S.DeliveriesOut, self.get_json("/open/message/deliveries", {"messageId": message_id})
        )

    def redeliver(self, message_ids: Sequence[str]) -> S.MessageResults:
        return cast(
            S.MessageResults,
            self.post_json("/open/message/redeliver", {"messageIds": list(message_ids)}),
        )

    def confirm_messages(self, message_ids: Sequence[str]) -> S.MessageResults:
        return cast(
            S.MessageResults,
            self.post_json("/open/message/confirm", {"messageIds": list(message_ids)}),
        )

    def callback_config(self) -> Json | None:
        return self.get("/open/callback/config")  # type: ignore[no-any-return]

    def set_callback_config(
        self,
        callback_url: str,
        message_types: Sequence[str] | None = None,
        enabled: bool | None = None,
    ) -> S.CallbackConfigSaved:
        body = {
            "callbackUrl": callback_url,
            **drop_none(
                messageTypes=list(message_types) if message_types is not None else None,
                enabled=enabled,
            ),
        }
        return cast(S.CallbackConfigSaved, self.post_json("/open/callback/config", body))

    def rotate_callback_secret(self) -> S.RotateOut:
        return cast(S.RotateOut, self.post_json("/open/callback/secret/rotate"))

    def test_callback(self) -> S.CallbackTestOut:
        return cast(S.CallbackTestOut, self.post_json("/open/callback/test"))

    # --- areas and address parsing (10.4, 10.5) -------------------------------------------------
    def parse_address(self, text: str) -> S.AddressParsed:
        """10.4: split free text (name, phone, Chinese address in any order) into the S3 fields
        of an ``addressParam``, with the district and town codes; ``confidence`` 0 when no
        address was found."""
        return cast(S.AddressParsed, self.post_json("/open/address/parse", {"text": text}))

    def areas(
        self, parent_code: str | None = None, page_no: int = 1, page_size: int = 100
    ) -> S.PageOutAreaOut:
        """10.5: one page of one level of the area tree (no ``parent_code``: the provinces)."""
        query = {"pageNo": page_no, "pageSize": page_size, **drop_none(parentCode=parent_code)}
        return cast(S.PageOutAreaOut, self.get_json("/open/area/list", query))

    # --- warehouse logistics (ENDPOINTS 11) ---------------------------------------------------
    def logistics_quote(
        self,
        item_id: str,
        sku_id: str,
        quantity: int,
        receiver_address: Json,
        price: int,
        currency: str = "CNY",
    ) -> S.QuotesOut:
        """11.1: every channel reaching ``receiver_address["country"]`` (empty when none)."""
        body = {
            "itemId": item_id,
            "skuId": sku_id,
            "quantity": quantity,
            "receiverAddress": receiver_address,
            "currency": currency,
            "price": price,
        }
        return cast(S.QuotesOut, self.post_json("/open/pp/logistics/itemLogisticsPrice", body))

    def logistics_render(
        self, receiver_address: Json, render_items: Sequence[Json]
    ) -> S.FreightRenderOut:
        """11.2: a preview on one service (``renderId`` valid 30 minutes)."""
        body = {"receiverAddress": receiver_address, "renderItems": list(render_items)}
        return cast(
            S.FreightRenderOut, self.post_json("/open/pp/logistics/orderRenderFreight", body)
        )

    def logistics_book(
        self, render_id: str, line_items: Sequence[Json], **fields: Any
    ) -> S.BookedOut:
        """11.3: ``fields``: receiverAddress, tmallOrderInfo, sourceOrders, remark."""
        body = {"renderId": render_id, "lineItems": list(line_items), **fields}
        return cast(S.BookedOut, self.post_json("/open/pp/logistics/orderBookingFreight", body))

    def logistics_declare(
        self, logistics_order_id: str, logistic_infos: Sequence[Json], **fields: Any
    ) -> S.DeclareOut:
        """11.4: the domestic parcels to expect (``logisticNumer`` each)."""
        body = {"orderId": logistics_order_id, "logisticInfos": list(logistic_infos), **fields}
        return cast(S.DeclareOut, self.post_json("/open/pp/logistics/updateLogisticInfo", body))

    def logistics_order(self, logistics_order_id: str) -> S.LogisticsOrderOut:
        """11.5"""
        query = {"logisticsOrderId": logistics_order_id}
        return cast(S.LogisticsOrderOut, self.get_json("/open/pp/logistics/order/detail", query))

    def logistics_orders(
        self, page_size: int = 100, **filters: Any
    ) -> Iterator[S.LogisticsOrderOut]:
        """11.6, every page (filters: status, createStartTime, createEndTime)."""
        return self.paginate("POST", "/open/pp/logistics/order/page", filters, page_size)

    def logistics_orders_page(self, **fields: Any) -> S.LogisticsOrderPage:
        """11.6, one page."""
        return cast(S.LogisticsOrderPage, self.post_json("/open/pp/logistics/order/page", fields))

    def logistics_cancel(
        self, logistics_order_id: str, reason: str | None = None
    ) -> S.LogisticsOrderOut:
        """11.7: before packing; the freight hold is released."""
        body = {"logisticsOrderId": logistics_order_id, **drop_none(reason=reason)}
        return cast(S.LogisticsOrderOut, self.post_json("/open/pp/logistics/order/cancel", body))

    def warehouses(self, **query: Any) -> S.WarehousePage:
        """11.8: the warehouses, with the consignee carrying your mark."""
        return cast(S.WarehousePage, self.get_json("/open/pp/logistics/warehouse/list", query))
