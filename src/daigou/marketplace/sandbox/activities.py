"""Marketing activities of the sandbox's offers (ENDPOINTS 9.2): special prices for a while.

Pure: an offer (as the port reads it, the operator's changes applied) and the sandbox clock's
now give its activities; nothing is stored. Everything follows from the offer id through the
catalogue's stable hash, so every process answers the same:

* one offer in ``SHARE`` has activities, the others none;
* such an offer always has a **running** activity, one of a weekly series run back to back
  (each week its own id), whose window contains now;
* one in two of them also has a **flash sale**, one of a series of ``FLASH_CYCLE_DAYS``-day
  cycles: it is announced at the start of its cycle and runs on the cycle's last day, so it is
  either starting later or running;
* a special price is below the SKU's price (SKUs off sale, or at 1 fen, have none; an
  activity left without a price, or an offer off sale, has no activity);
* a buyer may buy ``limit_quantity`` pieces (never below the offer's minimum order quantity) at
  the special price, ``stock`` pieces are left at it (at most what its SKUs hold).

Moving the sandbox clock (12.15) moves the windows: a later week is a new activity.
"""

from __future__ import annotations

from dataclasses import dataclass

from daigou.marketplace import port as P
from daigou.marketplace.sandbox import catalogue as C

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
SHARE = 3  # one offer in three has activities
WEEKLY_CYCLE_DAYS = 7
FLASH_CYCLE_DAYS = 3  # announced for two days, runs on the third


@dataclass(frozen=True)
class Kind:
    """A series of activities: what each one is called, when it runs and what it gives."""

    names: dict[str, str]  # lang -> name, every language of C.LANGS
    cycle_days: int
    lead_days: int  # announced this long before it starts
    discount_pct: tuple[int, int]  # the special price is (100 - pct)% of the SKU's: pct range
    limits: tuple[int, ...]  # pieces per buyer
    stock_caps: tuple[int, ...]  # pieces at the special price


_WEEKLY = (
    Kind(
        names={"zh": "限时特惠", "en": "Limited-time offer", "vi": "Ưu đãi có thời hạn",
               "th": "ข้อเสนอจำกัดเวลา", "es": "Oferta por tiempo limitado"},
        cycle_days=WEEKLY_CYCLE_DAYS, lead_days=0, discount_pct=(5, 15),
        limits=(10, 20, 50, 100), stock_caps=(200, 500, 1_000),
    ),
    Kind(
        names={"zh": "新品促销", "en": "New arrival promotion", "vi": "Khuyến mãi hàng mới",
               "th": "โปรโมชันสินค้าใหม่", "es": "Promoción de novedades"},
        cycle_days=WEEKLY_CYCLE_DAYS, lead_days=0, discount_pct=(8, 12),
        limits=(5, 10, 20), stock_caps=(100, 300),
    ),
    Kind(
        names={"zh": "工厂直供特价", "en": "Factory direct price", "vi": "Giá gốc từ xưởng",
               "th": "ราคาพิเศษจากโรงงาน", "es": "Precio directo de fábrica"},
        cycle_days=WEEKLY_CYCLE_DAYS, lead_days=0, discount_pct=(10, 20),
        limits=(50, 100, 200), stock_caps=(500, 2_000),
    ),
)  # fmt: skip
_FLASH = Kind(
    names={"zh": "限时秒杀", "en": "Flash sale", "vi": "Giảm giá chớp nhoáng",
           "th": "แฟลชเซล", "es": "Venta flash"},
    cycle_days=FLASH_CYCLE_DAYS, lead_days=FLASH_CYCLE_DAYS - 1, discount_pct=(20, 35),
    limits=(1, 2, 3, 5), stock_caps=(20, 50, 100),
)  # fmt: skip


def _draw(h: int, choices: tuple[int, ...]) -> int:
    return choices[h % len(choices)]


def _activity(
    offer: P.Offer, slot: int, kind: Kind, now_ms: int, language: str
) -> P.Activity | None:
    """The activity of series ``slot`` of ``offer`` whose cycle contains ``now_ms``."""
    cycle_ms = kind.cycle_days * DAY_MS
    phase_ms = C.stable_hash("activity-phase", offer.offer_id, slot) % (kind.cycle_days * 24)
    phase_ms *= HOUR_MS  # cycles start on the hour
    n = (now_ms - phase_ms) // cycle_ms  # the cycle that contains now
    cycle_start = n * cycle_ms + phase_ms
    start_ms = cycle_start + kind.lead_days * DAY_MS
    h = C.stable_hash("activity", offer.offer_id, slot, n)
    low, high = kind.discount_pct
    pct = low + h % (high - low + 1)
    prices = []
    in_stock = 0  # what the SKUs with a special price hold
    for sku in offer.skus:
        if not sku.on_sale:
            continue
        price = min(sku.price_fen * (100 - pct) // 100, sku.price_fen - 1)
        if price >= 1:
            prices.append(P.ActivityPrice(spec_id=sku.spec_id, price_fen=price))
            in_stock += sku.stock
    if not prices:
        return None
    return P.Activity(
        activity_id=str(10**11 + h % (9 * 10**11)),  # 12 digits
        name=P.Text(original=kind.names["zh"], translated=kind.names[language]),
        start_ms=start_ms,
        end_ms=cycle_start + cycle_ms,
        prices=tuple(prices),
        limit_quantity=max(_draw(h >> 16, kind.limits), offer.min_order_quantity),
        stock=min(_draw(h >> 24, kind.stock_caps), in_stock),
    )


def kinds_of(offer_id: str) -> tuple[Kind, ...]:
    """The activity series of an offer: none (two offers in three), a weekly one, or a weekly
    one and a flash sale."""
    h = C.stable_hash("activity", offer_id)
    if h % SHARE:
        return ()
    weekly = _WEEKLY[(h >> 8) % len(_WEEKLY)]
    return (weekly, _FLASH) if (h >> 16) % 2 else (weekly,)


def offer_activities(offer: P.Offer, now_ms: int, language: str) -> tuple[P.Activity, ...]:
    """The activities of ``offer`` at ``now_ms``, running ones first; () when it has none."""
    if language not in C.LANGS:
        raise ValueError(f"unknown language {language!r}")
    if not offer.on_sale:
        return ()
    found = (
        _activity(offer, slot, kind, now_ms, language)
        for slot, kind in enumerate(kinds_of(offer.offer_id))
    )
    return tuple(a for a in found if a is not None)
