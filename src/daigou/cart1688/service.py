"""1688 cart use cases (ENDPOINTS 8.1-8.4).

A cart belongs to a developer and one of its sub-accounts (the main account's cart is
`user_id = ''`). Price and stock are never stored: every read asks the marketplace again.
Marketplace calls run before the write transaction (none holds a database lock while the
marketplace answers) and inside ``acting_for(develop_id)`` (daigou.marketplace.context).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from daigou.cart1688.models import Cart1688Line
from daigou.cart1688.schemas import (
    MAX_QUANTITY,
    CartAdd,
    CartEdit,
    CartItem,
    CartPage,
    CartProperty,
    CartStore,
)
from daigou.carts import service as carts
from daigou.carts.schemas import CartAdded, CartDelete, CartDeleteOut
from daigou.carts.service import Owner, mine
from daigou.core.errors import ApiError, NotFound, validation_error
from daigou.core.pagination import PageRequest
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for

MAX_LINES = carts.MAX_LINES  # per cart (ENDPOINTS 8, ours)
LANGUAGE = "en"
T = Cart1688Line.__table__


def _stock_error(msg: str) -> ApiError:
    return ApiError(40904, msg)


def _fetch(market: P.Marketplace, owner: Owner, offer_id: str) -> P.Offer:
    with acting_for(owner.develop_id):
        return market.offer(P.Platform.ALIBABA, offer_id, LANGUAGE)


def _orderable_sku(offer: P.Offer, spec_id: str | None) -> P.Sku | None:
    """The SKU a request names (None: an offer without SKUs); 40001/40401/40904 otherwise."""
    if not offer.on_sale:
        raise _stock_error(f"offer {offer.offer_id} is no longer on sale")
    if not offer.skus:
        if spec_id:
            raise NotFound(f"offer {offer.offer_id} has no SKU {spec_id}")
        return None
    if spec_id is None and len(offer.skus) > 1:
        raise validation_error("specId", "required: the offer has several SKUs")
    sku = offer.sku_by_spec(spec_id)
    if sku is None:
        raise NotFound(f"offer {offer.offer_id} has no SKU {spec_id}")
    if not sku.on_sale:
        raise _stock_error(f"SKU {sku.spec_id} of offer {offer.offer_id} is no longer on sale")
    return sku


def _check_stock(offer: P.Offer, sku: P.Sku | None, quantity: int) -> None:
    if sku is not None and quantity > sku.stock:
        raise _stock_error(
            f"quantity {quantity} is over the stock of SKU {sku.spec_id} of offer "
            f"{offer.offer_id} ({sku.stock} available)"
        )


def _labels(body: CartAdd | CartEdit) -> Callable[[Cart1688Line], None]:
    """Copies the request's labels (those it gives) onto a line."""

    def touch(line: Cart1688Line) -> None:
        if body.productNo is not None:
            line.product_no = body.productNo
        if body.container is not None:
            line.container = body.container

    return touch


# --- 8.1 add ---------------------------------------------------------------------------------


def add(db: Database, market: P.Marketplace, owner: Owner, body: CartAdd, now_ms: int) -> CartAdded:
    offer = _fetch(market, owner, body.offerId)
    sku = _orderable_sku(offer, body.specId or None)
    spec_id = sku.spec_id if sku is not None else ""
    return carts.add_line(
        db,
        Cart1688Line,
        owner,
        {"offer_id": offer.offer_id, "spec_id": spec_id},
        body.quantity,
        now_ms,
        max_quantity=MAX_QUANTITY,
        max_lines=MAX_LINES,
        check=lambda total: _check_stock(offer, sku, total),
        build=lambda: Cart1688Line(
            offer_id=offer.offer_id,
            spec_id=spec_id,
            seller_open_id=offer.seller.seller_open_id,
            product_no=body.productNo,
            container=body.container,
        ),
        touch=_labels(body),
    )


# --- 8.2 list --------------------------------------------------------------------------------


def _text(text: P.Text) -> tuple[str, str | None]:
    return text.original, text.translated


def _item(line: Any, offer: P.Offer | None) -> tuple[CartItem, bool, str | None]:
    """The wire line, whether it can be ordered now, and the store's nick."""
    sku = None
    if offer is not None:
        sku = offer.sku_by_spec(line.spec_id or None)
    properties = []
    if sku is not None:
        for a in sku.attributes:
            name, name_trans = _text(a.name)
            value, value_trans = _text(a.value)
            properties.append(
                CartProperty(
                    attributeName=name,
                    attributeNameTrans=name_trans,
                    value=value,
                    valueTrans=value_trans,
                )
            )
    enabled = (
        offer is not None
        and offer.on_sale
        and (sku is not None or (not offer.skus and not line.spec_id))
        and (sku is None or (sku.on_sale and line.quantity <= sku.stock))
        and line.quantity >= offer.min_order_quantity
    )
    title = None
    if offer is not None:
        title = offer.title.translated or offer.title.original
    item = CartItem(
        id=line.id,
        offerId=line.offer_id,
        specId=line.spec_id or None,
        skuId=sku.sku_id if sku is not None else None,
        itemTitle=title,
        itemPic=(sku.image_url if sku is not None and sku.image_url else None)
        or (offer.images[0] if offer is not None and offer.images else None),
        price=offer.unit_price(line.quantity, sku) if offer is not None and sku else None,
        quantity=line.quantity,
        amountOnSale=sku.stock if sku is not None else None,
        properties=properties,
        productNo=line.product_no,
        container=line.container,
    )
    nick = offer.seller.wangwang_nick if offer is not None else None
    return item, bool(enabled), nick


def list_cart(db: Database, market: P.Marketplace, owner: Owner, page: PageRequest) -> CartPage:
    """Stores ordered by their newest line, lines newest first; paging counts stores."""
    with db.reading() as conn:
        lines = conn.execute(
            select(T)
            .where(mine(Cart1688Line, owner))
            .order_by(T.c.updated_at.desc(), T.c.id.desc())
        ).all()
    stores: dict[str, list[Any]] = {}
    for line in lines:
        stores.setdefault(line.seller_open_id, []).append(line)
    total = len(stores)
    chosen = list(stores.items())[page.offset : page.offset + page.page_size]
    offers: dict[str, P.Offer | None] = {}
    enable: list[CartStore] = []
    disable: list[CartStore] = []
    for seller_open_id, store_lines in chosen:
        on: list[CartItem] = []
        off: list[CartItem] = []
        nick: str | None = None
        for line in store_lines:
            if line.offer_id not in offers:
                try:
                    offers[line.offer_id] = _fetch(market, owner, line.offer_id)
                except P.MarketplaceNotFound:
                    offers[line.offer_id] = None
            item, enabled, line_nick = _item(line, offers[line.offer_id])
            nick = nick or line_nick
            (on if enabled else off).append(item)
        if on:
            enable.append(
                CartStore(sellerOpenId=seller_open_id, sellerNickName=nick, cartItemInfos=on)
            )
        if off:
            disable.append(
                CartStore(sellerOpenId=seller_open_id, sellerNickName=nick, cartItemInfos=off)
            )
    return CartPage(
        totalRecords=total,
        totalPage=(total + page.page_size - 1) // page.page_size,
        pageSize=page.page_size,
        currentPage=page.page_no,
        enableList=enable,
        disableList=disable,
        nextCursor=None,
    )


# --- 8.3 delete ------------------------------------------------------------------------------


def delete_lines(db: Database, owner: Owner, body: CartDelete) -> CartDeleteOut:
    return carts.delete_lines(db, Cart1688Line, owner, body)


# --- 8.4 edit-quantity -----------------------------------------------------------------------


def edit_quantity(
    db: Database, market: P.Marketplace, owner: Owner, body: CartEdit, now_ms: int
) -> bool:
    (line,) = carts.lines_of(db, Cart1688Line, owner, [body.id])
    try:
        offer = _fetch(market, owner, line.offer_id)
    except P.MarketplaceNotFound as exc:
        raise _stock_error(f"offer {line.offer_id} is no longer on sale") from exc
    try:
        sku = _orderable_sku(offer, line.spec_id or None)
    except ApiError as exc:
        if exc.code == 40904:
            raise
        raise _stock_error(f"SKU {line.spec_id} of offer {line.offer_id} is gone") from exc
    _check_stock(offer, sku, body.quantity)
    touch = _labels(body)

    def apply(row: Cart1688Line) -> None:
        row.quantity = body.quantity
        touch(row)

    carts.update_line(db, Cart1688Line, owner, body.id, now_ms, apply)
    return True
