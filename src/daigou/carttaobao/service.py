"""Taobao cart use cases (ENDPOINTS 4.1-4.4).

A cart belongs to a developer and one of its sub-accounts (the main account's cart is
``user_id = ''``). Price, title and stock are never stored: every read asks the marketplace
again; what a client sends besides the item, SKU and quantity is kept as hints only.
Marketplace calls run before the write transaction (none holds a database lock while the
marketplace answers) and inside ``acting_for(develop_id)`` (daigou.marketplace.context).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from daigou.carts import service as carts
from daigou.carts.schemas import CartAdded, CartDelete, CartDeleteOut
from daigou.carts.service import Owner, mine
from daigou.carttaobao.models import CartTaobaoLine
from daigou.carttaobao.schemas import TaobaoCartAdd, TaobaoCartEdit, TaobaoCartLine, TaobaoCartPage
from daigou.core.errors import ApiError, validation_error
from daigou.core.pagination import PageRequest
from daigou.db.session import Database
from daigou.goods.schemas import TaobaoProperty
from daigou.goods.service import taobao_properties
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for
from daigou.orderstaobao import schemas as OS

MAX_LINES = carts.MAX_LINES  # per cart (ENDPOINTS 4, ours)
LANGUAGE = "en"
Line = CartTaobaoLine


def _stock_error(msg: str) -> ApiError:
    return ApiError(40904, msg)


def fetch(market: P.Marketplace, owner: Owner, item_id: str) -> P.Offer:
    with acting_for(owner.develop_id):
        return market.offer(P.Platform.TAOBAO, item_id, LANGUAGE)


def _sku_of(offer: P.Offer, sku_id: str | None) -> P.Sku | None:
    """The SKU ``sku_id`` names (None: an item without SKUs, or its only SKU when none is
    named), or None when the item has no such SKU."""
    if not offer.skus:
        return None
    if not sku_id:
        return offer.skus[0] if len(offer.skus) == 1 else None
    return next((s for s in offer.skus if s.sku_id == sku_id), None)


def _orderable_sku(offer: P.Offer, sku_id: str | None) -> P.Sku | None:
    """The SKU a request names (None: an item without SKUs): 40904 when the item or the SKU is
    off sale or the item has no such SKU; 40001 when an item of several SKUs is named alone."""
    if not offer.on_sale:
        raise _stock_error(f"item {offer.offer_id} is no longer on sale")
    if not offer.skus:
        if sku_id:
            raise _stock_error(f"item {offer.offer_id} has no SKU {sku_id}")
        return None
    if not sku_id and len(offer.skus) > 1:
        raise validation_error("skuId", "required (or mpSkuId): the item has several SKUs")
    sku = _sku_of(offer, sku_id)
    if sku is None:
        raise _stock_error(f"item {offer.offer_id} has no SKU {sku_id}")
    if not sku.on_sale:
        raise _stock_error(f"SKU {sku.sku_id} of item {offer.offer_id} is no longer on sale")
    return sku


def _check_stock(offer: P.Offer, sku: P.Sku | None, quantity: int) -> None:
    if sku is not None and quantity > sku.stock:
        raise _stock_error(
            f"quantity {quantity} is over the stock of SKU {sku.sku_id} of item "
            f"{offer.offer_id} ({sku.stock} available)"
        )


def _merge_hints(body: TaobaoCartAdd) -> Callable[[CartTaobaoLine], None]:
    """Copies the hints a request gives onto a line (those it leaves out stay)."""
    given = body.hints()

    def touch(line: CartTaobaoLine) -> None:
        if given:
            line.hints = json.dumps({**_hints(line.hints), **given}, ensure_ascii=False)

    return touch


def _hints(stored: str | None) -> dict[str, Any]:
    if not stored:
        return {}
    found = json.loads(stored)
    return found if isinstance(found, dict) else {}


# --- 4.1 add ---------------------------------------------------------------------------------


def add(
    db: Database, market: P.Marketplace, owner: Owner, body: TaobaoCartAdd, now_ms: int
) -> CartAdded:
    """The same SKU again adds to its line; 40401 for an unknown item, 40904 for an item or
    SKU off sale or unknown, or a total over the SKU's stock; 40901 past 200 lines."""
    offer = fetch(market, owner, body.item_id)
    sku = _orderable_sku(offer, body.sku_id)
    sku_id = sku.sku_id if sku is not None else ""
    hints = body.hints()
    return carts.add_line(
        db,
        CartTaobaoLine,
        owner,
        {"item_id": offer.offer_id, "sku_id": sku_id},
        body.quantity,
        now_ms,
        max_quantity=OS.MAX_QUANTITY,
        max_lines=MAX_LINES,
        check=lambda total: _check_stock(offer, sku, total),
        build=lambda: CartTaobaoLine(
            item_id=offer.offer_id,
            sku_id=sku_id,
            hints=json.dumps(hints, ensure_ascii=False) if hints else None,
        ),
        touch=_merge_hints(body),
    )


# --- 4.2 list --------------------------------------------------------------------------------


def _translated(text: P.Text) -> str:
    return text.translated or text.original


def _hint_properties(hints: dict[str, Any]) -> list[TaobaoProperty]:
    found = hints.get("properties")
    if not isinstance(found, list):
        return []
    return [
        TaobaoProperty(
            propId=str(p.get("propId") or ""),
            propName=str(p.get("propName") or ""),
            valueId=str(p.get("valueId") or ""),
            valueName=str(p.get("valueName") or ""),
        )
        for p in found
        if isinstance(p, dict)
    ]


def line_out(line: Any, offer: P.Offer | None) -> TaobaoCartLine:
    """The wire line: read from the marketplace's ``offer`` (None: the item is gone, and the
    line shows the hints it was added with)."""
    common = {
        "id": line.id,
        "itemId": line.item_id,
        "skuId": line.sku_id or None,
        "mpId": OS.MP_PREFIX + line.item_id,
        "mpSkuId": OS.mp_of(line.sku_id or None),
        "quantity": line.quantity,
        "createTime": line.created_at,
    }
    if offer is None:
        hints = _hints(line.hints)
        return TaobaoCartLine(
            **common,
            itemTitle=hints.get("itemTitle"),
            itemPic=hints.get("itemPic"),
            price=None,
            promotionPrice=None,
            skuQuantity=None,
            properties=_hint_properties(hints),
            shopId=hints.get("shopId"),
            shopName=hints.get("shopName"),
            available=False,
        )
    sku = _sku_of(offer, line.sku_id or None)
    known = sku is not None or (not offer.skus and not line.sku_id)
    available = (
        known
        and offer.on_sale
        and (sku is None or (sku.on_sale and line.quantity <= sku.stock))
        and line.quantity >= offer.min_order_quantity
    )
    return TaobaoCartLine(
        **common,
        itemTitle=_translated(offer.title),
        itemPic=(sku.image_url if sku is not None and sku.image_url else None)
        or (offer.images[0] if offer.images else None),
        price=sku.price_fen if sku is not None else None,
        promotionPrice=sku.promotion_price_fen if sku is not None else None,
        skuQuantity=sku.stock if sku is not None else None,
        properties=taobao_properties(sku) if sku is not None else [],
        shopId=offer.seller.shop_id,
        shopName=_translated(offer.seller.name),
        available=bool(available),
    )


def list_cart(
    db: Database, market: P.Marketplace, owner: Owner, page: PageRequest
) -> TaobaoCartPage:
    """The most recently changed lines first; each item of the page is read once."""
    with db.reading() as conn:
        total = conn.execute(select(func.count()).select_from(Line).where(mine(Line, owner)))
        total_records = int(total.scalar_one())
        lines = conn.execute(
            select(Line.id, Line.item_id, Line.sku_id, Line.hints, Line.quantity, Line.created_at)
            .where(mine(Line, owner))
            .order_by(Line.updated_at.desc(), Line.id.desc())
            .offset(page.offset)
            .limit(page.page_size)
        ).all()
    offers: dict[str, P.Offer | None] = {}
    for line in lines:
        if line.item_id not in offers:
            try:
                offers[line.item_id] = fetch(market, owner, line.item_id)
            except P.MarketplaceNotFound:
                offers[line.item_id] = None
    return TaobaoCartPage(
        totalRecords=total_records,
        totalPage=(total_records + page.page_size - 1) // page.page_size,
        pageSize=page.page_size,
        currentPage=page.page_no,
        data=[line_out(line, offers[line.item_id]) for line in lines],
        nextCursor=None,
    )


# --- 4.3 delete ------------------------------------------------------------------------------


def delete_lines(db: Database, owner: Owner, body: CartDelete) -> CartDeleteOut:
    return carts.delete_lines(db, CartTaobaoLine, owner, body)


# --- 4.4 edit-quantity -----------------------------------------------------------------------


def edit_quantity(
    db: Database, market: P.Marketplace, owner: Owner, body: TaobaoCartEdit, now_ms: int
) -> bool:
    """40904 when the item is gone or off sale, or its stock cannot cover ``quantity``."""
    (line,) = carts.lines_of(db, CartTaobaoLine, owner, [body.id])
    try:
        offer = fetch(market, owner, line.item_id)
    except P.MarketplaceNotFound as exc:
        raise _stock_error(f"item {line.item_id} is no longer on sale") from exc
    try:
        sku = _orderable_sku(offer, line.sku_id or None)
    except ApiError as exc:
        if exc.code == 40904:
            raise
        raise _stock_error(f"SKU {line.sku_id} of item {line.item_id} is gone") from exc
    _check_stock(offer, sku, body.quantity)

    def apply(row: CartTaobaoLine) -> None:
        row.quantity = body.quantity

    carts.update_line(db, CartTaobaoLine, owner, body.id, now_ms, apply)
    return True
