"""The 1688 client on an httpx MockTransport: the signed form on the wire, reads retried on
transient failures within their budget, a write sent once whatever happens, rate-limit
backoff, a refused token refreshed once, the local limiter."""

from __future__ import annotations

import hashlib
import hmac
import random
from urllib.parse import parse_qsl

import httpx
import pytest

from daigou.core.clock import ManualClock
from daigou.marketplace import port as P
from daigou.marketplace.alibaba1688 import errors as E
from daigou.marketplace.alibaba1688.client import AopClient, ReadRetry

BASE = "http://127.0.0.1:9/openapi"
KEY = "1000000"
SECRET = "test123"
NOW = 1_700_000_000_000
TRADE = "com.alibaba.trade"
VIEW = "alibaba.trade.get.buyerView"
CREATE = "alibaba.trade.createCrossOrder"


class Tokens:
    """A token provider that counts refreshes."""

    def __init__(self) -> None:
        self.current = "tok-1"
        self.refreshes: list[str] = []

    def access_token(self) -> str:
        return self.current

    def refresh_after_rejection(self, rejected: str) -> str:
        self.refreshes.append(rejected)
        self.current = f"tok-{len(self.refreshes) + 1}"
        return self.current


class Upstream:
    """A handler answering from a script (one entry per request; the last repeats)."""

    def __init__(self, *script) -> None:
        self.script = list(script)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.script[min(len(self.requests), len(self.script)) - 1]
        if isinstance(step, Exception):
            raise step
        if callable(step):
            return step(request)
        return step

    def forms(self) -> list[dict[str, str]]:
        return [dict(parse_qsl(r.content.decode())) for r in self.requests]


def ok(result=None) -> httpx.Response:
    return httpx.Response(200, json={"success": True, "result": result or {"orderId": "1"}})


class Waits(list):
    """The client's sleeps, recorded; its monotonic clock moves by them (no real sleeping)."""

    def sleep(self, seconds: float) -> None:
        self.append(seconds)

    def monotonic(self) -> float:
        return 1000.0 + sum(self)


def make(upstream: Upstream, **kw) -> tuple[AopClient, Waits, Tokens]:
    waits = Waits()
    tokens = kw.pop("tokens", Tokens())
    client = AopClient(
        base_url=BASE,
        app_key=KEY,
        app_secret=SECRET,
        token_provider=tokens,
        http=httpx.Client(transport=httpx.MockTransport(upstream)),
        clock=ManualClock(NOW),
        sleep=waits.sleep,
        monotonic=waits.monotonic,
        rng=random.Random(7),
        **kw,
    )
    return client, waits, tokens


def test_the_call_is_a_signed_form_post_to_the_param2_url():
    upstream = Upstream(ok())
    client, _, _ = make(upstream)
    answer = client.read(
        TRADE,
        VIEW,
        {"orderId": 42, "webSite": "1688", "none": None, "includeFields": ["NativeLogistics"]},
    )
    assert answer["result"] == {"orderId": "1"}
    (request,) = upstream.requests
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/param2/1/{TRADE}/{VIEW}/{KEY}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = upstream.forms()[0]
    assert form["_aop_timestamp"] == str(NOW) and form["access_token"] == "tok-1"
    assert "none" not in form and form["includeFields"] == '["NativeLogistics"]'
    # the signature, recomputed independently from what went on the wire
    signed = f"param2/1/{TRADE}/{VIEW}/{KEY}" + "".join(
        sorted(k + v for k, v in form.items() if k != "_aop_signature")
    )
    expected = hmac.new(SECRET.encode(), signed.encode(), hashlib.sha1).hexdigest().upper()
    assert form["_aop_signature"] == expected


def test_an_unauthorised_call_carries_no_token():
    upstream = Upstream(ok())
    client, _, _ = make(upstream, tokens=None)
    client.read("cn.alibaba.open", "push.query.messageList", {"page": 1}, authorised=False)
    assert "access_token" not in upstream.forms()[0]
    with pytest.raises(ValueError, match="no access token provider"):
        client.read(TRADE, VIEW, {})


def test_reads_are_retried_on_transient_failures_and_counted():
    upstream = Upstream(
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.Response(502, text="bad gateway"),
        ok(),
    )
    client, waits, _ = make(upstream)
    assert client.read(TRADE, VIEW, {"orderId": 1})["success"] is True
    assert len(upstream.requests) == 4
    assert len(waits) == 3
    # full jitter under an exponential ceiling
    for n, wait in enumerate(waits):
        assert 0 <= wait <= min(ReadRetry().cap_seconds, ReadRetry().base_seconds * 2**n)


def test_reads_give_up_after_their_attempts():
    upstream = Upstream(httpx.Response(503, json={"error_code": "gw.ServiceUnavailable"}))
    client, waits, _ = make(upstream, retry=ReadRetry(attempts=3))
    with pytest.raises(E.Unavailable):
        client.read(TRADE, VIEW, {})
    assert len(upstream.requests) == 3 and len(waits) == 2


def test_reads_give_up_within_their_total_time():
    upstream = Upstream(httpx.Response(429, headers={"Retry-After": "4"}))
    client, waits, _ = make(upstream, retry=ReadRetry(attempts=10, total_seconds=10))
    with pytest.raises(P.MarketplaceRateLimited):
        client.read(TRADE, VIEW, {})
    assert waits == [4.0, 4.0]  # a third would pass the 10 s budget
    assert len(upstream.requests) == 3


def test_a_rate_limited_read_waits_at_least_the_retry_after():
    upstream = Upstream(
        httpx.Response(
            400, json={"error_code": "gw.QosAppFrequencyLimit"}, headers={"Retry-After": "2.5"}
        ),
        ok(),
    )
    client, waits, _ = make(upstream)
    client.read(TRADE, VIEW, {})
    assert waits[0] >= 2.5 and len(upstream.requests) == 2


def test_a_refusal_is_not_retried():
    upstream = Upstream(
        httpx.Response(200, json={"success": False, "errorCode": "5004", "errorMessage": "no"})
    )
    client, waits, _ = make(upstream)
    with pytest.raises(P.MarketplaceRefused) as refused:
        client.read(TRADE, VIEW, {})
    assert refused.value.code == "5004" and waits == [] and len(upstream.requests) == 1


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("no answer"),
        httpx.RemoteProtocolError("connection closed mid-answer"),
        httpx.Response(504, text="gateway timeout"),
        httpx.Response(200, text="<html>not json</html>"),
    ],
)
def test_a_write_is_sent_once_and_a_lost_answer_is_unknown(failure):
    upstream = Upstream(failure, ok())
    client, waits, _ = make(upstream)
    with pytest.raises(P.MarketplaceTimeout) as unknown:
        client.write(TRADE, CREATE, {"outOrderId": "o-1"})
    assert unknown.value.operation == f"{TRADE}:{CREATE}"
    assert len(upstream.requests) == 1 and waits == []


def test_a_write_that_could_not_connect_was_not_sent():
    upstream = Upstream(httpx.ConnectError("refused"), ok())
    client, _, _ = make(upstream)
    with pytest.raises(P.MarketplaceNotSent):
        client.write(TRADE, CREATE, {"outOrderId": "o-1"})
    assert len(upstream.requests) == 1


def test_a_rate_limited_write_is_refused_not_resent():
    upstream = Upstream(httpx.Response(429, headers={"Retry-After": "7"}), ok())
    client, waits, _ = make(upstream)
    with pytest.raises(P.MarketplaceRateLimited) as limited:
        client.write(TRADE, CREATE, {"outOrderId": "o-1"})
    assert limited.value.retry_after_s == 7.0
    assert len(upstream.requests) == 1 and waits == []


def test_a_refused_token_is_refreshed_once_and_the_call_repeated():
    expired = httpx.Response(401, text="Request need user authenticated")
    upstream = Upstream(expired, ok())
    client, _, tokens = make(upstream)
    client.write(TRADE, CREATE, {"outOrderId": "o-1"})
    assert tokens.refreshes == ["tok-1"]
    assert [f["access_token"] for f in upstream.forms()] == ["tok-1", "tok-2"]


def test_a_token_refused_twice_is_not_refreshed_again():
    upstream = Upstream(httpx.Response(401, text="Request need user authenticated"))
    client, _, tokens = make(upstream)
    with pytest.raises(E.TokenRejected):
        client.read(TRADE, VIEW, {})
    assert tokens.refreshes == ["tok-1"] and len(upstream.requests) == 2


def test_the_local_limiter_keeps_the_rate():
    upstream = Upstream(ok())
    # one call per 100 s: a bucket of one, empty after the first call
    client, _, _ = make(upstream, calls_per_second=0.01, slot_wait_seconds=0)
    client.read(TRADE, VIEW, {}, authorised=True)
    with pytest.raises(P.MarketplaceNotSent):
        client.write(TRADE, CREATE, {})  # no slot: nothing sent
    assert len(upstream.requests) == 1


def test_the_oauth_call_sends_the_app_credentials():
    upstream = Upstream(httpx.Response(200, json={"access_token": "a", "expires_in": "36000"}))
    client, _, _ = make(upstream, tokens=None)
    answer = client.oauth_token({"grant_type": "refresh_token", "refresh_token": "r"})
    assert answer["access_token"] == "a"
    assert str(upstream.requests[0].url) == f"{BASE}/param2/1/system.oauth2/getToken/{KEY}"
    assert upstream.forms()[0] == {
        "client_id": KEY,
        "client_secret": SECRET,
        "grant_type": "refresh_token",
        "refresh_token": "r",
    }


def test_current_time_checks_signature_credentials_and_network():
    upstream = Upstream(httpx.Response(200, json={"result": "20180614101942000+0800"}))
    client, _, tokens = make(upstream)
    assert client.current_time() == 1_528_942_782_000
    request = upstream.requests[0]
    assert str(request.url) == f"{BASE}/param2/1/system/currentTime/{KEY}"
    assert "access_token" not in upstream.forms()[0]
    refused = Upstream(httpx.Response(400, json={"error_code": "gw.SignatureInvalid"}))
    client, _, _ = make(refused)
    with pytest.raises(E.GatewayRefused):
        client.current_time()
