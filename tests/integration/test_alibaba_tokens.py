"""The 1688 token store on SQLite and PostgreSQL: tokens sealed at rest, refreshed before they
expire, one refresher across two stores (two processes) racing, a forced refresh after a
rejection, a dead refresher's lease expiring, the first authorisation."""

from __future__ import annotations

import threading
from urllib.parse import parse_qsl

import httpx
import pytest
from sqlalchemy import select

from daigou.core.clock import ManualClock
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.marketplace.alibaba1688.client import AopClient
from daigou.marketplace.alibaba1688.tokens import (
    MarketplaceToken,
    NotAuthorised,
    OAuth,
    TokenGrant,
    TokenStore,
    grant_from_answer,
)
from tests.support.wait import wait_until

START = 1_767_225_600_000
HOUR_MS = 3_600_000
APP = "1000000"
MEMBER = "b2b-2201234567"


class Refresher:
    """Counts refreshes; hands out tok-2, tok-3... valid for 10 h from the clock."""

    def __init__(self, clock: ManualClock, gate: threading.Event | None = None) -> None:
        self.clock = clock
        self.calls: list[str] = []
        self.gate = gate
        self.started = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, refresh_token: str) -> TokenGrant:
        with self.lock:
            self.calls.append(refresh_token)
            n = len(self.calls)
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(10), "the test never opened the gate"
        return TokenGrant(f"tok-{n + 1}", self.clock.now_ms() + 10 * HOUR_MS)


def store(db: Database, settings, clock, refresher, **kw) -> TokenStore:
    return TokenStore(
        db,
        secret_key=settings.resolved_secret_key,
        app_key=APP,
        member_id=MEMBER,
        refresher=refresher,
        clock=clock,
        **kw,
    )


def first_grant(clock: ManualClock, hours: float = 10) -> TokenGrant:
    return TokenGrant(
        "tok-1", clock.now_ms() + int(hours * HOUR_MS), "refresh-secret", None, MEMBER
    )


def raw_row(db: Database) -> dict:
    with db.reading() as conn:
        return dict(conn.execute(select(MarketplaceToken.__table__)).one()._mapping)


def test_tokens_are_never_stored_in_clear(db, settings):
    clock = ManualClock(START)
    tokens = store(db, settings, clock, Refresher(clock))
    tokens.put(first_grant(clock))
    row = raw_row(db)
    assert "tok-1" not in row["access_token"] and "refresh-secret" not in row["refresh_token"]
    assert row["access_token"].startswith("gAAAA")  # a Fernet token
    assert tokens.get() == "tok-1"


def test_no_token_until_the_account_is_authorised(db, settings):
    clock = ManualClock(START)
    with pytest.raises(NotAuthorised):
        store(db, settings, clock, Refresher(clock)).get()


def test_refreshed_before_it_expires_and_only_then(db, settings):
    clock = ManualClock(START)
    refresher = Refresher(clock)
    tokens = store(db, settings, clock, refresher, margin_seconds=600)
    tokens.put(first_grant(clock, hours=1))
    clock.advance(49 * 60)  # 11 minutes left: no refresh yet
    assert tokens.get() == "tok-1" and refresher.calls == []
    clock.advance(2 * 60)  # 9 minutes left: within the margin
    assert tokens.get() == "tok-2"
    assert refresher.calls == ["refresh-secret"]  # the refresh token, unsealed
    assert tokens.get() == "tok-2" and len(refresher.calls) == 1
    row = raw_row(db)
    assert row["access_expires_at"] == clock.now_ms() + 10 * HOUR_MS
    assert row["refreshing_until"] is None and row["refreshing_owner"] is None
    assert "refresh-secret" not in row["refresh_token"]  # kept, still sealed


def test_two_processes_never_refresh_at_once(db, settings):
    """Two stores on two engines (two processes) find the token expiring together: one
    refreshes, the other waits for its result."""
    clock = ManualClock(START)
    gate = threading.Event()
    refresher = Refresher(clock, gate)
    other_db = Database(settings.resolved_database_url, pool_size=2)
    polls: list[float] = []

    def poll(seconds: float) -> None:
        polls.append(seconds)
        threading.Event().wait(seconds)

    try:
        first = store(db, settings, clock, refresher)
        second = store(other_db, settings, clock, refresher, poll=poll)
        first.put(first_grant(clock, hours=0.1))  # 6 minutes left: due
        got: dict[str, str] = {}
        one = threading.Thread(target=lambda: got.__setitem__("one", first.get()))
        one.start()
        assert refresher.started.wait(10)
        two = threading.Thread(target=lambda: got.__setitem__("two", second.get()))
        two.start()
        wait_until(lambda: len(polls) >= 2, timeout=10, message="the second never waited")
        gate.set()
        one.join(10)
        two.join(10)
        assert got == {"one": "tok-2", "two": "tok-2"}
        assert len(refresher.calls) == 1
    finally:
        gate.set()
        other_db.dispose()


def test_a_rejected_token_is_refreshed_once_even_before_it_expires(db, settings):
    clock = ManualClock(START)
    refresher = Refresher(clock)
    tokens = store(db, settings, clock, refresher)
    tokens.put(first_grant(clock))
    assert tokens.refresh_after_rejection("tok-1") == "tok-2"
    # a caller that still held tok-1 gets the new one without another refresh
    assert tokens.refresh_after_rejection("tok-1") == "tok-2"
    assert len(refresher.calls) == 1


def test_a_dead_refreshers_lease_expires(db, settings):
    clock = ManualClock(START)
    refresher = Refresher(clock)
    tokens = store(db, settings, clock, refresher, lease_seconds=30, wait_seconds=0)
    tokens.put(first_grant(clock, hours=0.05))
    with db.writing() as conn:
        conn.execute(
            MarketplaceToken.__table__.update().values(
                refreshing_until=clock.now_ms() + 30_000, refreshing_owner="t-dead"
            )
        )
    # the lease is live: the token still works, so it is used (no refresh)
    assert tokens.get() == "tok-1" and refresher.calls == []
    clock.advance(31)
    assert tokens.get() == "tok-2" and len(refresher.calls) == 1


def test_a_failed_refresh_releases_the_lease_and_falls_back_while_valid(db, settings):
    clock = ManualClock(START)

    def failing(refresh_token: str) -> TokenGrant:
        raise P.MarketplaceTimeout("system.oauth2:getToken")

    tokens = store(db, settings, clock, failing)
    tokens.put(first_grant(clock, hours=0.1))
    assert tokens.get() == "tok-1"  # 6 minutes left: still usable
    assert raw_row(db)["refreshing_until"] is None
    clock.advance(7 * 60)
    with pytest.raises(P.MarketplaceTimeout):
        tokens.get()


def test_the_first_authorisation_exchanges_the_code(db, settings):
    clock = ManualClock(START)
    sent: list[dict] = []

    def send(params):
        sent.append(dict(params))
        return {
            "access_token": "tok-a",
            "expires_in": "36000",
            "refresh_token": "ref-a",
            "refresh_token_timeout": "20270601101942000+0800",
            "memberId": MEMBER,
        }

    oauth = OAuth(send, clock)
    tokens = store(db, settings, clock, oauth.refresh, exchanger=oauth.exchange)
    grant = tokens.exchange_code("code-1", "https://gw.example/1688/authorised")
    assert sent[0]["grant_type"] == "authorization_code" and sent[0]["code"] == "code-1"
    assert sent[0]["need_refresh_token"] == "true"
    assert grant.access_expires_at == START + 36_000_000
    assert tokens.get() == "tok-a"
    wrong = TokenStore(
        db,
        secret_key=settings.resolved_secret_key,
        app_key=APP,
        member_id="b2b-other",
        refresher=oauth.refresh,
        exchanger=oauth.exchange,
        clock=clock,
    )
    with pytest.raises(ValueError, match="not b2b-other"):
        wrong.exchange_code("code-2", "https://gw.example/1688/authorised")


def test_a_get_token_answer_is_read():
    grant = grant_from_answer(
        {
            "access_token": "a",
            "expires_in": 3600,
            "refresh_token_timeout": "2027-06-01 10:00:00",
            "memberId": "m",
        },
        START,
    )
    assert grant.access_expires_at == START + 3_600_000
    assert grant.refresh_token is None and grant.member_id == "m"
    assert grant.refresh_expires_at == 1_811_815_200_000
    with pytest.raises(ValueError):
        grant_from_answer({"expires_in": 1}, START)


def test_the_client_refreshes_a_rejected_token_through_the_store(db, settings):
    """AopClient + TokenStore + OAuth on a mock 1688: a 401 makes the store refresh through
    system.oauth2/getToken; the call is repeated with the new token, which is stored sealed."""
    clock = ManualClock(START)
    seen: list[tuple[str, str]] = []

    def upstream(request: httpx.Request) -> httpx.Response:
        form = dict(parse_qsl(request.content.decode()))
        if "/system.oauth2/getToken/" in request.url.path:
            seen.append(("getToken", form["refresh_token"]))
            return httpx.Response(200, json={"access_token": "tok-new", "expires_in": "36000"})
        seen.append(("call", form["access_token"]))
        if form["access_token"] != "tok-new":
            return httpx.Response(401, text="Request need user authenticated")
        return httpx.Response(200, json={"success": True, "result": {"orderId": "9"}})

    client = AopClient(
        base_url="http://127.0.0.1:9/openapi",
        app_key=APP,
        app_secret="test123",
        token_provider=None,
        http=httpx.Client(transport=httpx.MockTransport(upstream)),
        clock=clock,
    )
    oauth = OAuth(client.oauth_token, clock)
    tokens = store(db, settings, clock, oauth.refresh)
    client.tokens = tokens
    tokens.put(first_grant(clock))
    answer = client.read("com.alibaba.trade", "alibaba.trade.get.buyerView", {"orderId": 9})
    assert answer["result"] == {"orderId": "9"}
    assert seen == [("call", "tok-1"), ("getToken", "refresh-secret"), ("call", "tok-new")]
    assert "tok-new" not in raw_row(db)["access_token"]
    assert tokens.get() == "tok-new"
