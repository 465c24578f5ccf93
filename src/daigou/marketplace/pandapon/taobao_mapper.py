"""PandaPon's Taobao JSON (ENDPOINTS S6: TaobaoItem, TaobaoOrder, TaobaoRefund, the 1.4 search
item, 2.1's render, 2.10's packages, 3.8's messages) to the port's DTOs, and the port's drafts
to its requests.

Statuses are PandaPon's numeric codes (CONTRACT section 7), as strings: what the sandbox
reports for Taobao, so the gateway's Taobao core reads an order bought through PandaPon as one
bought from the sandbox. The purchase order the account makes (``orderId``) is the port's
order: its sub-orders are the lines, its ``sellerOrderNumber`` the ``out_order_id``.

An answer missing a field the port needs, or carrying one of the wrong type, is a
:class:`~daigou.marketplace.port.MarketplaceError` (``BAD_ANSWER``) naming it, never a
KeyError; amounts are fen integers (a float is refused, ``mapper.fen``).
"""

from __future__ import annotations

from typing import Any

from daigou.marketplace import port as P
from daigou.marketplace.pandapon.mapper import checked, fen, ms, picture_base64, text

TAOBAO = P.Platform.TAOBAO

BUILDING, FAILED = "12", "9"
# the voucher path (1 uploaded, 2 approved, 3 rejected, 5 the upstream paying) is unpaid to
# the port: the account pays from its balance, never by voucher; 9 (nothing was placed,
# nothing charged) is closed
STATUSES = {"1": "0", "2": "0", "3": "0", "5": "0", FAILED: "4"}
RECEIVED_GOODS = frozenset({"2", "refundBuyerReceived", "aftersaleBuyerReceived"})
REFUND_TYPES = {"refund": 1, "returnRefund": 2}
DISPUTES = {1: "refund", 2: "returnRefund"}


def _id(value: Any) -> str:
    if value is None or value == "":
        raise ValueError("an id is empty")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"not an id: {value!r}")
    return str(value)


def _dict(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"{name} is not an object")
    return value


def _list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"{name} is not a list")
    return value


# --- goods --------------------------------------------------------------------------------------
@checked("search item")
def summary(item: dict[str, Any]) -> P.OfferSummary:
    shop = str(item.get("shopId") or "")
    return P.OfferSummary(
        platform=TAOBAO,
        offer_id=_id(item["itemId"]),
        title=text(item.get("title"), item.get("titleTrans")),
        image_url=str(item.get("picUrl") or ""),
        price_fen=fen(item.get("price")),
        promotion_price_fen=None
        if item.get("promotionPrice") is None
        else fen(item["promotionPrice"]),
        shop_id=shop,
        seller_open_id=shop,
        shop_name=str(item.get("shopName") or ""),
        month_sold=int(item.get("sales") or 0),
        repurchase_rate_pct=0,
        currency=str(item.get("currency") or "CNY"),
    )


def _sku(s: dict[str, Any], on_sale: bool) -> P.Sku:
    sku_id = _id(s["skuId"])
    promo = s.get("promotionPrice")
    return P.Sku(
        sku_id=sku_id,
        spec_id=sku_id,  # Taobao orders name the SKU by its id
        attributes=tuple(
            P.SkuAttribute(text(p.get("propName")), text(p.get("valueName")))
            for p in _list(s.get("properties"), "properties")
        ),
        price_fen=fen(s["price"]),
        promotion_price_fen=None if promo is None else fen(promo),
        stock=int(s.get("quantity") or 0),
        image_url=s.get("picUrl") or None,
        on_sale=on_sale and s.get("status", "active") == "active",
    )


@checked("TaobaoItem")
def offer(item: dict[str, Any]) -> P.Offer:
    on_sale = item.get("status") == "active"
    skus = tuple(_sku(_dict(s, "skuList[]"), on_sale) for s in _list(item["skuList"], "skuList"))
    shop = str(item.get("shopId") or "")
    return P.Offer(
        platform=TAOBAO,
        offer_id=_id(item["itemId"]),
        category_id=int(item.get("categoryId") or 0),
        category_name=text(item.get("categoryName")),
        title=text(item.get("title"), item.get("titleTrans")),
        description=str(item.get("description") or ""),
        images=tuple(str(u) for u in _list(item.get("picUrls"), "picUrls")),
        skus=skus,
        price_tiers=(),  # Taobao prices by SKU, not by quantity
        min_order_quantity=int(item.get("beginAmount") or 1),
        shipping=P.Shipping(
            send_from="",
            weight_g=0,
            length_mm=0,
            width_mm=0,
            height_mm=0,
            first_fee_fen=fen(next((s.get("postFee") for s in item["skuList"]), 0)),
            extra_fee_fen=0,
        ),
        seller=P.Seller(
            seller_open_id=shop,
            shop_id=shop,
            name=text(item.get("shopName")),
            wangwang_nick=str(item.get("userNick") or ""),
        ),
        on_sale=on_sale,
        currency=str(item.get("currency") or "CNY"),
    )


def search_body(query: P.SearchQuery) -> dict[str, Any]:
    """1.4 / 1.5 / 1.6's request (sizes 1-40 on Taobao)."""
    body: dict[str, Any] = {
        "pageNo": query.page,
        "pageSize": max(1, min(40, query.page_size)),
        "language": query.language,
    }
    sort = {
        P.Sort.PRICE_ASC: "price_asc",
        P.Sort.PRICE_DESC: "price_desc",
        P.Sort.SALES_DESC: "sale_desc",
    }.get(query.sort)
    if sort:
        body["sort"] = sort
    if query.price_min_fen is not None:
        body["priceStart"] = query.price_min_fen
    if query.price_max_fen is not None:
        body["priceEnd"] = query.price_max_fen
    if query.image is not None:
        body["imageBase64"] = picture_base64(query.image)
    else:
        body["keyword"] = query.keyword
    if query.shop_id:
        body["shopId"] = query.shop_id
    return body


@checked("search page")
def search_page(page: dict[str, Any]) -> P.SearchPage:
    items = tuple(summary(_dict(i, "data[]")) for i in _list(page.get("data"), "data"))
    return P.SearchPage(items, int(page.get("totalRecords") or len(items)))


# --- orders ---------------------------------------------------------------------------------------
def receiver(a: P.Address) -> dict[str, Any]:
    """S4 from the port's address."""
    body = {
        "name": a.full_name,
        "mobile_phone": a.mobile,
        "phone": a.phone,
        "zip": a.post_code,
        "country": "CN",
        "state": a.province,
        "city": a.city,
        "district": a.area,
        "address": " ".join(p for p in (a.town, a.address) if p),
    }
    return {k: v for k, v in body.items() if v}


def line_no(n: int) -> str:
    return f"L{n + 1}"


def order_lines(lines: tuple[P.CargoLine, ...]) -> list[dict[str, Any]]:
    """2.1 / 2.2's ``orderLineList``: each line numbered ``L1``, ``L2``... in the draft's order."""
    return [
        {"itemId": ln.offer_id, "quantity": ln.quantity, "orderLineNo": line_no(n)}
        | ({"skuId": ln.spec_id} if ln.spec_id else {})
        for n, ln in enumerate(lines)
    ]


@checked("render (2.1)")
def preview(data: dict[str, Any]) -> P.Preview:
    priced, failures = [], []
    for ln in _list(data.get("lines"), "lines"):
        ln = _dict(ln, "lines[]")
        sku = None if ln.get("skuId") is None else str(ln["skuId"])
        if ln.get("available", ln.get("success", True)):
            priced.append(
                P.PricedLine(_id(ln["itemId"]), sku, int(ln["quantity"]), fen(ln.get("price")))
            )
        else:
            failures.append(
                P.LineFailure(
                    _id(ln["itemId"]),
                    sku,
                    str(ln.get("reasonCode") or ln.get("code") or "LINE_FAILED"),
                    str(ln.get("msg") or ""),
                )
            )
    if not priced:
        return P.Preview((), tuple(failures))
    product = fen(data.get("productAmount"))
    shipping = fen(data.get("postFee"))
    total = fen(data["purchaseAmount"])
    discount = fen(data["discount"]) if "discount" in data else product + shipping - total
    return P.Preview(
        (P.PreviewOrder(tuple(priced), product, shipping, discount, total),), tuple(failures)
    )


def line_failures(errors: Any, lines: tuple[P.CargoLine, ...]) -> tuple[P.LineFailure, ...]:
    """2.2's ``errors`` (lines left out when the order was placed), by ``orderLineNo``."""
    by_no = {line_no(n): ln for n, ln in enumerate(lines)}
    out = []
    for e in _list(errors, "errors"):
        ln = by_no.get(str(e.get("orderLineNo")))
        out.append(
            P.LineFailure(
                ln.offer_id if ln else "",
                ln.spec_id if ln else None,
                str(e.get("errorCode") or e.get("code") or "LINE_FAILED"),
                str(e.get("msg") or ""),
            )
        )
    return tuple(out)


def status_of(value: Any) -> str:
    """The port's status of a purchase order's (12, building, is not an order yet: the caller
    never sees it, ``being_placed``)."""
    status = _id(value)
    if status == BUILDING:
        raise P.MarketplaceError(
            "ORDER_BEING_PLACED", "PandaPon is still placing this order: ask again later"
        )
    return STATUSES.get(status, status)


def _parcels(subs: list[dict[str, Any]], shipped_ms: int | None) -> tuple[P.Parcel, ...]:
    """The parcels the sub-orders name (2.10 has their steps)."""
    by_bill: dict[str, P.Parcel] = {}
    for sub in subs:
        bill = sub.get("logisticNumber")
        if not bill or sub.get("subOrderId") is None:
            continue
        known = by_bill.get(bill)
        entries = (known.entry_ids if known else ()) + (str(sub["subOrderId"]),)
        by_bill[bill] = P.Parcel(
            logistics_id=str(bill),
            bill_no=str(bill),
            company_name=str(sub.get("logisticCompanyName") or ""),
            entry_ids=entries,
            shipped_ms=shipped_ms or 0,
        )
    return tuple(by_bill.values())


def _address(r: dict[str, Any] | None) -> P.Address | None:
    if not r:
        return None
    return P.Address(
        full_name=str(r.get("name") or ""),
        mobile=str(r.get("mobile_phone") or r.get("mobilePhone") or ""),
        phone=str(r.get("phone") or ""),
        post_code=str(r.get("zip") or ""),
        province=str(r.get("state") or ""),
        city=str(r.get("city") or ""),
        area=str(r.get("district") or ""),
        address=str(r.get("address") or ""),
    )


@checked("TaobaoOrder")
def order(o: dict[str, Any]) -> P.MarketOrder:
    status = status_of(o["status"])
    subs = [_dict(s, "subOrders[]") for s in _list(o["subOrders"], "subOrders")]
    lines = tuple(
        P.OrderLine(
            entry_id=_id(s["subOrderId"]),
            offer_id=_id(s["itemId"]),
            spec_id=None if s.get("skuId") is None else str(s["skuId"]),
            sku_id=None if s.get("skuId") is None else str(s["skuId"]),
            title=text(s.get("title")),
            image_url=str(s.get("picUrl") or ""),
            quantity=int(s["quantity"]),
            unit_price_fen=fen(s.get("price")),
            amount_fen=fen(s.get("productAmount")),
            status=status,
            logistics_status=2 if s.get("logisticNumber") else 1,
            refund_status=str(s["refundStatus"]) if s.get("refundStatus") else None,
        )
        for s in subs
        if s.get("subOrderId") is not None  # a line left out when the order was placed
    )
    product = fen(o.get("productAmount"))
    shipping = fen(o.get("postFee"))
    total = fen(o["purchaseAmount"])
    created = int(o.get("createTime") or 0)
    finished = ms(o.get("finishTime"))
    return P.MarketOrder(
        platform=TAOBAO,
        order_id=_id(o["orderId"]),
        out_order_id=o.get("sellerOrderNumber") or None,
        status=status,
        seller_open_id="",  # TaobaoOrder names no seller (its lines' items do)
        seller_name="",
        lines=lines,
        product_fen=product,
        shipping_fen=shipping,
        discount_fen=max(0, product + shipping - total),
        total_fen=total,
        created_ms=created,
        modified_ms=int(o.get("modifyTime") or created),
        paid_ms=ms(o.get("payTime")),
        shipped_ms=ms(o.get("shipTime")),
        received_ms=finished,
        completed_ms=finished if status == "20" else ms(o.get("closeTime")),
        close_reason=o.get("closeReason"),
        parcels=_parcels(subs, ms(o.get("shipTime"))),
        currency=str(o.get("currency") or "CNY"),
        message=str(o.get("remark") or ""),
        address=_address(o.get("receiver")),
    )


@checked("logistics (2.10)")
def packages(data: dict[str, Any]) -> tuple[P.Parcel, ...]:
    out = []
    for p in _list(data.get("packages"), "packages"):
        p = _dict(p, "packages[]")
        bill = str(p.get("logisticNumber") or "")
        out.append(
            P.Parcel(
                logistics_id=bill,
                bill_no=bill,
                company_name=str(p.get("logisticCompanyName") or ""),
                entry_ids=tuple(str(e) for e in _list(p.get("subOrderIds"), "subOrderIds")),
                shipped_ms=int(p.get("shipTime") or 0),
                steps=tuple(
                    P.LogisticsStep(int(s["time"]), str(s.get("desc") or ""))
                    for s in _list(p.get("steps"), "steps")
                ),
                delivered_ms=ms(p.get("deliveredTime")),
            )
        )
    return tuple(out)


# --- after-sales ----------------------------------------------------------------------------------
def goods_status(value: str) -> int:
    """The port's goods status (the gateway's "1" / "2", or 1688's names) as 3.x's int."""
    return 2 if value in RECEIVED_GOODS else 1


@checked("render (3.1)")
def reasons(data: dict[str, Any]) -> tuple[P.RefundReason, ...]:
    template = _dict(data["refundOrderTemplate"], "refundOrderTemplate")
    return tuple(
        P.RefundReason(
            int(r["reasonId"]),
            str(r.get("reasonDesc") or ""),
            bool(r.get("needVoucher")),
            False,
            str(r.get("tips") or ""),
        )
        for r in _list(template.get("refundReasons"), "refundReasons")
    )


def _return_address(a: dict[str, Any] | None) -> P.Address | None:
    if not a:
        return None
    return P.Address(
        full_name=str(a.get("receiver") or ""),
        mobile=str(a.get("phone") or ""),
        address=str(a.get("detailAddress") or ""),
    )


@checked("TaobaoRefund")
def refund(aggregate: dict[str, Any]) -> P.MarketRefund:
    r = _dict(aggregate["refundOrder"], "refundOrder")
    back = aggregate.get("logistics") or {}
    company = back.get("logisticsCompany") or {}
    fee = fen(r.get("refundFee"))
    return P.MarketRefund(
        platform=TAOBAO,
        refund_id=_id(r["refundId"]),
        order_id=_id(r["purchaseOrderId"]),
        entry_ids=(_id(r["subOrderId"]),),
        status=str(_id(r["refundStatus"])),
        dispute_request=DISPUTES.get(int(r.get("refundType") or 1), "refund"),
        goods_status=str(int(r.get("goodsStatus") or 1)),
        apply_payment_fen=fee,  # Taobao asks one fee: no separate carriage
        apply_carriage_fen=0,
        refund_payment_fen=fen(r.get("refundedFee")),
        refund_carriage_fen=0,
        reason_id=int(r.get("reasonId") or 0),
        reason=str(r.get("reasonDesc") or ""),
        description=str(r.get("refundDesc") or ""),
        created_ms=int(r.get("createTime") or 0),
        modified_ms=int(r.get("modifyTime") or r.get("createTime") or 0),
        timeout_ms=ms(r.get("timeoutDate")),
        completed_ms=ms(r.get("completeTime")),
        seller_refuse_reason=r.get("sellerRefuseReason"),
        return_company_no=company.get("logisticsCompanyCode"),
        return_bill_no=back.get("logisticsNo"),
        vouchers=tuple(str(u) for u in _list(r.get("refundImages"), "refundImages")),
        return_address=_return_address(back.get("receiverAddress")),
        seller_agree_describe=back.get("sellerAgreeReturnDescribe"),
        return_description=str(back.get("returnGoodsDesc") or ""),
    )


@checked("refund message (3.7 / 3.8)")
def note(refund_id: str, n: dict[str, Any]) -> P.RefundNote:
    return P.RefundNote(
        note_id=_id(n["id"]),
        refund_id=refund_id,
        owner=str(n.get("owner") or "platform"),
        content=str(n.get("content") or ""),
        images=tuple(str(u) for u in _list(n.get("images"), "images")),
        created_ms=int(n.get("createTime") or 0),
    )


# --- messages -------------------------------------------------------------------------------------
@checked("Taobao message")
def message(m: dict[str, Any]) -> P.MarketMessage:
    """S8: a purchase order's message names it ``orderId``, a reverse order's
    ``purchaseOrderId``; the status is ``status`` or ``refundStatus``."""
    body = _dict(m.get("messageBody") or {}, "messageBody")
    order_id = body.get("purchaseOrderId") or body.get("orderId")
    refund_id = body.get("refundId")
    status = body.get("refundStatus") if refund_id else body.get("status")
    return P.MarketMessage(
        message_id=_id(m["messageId"]),
        platform=TAOBAO,
        topic=str(m["messageType"]),
        occurred_ms=int(m.get("timestamp") or 0),
        order_id=None if order_id is None else str(order_id),
        refund_id=None if refund_id is None else str(refund_id),
        status=None if status is None else str(status),
        data=dict(body),
    )
