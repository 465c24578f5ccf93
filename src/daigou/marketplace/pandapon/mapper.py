"""PandaPon's JSON (ENDPOINTS S6: Offer1688, Order1688, Refund1688, Message) to the port's
DTOs. Amounts are fen integers and times epoch ms on that wire; anything else is refused
rather than guessed (a float amount would be a yuan value: never silently taken as fen)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from daigou.marketplace import port as P

A = ParamSpec("A")
R = TypeVar("R")


def checked(what: str) -> Callable[[Callable[A, R]], Callable[A, R]]:
    """An answer that lacks a field, or has one of the wrong type, is a BAD_ANSWER error."""

    def wrap(f: Callable[A, R]) -> Callable[A, R]:
        @wraps(f)
        def run(*args: A.args, **kwargs: A.kwargs) -> R:
            try:
                return f(*args, **kwargs)
            except KeyError as exc:
                raise P.MarketplaceError(
                    "BAD_ANSWER", f"PandaPon's {what} has no {exc.args[0]!r}"
                ) from None
            except (TypeError, ValueError, AttributeError) as exc:
                raise P.MarketplaceError(
                    "BAD_ANSWER", f"PandaPon's {what} is malformed: {exc}"
                ) from None

        return run

    return wrap


ALIBABA = P.Platform.ALIBABA


def price_changed(current: P.MarketOrder, unpaid: str, amount_fen: int) -> P.PayResult | None:
    """An unpaid order (status ``unpaid`` on its platform) whose total is not the amount the
    gateway holds is not paid: PRICE_CHANGED, nothing sent (the pay writes pay what the order
    costs now, as the marketplaces do). None: pay it."""
    if current.status != unpaid or current.total_fen == amount_fen:
        return None
    return P.PayResult(
        current.order_id,
        False,
        0,
        "PRICE_CHANGED",
        f"the order's total is {current.total_fen} fen, not {amount_fen}",
    )


def fen(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise P.MarketplaceError("BAD_AMOUNT", f"not an amount in fen: {value!r}")
    return int(value)


def ms(value: Any) -> int | None:
    return None if value is None else int(value)


def text(original: Any, translated: Any = None) -> P.Text:
    return P.Text(str(original or ""), None if translated is None else str(translated))


# --- goods --------------------------------------------------------------------------------------
def summary(item: dict[str, Any]) -> P.OfferSummary:
    price = item.get("priceInfo") or {}
    rate = str(item.get("repurchaseRate") or "0").rstrip("%") or "0"
    return P.OfferSummary(
        platform=ALIBABA,
        offer_id=str(item["offerId"]),
        title=text(item.get("subject"), item.get("subjectTrans")),
        image_url=str(item.get("imageUrl") or ""),
        price_fen=fen(price.get("price")),
        promotion_price_fen=None,
        shop_id="",
        seller_open_id="",
        shop_name="",
        month_sold=int(item.get("monthSold") or 0),
        repurchase_rate_pct=int(float(rate)),
    )


@checked("search page")
def search_page(page: Any) -> P.SearchPage:
    """A page of OfferListItem1688 (5.2-5.4, 5.6): ``{data: [...], totalRecords}``. An item
    without ``offerId``, or a page that is no page, is ``BAD_ANSWER``, never a KeyError."""
    if not isinstance(page, dict) or not isinstance(page.get("data") or [], list):
        raise TypeError(f"{page!r:.200}")
    items = tuple(summary(i) for i in page.get("data") or ())
    return P.SearchPage(items, int(page.get("totalRecords") or len(items)))


# --- search by picture (1.5, 5.3) ---------------------------------------------------------------
MAX_PICTURE_BYTES = 3 * 1024 * 1024  # PandaPon's limit for imageBase64 (ENDPOINTS 1.5, 5.3)


def bad_picture(message: str) -> P.PictureRefused:
    """The query picture refused: over PandaPon's 3 MB, or the upstream's 40001."""
    return P.PictureRefused("BAD_PICTURE", message)


def picture_base64(image: bytes) -> str:
    """The picture as 1.5 / 5.3 take it (``imageBase64``); a picture over PandaPon's limit is
    refused here, before 4 MB go up for nothing."""
    if len(image) > MAX_PICTURE_BYTES:
        raise bad_picture(f"the picture is {len(image)} bytes; PandaPon takes at most 3 MB")
    return base64.b64encode(image).decode("ascii")


def picture_refusal(exc: P.MarketplaceError) -> P.PictureRefused | None:
    """What a search by picture's error means: the upstream's 40001 (a bad request: the
    picture is its one free-form field) is a refused picture, with the upstream's words;
    None: the error stands as it is."""
    if exc.code == "40001":
        return bad_picture(f"PandaPon refused the picture: {exc.message}")
    return None


def _attr(a: dict[str, Any], image_key: str | None = None) -> P.SkuAttribute:
    return P.SkuAttribute(
        name=text(a.get("attributeName"), a.get("attributeNameTrans")),
        value=text(a.get("value"), a.get("valueTrans")),
        image_url=a.get(image_key) if image_key else None,
    )


def offer(o: dict[str, Any]) -> P.Offer:
    on_sale = o.get("status") == "published"
    sale = o.get("productSaleInfo") or {}
    ship = o.get("productShippingInfo") or {}
    skus = tuple(
        P.Sku(
            sku_id=str(s.get("skuId") or s.get("specId")),
            spec_id=str(s.get("specId") or s.get("skuId")),
            attributes=tuple(_attr(a, "skuImageUrl") for a in s.get("skuAttributes") or ()),
            price_fen=fen(s.get("price")),
            promotion_price_fen=None,
            stock=int(s.get("amountOnSale") or 0),
            on_sale=on_sale,
        )
        for s in o.get("productSkuInfos") or ()
    )
    tiers = tuple(
        P.PriceTier(int(t["startQuantity"]), fen(t["price"]))
        for t in sale.get("priceRangeList") or ()
    )
    open_id = str(o.get("sellerOpenId") or "")
    return P.Offer(
        platform=ALIBABA,
        offer_id=str(o["offerId"]),
        category_id=int(o.get("categoryId") or 0),
        category_name=text(o.get("categoryName")),
        title=text(o.get("subject"), o.get("subjectTrans")),
        description=str(o.get("description") or ""),
        images=tuple((o.get("productImage") or {}).get("images") or ()),
        skus=skus,
        price_tiers=tiers if sale.get("quoteType") == 1 else (),
        min_order_quantity=int(o.get("minOrderQuantity") or 1),
        shipping=P.Shipping(
            send_from=str(ship.get("sendGoodsAddressText") or ""),
            weight_g=int(ship.get("weight") or 0),
            length_mm=int(ship.get("length") or 0),
            width_mm=int(ship.get("width") or 0),
            height_mm=int(ship.get("height") or 0),
            first_fee_fen=0,  # Offer1688 carries no freight: a preview prices it
            extra_fee_fen=0,
        ),
        seller=P.Seller(
            seller_open_id=open_id,
            shop_id=open_id,
            name=text(o.get("companyName")),
            wangwang_nick="",
        ),
        on_sale=on_sale,
        currency=str(o.get("currency") or "CNY"),
        attributes=tuple(_attr(a) for a in o.get("productAttribute") or ()),
    )


def category(c: dict[str, Any]) -> P.Category:
    return P.Category(
        category_id=int(c.get("categoryId") or 0),
        parent_id=int(c.get("parentCateId") or 0),
        level=int(c.get("level") or 0),
        leaf=bool(c.get("leaf")),
        name=text(c.get("chineseName"), c.get("translatedName")),
        children=tuple(
            P.Category(
                category_id=int(ch["categoryId"]),
                parent_id=int(c.get("categoryId") or 0),
                level=int(c.get("level") or 0) + 1,
                leaf=bool(ch.get("leaf")),
                name=text(ch.get("chineseName"), ch.get("translatedName")),
            )
            for ch in c.get("children") or ()
        ),
    )


def activity(a: dict[str, Any]) -> P.Activity:
    return P.Activity(
        activity_id=str(a["activityId"]),
        name=text(a.get("activityName")),
        start_ms=int(a["startTime"]),
        end_ms=int(a["endTime"]),
        prices=tuple(
            P.ActivityPrice(str(p["specId"]), fen(p["price"])) for p in a["promotionPrices"]
        ),
        limit_quantity=int(a.get("limitQuantity") or 0),
        stock=int(a.get("activityStock") or 0),
    )


# --- orders ---------------------------------------------------------------------------------------
def address_param(a: P.Address) -> dict[str, Any]:
    body = {
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
    return {k: v for k, v in body.items() if v}


def cargo(lines: tuple[P.CargoLine, ...]) -> list[dict[str, Any]]:
    return [
        {"offerId": ln.offer_id, "quantity": ln.quantity}
        | ({"specId": ln.spec_id} if ln.spec_id else {})
        for ln in lines
    ]


def preview(data: dict[str, Any]) -> P.Preview:
    orders = []
    failures = []
    for o in data.get("orderPreviewResuslt") or ():
        if not o.get("success", True):
            failures.append(
                P.LineFailure("", None, str(o.get("errorCode")), str(o.get("errorMsg") or ""))
            )
            continue
        orders.append(
            P.PreviewOrder(
                lines=tuple(
                    P.PricedLine(
                        str(c["offerId"]),
                        c.get("specId"),
                        int(c["amount"]),
                        fen(c.get("finalUnitPrice")),
                    )
                    for c in o.get("cargoList") or ()
                ),
                product_fen=fen(o.get("sumPaymentNoCarriage")),
                shipping_fen=fen(o.get("sumCarriage")),
                discount_fen=fen(o.get("discountFee")),
                total_fen=fen(o.get("sumPayment")),
                promotions=tuple(
                    P.Promotion(
                        str(p["promotionId"]),
                        str(p.get("promotionName") or ""),
                        fen(p.get("discountFee")),
                        bool(p.get("selected")),
                    )
                    for p in o.get("shopPromotionList") or ()
                ),
            )
        )
    return P.Preview(tuple(orders), tuple(failures))


def line_failures(items: list[dict[str, Any]] | None) -> tuple[P.LineFailure, ...]:
    return tuple(
        P.LineFailure(
            str(f.get("offerId") or ""),
            f.get("specId"),
            str(f.get("errorCode") or ""),
            str(f.get("errorMessage") or ""),
        )
        for f in items or ()
    )


def _address(n: dict[str, Any]) -> P.Address | None:
    if not n.get("contactPerson") and not n.get("address"):
        return None
    return P.Address(
        full_name=str(n.get("contactPerson") or ""),
        mobile=str(n.get("mobile") or ""),
        phone=str(n.get("telephone") or ""),
        post_code=str(n.get("zip") or ""),
        province=str(n.get("province") or ""),
        city=str(n.get("city") or ""),
        area=str(n.get("area") or ""),
        town=str(n.get("town") or ""),
        address=str(n.get("address") or ""),
        district_code=str(n.get("areaCode") or ""),
    )


def parcel(p: dict[str, Any]) -> P.Parcel:
    return P.Parcel(
        logistics_id=str(p.get("logisticsId") or ""),
        bill_no=str(p.get("logisticsBillNo") or ""),
        company_name=str(p.get("logisticsCompanyName") or ""),
        entry_ids=tuple(str(e) for e in p.get("subItemIds") or p.get("orderEntryIds") or ()),
        shipped_ms=int(p.get("deliveredTime") or 0),
        steps=tuple(
            P.LogisticsStep(int(s["acceptTime"]), str(s.get("remark") or ""))
            for s in p.get("steps") or p.get("logisticsSteps") or ()
        ),
        delivered_ms=ms(p.get("signedTime")),
    )


def order(o: dict[str, Any]) -> P.MarketOrder:
    base = o["baseInfo"]
    gateway = o.get("gatewayInfo") or {}
    native = o.get("nativeLogistics") or {}
    return P.MarketOrder(
        platform=ALIBABA,
        order_id=str(base["id"]),
        out_order_id=base.get("outOrderId") or gateway.get("outOrderId"),
        status=str(base["status"]),
        seller_open_id=str(base.get("sellerOpenId") or ""),
        seller_name=str(base.get("sellerCompanyName") or ""),
        lines=tuple(
            P.OrderLine(
                entry_id=str(i["subItemID"]),
                offer_id=str(i["productID"]),
                spec_id=i.get("specId"),
                sku_id=None if i.get("skuID") is None else str(i["skuID"]),
                title=text(i.get("name"), i.get("nameTrans")),
                image_url=(i.get("productImgUrl") or [""])[0],
                quantity=int(i["quantity"]),
                unit_price_fen=fen(i.get("price")),
                amount_fen=fen(i.get("itemAmount")),
                status=str(i.get("status") or ""),
                logistics_status=int(i.get("logisticsStatus") or 1),
                refund_status=i.get("refundStatus"),
            )
            for i in o.get("productItems") or ()
        ),
        product_fen=fen(base.get("sumProductPayment")),
        shipping_fen=fen(base.get("shippingFee")),
        discount_fen=fen(base.get("discount")),
        total_fen=fen(base.get("totalAmount")),
        created_ms=int(base.get("createTime") or 0),
        modified_ms=int(base.get("modifyTime") or base.get("createTime") or 0),
        pay_timeout_s=int(base.get("payTimeout") or 43_200),
        paid_ms=ms(base.get("payTime")),
        shipped_ms=ms(base.get("allDeliveredTime")),
        received_ms=ms(base.get("receivingTime")),
        completed_ms=ms(base.get("completeTime")),
        close_reason=base.get("closeReason"),
        close_operate_type=base.get("closeOperateType"),
        parcels=tuple(parcel(p) for p in native.get("logisticsItems") or ()),
        refund_status=base.get("refundStatus"),
        currency=str(base.get("currency") or "CNY"),
        message=str(base.get("buyerFeedback") or ""),
        flow=base.get("flow"),
        address=_address(native),
    )


# --- refunds --------------------------------------------------------------------------------------
def _return_address(a: dict[str, Any] | None) -> P.Address | None:
    if not a:
        return None
    return P.Address(
        full_name=str(a.get("contactPerson") or ""),
        mobile=str(a.get("mobile") or ""),
        phone=str(a.get("phone") or ""),
        post_code=str(a.get("zip") or ""),
        province=str(a.get("province") or ""),
        city=str(a.get("city") or ""),
        area=str(a.get("area") or ""),
        town=str(a.get("town") or ""),
        address=str(a.get("address") or ""),
    )


def refund(r: dict[str, Any]) -> P.MarketRefund:
    return P.MarketRefund(
        platform=ALIBABA,
        refund_id=str(r["refundId"]),
        order_id=str(r["orderId"]),
        entry_ids=tuple(str(e) for e in r.get("orderEntryIds") or ()),
        status=str(r["refundStatus"]),
        dispute_request=str(r.get("disputeRequest") or ""),
        goods_status=str(r.get("goodsStatus") or ""),
        apply_payment_fen=fen(r.get("applyPayment")),
        apply_carriage_fen=fen(r.get("applyCarriage")),
        refund_payment_fen=fen(r.get("refundPayment")),
        refund_carriage_fen=fen(r.get("refundCarriage")),
        reason_id=int(r.get("applyReasonId") or 0),
        reason=str(r.get("applyReason") or ""),
        description=str(r.get("description") or ""),
        created_ms=int(r.get("gmtApply") or 0),
        modified_ms=int(r.get("gmtModified") or r.get("gmtApply") or 0),
        timeout_ms=ms(r.get("timeoutTime")),
        completed_ms=ms(r.get("gmtCompleted")),
        seller_refuse_reason=r.get("sellerRefuseReason"),
        return_company_no=r.get("logisticsCompanyNo"),
        return_bill_no=r.get("freightBill"),
        after_sale=bool(r.get("afterSale")),
        vouchers=tuple(r.get("vouchers") or ()),
        return_address=_return_address(r.get("returnAddress")),
        seller_agree_describe=r.get("sellerAgreeDescribe") or _agreed(r),
        quantities=tuple(
            (str(q["id"]), int(q["count"])) for q in r.get("orderEntryCountList") or ()
        ),
    )


def _agreed(r: dict[str, Any]) -> str | None:
    """How to send goods back: Refund1688 has no field for it; 7.5's history has the seller's
    note on agreeing a return (the newest seller note once the refund waits for the goods)."""
    if not r.get("returnAddress"):
        return None
    said = [n for n in notes(str(r["refundId"]), r.get("operations")) if n.owner == "seller"]
    return said[-1].content if said else None


def notes(refund_id: str, operations: list[dict[str, Any]] | None) -> tuple[P.RefundNote, ...]:
    """7.5's ``operations`` as the negotiation's notes, oldest first."""
    out = []
    for n, op in enumerate(operations or ()):
        owner = str(op.get("operator") or "platform")
        out.append(
            P.RefundNote(
                note_id=f"{refund_id}-{n}",
                refund_id=refund_id,
                owner="platform" if owner == "system" else owner,
                content=str(op.get("remark") or ""),
                images=tuple(op.get("vouchers") or ()),
                created_ms=int(op.get("createTime") or 0),
            )
        )
    return tuple(out)


# --- messages -------------------------------------------------------------------------------------
def message(m: dict[str, Any]) -> P.MarketMessage:
    """A message of either platform (``messagePlatform`` 0 is Taobao's, S8's other names)."""
    if str(m.get("messagePlatform", 1)) == "0":
        from daigou.marketplace.pandapon import taobao_mapper  # it builds on this module

        return taobao_mapper.message(m)
    body = m.get("messageBody") or {}
    platform = ALIBABA
    order_id = body.get("orderId")
    refund_id = body.get("refundId")
    status = body.get("currentStatus", body.get("status"))
    return P.MarketMessage(
        message_id=str(m["messageId"]),
        platform=platform,
        topic=str(m["messageType"]),
        occurred_ms=int(m.get("timestamp") or 0),
        order_id=None if order_id is None else str(order_id),
        refund_id=None if refund_id is None else str(refund_id),
        status=None if status is None else str(status),
        data=dict(body),
    )
