"""Taobao items of the test catalogue (the sandbox's, as the test templates load it), shared by
the Taobao cart and order tests: orderable items with a SKU of room to spare, by shop."""

from __future__ import annotations

import functools
from typing import Any

from daigou.marketplace.sandbox import catalogue as C
from tests.support.gateway import TEST_OFFERS_TAOBAO, TEST_SHOPS

MP_PREFIX = "2048"  # PandaPon's paired ids: mpId = 2048 + itemId, mpSkuId = 2048 + skuId


@functools.lru_cache(maxsize=2)
def _items(seed: int) -> tuple[C.Offer, ...]:
    shops = C.build_shops(seed, TEST_SHOPS)
    return tuple(C.iter_offers(seed, C.PLATFORM_TAOBAO, TEST_OFFERS_TAOBAO, shops=shops))


def orderable(settings: Any, *, multi_sku: bool | None = None) -> list[tuple[C.Offer, C.Sku]]:
    """(item, sku) of on-sale items whose best-stocked SKU has room above the minimum (at least
    20 more); ``multi_sku`` picks items of several SKUs (True) or of one (False)."""
    out = []
    for item in _items(settings.sandbox_seed):
        if not item.on_sale or (multi_sku is not None and (len(item.skus) > 1) != multi_sku):
            continue
        sku = max(item.skus, key=lambda s: s.stock)
        if sku.stock >= item.min_order_quantity + 20:
            out.append((item, sku))
    return out


def off_sale(settings: Any) -> list[C.Offer]:
    """Items the catalogue itself has off sale."""
    return [item for item in _items(settings.sandbox_seed) if not item.on_sale]


def mp(value: str) -> str:
    return MP_PREFIX + value
