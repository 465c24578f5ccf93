"""Which marketplace adapter the gateway talks to (``DAIGOU_MARKETPLACE``), and its clock."""

from __future__ import annotations

from daigou.config import Settings
from daigou.core.clock import Clock
from daigou.db.session import Database
from daigou.marketplace.port import Marketplace


def build_marketplace(
    settings: Settings, db: Database, base_clock: Clock
) -> tuple[Marketplace, Clock]:
    """The adapter and the gateway's clock: in sandbox mode the sandbox clock (timeouts,
    auto-confirm and retries then fire from it), else ``base_clock``."""
    if settings.marketplace == "sandbox":
        from daigou.marketplace.sandbox.adapter import SandboxMarketplace
        from daigou.marketplace.sandbox.clock import SandboxClock

        clock = SandboxClock(db, base_clock)
        return SandboxMarketplace(db, settings, clock), clock
    raise ValueError(f"unknown marketplace {settings.marketplace!r} (only 'sandbox' exists yet)")
