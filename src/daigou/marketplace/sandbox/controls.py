"""The sandbox's operator controls (:class:`daigou.marketplace.controls.SandboxControls`) over
one :class:`SandboxMarketplace`: its catalogue and pictures, its clock, its seller, its faults."""

from __future__ import annotations

from typing import Any

from daigou.marketplace import port as P
from daigou.marketplace.controls import ClockMoved, TimerFired
from daigou.marketplace.sandbox import faults, goods, store
from daigou.marketplace.sandbox.adapter import SandboxMarketplace


class SandboxOperator:
    """Implements ``SandboxControls``; shares the marketplace's seller, clock and catalogue."""

    def __init__(self, market: SandboxMarketplace) -> None:
        self.market = market
        self.db = market.db
        self.settings = market.settings
        self.seller = market.seller

    # --- the catalogue and its pictures -----------------------------------------------------
    def catalogue_ready(self) -> bool:
        s = self.settings
        wanted = {
            "seed": s.sandbox_seed,
            "shops": s.sandbox_shops,
            "offers_1688": s.sandbox_offers_1688,
            "offers_taobao": s.sandbox_offers_taobao,
        }
        return store.loaded_catalogue(self.db) == wanted

    def ensure_catalogue(self) -> None:
        self.market.ensure_catalogue()

    def image(self, platform: P.Platform, offer_id: str, variant: int) -> tuple[bytes, str]:
        self.market.ensure_catalogue()
        return goods.image(self.db, self.settings, platform, offer_id, variant)

    def update_product(
        self,
        platform: P.Platform,
        offer_id: str,
        now_ms: int,
        *,
        sku_id: str | None = None,
        price_fen: int | None = None,
        stock: int | None = None,
        min_order_quantity: int | None = None,
        on_sale: bool | None = None,
    ) -> P.Offer:
        self.market.ensure_catalogue()
        return goods.update_product(
            self.db,
            self.settings,
            now_ms,
            platform,
            offer_id,
            sku_id=sku_id,
            price=price_fen,
            stock=stock,
            min_order_quantity=min_order_quantity,
            on_sale=on_sale,
        )

    # --- the clock and the seller's timers --------------------------------------------------
    def advance(self, seconds: int | None = None, to_ms: int | None = None) -> ClockMoved:
        result = self.seller.advance(seconds=seconds, to_ms=to_ms)
        fired = tuple(TimerFired(f["time"], f["kind"], f["objectId"]) for f in result["fired"])
        return ClockMoved(now_ms=result["now"], fired=fired)

    def fire_due(self) -> int:
        return len(self.seller.fire_due())

    # --- the seller's actions ---------------------------------------------------------------
    def ship(
        self,
        platform: P.Platform,
        order_id: str,
        entry_ids: tuple[str, ...] | None = None,
        company_name: str | None = None,
        bill_no: str | None = None,
    ) -> P.MarketOrder:
        return self.seller.ship(platform, order_id, entry_ids, company_name, bill_no)

    def deliver(
        self, platform: P.Platform, order_id: str, entry_ids: tuple[str, ...] | None = None
    ) -> P.MarketOrder:
        return self.seller.deliver(platform, order_id, entry_ids)

    def modify_price(
        self,
        platform: P.Platform,
        order_id: str,
        *,
        total_fen: int | None = None,
        line_prices: dict[str, int] | None = None,
        shipping_fen: int | None = None,
    ) -> P.MarketOrder:
        return self.seller.modify_price(
            platform,
            order_id,
            total_fen=total_fen,
            line_prices=line_prices,
            shipping_fen=shipping_fen,
        )

    def close_order(self, platform: P.Platform, order_id: str, reason: str) -> P.MarketOrder:
        return self.seller.seller_close(platform, order_id, reason)

    def refund_act(
        self,
        platform: P.Platform,
        refund_id: str,
        action: str,
        reason: str | None = None,
        refund_amount_fen: int | None = None,
    ) -> P.MarketRefund:
        return self.seller.seller_refund_act(platform, refund_id, action, reason, refund_amount_fen)

    # --- injected faults --------------------------------------------------------------------
    def inject_fault(
        self,
        now_ms: int,
        *,
        operation: str,
        mode: str,
        upstream_code: str | None = None,
        upstream_message: str | None = None,
        latency_ms: int = 0,
        count: int = 1,
        probability: int = 100,
        develop_id: str | None = None,
    ) -> str:
        return faults.inject(
            self.db,
            now_ms,
            operation=operation,
            mode=mode,
            upstream_code=upstream_code,
            upstream_message=upstream_message,
            latency_ms=latency_ms,
            count=count,
            probability=probability,
            develop_id=develop_id,
        )

    def active_faults(self) -> list[dict[str, Any]]:
        return faults.active(self.db)

    def clear_faults(self, fault_ids: list[str] | None = None) -> int:
        return faults.clear(self.db, fault_ids)
