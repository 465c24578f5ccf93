"""The PandaPon client (marketplace/pandapon/client.py) against an httpx mock transport: the MD5
signature of CONTRACT section 2 (recomputed here from the contract), the pandapon dialect's
codes as the port's errors, reads retried, writes sent once."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from daigou.marketplace import port as P
from daigou.marketplace.pandapon.client import Backoff, PandaPonClient, md5_signature
from tests.support.signing import md5_sign


def envelope(code: int, data: Any = None, msg: str = "成功") -> dict[str, Any]:
    return {"requestId": "0" * 32, "code": code, "developId": "d", "msg": msg, "data": data}


def client(handler: Any, **kw: Any) -> PandaPonClient:
    return PandaPonClient(
        "http://upstream.test",
        "a" * 32,
        "s3cret",
        "100000000001",
        transport=httpx.MockTransport(handler),
        backoff=Backoff(attempts=3, base_s=0),
        sleep=lambda _s: None,
        **kw,
    )


def test_the_signature_is_contracts_md5_of_the_three_system_parameters():
    # CONTRACT section 2: UPPER(HEX(MD5("access-key=..&nonce-str=..&timestamp=..&secret=..")))
    assert md5_signature("ak", "n1", "1700000000000", "sk") == md5_sign(
        "ak", "n1", "1700000000000", "sk"
    )
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=envelope(200, {"ok": True}))

    assert client(handler, now_ms=lambda: 1_700_000_000_000).read("GET", "/x") == {"ok": True}
    h = seen[0].headers
    assert h["timestamp"] == "1700000000000" and h["user-id"] == "100000000001"
    assert h["sign-method"] == "MD5" and len(h["nonce-str"]) == 32
    assert h["signature"] == md5_sign(h["access-key"], h["nonce-str"], h["timestamp"], "s3cret")


@pytest.mark.parametrize(
    ("code", "data", "error", "upstream_code"),
    [
        (40401, None, P.MarketplaceNotFound, "NOT_FOUND"),
        (40901, {"upstreamCode": "ORDER_STATUS_ERROR"}, P.MarketplaceRefused, "ORDER_STATUS_ERROR"),
        (40901, None, P.MarketplaceRefused, "ORDER_STATUS_ERROR"),
        (40904, None, P.MarketplaceRefused, "40904"),
        (40201, None, P.MarketplaceRefused, "40201"),
        (42901, None, P.MarketplaceRateLimited, "42901"),
        (40102, None, P.MarketplaceError, "40102"),
        (50201, {"upstreamCode": "X", "upstreamMessage": "m"}, P.MarketplaceError, "X"),
    ],
)
def test_the_dialects_codes_become_the_ports_errors(code, data, error, upstream_code):
    c = client(lambda _r: httpx.Response(200, json=envelope(code, data, "no")))
    with pytest.raises(error) as raised:
        c.write("/alibaba/order/cancel", {"orderId": "1"}, what="order", ident="1")
    assert type(raised.value) is error
    assert raised.value.code == upstream_code
    if code == 40904:
        assert raised.value.stock_problem


def test_a_write_whose_answer_is_lost_is_sent_once_and_unknown():
    calls: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.content)
        raise httpx.ReadTimeout("lost", request=request)

    with pytest.raises(P.MarketplaceTimeout):
        client(handler).write("/alibaba/order/create", {"outOrderId": "o-1"})
    assert len(calls) == 1 and json.loads(calls[0]) == {"outOrderId": "o-1"}


def test_the_upstreams_50401_on_a_write_is_unknown_and_not_resent():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json=envelope(50401, None, "timeout"))

    with pytest.raises(P.MarketplaceTimeout):
        client(handler).write("/alibaba/order/batch/submit/to/pay", {"orderIds": ["1"]})
    assert len(calls) == 1


def test_a_read_is_retried_on_transient_failures_then_answers():
    answers = [
        lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("slow", request=r)),
        lambda r: httpx.Response(200, json=envelope(50401, None, "timeout")),
        lambda r: httpx.Response(200, json=envelope(200, {"n": 3})),
    ]
    c = client(lambda r: answers.pop(0)(r))
    assert c.read("POST", "/alibaba/order/detail", {"orderId": "1"}) == {"n": 3}
    assert answers == []


def test_a_read_gives_up_after_its_bounded_attempts():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(P.MarketplaceNotSent):
        client(handler).read("GET", "/x")
    assert len(calls) == 3


def test_every_row_follows_next_cursor_and_stops_at_its_bound():
    asked: list[dict[str, Any]] = []
    pages = {None: ("c1", [1, 2]), "c1": ("c2", [3]), "c2": (None, [4])}

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        asked.append(body)
        following, rows = pages[body.get("cursor")]
        return httpx.Response(200, json=envelope(200, {"data": rows, "nextCursor": following}))

    assert client(handler).every_row("/alibaba/refund/page", {"orderId": "9"}) == [1, 2, 3, 4]
    assert [a.get("cursor") for a in asked] == [None, "c1", "c2"]
    assert {(a["orderId"], a["pageSize"]) for a in asked} == {("9", 100)}
    asked.clear()
    assert client(handler).every_row("/alibaba/refund/page", {"orderId": "9"}, pages=2) == [1, 2, 3]
    assert len(asked) == 2
