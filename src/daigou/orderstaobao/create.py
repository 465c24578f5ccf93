"""2.1 render and 2.2 create: a Taobao purchase order, whose lines may come from several shops.

**Render** reads each item once (concurrently), checks every line (the item and SKU exist and
are on sale, the stock covers the quantity, the minimum quantity is reached), groups the lines by
shop, and asks the marketplace to price each shop's order (concurrently): the purchase amount is
the sum of the shops' totals (products, freight, a shop promotion).

**Create** renders first: a line that cannot be ordered answers 40904 naming it (nothing is
made), and a ``purchaseAmount`` that is not the current total answers 40001 naming it. The
purchase order is recorded (status 12, building) under the caller's ``sellerOrderNumber`` (a
repeat returns it, ``replayed``; another sub-account's key answers 40902), then each shop's order
is made through the core's create (``purchasing.creates``; key ``<orderId>-<n>``), concurrently.
The purchase order moves to 0 once every shop is placed; a shop refused at that moment is left
out (its lines listed in ``errors``); none placed ends it in 9. A shop whose create has no
answer keeps it in 12 (50401, ``pendingOperation: create``) until the reconciler finds the order
or gives up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from daigou.core import ids
from daigou.core.clock import Clock
from daigou.core.errors import ApiError, NotFound
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for
from daigou.marketplace.fanout import fan_out
from daigou.orderstaobao import schemas as S
from daigou.orderstaobao import state
from daigou.orderstaobao.models import TaobaoOrder
from daigou.orderstaobao.profile import PROFILE
from daigou.purchasing import creates
from daigou.purchasing.buyer import Buyer

TAOBAO = P.Platform.TAOBAO
LANGUAGE = "en"


@dataclass
class LineCheck:
    """One line of the call, and what the marketplace says of it now."""

    index: int
    line: S.OrderLine
    offer: P.Offer | None = None
    sku: P.Sku | None = None
    code: int = 200
    msg: str = "success"
    reason: str | None = None
    unit_price: int | None = None
    post_fee: int = 0

    @property
    def ok(self) -> bool:
        return self.code == 200

    def fail(self, code: int, reason: str, msg: str) -> None:
        self.code, self.reason, self.msg = code, reason, msg

    def wire(self) -> dict[str, Any]:
        sku = self.sku
        return {
            "index": self.index,
            "key": self.line.orderLineNo,
            "success": self.ok,
            "code": self.code,
            "msg": self.msg,
            "reasonCode": self.reason,
            "orderLineNo": self.line.orderLineNo,
            "itemId": self.line.item_id,
            "skuId": sku.sku_id if sku else self.line.sku_id,
            "title": self.offer.title.original if self.offer else None,
            "picUrl": (sku.image_url if sku else None)
            or (self.offer.images[0] if self.offer and self.offer.images else None),
            "shopName": self.offer.seller.name.original if self.offer else None,
            "quantity": self.line.quantity,
            "price": self.unit_price,
            "productAmount": (self.unit_price or 0) * self.line.quantity,
            "postFee": self.post_fee,
            "available": self.ok,
        }


@dataclass
class Shop:
    """One shop's part of the purchase order: its lines and the marketplace's price of them."""

    n: int
    seller: str
    lines: list[LineCheck] = field(default_factory=list)
    preview: P.PreviewOrder | None = None

    def draft(self, receiver: S.Receiver, remark: str | None) -> P.OrderDraft:
        return P.OrderDraft(
            platform=TAOBAO,
            seller_open_id=self.seller,
            lines=tuple(
                P.CargoLine(c.line.item_id, c.sku.spec_id if c.sku else None, c.line.quantity)
                for c in self.lines
            ),
            address=receiver.to_port(),
            message=remark or "",
        )


@dataclass
class Plan:
    checks: list[LineCheck]
    shops: list[Shop]

    @property
    def failed(self) -> list[LineCheck]:
        return [c for c in self.checks if not c.ok]

    def totals(self) -> dict[str, int]:
        previews = [sh.preview for sh in self.shops if sh.preview is not None]
        return {
            "purchaseAmount": sum(p.total_fen for p in previews),
            "productAmount": sum(p.product_fen for p in previews),
            "postFee": sum(p.shipping_fen for p in previews),
            "discount": sum(p.discount_fen for p in previews),
        }

    def wire(self) -> dict[str, Any]:
        return {**self.totals(), "currency": "CNY", "lines": [c.wire() for c in self.checks]}


def _check(c: LineCheck, seen: set[tuple[str, str]]) -> None:
    offer, line = c.offer, c.line
    if offer is None:
        return
    sku = offer.sku_by_spec(line.sku_id)
    c.sku = sku
    if sku is None:
        c.fail(40904, "SKU_NOT_FOUND", "skuId names no SKU of this item (give one of its skuIds)")
    elif (offer.offer_id, sku.sku_id) in seen:
        c.fail(40001, "DUPLICATE_SKU", "the SKU appears on an earlier line: one line per SKU")
    elif not offer.on_sale or not sku.on_sale:
        c.fail(40904, "OFFER_NOT_ON_SALE", "the item is no longer on sale")
    elif line.quantity < offer.min_order_quantity:
        c.fail(
            40904,
            "QUANTITY_LESS_THAN_MIN",
            f"the minimum quantity is {offer.min_order_quantity}",
        )
    elif line.quantity > sku.stock:
        c.fail(40904, "STOCK_NOT_ENOUGH", f"only {sku.stock} in stock")
    if sku is not None:
        seen.add((offer.offer_id, sku.sku_id))
        c.unit_price = offer.unit_price(line.quantity, sku)


def plan(
    market: P.Marketplace, buyer: Buyer, lines: list[S.OrderLine], receiver: S.Receiver
) -> Plan:
    """Read the items, check the lines, group them by shop and price each shop's order."""
    checks = [LineCheck(i, ln) for i, ln in enumerate(lines)]
    item_ids = list(dict.fromkeys(c.line.item_id for c in checks))
    with acting_for(buyer.develop_id):
        read = fan_out([partial(market.offer, TAOBAO, i, LANGUAGE) for i in item_ids])
    offers: dict[str, P.Offer] = {}
    for item_id, got in zip(item_ids, read, strict=True):
        if isinstance(got, P.Offer):
            offers[item_id] = got
        elif not isinstance(got, P.MarketplaceNotFound):
            raise got
    seen: set[tuple[str, str]] = set()
    for c in checks:
        c.offer = offers.get(c.line.item_id)
        if c.offer is None:
            c.fail(40401, "ITEM_NOT_FOUND", f"no item {c.line.item_id}")
        _check(c, seen)
    shops: dict[str, Shop] = {}
    for c in checks:
        if c.ok and c.offer is not None:
            seller = c.offer.seller.seller_open_id
            shops.setdefault(seller, Shop(len(shops) + 1, seller)).lines.append(c)
    order = list(shops.values())
    with acting_for(buyer.develop_id):
        priced = fan_out([partial(market.preview, sh.draft(receiver, None)) for sh in order])
    for sh, answer in zip(order, priced, strict=True):
        if isinstance(answer, BaseException):
            raise answer
        _take_preview(sh, answer)
    return Plan(checks, order)


def _take_preview(shop: Shop, preview: P.Preview) -> None:
    """The marketplace's price of one shop's order: unit prices, its failures, its freight (on
    the shop's first line)."""
    failed = {(f.offer_id, f.spec_id): f for f in preview.failures}
    priced = {(ln.offer_id, ln.spec_id): ln for o in preview.orders for ln in o.lines}
    for c in shop.lines:
        key = (c.line.item_id, c.sku.spec_id if c.sku else None)
        if key in failed:
            c.fail(40904, failed[key].code, failed[key].message)
        elif key in priced:
            c.unit_price = priced[key].unit_price_fen
    shop.lines = [c for c in shop.lines if c.ok]
    if preview.orders and shop.lines:
        shop.preview = P.PreviewOrder(
            lines=tuple(ln for o in preview.orders for ln in o.lines),
            product_fen=sum(o.product_fen for o in preview.orders),
            shipping_fen=sum(o.shipping_fen for o in preview.orders),
            discount_fen=sum(o.discount_fen for o in preview.orders),
            total_fen=sum(o.total_fen for o in preview.orders),
        )
        shop.lines[0].post_fee = shop.preview.shipping_fen


def render(
    db: Database,
    market: P.Marketplace,
    buyer: Buyer,
    *,
    lines: list[S.OrderLine],
    receiver: S.Receiver,
    receiver_field: str = "receiver",
) -> dict[str, Any]:
    """2.1 (and the cart's 4.5, whose receiver is ``orderAddress``)."""
    receiver = receiver.resolved(db, buyer, receiver_field)
    return plan(market, buyer, lines, receiver).wire()


# --- create -----------------------------------------------------------------------------------
def _replay(db: Database, buyer: Buyer, number: str) -> dict[str, Any] | None:
    with db.transaction() as s:
        order = s.execute(
            select(TaobaoOrder).where(
                TaobaoOrder.developer_id == buyer.developer_id,
                TaobaoOrder.seller_order_number == number,
            )
        ).scalar_one_or_none()
        if order is None:
            return None
        if order.user_id != buyer.user_id:
            raise ApiError(
                40902, "sellerOrderNumber was used by another sub-account of this developer"
            )
        return {**state.view(s, order), "replayed": True}


def _line_record(c: LineCheck, shop: int) -> dict[str, Any]:
    return {
        "orderLineNo": c.line.orderLineNo,
        "itemId": c.line.item_id,
        "skuId": c.sku.sku_id if c.sku else c.line.sku_id,
        "quantity": c.line.quantity,
        "price": c.unit_price,
        "title": c.offer.title.original if c.offer else None,
        "picUrl": c.offer.images[0] if c.offer and c.offer.images else None,
        "shop": shop,
    }


def _record_order(
    db: Database,
    buyer: Buyer,
    p: Plan,
    receiver: S.Receiver,
    *,
    seller_order_number: str | None,
    order_source: str | None,
    remark: str | None,
    now_ms: int,
) -> TaobaoOrder:
    order = TaobaoOrder(
        order_id=ids.numeric_id(19),
        developer_id=buyer.developer_id,
        user_id=buyer.user_id,
        seller_order_number=seller_order_number,
        order_source=order_source,
        remark=remark,
        status=state.BUILDING,
        voucher_stage=None,
        pay_method=None,
        purchase_amount=p.totals()["purchaseAmount"],
        receiver=json.dumps(receiver.wire(), ensure_ascii=False),
        warehouse_code=None,
        lines=json.dumps(
            [_line_record(c, sh.n) for sh in p.shops for c in sh.lines], ensure_ascii=False
        ),
        shops=json.dumps(
            [
                {
                    "n": sh.n,
                    "seller": sh.seller,
                    "lines": [c.line.orderLineNo for c in sh.lines],
                    "state": "pending",
                    "errors": [],
                }
                for sh in p.shops
            ]
        ),
        sequence=0,
        created_at=now_ms,
        modified_at=now_ms,
    )
    with db.transaction() as s:
        s.add(order)
        s.flush()
        s.expunge(order)
    return order


def _errors(checks: list[LineCheck], code: str | None = None) -> list[dict[str, Any]]:
    return [
        {
            "orderLineNo": c.line.orderLineNo,
            "index": c.index,
            "code": c.code,
            "errorCode": code or c.reason,
            "msg": c.msg,
        }
        for c in checks
    ]


def create(
    db: Database,
    market: P.Marketplace,
    clock: Clock,
    buyer: Buyer,
    *,
    lines: list[S.OrderLine],
    receiver: S.Receiver,
    purchase_amount: int | None,
    seller_order_number: str | None,
    order_source: str | None,
    remark: str | None,
    receiver_field: str = "receiver",
) -> dict[str, Any]:
    """2.2 (and the cart's 4.6, whose receiver is ``orderAddress``): the TaobaoOrder made, with
    ``replayed``. A receiver given by ``addressId`` is read before the marketplace prices the
    order (read only: the order is recorded after the marketplace answers) and recorded in
    full, with its ``addressId``."""
    if seller_order_number:
        replayed = _replay(db, buyer, seller_order_number)
        if replayed is not None:
            return replayed
    receiver = receiver.resolved(db, buyer, receiver_field)
    p = plan(market, buyer, lines, receiver)
    if p.failed:
        first = p.failed[0]
        raise ApiError(
            40001 if first.code == 40001 else 40904,
            f"orderLineList[{first.index}] ({first.line.orderLineNo}): {first.msg}",
            {"errors": _errors(p.failed)},
        )
    total = p.totals()["purchaseAmount"]
    if purchase_amount is not None and purchase_amount != total:
        raise ApiError(
            40001,
            f"purchaseAmount: the current total is {total} fen, not {purchase_amount}; render "
            "the order again (2.1)",
            {
                "errors": [{"field": "purchaseAmount", "message": "not the current total"}],
                "purchaseAmount": total,
            },
        )
    try:
        order = _record_order(
            db,
            buyer,
            p,
            receiver,
            seller_order_number=seller_order_number,
            order_source=order_source,
            remark=remark,
            now_ms=clock.now_ms(),
        )
    except IntegrityError:
        # a concurrent create with the same sellerOrderNumber recorded it first
        again = _replay(db, buyer, seller_order_number or "")
        if again is None:
            raise
        return again
    return place(db, market, clock, buyer, order.order_id, p.shops, receiver, remark)


def place(
    db: Database,
    market: P.Marketplace,
    clock: Clock,
    buyer: Buyer,
    order_id: str,
    shops: list[Shop],
    receiver: S.Receiver,
    remark: str | None,
) -> dict[str, Any]:
    """Make each shop's order (concurrently) and settle the purchase order with the outcomes."""

    def make(shop: Shop) -> creates.Created:
        return creates.create_for_merchant(
            db,
            market,
            PROFILE,
            buyer,
            draft=shop.draft(receiver, remark),
            out_order_id=f"{order_id}-{shop.n}",
            group_id=order_id,
            staff_name=None,
            now_ms=clock.now_ms(),
        )

    outcomes = fan_out(
        [partial(make, sh) for sh in shops],
        catch=(ApiError, P.MarketplaceError, P.MarketplaceTimeout),
    )
    unknown = False
    upstream: BaseException | None = None
    with db.transaction() as s:
        for shop, got in zip(shops, outcomes, strict=True):
            if isinstance(got, creates.Created):
                if got.failed:
                    _note_failed_lines(s, order_id, shop, got.failed)
                continue
            if isinstance(got, ApiError) and got.code == 50401:
                unknown = True
                continue
            if not isinstance(got, (ApiError, P.MarketplaceError)):
                raise got
            if not isinstance(got, ApiError) or got.code != 40904:
                upstream = upstream or got
            errors = [
                {
                    "orderLineNo": c.line.orderLineNo,
                    "index": c.index,
                    "code": got.code if isinstance(got, ApiError) else 50201,
                    "errorCode": getattr(got, "reason", None) or type(got).__name__,
                    "msg": got.msg if isinstance(got, ApiError) else str(got),
                }
                for c in shop.lines
            ]
            state.shop_failed(s, order_id, shop.n, errors, clock.now_ms())
        s.flush()  # the session does not autoflush: what the loop changed, before reading
        order = state.lock(s, order_id)
        assert order is not None
        out = state.view(s, order)
    if out["status"] == int(state.FAILED):
        if upstream is not None:
            raise upstream
        raise ApiError(40904, "no line could be ordered", {"orderId": order_id, **out})
    if unknown:
        raise ApiError(
            50401,
            "the marketplace did not answer for some shops: the purchase order is being placed "
            "(status 12); read it again, or call again with the same sellerOrderNumber",
            {"orderId": order_id, "pendingOperation": "create", "order": out},
        )
    return {**out, "replayed": False}


def _note_failed_lines(s: Any, order_id: str, shop: Shop, failed: list[dict[str, Any]]) -> None:
    """Lines the marketplace refused while it made the shop's order: listed in ``errors``."""
    order = state.lock(s, order_id)
    if order is None:
        return
    shops = state.shops_of(order)
    for sh in shops:
        if sh["n"] == shop.n:
            sh["errors"] = [
                {
                    "orderLineNo": next(
                        (c.line.orderLineNo for c in shop.lines if c.line.item_id == f["offerId"]),
                        None,
                    ),
                    "code": 40904,
                    "errorCode": f["errorCode"],
                    "msg": f["errorMessage"],
                }
                for f in failed
            ]
    order.shops = json.dumps(shops)


def find(db: Database, buyer: Buyer, order_id: str) -> TaobaoOrder:
    """The purchase order, if the caller may see it (40401, 40302)."""
    from daigou.purchasing.buyer import check_visible

    with db.transaction() as s:
        order = s.get(TaobaoOrder, order_id)
        if order is None:
            raise NotFound("no such order")
        s.expunge(order)
    check_visible(order.developer_id, order.user_id, buyer.developer_id, buyer.user_id)
    return order
