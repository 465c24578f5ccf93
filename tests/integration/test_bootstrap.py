"""The composition root (``daigou.bootstrap``): what it builds from the settings, that the
gateway's port sends each call to its platform's adapter, that each platform's pushes are
their own feed with their own cursor, and that without the sandbox its controls are absent
(the sandbox routes answer 40401), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from daigou.app import create_app
from daigou.bootstrap import ORDER_RECORDS, bootstrap
from daigou.bootstrap import bootstrap as _bootstrap
from daigou.core.clock import ManualClock
from daigou.feed.models import MarketFeed
from daigou.marketplace import port as P
from daigou.marketplace.composite import Composite
from daigou.marketplace.controls import SandboxControls
from daigou.marketplace.guarded import GuardedMarketplace
from daigou.marketplace.sandbox.adapter import SandboxMarketplace
from daigou.marketplace.sandbox.clock import SandboxClock
from daigou.marketplace.sandbox.controls import SandboxOperator
from tests.support.api import assert_error
from tests.support.fakes import Recording
from tests.support.gateway import ADMIN_TOKEN
from tests.support.seller import START_MS, A, T, new_market, one_order


@pytest.fixture(autouse=True)
def _gateways_closed(monkeypatch):
    """Every gateway a test builds is closed after it: its call log's flusher must not outlive
    the test's database (it would log failed writes into later tests' output)."""
    made = []

    def tracking(*args, **kwargs):
        made.append(_bootstrap(*args, **kwargs))
        return made[-1]

    monkeypatch.setitem(globals(), "bootstrap", tracking)
    yield
    for gateway in made:
        gateway.close()


def cursors(db) -> dict[str, str | None]:
    with db.reading() as conn:
        return dict(conn.execute(select(MarketFeed.name, MarketFeed.cursor)).all())


# --- what the settings build -----------------------------------------------------------------
def test_the_sandbox_setting_builds_one_adapter_per_platform_and_the_controls(settings, db):
    gateway = bootstrap(settings, db, ManualClock(START_MS))
    assert isinstance(gateway.marketplaces, Composite)
    assert gateway.marketplaces.platforms == (A, T)
    # today one simulated marketplace serves both platforms, each behind its guard (limiter,
    # retries of reads, the call log) for its platform
    guarded = {p: gateway.marketplaces.adapter(p) for p in (A, T)}
    assert all(isinstance(g, GuardedMarketplace) for g in guarded.values())
    assert {p: g.platform for p, g in guarded.items()} == {A: A, T: T}
    sandbox = guarded[A].inner
    assert isinstance(sandbox, SandboxMarketplace) and guarded[T].inner is sandbox
    assert guarded[A].recorder is guarded[T].recorder is gateway.call_log
    assert isinstance(gateway.sandbox, SandboxControls)
    # the gateway runs on the sandbox clock (over the base clock given)
    assert isinstance(gateway.clock, SandboxClock) and gateway.clock.now_ms() == START_MS
    assert gateway.reconciler.market is gateway.marketplaces
    assert {p: f.name for p, f in gateway.feeds.items()} == {
        A: "market:1688",
        T: "market:taobao",
    }
    assert gateway.feeds[A].records is ORDER_RECORDS[A]
    assert gateway.feeds[T].records is ORDER_RECORDS[T] and ORDER_RECORDS[T] is not None
    assert all(f.market is gateway.marketplaces for f in gateway.feeds.values())
    names = [j.name for j in gateway.worker(deliver=False).jobs]
    assert names == [
        "prune",
        "prune-messages",
        "sandbox-timers",
        "market-feed:1688",
        "market-feed:taobao",
        "reconcile",
        "taobao-auto-confirm",
        "taobao-placing",
    ]


def test_an_unknown_marketplace_is_refused(settings, db):
    with pytest.raises(ValueError, match="unknown marketplace"):
        bootstrap(settings.model_copy(update={"marketplace": "nowhere"}), db)


def test_given_adapters_serve_their_platforms_and_no_sandbox_means_no_timers(settings, db):
    alibaba, taobao = Recording("alibaba"), Recording("taobao")
    clock = ManualClock(START_MS)
    gateway = bootstrap(settings, db, clock, adapters={A: alibaba, T: taobao})
    assert gateway.clock is clock and gateway.sandbox is None
    assert gateway.marketplaces.order(A, "1") == "alibaba:order"
    assert gateway.marketplaces.search(P.SearchQuery(platform=T)) == "taobao:search"
    assert gateway.marketplaces.messages(T, None, 5) == "taobao:messages"
    assert [c[0] for c in alibaba.calls] == ["order"]
    assert [c[0] for c in taobao.calls] == ["search", "messages"]
    assert "sandbox-timers" not in [j.name for j in gateway.worker(deliver=False).jobs]


def test_the_app_serves_the_gateway_it_is_given(settings, db):
    gateway = bootstrap(settings, db, adapters={A: Recording("alibaba")})
    app = create_app(gateway=gateway, worker=False)
    assert app.state.marketplace is gateway.marketplaces
    assert app.state.sandbox is None and app.state.clock is gateway.clock
    assert app.state.db is db and app.state.settings is settings
    with TestClient(app, raise_server_exceptions=False) as client:
        # without the sandbox its controls and its pictures do not exist
        r = client.post(
            "/admin/sandbox/clock/advance",
            json={"seconds": 1},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        assert_error(r, 40401)
        r = client.post(
            "/admin/sandbox/product/update",
            json={"platform": 1, "itemId": "600000000001", "stock": 1},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        assert_error(r, 40401)
        assert client.get("/sandbox/images/1688/600000000001/0.jpg").status_code == 404


# --- one push feed per platform --------------------------------------------------------------
@pytest.fixture
def market(settings, db):
    return new_market(settings, db)


@pytest.fixture
def gateway(settings, db, market):
    return bootstrap(
        settings, db, market.clock, adapters={A: market, T: market}, sandbox=SandboxOperator(market)
    )


def run_feeds(gateway) -> None:
    for feed in gateway.feeds.values():
        feed.run_once()


def test_a_push_moves_only_its_platforms_cursor(db, settings, market, gateway):
    run_feeds(gateway)
    start = cursors(db)
    assert set(start) == {"market:1688", "market:taobao"}
    one_order(market, settings, A)
    run_feeds(gateway)
    after_1688 = cursors(db)
    assert after_1688["market:1688"] != start["market:1688"]
    assert after_1688["market:1688"] == market.messages(A, None, 100).cursor
    assert after_1688["market:taobao"] == start["market:taobao"]
    one_order(market, settings, T, 1)
    run_feeds(gateway)
    after_taobao = cursors(db)
    assert after_taobao["market:taobao"] == market.messages(T, None, 100).cursor
    assert after_taobao["market:taobao"] != start["market:taobao"]
    assert after_taobao["market:1688"] == after_1688["market:1688"]


def test_a_failing_stream_holds_back_only_its_own_feed(db, settings, market, gateway):
    one_order(market, settings, A)
    one_order(market, settings, T, 1)
    gateway.sandbox.inject_fault(START_MS, operation="taobao.messages", mode="error", count=0)
    run_feeds(gateway)
    assert cursors(db)["market:1688"] == market.messages(A, None, 100).cursor
    assert cursors(db)["market:taobao"] is None
    gateway.sandbox.clear_faults()
    run_feeds(gateway)
    assert cursors(db)["market:taobao"] == market.messages(T, None, 100).cursor


def test_1688s_feed_starts_from_the_earlier_single_streams_cursor(db, settings, market, gateway):
    one_order(market, settings, A)
    seen = market.messages(A, None, 100).cursor
    one_order(market, settings, T, 1)
    with db.transaction() as s:
        s.execute(insert(MarketFeed).values(name="market", cursor=seen, modified_at=START_MS))
    assert gateway.feeds[A]._take_lease() == (True, seen)
    gateway.feeds[A]._release()
    assert gateway.feeds[T]._take_lease() == (True, None)  # Taobao's stream is new
    gateway.feeds[T]._release()
    # once its own row exists the earlier one is no longer read
    with db.transaction() as s:
        s.execute(
            MarketFeed.__table__.update().where(MarketFeed.name == "market").values(cursor="1")
        )
    assert gateway.feeds[A]._take_lease() == (True, seen)
