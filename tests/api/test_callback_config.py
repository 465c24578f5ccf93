"""ENDPOINTS 0.9 to 0.12: the callback URL is verified by a signed CALLBACK_TEST before it is
saved, the secret is issued once and rotates with a grace period, URLs are checked (https, http
only to loopback, no private addresses), and the test endpoint reports what happened."""

from __future__ import annotations

import base64
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from daigou.core.errors import ApiError
from daigou.messages.callbacks import check_url
from tests.support.api import assert_error, assert_ok, field_names
from tests.support.databases import ONE_BACKEND
from tests.support.gateway import Api, make_settings
from tests.support.receiver import Receiver, refused_port

CONFIG = "/open/callback/config"
ROTATE = "/open/callback/secret/rotate"
TEST = "/open/callback/test"
ADMIN_CALLBACKS = "/admin/callback/list"
TIMEOUT_S = 1.0


@pytest.fixture
def settings(tmp_path, db_url):
    """A short callback timeout, so the slow-receiver test takes a second."""
    return make_settings(tmp_path, db_url, callback_timeout_seconds=TIMEOUT_S)


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


def save(api, dev, url, **fields):
    return api.call(dev, "POST", CONFIG, body={"callbackUrl": url, **fields})


def verify(secret: str, request) -> dict:
    """What a receiver does with the standardwebhooks library."""
    return Webhook(secret).verify(request.body, request.headers)


def signatures(request) -> list[str]:
    return request.headers["webhook-signature"].split(" ")


def test_saving_sends_a_signed_callback_test_and_issues_the_secret_once(api, dev, rx):
    assert assert_ok(api.call(dev, "GET", CONFIG)) is None

    saved = assert_ok(save(api, dev, rx.url, messageTypes=["ORDER_BUYER_VIEW_ORDER_PAY"]))
    secret = saved["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) >= 24
    assert saved["callbackUrl"] == rx.url and saved["enabled"] is True
    assert saved["messageTypes"] == ["ORDER_BUYER_VIEW_ORDER_PAY"]
    assert saved["secretHint"] == secret[-4:]
    assert saved["lastVerifiedTime"] and saved["secretCreateTime"]

    (request,) = rx.requests
    assert request.method == "POST" and request.path == "/hook"
    assert request.headers["content-type"] == "application/json"
    payload = verify(secret, request)
    assert payload["messageType"] == "CALLBACK_TEST"
    assert payload["messagePlatform"] == 2
    assert payload["messageId"].startswith("msg_")
    assert request.headers["webhook-id"] == payload["messageId"]
    assert isinstance(payload["timestamp"], str) and payload["timestamp"].isdigit()
    assert payload["messageBody"] == {"test": True, "developId": dev.develop_id}
    # real Unix seconds, whatever the gateway's business clock says
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 60
    with pytest.raises(WebhookVerificationError):
        verify("whsec_" + base64.b64encode(b"k" * 24).decode(), request)

    # the stored config answers the same, without the secret
    config = assert_ok(api.call(dev, "GET", CONFIG))
    assert config == {k: v for k, v in saved.items() if k != "secret"}

    # a second save verifies again with the same secret and does not show it
    again = assert_ok(save(api, dev, rx.url))
    assert again["secret"] is None and again["messageTypes"] == []
    assert again["secretHint"] == secret[-4:]
    second = rx.requests[1]
    verify(secret, second)
    assert second.json()["messageId"] != payload["messageId"]


def test_a_receiver_that_does_not_acknowledge_refuses_the_save(api, dev, rx):
    rx.status = 500
    body = assert_error(save(api, dev, rx.url), 40001)
    assert field_names(body) == ["callbackUrl"]
    assert "500" in body["msg"] and "non_2xx" in body["msg"]
    assert body["data"]["httpStatus"] == 500 and body["data"]["error"] == "non_2xx"
    assert len(rx.requests) == 1

    down = f"http://127.0.0.1:{refused_port()}/hook"
    body = assert_error(save(api, dev, down), 40001)
    assert body["data"]["error"] == "connect" and body["data"]["httpStatus"] is None
    # nothing was saved
    assert assert_ok(api.call(dev, "GET", CONFIG)) is None


@ONE_BACKEND
@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",  # http to a host that is not loopback
        "http://10.0.0.1/hook",
        "https://10.0.0.1/hook",  # private
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest",  # link-local (cloud metadata)
        "https://0.0.0.0/hook",  # unspecified
        "https://224.0.0.1/hook",  # multicast
        "https://[fd00::1]/hook",  # IPv6 unique local
        "https://[::ffff:10.0.0.1]/hook",  # IPv4-mapped private
        "ftp://127.0.0.1/hook",
        "https:///nohost",
        "not a url",
        "https://127.0.0.1:99999/hook",  # bad port
        "https://127.0.0.1/" + "a" * 600,  # over 512 characters
        "https://no-such-host.invalid/hook",  # does not resolve
    ],
)
def test_refused_callback_urls(api, dev, rx, url):
    body = assert_error(save(api, dev, url), 40001)
    assert field_names(body) == ["callbackUrl"], body
    assert rx.requests == []


def test_loopback_http_is_allowed_over_ipv4_ipv6_and_localhost(api, dev):
    with Receiver(host="::1") as rx6:
        assert_ok(save(api, dev, rx6.url))
        assert len(rx6.requests) == 1
    with Receiver() as rx4:
        for url in (rx4.url, f"http://localhost:{rx4.port}/hook", f"http://127.0.0.2:{rx4.port}/"):
            if url.startswith("http://127.0.0.2"):
                # 127.0.0.0/8 is loopback; the receiver listens on 127.0.0.1 only, so the
                # URL passes the rules and then fails verification (connect), not the rules
                body = assert_error(save(api, dev, url), 40001)
                assert "connect" in body["msg"]
                continue
            assert_ok(save(api, dev, url))


def test_a_name_resolving_to_a_private_address_is_refused_unless_allowed(
    tmp_path, db_url, monkeypatch
):
    answers = {"intranet.example": "10.1.2.3", "public.example": "93.184.216.34"}

    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    strict = make_settings(tmp_path, db_url)
    relaxed = make_settings(tmp_path, db_url, callback_allow_private_networks=True)
    with pytest.raises(ApiError) as refused:
        check_url(strict, "https://intranet.example/hook")
    assert refused.value.code == 40001 and "10.1.2.3" in refused.value.msg
    assert check_url(relaxed, "https://intranet.example/hook")
    assert check_url(strict, "https://public.example/hook")
    # http stays loopback-only even when private networks are allowed
    with pytest.raises(ApiError):
        check_url(relaxed, "http://intranet.example/hook")


def test_message_types_must_be_contract_types(api, dev, rx):
    r = save(api, dev, rx.url, messageTypes=["WALLET_BALANCE_CHANGE", "ORDER_NOPE"])
    body = assert_error(r, 40001)
    assert field_names(body) == ["messageTypes[1]"]
    assert rx.requests == []  # refused before anything was sent
    saved = assert_ok(save(api, dev, rx.url, messageTypes=["TAOBAO_ORDER_REFUND"] * 2))
    assert saved["messageTypes"] == ["TAOBAO_ORDER_REFUND"]


def test_rotation_signs_with_both_secrets_during_the_grace_period(api, dev, rx):
    old = assert_ok(save(api, dev, rx.url))["secret"]
    rotated = assert_ok(api.call(dev, "POST", ROTATE, body={"graceSeconds": 3600}))
    new = rotated["secret"]
    assert new.startswith("whsec_") and new != old
    grace_ms = rotated["previousSecretExpireTime"] - rotated["secretCreateTime"]
    assert grace_ms == 3_600_000
    config = assert_ok(api.call(dev, "GET", CONFIG))
    assert config["secretHint"] == new[-4:]
    assert config["previousSecretExpireTime"] == rotated["previousSecretExpireTime"]

    report = assert_ok(api.call(dev, "POST", TEST, body={}))
    assert report["delivered"] is True
    request = rx.requests[-1]
    assert len(signatures(request)) == 2
    # each signature verifies with its own secret, and only with it
    for secret, own in ((new, 0), (old, 1)):
        for i, sig in enumerate(signatures(request)):
            headers = {**request.headers, "webhook-signature": sig}
            if i == own:
                Webhook(secret).verify(request.body, headers)
            else:
                with pytest.raises(WebhookVerificationError):
                    Webhook(secret).verify(request.body, headers)

    # no grace: only the newest secret signs
    newest = assert_ok(api.call(dev, "POST", ROTATE, body={"graceSeconds": 0}))
    assert newest["previousSecretExpireTime"] is None
    assert_ok(api.call(dev, "POST", TEST))  # no body at all: the defaults
    request = rx.requests[-1]
    assert len(signatures(request)) == 1
    verify(newest["secret"], request)
    with pytest.raises(WebhookVerificationError):
        verify(new, request)


def test_rotation_defaults_and_limits(api, dev, rx):
    assert_error(api.call(dev, "POST", ROTATE, body={}), 40401)  # nothing configured
    assert_ok(save(api, dev, rx.url))
    r = assert_ok(api.call(dev, "POST", ROTATE))
    assert r["previousSecretExpireTime"] - r["secretCreateTime"] == 86_400_000
    body = assert_error(api.call(dev, "POST", ROTATE, body={"graceSeconds": 604_801}), 40001)
    assert field_names(body) == ["graceSeconds"]


def test_the_test_endpoint_reports_each_kind_of_failure(api, dev, rx):
    assert_ok(save(api, dev, rx.url))
    ok = assert_ok(api.call(dev, "POST", TEST, body={}))
    assert ok["delivered"] is True and ok["httpStatus"] == 200 and ok["error"] is None
    assert ok["messageId"].startswith("msg_") and ok["latencyMs"] >= 0
    assert rx.requests[-1].json()["messageId"] == ok["messageId"]

    rx.status = 500
    failed = assert_ok(api.call(dev, "POST", TEST, body={}))
    assert failed == {**failed, "delivered": False, "httpStatus": 500, "error": "non_2xx"}

    rx.status, rx.delay = 200, TIMEOUT_S + 1
    slow = assert_ok(api.call(dev, "POST", TEST, body={}))
    assert slow["delivered"] is False and slow["error"] == "timeout"
    assert slow["httpStatus"] is None
    assert TIMEOUT_S * 1000 <= slow["latencyMs"] < (TIMEOUT_S + 1) * 1000
    rx.delay = 0

    rx.down()
    down = assert_ok(api.call(dev, "POST", TEST, body={}))
    assert down["delivered"] is False and down["error"] == "connect"
    assert down["httpStatus"] is None
    rx.up()
    assert assert_ok(api.call(dev, "POST", TEST, body={}))["delivered"] is True

    # nothing of it was stored as a message
    listed = assert_ok(api.call(dev, "GET", "/open/message/list"))
    assert all(m["messageType"] != "CALLBACK_TEST" for m in listed["data"])


def test_the_test_endpoint_sends_a_sample_of_a_contract_type(api, dev, rx):
    secret = assert_ok(save(api, dev, rx.url))["secret"]
    report = assert_ok(
        api.call(dev, "POST", TEST, body={"messageType": "ORDER_BUYER_VIEW_ORDER_PAY"})
    )
    assert report["delivered"] is True
    payload = verify(secret, rx.requests[-1])
    assert payload["messageType"] == "ORDER_BUYER_VIEW_ORDER_PAY"
    assert payload["messagePlatform"] == 1
    assert payload["messageBody"]["currentStatus"] == "waitsellersend"
    assert payload["messageBody"]["sequence"] == 1

    body = assert_error(api.call(dev, "POST", TEST, body={"messageType": "NOPE"}), 40001)
    assert field_names(body) == ["messageType"]


def test_the_test_endpoint_takes_another_url_checked_like_a_saved_one(api, dev):
    body = assert_error(api.call(dev, "POST", TEST, body={}), 40001)  # no URL anywhere
    assert field_names(body) == ["callbackUrl"]
    body = assert_error(
        api.call(dev, "POST", TEST, body={"callbackUrl": "http://10.0.0.1/"}), 40001
    )
    assert field_names(body) == ["callbackUrl"]
    with Receiver() as other:
        report = assert_ok(api.call(dev, "POST", TEST, body={"callbackUrl": other.url}))
        assert report["delivered"] is True and len(other.requests) == 1
    assert assert_ok(api.call(dev, "GET", CONFIG)) is None  # a test saves nothing


def test_saving_re_enables_a_disabled_callback_and_the_operator_sees_why(api, app, dev, rx):
    assert_ok(save(api, dev, rx.url))
    with app.state.db.transaction() as s:  # as the delivery engine does after HTTP 410
        s.execute(
            sa.text(
                "UPDATE callback_config SET enabled = :no, disabled_reason = '410 Gone', "
                "disabled_at = 5"
            ),
            {"no": False},
        )
    assert assert_ok(api.call(dev, "GET", CONFIG))["enabled"] is False
    listed = assert_ok(api.admin("GET", ADMIN_CALLBACKS, params={"enabled": "false"}))
    (item,) = listed["data"]
    assert item["developId"] == dev.develop_id and item["callbackUrl"] == rx.url
    assert item["disabledReason"] == "410 Gone" and item["disabledTime"] == 5
    assert item["lastVerifiedTime"] and item["enabled"] is False

    assert assert_ok(save(api, dev, rx.url))["enabled"] is True
    listed = assert_ok(api.admin("GET", ADMIN_CALLBACKS, params={"developId": dev.develop_id}))
    (item,) = listed["data"]
    assert item["enabled"] is True and item["disabledReason"] is None
    assert assert_ok(api.admin("GET", ADMIN_CALLBACKS, params={"enabled": "false"}))["data"] == []
    assert_error(api.admin("GET", ADMIN_CALLBACKS, params={"developId": "1" * 19}), 40401)


def test_the_operator_pages_callbacks_by_page_and_cursor(api, rx):
    devs = [api.create_developer() for _ in range(3)]
    for d in devs:
        assert_ok(save(api, d, rx.url))
    first = assert_ok(api.admin("GET", ADMIN_CALLBACKS, params={"pageSize": 2}))
    assert first["totalRecords"] == 3 and first["totalPage"] == 2 and first["nextCursor"]
    rest = assert_ok(
        api.admin("GET", ADMIN_CALLBACKS, params={"pageSize": 2, "cursor": first["nextCursor"]})
    )
    assert rest["totalRecords"] is None and rest["nextCursor"] is None
    seen = [i["developId"] for i in first["data"] + rest["data"]]
    assert sorted(seen) == sorted(d.develop_id for d in devs)


def test_saving_over_real_http(live_server, rx):
    with httpx.Client(base_url=live_server, timeout=30) as http:
        api = Api(http)
        dev = api.create_developer()
        saved = assert_ok(save(api, dev, rx.url))
        verify(saved["secret"], rx.requests[-1])


def test_a_sub_account_reads_the_callback_settings_but_cannot_change_them(api, dev, rx):
    assert_ok(save(api, dev, rx.url))
    assert_ok(
        api.call(
            dev, "POST", "/open/subaccount/addOrUpdate", body={"userId": "ops", "userName": "o"}
        )
    )
    seen = assert_ok(api.call(dev, "GET", CONFIG, user_id="ops"))
    assert seen["callbackUrl"] == rx.url
    r = api.call(dev, "POST", CONFIG, body={"callbackUrl": rx.url}, user_id="ops")
    assert_error(r, 40302)
    assert_error(api.call(dev, "POST", ROTATE, body={}, user_id="ops"), 40302)
