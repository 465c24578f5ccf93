"""The sandbox seller driven directly (no HTTP), shared by the sandbox, feed and admin tests:
orderable picks per seller, drafts of one or two warehouses, a market on a ManualClock, orders
paid or shipped, refund drafts, and the messages the seller pushed."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from daigou.core.clock import ManualClock
from daigou.marketplace import port as P
from daigou.marketplace.sandbox import catalogue as C
from daigou.marketplace.sandbox import orders as O
from daigou.marketplace.sandbox.adapter import SandboxMarketplace
from daigou.marketplace.sandbox.clock import SandboxClock
from tests.support.gateway import TEST_SHOPS

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
DAY = 86_400
ADDRESS = P.Address(
    full_name="张三",
    mobile="13800000000",
    post_code="310000",
    province="浙江省",
    city="杭州市",
    area="西湖区",
    address="文三路 1 号",
)
A = P.Platform.ALIBABA
T = P.Platform.TAOBAO


@dataclass(frozen=True)
class Pick:
    """An orderable offer: on sale, a SKU with plenty of stock, its warehouse."""

    offer: C.Offer
    spec_id: str
    stock: int
    warehouse: int

    @property
    def moq(self) -> int:
        return self.offer.min_order_quantity

    def line(self, quantity: int | None = None) -> P.CargoLine:
        return P.CargoLine(self.offer.offer_id, self.spec_id, quantity or self.moq)


@functools.lru_cache(maxsize=4)
def catalogue(seed: int, platform: str) -> tuple[tuple[C.Shop, ...], tuple[C.Offer, ...]]:
    shops = C.build_shops(seed, TEST_SHOPS)
    count = 400 if platform == "1688" else 200
    return shops, tuple(C.iter_offers(seed, platform, count, shops=shops))


@functools.lru_cache(maxsize=4)
def picks_by_seller(seed: int, platform: str) -> dict[str, tuple[Pick, ...]]:
    """seller_open_id -> orderable offers of that seller, the sellers with most offers first."""
    shops, offers = catalogue(seed, platform)
    open_id = {s.shop_id: s.seller_open_id for s in shops}
    out: dict[str, list[Pick]] = {}
    for o in offers:
        if not (o.on_sale and o.in_stock):
            continue
        sku = max(o.skus, key=lambda s: s.stock)
        if sku.stock < 3 * o.min_order_quantity + 10:
            continue
        out.setdefault(open_id[o.shop_id], []).append(
            Pick(o, sku.spec_id, sku.stock, O.Seller.warehouse_of(o.offer_id))
        )
    ranked = sorted(out.items(), key=lambda kv: -len(kv[1]))
    return {k: tuple(v) for k, v in ranked}


def seller_and_picks(settings: Any, platform: str, rank: int = 0) -> tuple[str, tuple[Pick, ...]]:
    items = list(picks_by_seller(settings.sandbox_seed, str(platform)).items())
    return items[rank]


def one_warehouse_draft(
    settings: Any,
    platform: P.Platform,
    n_lines: int = 3,
    *,
    out_order_id: str | None = None,
    buyer_ref: str = "dev-1",
    rank: int = 0,
) -> P.OrderDraft:
    """A draft of ``n_lines`` lines of one seller, all from its main warehouse: one order."""
    seller, picks = seller_and_picks(settings, platform, rank)
    lines = tuple(p.line() for p in picks if p.warehouse == 0)[:n_lines]
    assert len(lines) == n_lines
    return P.OrderDraft(platform, seller, lines, ADDRESS, out_order_id, buyer_ref=buyer_ref)


def split_draft(
    settings: Any, platform: P.Platform, per_warehouse: int = 2, **kw: Any
) -> P.OrderDraft:
    """A draft whose lines ship from both of the seller's warehouses: two orders."""
    seller, picks = seller_and_picks(settings, platform)
    w0 = [p.line() for p in picks if p.warehouse == 0][:per_warehouse]
    w1 = [p.line() for p in picks if p.warehouse == 1][:per_warehouse]
    assert len(w0) == len(w1) == per_warehouse
    lines = tuple(x for pair in zip(w0, w1, strict=True) for x in pair)
    return P.OrderDraft(platform, seller, lines, ADDRESS, buyer_ref="dev-1", **kw)


def new_market(settings: Any, db: Any, start_ms: int = START_MS) -> Any:
    """The sandbox adapter on a manual clock (the sandbox clock over it), as bootstrap builds it."""
    return SandboxMarketplace(db, settings, SandboxClock(db, ManualClock(start_ms)))


def one_order(market: Any, settings: Any, platform: P.Platform, n_lines: int = 3, **kw: Any):
    result = market.create_order(one_warehouse_draft(settings, platform, n_lines, **kw))
    assert len(result.orders) == 1 and not result.failures, result
    return result.orders[0]


def paid_order(market: Any, settings: Any, platform: P.Platform, n_lines: int = 3, **kw: Any):
    order = one_order(market, settings, platform, n_lines, **kw)
    paid = market.pay(platform, order.order_id, order.total_fen, f"pay-{order.order_id}")
    assert paid.paid, paid
    return market.order(platform, order.order_id)


def shipped_order(market: Any, settings: Any, platform: P.Platform, n_lines: int = 3, **kw: Any):
    order = paid_order(market, settings, platform, n_lines, **kw)
    return market.seller.ship(platform, order.order_id)


def refund_draft(
    order: P.MarketOrder,
    entry_ids: tuple[str, ...] | None = None,
    *,
    dispute: str = "refund",
    amount: int | None = None,
    carriage: int = 0,
    op: str | None = None,
    reason_id: int = 1,
) -> P.RefundDraft:
    ids = entry_ids if entry_ids is not None else tuple(ln.entry_id for ln in order.lines)
    if amount is None:
        # the lines' share of what was paid for goods (a shop discount lowers it)
        lines_fen = sum(ln.amount_fen for ln in order.lines if ln.entry_id in ids or not ids)
        amount = lines_fen * (order.total_fen - order.shipping_fen) // order.product_fen
    return P.RefundDraft(
        platform=order.platform,
        order_id=order.order_id,
        entry_ids=ids,
        dispute_request=dispute,
        goods_status="refundWaitSellerSend",
        apply_payment_fen=amount,
        apply_carriage_fen=carriage,
        reason_id=reason_id,
        description="test",
        op_request_id=op,
    )


def all_messages(market: Any) -> list[P.MarketMessage]:
    return list(market.seller.messages(None, 1000).messages)


def order_messages(market: Any, order_id: str) -> list[P.MarketMessage]:
    """The order's own messages (not its refunds'), in push order."""
    return [m for m in all_messages(market) if m.order_id == order_id and m.refund_id is None]


def refund_statuses(market: Any, refund_id: str) -> list[str]:
    return [m.status for m in all_messages(market) if m.refund_id == refund_id]
