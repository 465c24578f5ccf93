"""The composition root: settings -> database -> one marketplace adapter per platform ->
settlers, feeds, workers, routes.

Nothing else decides which adapter exists or reaches into one: the HTTP app
(:func:`daigou.app.create_app`) and the CLI call :func:`bootstrap` and hand what it built to
whoever needs it (routes read ``app.state``; the worker gets its jobs). The sandbox's operator
controls are their own seam (:class:`~daigou.marketplace.controls.SandboxControls`), built here
beside the sandbox adapter, or ``None`` when the marketplace is not the sandbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from daigou.aftersales import records as refunds
from daigou.config import Settings
from daigou.core.clock import Clock, SystemClock
from daigou.db.session import Database
from daigou.feed.consumer import FeedConsumer, OrderRecords, RecordFunctions
from daigou.marketplace.calls import CallRecorder
from daigou.marketplace.composite import Composite
from daigou.marketplace.controls import SandboxControls
from daigou.marketplace.guarded import guard
from daigou.marketplace.port import Marketplace, Platform
from daigou.platforms import register_platforms
from daigou.purchasing import records
from daigou.reconcile.service import Reconciler, Settlers
from daigou.workers.runner import PeriodicJob, WorkerRunner

if TYPE_CHECKING:
    from daigou.marketplace.alibaba1688.client import AopClient


def order_records(platform: Platform) -> RecordFunctions:
    """The purchasing core's records of one platform's orders, and the after-sales records of
    their refunds, as its push feed applies to."""
    return RecordFunctions(
        known=lambda s, ids: records.known_orders(s, platform.value, ids),
        apply=lambda s, oid, order, now: records.mirror(s, platform.value, oid, order, now),
        apply_refund=lambda s, oid, refund, now: refunds.mirror(s, oid, refund, now),
    )


# What each platform's push feed applies pushes to: the purchasing core's records of its orders
# (a Taobao shop order's change moves its purchase order through the Taobao profile's report).
ORDER_RECORDS: Mapping[Platform, OrderRecords | None] = {
    Platform.ALIBABA: order_records(Platform.ALIBABA),
    Platform.TAOBAO: order_records(Platform.TAOBAO),
}


@dataclass
class Gateway:
    """Everything the entry points need, wired once."""

    settings: Settings
    db: Database
    clock: Clock
    marketplaces: Composite  # the port: each call goes to its platform's adapter
    sandbox: SandboxControls | None  # the sandbox's operator controls; None without it
    feeds: dict[Platform, FeedConsumer]  # one push feed (stream and cursor) per platform
    settlers: Settlers  # (object type, operation) -> who settles an unknown outcome
    reconciler: Reconciler
    call_log: CallRecorder  # every marketplace call attempt, written in batches

    def close(self) -> None:
        """At shutdown: write what the call log still buffers."""
        self.call_log.close()

    def jobs(self) -> list[PeriodicJob]:
        """The worker's marketplace jobs (it adds its own housekeeping and delivery)."""
        every = self.settings.worker_poll_seconds
        jobs = []
        if self.sandbox is not None:
            # the sandbox seller's timers (pay timeouts, shipping, auto-confirm...) fire as the
            # sandbox clock passes them; 12.15 fires them at once when it moves the clock
            jobs.append(PeriodicJob("sandbox-timers", every, self.sandbox.fire_due))
        for platform, feed in self.feeds.items():
            # the platform's pushes, applied to the gateway's order records
            jobs.append(PeriodicJob(f"market-feed:{platform.value}", every, feed.run_once))
        # marketplace writes whose outcome is unknown (CONTRACT section 8)
        jobs.append(PeriodicJob("reconcile", every, self.reconciler.run_once))
        # Taobao purchase orders shipped long enough ago are received (ENDPOINTS 2.11)
        jobs.append(PeriodicJob("taobao-auto-confirm", 60.0, self.auto_confirm))
        # Taobao purchase orders left building by a process that died mid-settle
        jobs.append(PeriodicJob("taobao-placing", 60.0, self.sweep_placing))
        return jobs

    def auto_confirm(self) -> int:
        from daigou.orderstaobao.actions import auto_confirm

        days = self.settings.taobao_auto_confirm_days
        return auto_confirm(self.db, self.marketplaces, self.clock, days)

    def sweep_placing(self) -> int:
        from daigou.orderstaobao.settlers import sweep_placing

        return sweep_placing(self.db, self.clock)

    def worker(self, *, deliver: bool = True) -> WorkerRunner:
        return WorkerRunner(self.db, self.settings, self.clock, jobs=self.jobs(), deliver=deliver)


def bootstrap(
    settings: Settings,
    db: Database | None = None,
    clock: Clock | None = None,
    *,
    adapters: Mapping[Platform, Marketplace] | None = None,
    sandbox: SandboxControls | None = None,
) -> Gateway:
    """Build the gateway from the settings. ``clock`` is the base clock (the system's by
    default); in sandbox mode the gateway runs on the sandbox clock over it. ``adapters`` (and
    ``sandbox``) replace the configured marketplace, as tests do: then ``clock`` is the
    gateway's clock as given."""
    db = db or Database(settings.resolved_database_url, pool_size=settings.db_pool_size)
    base = clock or SystemClock()
    if adapters is None:
        adapters, sandbox, clock = _configured_adapters(settings, db, base)
    else:
        clock = base
    # every adapter behind its upstream's limiter, with each call attempt logged (one log)
    recorder = CallRecorder(db)
    guarded = {
        platform: guard(adapter, settings, db, platform=platform, recorder=recorder)
        for platform, adapter in adapters.items()
    }
    marketplaces = Composite(guarded)
    feeds = {
        platform: FeedConsumer(db, marketplaces, clock, platform, ORDER_RECORDS.get(platform))
        for platform in marketplaces.platforms
    }

    # --- settlers -------------------------------------------------------------------------
    # the platforms' profiles are registered with the purchasing core, and the core's settlers
    # (pay, cancel, create per platform) with the registry the reconciler settles by
    settlers = register_platforms(Settlers())
    reconciler = Reconciler(db, marketplaces, clock, settlers)

    return Gateway(
        settings=settings,
        db=db,
        clock=clock,
        marketplaces=marketplaces,
        sandbox=sandbox,
        feeds=feeds,
        settlers=settlers,
        reconciler=reconciler,
        call_log=recorder,
    )


class MarketplaceConfigError(ValueError):
    """The configured marketplaces cannot start: every problem, each naming its variable."""


def _configured_adapters(
    settings: Settings, db: Database, base_clock: Clock
) -> tuple[dict[Platform, Marketplace], SandboxControls | None, Clock]:
    """One adapter per platform (``DAIGOU_MARKETPLACE_1688`` and ``_TAOBAO``, else the old
    ``DAIGOU_MARKETPLACE``), the sandbox's controls, and the gateway's clock: when any platform
    is on the sandbox, the sandbox clock (timeouts, auto-confirm and retries then fire from
    it), else the base clock."""
    problems = settings.marketplace_problems()
    if problems:
        raise MarketplaceConfigError("; ".join(problems))
    choices = {
        Platform.ALIBABA: settings.marketplace_for_1688,
        Platform.TAOBAO: settings.marketplace_for_taobao,
    }
    adapters: dict[Platform, Marketplace] = {}
    sandbox: SandboxControls | None = None
    clock = base_clock
    if "sandbox" in choices.values():
        from daigou.marketplace.sandbox.adapter import SandboxMarketplace
        from daigou.marketplace.sandbox.clock import SandboxClock
        from daigou.marketplace.sandbox.controls import SandboxOperator

        clock = SandboxClock(db, base_clock)
        market = SandboxMarketplace(db, settings, clock)
        sandbox = SandboxOperator(market)
        # one simulated marketplace serves each platform configured on it (one seller's state)
        adapters.update({p: market for p, choice in choices.items() if choice == "sandbox"})
    if choices[Platform.ALIBABA] == "alibaba":
        adapters[Platform.ALIBABA] = alibaba_adapter(settings, db, clock)
    if "pandapon" in choices.values():
        from daigou.marketplace.pandapon.adapter import PandaPonMarketplace
        from daigou.marketplace.pandapon.client import PandaPonClient
        from daigou.marketplace.pandapon.inbox import Inbox

        # its feed: PandaPon's callbacks as received when they come here (a callback secret),
        # else its pull API
        inbox = Inbox(db) if settings.pandapon_callback_secret else None
        upstream = PandaPonMarketplace(PandaPonClient.from_settings(settings), inbox)
        adapters.update({p: upstream for p, choice in choices.items() if choice == "pandapon"})
    return adapters, sandbox, clock


def alibaba_adapter(settings: Settings, db: Database, clock: Clock) -> Marketplace:
    """The 1688 Open Platform adapter: a signed client with the buyer's tokens (sealed in the
    database, refreshed before they expire by one process at a time) under the app's limits.
    Reads are retried by the gateway's guard, so the client tries each once (one retry layer).
    The buyer account is authorised once by the operator (`daigou admin alibaba authorize`)."""
    from daigou.marketplace.alibaba1688.adapter import AlibabaMarketplace
    from daigou.marketplace.alibaba1688.inbox import Inbox

    # its feed: the pushes received at /callbacks/alibaba and the compensation pull, both
    # kept in the inbox (read by seq)
    return AlibabaMarketplace(
        alibaba_client(settings, db, clock),
        inbox=Inbox(db, settings.alibaba_member_id),
        pull_interval_s=settings.alibaba_pull_interval_seconds,
    )


def alibaba_client(settings: Settings, db: Database, clock: Clock) -> AopClient:
    """The 1688 Open Platform client with its token store (the adapter's, and the operator's
    authorisation commands')."""
    import httpx

    from daigou.marketplace.alibaba1688.client import AopClient, ReadRetry
    from daigou.marketplace.alibaba1688.tokens import OAuth, TokenStore

    assert settings.alibaba_app_secret is not None
    client = AopClient(
        base_url=settings.alibaba_base_url,
        app_key=settings.alibaba_app_key or "",
        app_secret=settings.alibaba_app_secret.get_secret_value(),
        token_provider=None,
        http=httpx.Client(),
        timeout=settings.alibaba_timeout_seconds,
        calls_per_second=settings.alibaba_calls_per_second,
        concurrency=settings.alibaba_concurrency,
        clock=clock,
        retry=ReadRetry(attempts=1),
    )
    oauth = OAuth(client.oauth_token, clock)
    client.tokens = TokenStore(
        db,
        secret_key=settings.resolved_secret_key,
        app_key=settings.alibaba_app_key or "",
        member_id=settings.alibaba_member_id or "",
        refresher=oauth.refresh,
        exchanger=oauth.exchange,
        clock=clock,
    )
    return client
