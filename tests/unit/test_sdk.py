"""The SDK alone (no server: httpx's MockTransport answers): the error classes mirror CONTRACT
section 4, connection failures are wrapped and retryable, retries are bounded by attempts and
time and reuse one Idempotency-Key, writes whose outcome is unknown are never resent, the
pandapon dialect reads errors from HTTP 200 envelopes, and callbacks verify like the Standard
Webhooks library."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import time

import httpx
import pytest
import standardwebhooks

from daigou_sdk import (
    APIConnectionError,
    AuthenticationError,
    Client,
    DaigouError,
    IdempotencyError,
    InsufficientBalanceError,
    InvalidRequestError,
    MarketplaceError,
    NotFoundError,
    OutcomeUnknownError,
    OutOfStockError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    StateConflictError,
    webhooks,
)
from daigou_sdk.errors import error_for

AK, SECRET = "0123456789abcdef0123456789abcdef", "s3cret"


def envelope(code: int, data: object = None, msg: str = "m") -> dict[str, object]:
    return {"requestId": "r" * 32, "code": code, "developId": "1", "msg": msg, "data": data}


class Recorder:
    """A MockTransport handler answering from a list, recording each request."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def reply(code: int, data: object = None, status: int | None = None, headers=None):
    status = status if status is not None else (200 if code == 200 else code // 100)
    return httpx.Response(status, json=envelope(code, data), headers=headers)


def client(handler: Recorder, **kw) -> tuple[Client, list[float]]:
    slept: list[float] = []
    c = Client(
        "http://gw.test",
        AK,
        SECRET,
        transport=httpx.MockTransport(handler),
        sleep=slept.append,
        **kw,
    )
    return c, slept


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (40001, InvalidRequestError),
        (40003, InvalidRequestError),
        (40102, AuthenticationError),
        (40201, InsufficientBalanceError),
        (40301, PermissionDeniedError),
        (40401, NotFoundError),
        (40901, StateConflictError),
        (40902, IdempotencyError),
        (40904, OutOfStockError),
        (42901, RateLimitError),
        (50001, ServerError),
        (50201, MarketplaceError),
        (50401, OutcomeUnknownError),
    ],
)
def test_each_code_family_has_its_class(code, cls):
    error = error_for(code, "m", None, "r", code // 100, {})
    assert type(error) is cls and error.code == code
    # an unknown outcome is not a marketplace refusal: catching one never swallows the other
    assert isinstance(error, MarketplaceError) == (code == 50201)


def test_validation_errors_and_upstream_fields_are_attributes():
    bad = error_for(40001, "m", {"errors": [{"field": "a[0].b", "message": "x"}]}, None, 400, {})
    assert isinstance(bad, InvalidRequestError) and bad.errors == [
        {"field": "a[0].b", "message": "x"}
    ]
    up = error_for(50201, "m", {"upstreamCode": "E1", "upstreamMessage": "no"}, None, 502, {})
    assert isinstance(up, MarketplaceError) and (up.upstream_code, up.upstream_message) == (
        "E1",
        "no",
    )
    unknown = error_for(50401, "m", {"pendingOperation": "pay"}, None, 504, {})
    assert isinstance(unknown, OutcomeUnknownError) and unknown.pending_operation == "pay"


def test_a_read_is_retried_on_transient_failures_then_succeeds():
    handler = Recorder(
        reply(50001), reply(42901, headers={"Retry-After": "2"}), reply(200, {"ok": 1})
    )
    c, slept = client(handler)
    assert c.get("/open/account/balance") == {"ok": 1}
    assert len(handler.requests) == 3
    assert slept[1] == 2.0, "Retry-After is honoured"
    # every attempt is signed afresh (a nonce is never reused)
    assert len({r.headers["nonce-str"] for r in handler.requests}) == 3


def test_a_write_reuses_one_idempotency_key_on_every_attempt():
    handler = Recorder(httpx.ConnectError("reset"), reply(40903), reply(200, {"userId": "u1"}))
    c, _ = client(handler)
    assert c.save_sub_account("shop") == {"userId": "u1"}
    keys = {r.headers["idempotency-key"] for r in handler.requests}
    assert len(handler.requests) == 3 and len(keys) == 1
    # the next logical call gets its own key
    handler.answers = [reply(200, {"userId": "u2"})]
    c.save_sub_account("shop 2")
    assert handler.requests[-1].headers["idempotency-key"] not in keys


def test_a_write_whose_outcome_is_unknown_is_never_resent():
    handler = Recorder(reply(50401, {"pendingOperation": "pay"}))
    c, _ = client(handler)
    with pytest.raises(OutcomeUnknownError) as err:
        c.pay_orders(["3893213748262019372"])
    assert len(handler.requests) == 1 and err.value.pending_operation == "pay"
    # a read of a slow marketplace is harmless to repeat
    handler = Recorder(reply(50401), reply(200, {"orderId": "1"}))
    c, _ = client(handler)
    assert c.logistics_trace("1") == {"orderId": "1"}
    assert len(handler.requests) == 2


def test_a_write_without_an_idempotency_key_is_never_retried():
    handler = Recorder(reply(50001))
    c, _ = client(handler)
    with pytest.raises(ServerError):
        c.request("PUT", "/x", body={})
    assert len(handler.requests) == 1


def test_connection_failures_are_wrapped_retryable_and_bounded():
    handler = Recorder(httpx.ConnectError("connection refused"))
    c, slept = client(handler, retry=RetryPolicy(max_attempts=3, rng=random.Random(1)))
    with pytest.raises(APIConnectionError) as err:
        c.balance()
    assert err.value.should_retry and err.value.code is None
    assert "http://gw.test" in str(err.value)
    assert len(handler.requests) == 3 and len(slept) == 2


def test_the_retry_schedule_has_jitter_and_a_total_time_bound():
    policy = RetryPolicy(max_attempts=10, total_seconds=5.0, base_delay=1.0, max_delay=4.0)
    delays = [policy.delay(3) for _ in range(50)]
    assert all(2.0 <= d <= 4.0 for d in delays) and len(set(delays)) > 1
    err = ServerError(50001, "m", should_retry=True)
    assert policy.next_delay("GET", False, err, attempt=1, elapsed=0.0) is not None
    assert policy.next_delay("GET", False, err, attempt=1, elapsed=4.9) is None, "time is up"
    assert policy.next_delay("GET", False, err, attempt=10, elapsed=0.0) is None, "attempts"
    assert policy.next_delay("POST", False, err, attempt=1, elapsed=0.0) is None, "no key"
    refused = StateConflictError(40901, "m")
    assert policy.next_delay("GET", False, refused, attempt=1, elapsed=0.0) is None


def test_a_server_that_is_not_the_gateway_is_named():
    handler = Recorder(httpx.Response(200, text="<html>hello</html>"))
    c, _ = client(handler)
    with pytest.raises(DaigouError) as err:
        c.balance()
    assert "without the gateway's envelope" in str(err.value) and err.value.code is None


def test_the_pandapon_dialect_signs_with_md5_and_reads_errors_from_http_200():
    handler = Recorder(
        httpx.Response(200, json=envelope(40102, msg="签名错误")),
        httpx.Response(200, json=envelope(200, {"currency": "CNY"}, msg="成功")),
    )
    c, _ = client(handler, dialect="pandapon")
    with pytest.raises(AuthenticationError) as err:
        c.balance()
    assert err.value.http_status == 200 and err.value.code == 40102
    assert c.balance() == {"currency": "CNY"}
    sent = handler.requests[-1].headers
    assert sent["sign-method"] == "MD5"
    text = (
        f"access-key={AK}&nonce-str={sent['nonce-str']}&timestamp={sent['timestamp']}"
        f"&secret={SECRET}"
    )
    assert sent["signature"] == hashlib.md5(text.encode()).hexdigest().upper()
    with pytest.raises(ValueError):
        Client("http://gw.test", AK, SECRET, dialect="other")  # type: ignore[arg-type]


def test_ledger_follows_the_cursor():
    pages = [
        reply(200, {"data": [{"entryId": "1"}, {"entryId": "2"}], "nextCursor": "c2"}),
        reply(200, {"data": [{"entryId": "3"}], "nextCursor": None}),
    ]
    handler = Recorder(*pages)
    c, _ = client(handler)
    assert [e["entryId"] for e in c.ledger(type="topup", page_size=2)] == ["1", "2", "3"]
    assert "cursor=c2" in str(handler.requests[1].url)
    assert "type=topup" in str(handler.requests[1].url)


# --- webhooks ---------------------------------------------------------------------------------
WHSEC = "whsec_" + base64.b64encode(b"k" * 24).decode()
BODY = json.dumps({"messageId": "msg_1", "messageType": "CALLBACK_TEST", "messageBody": {}})


def test_webhooks_verify_what_the_standard_library_signs():
    now = int(time.time())
    signature = standardwebhooks.Webhook(WHSEC).sign("msg_1", _dt(now), BODY)
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(now), "webhook-signature": signature}
    assert webhooks.verify(BODY.encode(), headers, WHSEC)["messageId"] == "msg_1"
    # and the library accepts what the SDK signs
    ours = webhooks.sign("msg_1", now, BODY, WHSEC)
    assert ours == signature
    standardwebhooks.Webhook(WHSEC).verify(BODY, {**headers, "webhook-signature": ours})


def test_webhooks_refuse_tampering_old_timestamps_and_wrong_secrets():
    now = int(time.time())
    good = webhooks.sign("msg_1", now, BODY, WHSEC)
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(now), "webhook-signature": good}
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(BODY.replace("msg_1", "msg_2"), headers, WHSEC)
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(BODY, {**headers, "webhook-timestamp": str(now - 3600)}, WHSEC)
    other = "whsec_" + base64.b64encode(b"o" * 24).decode()
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(BODY, headers, other)
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(BODY, {"webhook-id": "msg_1"}, WHSEC)
    # during a rotation two signatures travel: either secret verifies
    both = {**headers, "webhook-signature": webhooks.sign("msg_1", now, BODY, other) + " " + good}
    assert webhooks.verify(BODY, both, WHSEC)["messageId"] == "msg_1"


def _dt(seconds: int):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, tz=UTC)
