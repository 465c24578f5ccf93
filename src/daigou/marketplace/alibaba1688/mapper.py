"""The 1688 Open Platform's answers as the port's objects: buyerView orders (yuan amounts,
the four time spellings), refund details, refund operations and push envelopes, and the
defensive readers they share (a missing or odd value never raises where the port has a
default). Pure functions; the adapter (``adapter.py``) calls the APIs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from daigou.marketplace import port as P
from daigou.marketplace.alibaba1688.values import (
    fen,
    parse_time,
    parse_time_or_none,
    yuan_to_fen,
)

ALI = P.Platform.ALIBABA


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def yuan(value: Any, default: int = 0) -> int:
    return default if value in (None, "") else yuan_to_fen(value)


def fen_or(value: Any, default: int = 0) -> int:
    return default if value in (None, "") else fen(value)


def as_int(value: Any, default: int = 0) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


def pct(value: Any) -> int:
    return as_int(as_text(value).strip().rstrip("%") or 0)


def address_of(a: Mapping[str, Any]) -> P.Address | None:
    if not a.get("contactPerson") and not a.get("toFullName"):
        return None
    return P.Address(
        full_name=as_text(a.get("contactPerson") or a.get("toFullName")),
        mobile=as_text(a.get("mobile") or a.get("toMobile")),
        phone=as_text(a.get("telephone") or a.get("toPhone")),
        post_code=as_text(a.get("zip") or a.get("toPost")),
        province=as_text(a.get("province")),
        city=as_text(a.get("city")),
        area=as_text(a.get("area")),
        town=as_text(a.get("town")),
        address=as_text(a.get("address")),
        district_code=as_text(a.get("areaCode") or a.get("toDivisionCode")),
    )


def order_from_buyer_view(info: Mapping[str, Any]) -> P.MarketOrder:
    """``buyerView``'s ``result`` (or one order of the buyer order list) as a ``MarketOrder``:
    amounts in yuan -> fen; ``discount`` derived from them (the field is fen, its sign for a
    reduction unverified); times in any of the four spellings."""
    base = as_dict(info.get("baseInfo"))
    lines = tuple(
        P.OrderLine(
            entry_id=as_text(it.get("subItemIDString") or it.get("subItemID")),
            offer_id=as_text(it.get("productID")),
            spec_id=it.get("specId") or None,
            sku_id=as_text(it.get("skuID")) or None,
            title=P.Text(as_text(it.get("name"))),
            image_url=as_text(next(iter(as_list(it.get("productImgUrl"))), "")),
            quantity=as_int(it.get("quantity")),
            unit_price_fen=yuan(it.get("price")),
            amount_fen=yuan(it.get("itemAmount")),
            status=as_text(it.get("status")) or as_text(base.get("status")),
            logistics_status=as_int(it.get("logisticsStatus"), 1),
            refund_status=it.get("refundStatus") or None,
        )
        for it in as_list(info.get("productItems"))
    )
    native = as_dict(info.get("nativeLogistics"))
    parcels = tuple(
        P.Parcel(
            logistics_id=as_text(p.get("logisticsCode") or p.get("id")),
            bill_no=as_text(p.get("logisticsBillNo")),
            company_name=as_text(p.get("logisticsCompanyName")),
            entry_ids=tuple(e for e in as_text(p.get("subItemIds")).split(",") if e),
            shipped_ms=parse_time_or_none(p.get("deliveredTime") or p.get("gmtCreate")) or 0,
        )
        for p in as_list(native.get("logisticsItems"))
    )
    total = yuan(base.get("totalAmount"))
    shipping = yuan(base.get("shippingFee"))
    product = yuan(base.get("sumProductPayment"), sum(ln.amount_fen for ln in lines))
    created = parse_time(base.get("createTime"))
    return P.MarketOrder(
        platform=ALI,
        order_id=as_text(base.get("idOfStr") or base.get("id")),
        out_order_id=base.get("outOrderId") or None,
        status=as_text(base.get("status")),
        seller_open_id=as_text(base.get("sellerID")),
        seller_name=as_text(base.get("sellerLoginId")),
        lines=lines,
        product_fen=product,
        shipping_fen=shipping,
        discount_fen=product + shipping - total,
        total_fen=total,
        created_ms=created,
        modified_ms=parse_time_or_none(base.get("modifyTime")) or created,
        pay_timeout_s=as_int(base.get("payTimeout"), 43_200),
        paid_ms=parse_time_or_none(base.get("payTime")),
        shipped_ms=parse_time_or_none(base.get("allDeliveredTime")),
        received_ms=parse_time_or_none(base.get("receivingTime")),
        completed_ms=parse_time_or_none(base.get("completeTime")),
        close_reason=base.get("closeReason") or None,
        close_operate_type=base.get("closeOperateType") or None,
        parcels=parcels,
        refund_status=base.get("refundStatus") or None,
        currency=as_text(base.get("currency")) or "CNY",
        message=as_text(base.get("buyerFeedback")),
        flow=base.get("flowTemplateCode") or None,
        address=address_of(native) or address_of(as_dict(base.get("receiverInfo"))),
    )


def refund_from_detail(d: Mapping[str, Any]) -> P.MarketRefund:
    """``opOrderRefundModelDetail`` (amounts in fen) as a ``MarketRefund``. The return fields
    (``refundAddress``, ``sellerAgreeMsg``, ``buyerSendGoods*``) are the stub's, inferred."""
    created = parse_time(d.get("gmtApply") or d.get("gmtCreate"))
    return P.MarketRefund(
        platform=ALI,
        refund_id=as_text(d.get("refundId")),
        order_id=as_text(d.get("orderId")),
        entry_ids=tuple(as_text(e) for e in as_list(d.get("orderEntryIdList"))),
        status=as_text(d.get("status")),
        dispute_request=as_text(d.get("disputeRequest")),
        goods_status=as_text(d.get("goodsStatus")),
        apply_payment_fen=fen_or(d.get("applyPayment")),
        apply_carriage_fen=fen_or(d.get("applyCarriage")),
        refund_payment_fen=fen_or(d.get("refundPayment")),
        refund_carriage_fen=fen_or(d.get("refundCarriage")),
        reason_id=as_int(d.get("applyReasonId")),
        reason=as_text(d.get("applyReason")),
        description=as_text(d.get("buyerDescription")),
        created_ms=created,
        modified_ms=parse_time_or_none(d.get("gmtModified")) or created,
        timeout_ms=parse_time_or_none(d.get("gmtTimeOut")),
        completed_ms=parse_time_or_none(d.get("gmtCompleted")),
        seller_refuse_reason=d.get("sellerRefuseReason") or None,
        return_company_no=d.get("logisticsCompanyNo") or None,
        return_bill_no=d.get("freightBill") or None,
        after_sale=bool(d.get("afterSaleRefund")),
        vouchers=tuple(as_text(v) for v in as_list(d.get("buyerUploadVouchers"))),
        return_address=address_of(as_dict(d.get("refundAddress"))),
        seller_agree_describe=d.get("sellerAgreeMsg") or None,
        return_description=as_text(d.get("buyerSendGoodsDescription")),
        return_vouchers=tuple(as_text(v) for v in as_list(d.get("buyerSendGoodsVouchers"))),
        quantities=tuple(
            (as_text(c.get("id")), as_int(c.get("count")))
            for c in as_list(d.get("orderEntryCountList"))
        ),
    )


OPERATOR_ROLES = {"1": "buyer", "2": "seller", "3": "platform"}  # inferred from the stub


def note_from_operation(m: Mapping[str, Any], refund_id: str) -> P.RefundNote:
    """One entry of ``OpQueryOrderRefundOperationList`` (members inferred) as a note."""
    return P.RefundNote(
        note_id=as_text(m.get("id")),
        refund_id=as_text(m.get("refundId")) or refund_id,
        owner=OPERATOR_ROLES.get(as_text(m.get("operatorRoleId")), "platform"),
        content=as_text(m.get("remark")),
        images=tuple(as_text(v) for v in as_list(m.get("vouchers"))),
        created_ms=parse_time(m.get("gmtCreate")),
    )


def message_from_push(envelope: Mapping[str, Any]) -> P.MarketMessage:
    """A push envelope (``msgId``, ``gmtBorn``, ``type``, ``data``) as a ``MarketMessage``: the
    1688 topic as it is; ``orderId``, ``refundId`` and ``currentStatus`` lifted from ``data``."""
    data = envelope.get("data")
    if isinstance(data, str):  # some deliveries carry data as a JSON string
        try:
            data = json.loads(data)
        except ValueError:
            data = {}
    data = as_dict(data)
    born = envelope.get("gmtBorn")
    occurred = parse_time_or_none(born) or parse_time_or_none(data.get("msgSendTime")) or 0
    return P.MarketMessage(
        message_id=as_text(envelope.get("msgId")),
        platform=ALI,
        topic=as_text(envelope.get("type")),
        occurred_ms=occurred,
        order_id=as_text(data.get("orderId")) or None,
        refund_id=as_text(data.get("refundId")) or None,
        status=as_text(data.get("currentStatus")) or None,
        data=dict(data),
    )


# --- goods: picture search and categories (shapes inferred: see tests/support/alibaba_stub.py) -
def bad_picture(code: str, message: str) -> P.PictureRefused:
    """1688's refusal of the query picture (``product.image.upload``'s business refusal)."""
    return P.PictureRefused(code, f"1688 refused the picture: {message or code}")


def bad_answer(what: str, problem: str) -> P.MarketplaceError:
    """An answer the port cannot read: a clear error naming the API, never a KeyError."""
    return P.MarketplaceError("BAD_ANSWER", f"1688 {what}: {problem}")


def payload(body: Mapping[str, Any]) -> Any:
    """The ``{result: {success, code, message, result: payload}}`` family's payload (the
    outer ``result`` itself when it has no inner one)."""
    outer = as_dict(body.get("result"))
    return outer.get("result") if "result" in outer else outer


# --- goods: the offer detail ---------------------------------------------------------------
def attribute(a: Mapping[str, Any]) -> P.SkuAttribute:
    return P.SkuAttribute(
        P.Text(as_text(a.get("attributeName")), a.get("attributeNameTrans") or None),
        P.Text(as_text(a.get("value")), a.get("valueTrans") or None),
        a.get("skuImageUrl") or None,
    )


def offer_from_detail(d: Mapping[str, Any]) -> P.Offer:
    """``product.search.queryProductDetail``'s offer: SKU prices and tiers yuan -> fen,
    weight kg -> g and sizes cm -> mm; the detail carries no freight (the preview prices it)."""
    skus = []
    for s in as_list(d.get("productSkuInfos")):
        promotion = s.get("promotionPrice")
        stock = as_int(s.get("amountOnSale"))
        skus.append(
            P.Sku(
                sku_id=as_text(s.get("skuId")),
                spec_id=as_text(s.get("specId")),
                attributes=tuple(attribute(a) for a in as_list(s.get("skuAttributes"))),
                price_fen=yuan(s.get("price")),
                promotion_price_fen=yuan(promotion) if promotion not in (None, "") else None,
                stock=stock,
                image_url=next(
                    (
                        a.get("skuImageUrl")
                        for a in as_list(s.get("skuAttributes"))
                        if a.get("skuImageUrl")
                    ),
                    None,
                ),
                on_sale=stock > 0,
            )
        )
    sale = as_dict(d.get("productSaleInfo"))
    ship = as_dict(d.get("productShippingInfo"))
    tiers = tuple(
        P.PriceTier(as_int(t.get("startQuantity"), 1), yuan(t.get("price")))
        for t in as_list(sale.get("priceRangeList"))
    )
    seller = as_text(d.get("sellerOpenId"))
    return P.Offer(
        platform=ALI,
        offer_id=as_text(d.get("offerId")),
        category_id=as_int(d.get("categoryId")),
        category_name=P.Text(as_text(d.get("categoryName"))),
        title=P.Text(as_text(d.get("subject")), d.get("subjectTrans") or None),
        description=as_text(d.get("description")),
        images=tuple(as_text(i) for i in as_list(as_dict(d.get("productImage")).get("images"))),
        skus=tuple(skus),
        price_tiers=tiers,
        min_order_quantity=max(1, as_int(d.get("minOrderQuantity"), 1)),
        shipping=P.Shipping(
            send_from=as_text(ship.get("sendGoodsAddressText")),
            weight_g=round(float(ship.get("weight") or 0) * 1000),
            length_mm=round(float(ship.get("length") or 0) * 10),
            width_mm=round(float(ship.get("width") or 0) * 10),
            height_mm=round(float(ship.get("height") or 0) * 10),
            first_fee_fen=0,
            extra_fee_fen=0,
        ),
        seller=P.Seller(seller, seller, P.Text(""), ""),
        on_sale=as_text(d.get("status")) in ("published", "") and any(s.on_sale for s in skus),
        month_sold=as_int(d.get("monthSold")),
        attributes=tuple(attribute(a) for a in as_list(d.get("productAttribute"))),
    )


def image_id_from_upload(body: Mapping[str, Any]) -> str:
    """``product.image.upload``'s answer: ``{result: {success, code, message, result:
    imageId}}`` (inferred). The id as text; anything else is ``BAD_ANSWER``."""
    image_id = payload(body)
    if isinstance(image_id, bool) or not isinstance(image_id, str | int) or image_id == "":
        raise bad_answer("product.image.upload", f"no image id in {body!r:.200}")
    return str(image_id)


def _category_id(value: Any, what: str) -> int:
    if isinstance(value, bool) or value in (None, ""):
        raise bad_answer("category.translation.getById", f"{what} has no id")
    try:
        return int(str(value))
    except ValueError:
        raise bad_answer("category.translation.getById", f"{what} id {value!r}") from None


def category_from_translation(body: Mapping[str, Any]) -> P.Category:
    """``category.translation.getById``'s answer (inferred): ``{result: {success, code,
    message, result: {categoryId, chineseName, translatedName, language, leaf, level,
    parentCateId, childCategorys: [{id, chineseName, translatedName, leaf}]}}}``. The children
    carry no level or parent: one level below, under this category."""
    c = payload(body)
    if not isinstance(c, dict):
        raise bad_answer("category.translation.getById", f"no category in {body!r:.200}")
    category_id = _category_id(c.get("categoryId"), "the category")
    level = as_int(c.get("level"))
    children = c.get("childCategorys")
    if children is not None and not isinstance(children, list):
        raise bad_answer("category.translation.getById", "childCategorys is not a list")
    return P.Category(
        category_id=category_id,
        parent_id=as_int(c.get("parentCateId")),
        level=level,
        leaf=bool(c.get("leaf")),
        name=P.Text(as_text(c.get("chineseName")), c.get("translatedName") or None),
        children=tuple(
            P.Category(
                category_id=_category_id(as_dict(k).get("id"), "a child category"),
                parent_id=category_id,
                level=level + 1,
                leaf=bool(as_dict(k).get("leaf")),
                name=P.Text(
                    as_text(as_dict(k).get("chineseName")),
                    as_dict(k).get("translatedName") or None,
                ),
            )
            for k in children or ()
        ),
    )


# --- goods: the search pages (keywordQuery, imageQuery, querySellerOfferList, offerRecommend) --
def _summary(item: dict[str, Any], api: str) -> P.OfferSummary:
    offer_id = item.get("offerId")
    if isinstance(offer_id, bool) or offer_id in (None, ""):
        raise bad_answer(api, "an offer of the page has no offerId")
    price = item.get("priceInfo")
    if price is not None and not isinstance(price, dict):
        raise bad_answer(api, f"offer {offer_id}: priceInfo is not an object")
    price = as_dict(price)
    try:
        price_fen = yuan(price.get("price"))
        promotion = price.get("promotionPrice")
        promotion_fen = yuan(promotion) if promotion not in (None, "") else None
    except ValueError as exc:
        raise bad_answer(api, f"offer {offer_id}: {exc}") from None
    seller = as_text(item.get("sellerOpenId"))
    return P.OfferSummary(
        platform=ALI,
        offer_id=as_text(offer_id),
        title=P.Text(as_text(item.get("subject")), item.get("subjectTrans") or None),
        image_url=as_text(item.get("imageUrl")),
        price_fen=price_fen,
        promotion_price_fen=promotion_fen,
        shop_id=seller,  # 1688 has no shop id in this answer: the sellerOpenId names the store
        seller_open_id=seller,
        shop_name="",
        month_sold=as_int(item.get("monthSold")),
        repurchase_rate_pct=pct(item.get("repurchaseRate")),
    )


def search_page(body: Mapping[str, Any], api: str, page_size: int) -> P.SearchPage:
    """A search answer (the four search APIs answer one page shape, inferred past keywordQuery:
    ``{result: {success, code, message, result: {totalRecords, totalPage, pageSize,
    currentPage, data: [{offerId, subject, subjectTrans, imageUrl, priceInfo: {price,
    promotionPrice} (yuan), monthSold, repurchaseRate, sellerOpenId}]}}}``) as a page of at
    most ``page_size`` summaries, prices in fen. An empty page may leave ``data`` out; a page
    that is no object, a ``data`` that is no list, an offer that is no object or has no id,
    or a price that is no yuan amount is ``BAD_ANSWER``."""
    page = payload(body) if isinstance(body.get("result"), dict) else None
    if not isinstance(page, dict):
        raise bad_answer(api, f"no page in {body!r:.200}")
    data = page.get("data")
    if data is None:
        data = []
    if not isinstance(data, list):
        raise bad_answer(api, "data is not a list")
    if not all(isinstance(item, dict) for item in data):
        raise bad_answer(api, "an offer of the page is not an object")
    items = tuple(_summary(item, api) for item in data)
    total = as_int(page.get("totalRecords"), len(items))
    return P.SearchPage(items[:page_size], max(total, len(items)))
