"""What the operator (and the worker) may ask of the built-in sandbox marketplace, beyond the port.

A real marketplace has no clock to move, no seller to command and no faults to inject; the
sandbox has all of these. They are one named seam, :class:`SandboxControls`, which the
composition root (:mod:`daigou.bootstrap`) hands to the sandbox routes (ENDPOINTS 12.15-12.22),
the public picture route and the worker, or ``None`` when the marketplace is not the sandbox.
Nothing asks an adapter by ``getattr`` whether it happens to be the sandbox.

Like the port it speaks our own DTOs (:mod:`daigou.marketplace.port`) and imports nothing of
the gateway's layers, so any domain may depend on it without depending on the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from daigou.marketplace import port as P


@dataclass(frozen=True)
class TimerFired:
    """A seller timer that acted (the pay timeout, a shipment, a logistics step...)."""

    time_ms: int
    kind: str
    object_id: str


@dataclass(frozen=True)
class ClockMoved:
    now_ms: int
    fired: tuple[TimerFired, ...]


@runtime_checkable
class SandboxControls(Protocol):
    """The sandbox's operator controls. Seller actions raise the port's errors
    (``MarketplaceNotFound``, ``MarketplaceRefused``); bad arguments raise ``ValueError``."""

    # --- the catalogue and its pictures -----------------------------------------------------
    def catalogue_ready(self) -> bool:
        """Whether the configured catalogue is already built (building it takes seconds)."""
        ...

    def ensure_catalogue(self) -> None:
        """Build the configured catalogue once (a lookup when it is already built)."""
        ...

    def image(self, platform: P.Platform, offer_id: str, variant: int) -> tuple[bytes, str]:
        """An offer's picture (bytes, content type); variant 0 is the main one."""
        ...

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
        """12.19: the seller changes an offer (or one SKU); None leaves a value unchanged."""
        ...

    # --- the clock and the seller's timers --------------------------------------------------
    def advance(self, seconds: int | None = None, to_ms: int | None = None) -> ClockMoved:
        """12.15: move the sandbox clock forward (never back) and fire what falls due."""
        ...

    def fire_due(self) -> int:
        """Fire the seller's timers due by now (the worker's job); how many fired."""
        ...

    # --- the seller's actions ---------------------------------------------------------------
    def ship(
        self,
        platform: P.Platform,
        order_id: str,
        entry_ids: tuple[str, ...] | None = None,
        company_name: str | None = None,
        bill_no: str | None = None,
    ) -> P.MarketOrder: ...

    def deliver(
        self, platform: P.Platform, order_id: str, entry_ids: tuple[str, ...] | None = None
    ) -> P.MarketOrder: ...

    def modify_price(
        self,
        platform: P.Platform,
        order_id: str,
        *,
        total_fen: int | None = None,
        line_prices: dict[str, int] | None = None,
        shipping_fen: int | None = None,
    ) -> P.MarketOrder: ...

    def close_order(self, platform: P.Platform, order_id: str, reason: str) -> P.MarketOrder: ...

    def refund_act(
        self,
        platform: P.Platform,
        refund_id: str,
        action: str,
        reason: str | None = None,
        refund_amount_fen: int | None = None,
    ) -> P.MarketRefund:
        """12.20: agree, refuse, receiveGoods or close. ``reason``: a refusal's reason, or how
        to send goods back when agreeing a return; either is also the seller's note on it."""
        ...

    # --- injected faults (12.21, 12.22) -----------------------------------------------------
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
        """Add a fault (``count`` 0: until cleared); its id."""
        ...

    def active_faults(self) -> list[dict[str, Any]]:
        """The live faults, oldest first, in the wire shape of 12.21's answer."""
        ...

    def clear_faults(self, fault_ids: list[str] | None = None) -> int:
        """Remove these faults (all when None); how many were removed."""
        ...
