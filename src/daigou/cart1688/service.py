"""1688 cart use cases (ENDPOINTS 8.1-8.4).

A cart belongs to a developer and one of its sub-accounts (the main account's cart is
`user_id = ''`). Price and stock are never stored: every read asks the marketplace again.
Marketplace calls run before the write transaction (none holds a database lock while the
marketplace answers) and inside ``acting_for(develop_id)`` (daigou.marketplace.context).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from daigou.cart1688.models import Cart1688Line
from daigou.cart1688.schemas import (
    MAX_QUANTITY,
    CartAdd,
    CartAdded,
    CartDelete,
    CartDeleteOut,
    CartDeleteResult,
    CartEdit,
    CartItem,
    CartPage,
    CartProperty,
    CartStore,
)
from daigou.core.errors import ApiError, Conflict, NotFound, validation_error
from daigou.core.pagination import PageRequest
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for

MAX_LINES = 200  # per cart (ENDPOINTS 8, ours)
DELETE_MAX = 100
LANGUAGE = "en"
T = Cart1688Line.__table__


@dataclass(frozen=True)
class Owner:
    developer_id: int
    develop_id: str
    user_id: str  # '' = the main account


def owner_of(caller: Any) -> Owner:
    return Owner(caller.developer_id, caller.develop_id, caller.user_id or "")


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


def _mine(owner: Owner) -> Any:
    return (T.c.developer_id == owner.developer_id) & (T.c.user_id == owner.user_id)


def missing_line(s: Session, owner: Owner, line_id: int) -> ApiError:
    """Why a line id is not the caller's: 40302 when it is another cart of the same developer
    (its main account's or a sub-account's: each account keeps its own cart), else 40401
    (another developer's line is never revealed)."""
    found = s.execute(
        select(T.c.id).where(T.c.developer_id == owner.developer_id, T.c.id == line_id)
    ).first()
    if found is not None:
        return ApiError(40302, f"cart line {line_id} belongs to another account's cart")
    return NotFound(f"no cart line {line_id}")


# --- 8.1 add ---------------------------------------------------------------------------------


def add(db: Database, market: P.Marketplace, owner: Owner, body: CartAdd, now_ms: int) -> CartAdded:
    offer = _fetch(market, owner, body.offerId)
    sku = _orderable_sku(offer, body.specId or None)
    spec_id = sku.spec_id if sku is not None else ""
    for attempt in (1, 2):
        try:
            return _add_line(db, owner, offer, sku, spec_id, body, now_ms)
        except IntegrityError:  # a concurrent add inserted the same line first: add to it
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _add_line(
    db: Database,
    owner: Owner,
    offer: P.Offer,
    sku: P.Sku | None,
    spec_id: str,
    body: CartAdd,
    now_ms: int,
) -> CartAdded:
    with db.transaction() as s:
        line = s.scalars(
            select(Cart1688Line).where(
                _mine(owner), T.c.offer_id == offer.offer_id, T.c.spec_id == spec_id
            )
        ).first()
        if line is not None:
            quantity = line.quantity + body.quantity
            if quantity > MAX_QUANTITY:
                raise validation_error(
                    "quantity", f"a cart line holds at most {MAX_QUANTITY} (it has {line.quantity})"
                )
            _check_stock(offer, sku, quantity)
            line.quantity = quantity
            line.updated_at = now_ms
            if body.productNo is not None:
                line.product_no = body.productNo
            if body.container is not None:
                line.container = body.container
            s.flush()
            return CartAdded(id=line.id, quantity=quantity)
        _check_stock(offer, sku, body.quantity)
        count = s.scalar(select(func.count()).select_from(T).where(_mine(owner))) or 0
        if count >= MAX_LINES:
            raise Conflict(f"cart full: at most {MAX_LINES} lines")
        line = Cart1688Line(
            developer_id=owner.developer_id,
            user_id=owner.user_id,
            offer_id=offer.offer_id,
            spec_id=spec_id,
            seller_open_id=offer.seller.seller_open_id,
            quantity=body.quantity,
            product_no=body.productNo,
            container=body.container,
            created_at=now_ms,
            updated_at=now_ms,
        )
        s.add(line)
        s.flush()
        return CartAdded(id=line.id, quantity=line.quantity)


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
            select(T).where(_mine(owner)).order_by(T.c.updated_at.desc(), T.c.id.desc())
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
    if not body.ids:
        raise validation_error("ids", "give 1 to 100 cart line ids")
    if len(body.ids) > DELETE_MAX:
        raise ApiError(40003, f"ids: at most {DELETE_MAX} cart lines per call")
    results = []
    with db.transaction() as s:
        for index, line_id in enumerate(body.ids):
            gone = s.execute(delete(T).where(_mine(owner), T.c.id == line_id)).rowcount
            if gone:
                results.append(
                    CartDeleteResult(
                        index=index, key=line_id, success=True, code=200, msg="success"
                    )
                )
            else:
                why = missing_line(s, owner, line_id)
                results.append(
                    CartDeleteResult(
                        index=index, key=line_id, success=False, code=why.code, msg=why.msg
                    )
                )
    return CartDeleteOut(results=results)


# --- 8.4 edit-quantity -----------------------------------------------------------------------


def edit_quantity(
    db: Database, market: P.Marketplace, owner: Owner, body: CartEdit, now_ms: int
) -> bool:
    with db.transaction() as s:
        line = s.execute(select(T).where(_mine(owner), T.c.id == body.id)).first()
        if line is None:
            raise missing_line(s, owner, body.id)
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
    with db.transaction() as s:
        row = s.get(Cart1688Line, body.id)
        if row is None or row.developer_id != owner.developer_id or row.user_id != owner.user_id:
            raise missing_line(s, owner, body.id)
        row.quantity = body.quantity
        row.updated_at = now_ms
        if body.productNo is not None:
            row.product_no = body.productNo
        if body.container is not None:
            row.container = body.container
    return True
