"""Quoting international freight (ENDPOINTS 11.1) and previewing a shipment (11.2).

The goods: ``itemId`` names a Taobao item (or the mpId PandaPon pairs with it) or a 1688 offer;
the gateway asks the marketplace for a Taobao item first and, when there is none of that id, for
a 1688 offer. The offer's shipping data give the unit weight and box (``Offer.shipping``); goods
without a weight count ``DEFAULT_WEIGHT_G`` grams a unit (and no box: no volumetric weight). The
goods' categories (battery, liquid, ...) come from the title and the marketplace's category name
by the freight tables' keywords.

A quote packs ``quantity`` units into one estimated package (``freight.combine``) and prices it
on every channel that reaches the country; a channel refusing the package (too heavy, too big,
banned goods) is left out. A preview prices all its items together on one channel and keeps the
result 30 minutes (``freight_render``) for a booking (11.3).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from daigou.core.errors import ApiError, NotFound, validation_error
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for
from daigou.purchasing.buyer import Buyer
from daigou.warehouse import freight, ids
from daigou.warehouse import schemas as S
from daigou.warehouse.models import FreightRender

DEFAULT_WEIGHT_G = 500  # a unit of goods whose listing has no weight
RENDER_TTL_MS = 30 * 60_000
LANGUAGE = "en"  # the title in Chinese and English: both are searched for banned goods
MP_PREFIX, MP_LENGTH = "2048", 16  # a Taobao item's paired mpId


@dataclass(frozen=True)
class Goods:
    platform: P.Platform
    item_id: str
    sku_id: str
    title: str
    image_url: str | None
    unit: freight.Package
    categories: frozenset[str]
    default_weight: bool


def _offer(market: P.Marketplace, item_id: str) -> P.Offer:
    taobao_id = item_id[len(MP_PREFIX) :] if len(item_id) == MP_LENGTH else item_id
    try:
        return market.offer(P.Platform.TAOBAO, taobao_id, LANGUAGE)
    except P.MarketplaceNotFound:
        pass
    try:
        return market.offer(P.Platform.ALIBABA, item_id, LANGUAGE)
    except P.MarketplaceNotFound as exc:
        raise NotFound(f"no item or offer {item_id}") from exc


def goods_of(
    market: P.Marketplace,
    tables: freight.FreightTables,
    develop_id: str,
    item_id: str,
    sku_id: str,
    field: str = "",
) -> Goods:
    """The goods a line names: weight, box and categories (40401 for an unknown item; 40001 on
    ``<field>skuId`` for a SKU the item does not have)."""
    with acting_for(develop_id):
        offer = _offer(market, item_id)
    if offer.skus and offer.sku_by_spec(sku_id) is None:
        raise validation_error(f"{field}skuId", f"item {item_id} has no SKU {sku_id}")
    ship = offer.shipping
    default = ship.weight_g <= 0
    unit = freight.Package(
        DEFAULT_WEIGHT_G if default else ship.weight_g,
        0 if default else max(0, ship.length_mm),
        0 if default else max(0, ship.width_mm),
        0 if default else max(0, ship.height_mm),
    )
    title = " ".join(t for t in (offer.title.original, offer.title.translated) if t)
    names = " ".join(t for t in (offer.category_name.original, offer.category_name.translated) if t)
    return Goods(
        offer.platform,
        offer.offer_id,
        sku_id,
        offer.title.original,
        offer.images[0] if offer.images else None,
        unit,
        tables.categories_of(title, names or None),
        default,
    )


def freight_info(channel: freight.Channel) -> dict[str, str]:
    return {
        "serviceId": channel.service_id,
        "companyName": channel.company_name,
        "serviceCategory": channel.service_category,
    }


def _quote_out(channel: freight.Channel, q: freight.Quote) -> dict[str, Any]:
    return {
        "freightInfo": freight_info(channel),
        "freight": q.freight,
        "currency": q.currency,
        "chargeableWeight": q.chargeable_weight_g,
        "estimatedDaysMin": q.days_min,
        "estimatedDaysMax": q.days_max,
    }


def quote(
    market: P.Marketplace, tables: freight.FreightTables, buyer: Buyer, body: S.QuoteRequest
) -> dict[str, Any]:
    """11.1: every channel that reaches the country and carries the goods, in table order."""
    goods = goods_of(market, tables, buyer.develop_id, body.itemId, body.skuId)
    package = freight.combine([(goods.unit, body.quantity)])
    country = body.receiverAddress.country
    quotes = []
    for channel, _zone in tables.reaching(country):
        try:
            got = freight.quote(channel, country, package, goods.categories)
        except freight.Refusal:
            continue
        quotes.append(_quote_out(channel, got))
    return {"quotes": quotes}


def _refusal_field(refusal: freight.Refusal, goods: list[Goods], channel: freight.Channel) -> str:
    """Where a refusal of the combined package points in the request."""
    if refusal.reason == freight.NOT_SERVED:
        return "receiverAddress.country"
    if refusal.reason == freight.BANNED:
        for i, g in enumerate(goods):
            if g.categories & channel.banned_categories:
                return f"renderItems[{i}]"
    if refusal.field.startswith("items["):
        return "render" + refusal.field[0].upper() + refusal.field[1:]
    return "renderItems"


def render(
    db: Database,
    market: P.Marketplace,
    tables: freight.FreightTables,
    buyer: Buyer,
    body: S.FreightRenderRequest,
    now_ms: int,
) -> dict[str, Any]:
    """11.2: price the items together on their one channel and keep the preview 30 minutes."""
    service_id = body.renderItems[0].freightInfo.serviceId
    for i, item in enumerate(body.renderItems):
        if item.freightInfo.serviceId != service_id:
            raise validation_error(
                f"renderItems[{i}].freightInfo.serviceId",
                f"one service for all items: {service_id!r}, not {item.freightInfo.serviceId!r}",
            )
    channel = tables.channel(service_id)
    if channel is None:
        raise validation_error(
            "renderItems[0].freightInfo.serviceId", f"no service {service_id!r} (see 11.1)"
        )
    country = body.receiverAddress.country
    goods = [
        goods_of(market, tables, buyer.develop_id, it.itemId, it.skuId, f"renderItems[{i}].")
        for i, it in enumerate(body.renderItems)
    ]
    categories = frozenset().union(*(g.categories for g in goods))
    try:
        package = freight.combine(
            [(g.unit, it.quantity) for g, it in zip(goods, body.renderItems, strict=True)]
        )
        got = freight.quote(channel, country, package, categories)
    except freight.Refusal as refusal:
        raise validation_error(_refusal_field(refusal, goods, channel), refusal.message) from None
    items = [
        {
            "index": i,
            "key": it.itemId,
            "success": True,
            "code": 200,
            "msg": "success",
            "itemId": it.itemId,
            "skuId": it.skuId,
            "quantity": it.quantity,
            "weight": g.unit.weight_g * it.quantity,
            "defaultWeight": g.default_weight,
        }
        for i, (g, it) in enumerate(zip(goods, body.renderItems, strict=True))
    ]
    stored = [
        {
            **item,
            "platform": g.platform.value,
            "title": g.title,
            "imageUrl": g.image_url,
            "currency": it.currency,
            "price": it.price,
        }
        for item, g, it in zip(items, goods, body.renderItems, strict=True)
    ]
    render_id = ids.render_id(now_ms)
    expire = now_ms + RENDER_TTL_MS
    with db.transaction() as s:
        s.add(
            FreightRender(
                render_id=render_id,
                developer_id=buyer.developer_id,
                user_id=buyer.user_id,
                service_id=service_id,
                receiver=json.dumps(body.receiverAddress.wire(), ensure_ascii=False),
                items=json.dumps(
                    {
                        "items": stored,
                        "freightInfo": freight_info(channel),
                        "days": [got.days_min, got.days_max],
                    },
                    ensure_ascii=False,
                ),
                total_freight=got.freight,
                chargeable_weight=got.chargeable_weight_g,
                currency=got.currency,
                expire_at=expire,
                used_by=None,
                created_at=now_ms,
            )
        )
    return {
        "renderId": render_id,
        "totalFreight": got.freight,
        "chargeableWeight": got.chargeable_weight_g,
        "currency": got.currency,
        "expireTime": expire,
        "freightInfo": freight_info(channel),
        "estimatedDaysMin": got.days_min,
        "estimatedDaysMax": got.days_max,
        "items": items,
    }


def tables_of(path: Path | None) -> freight.FreightTables:
    try:
        return freight.load(path)
    except ValueError as exc:  # the operator's file is wrong: their problem, told in the log
        raise ApiError(50001, "the freight tables cannot be read") from exc
