"""Wire dialects (CONTRACT section 1) and the main-account userId (section 2): what a developer
created with `"dialect": "pandapon"` gets (HTTP 200 for every answer, msg 成功, nonce-str
optional with replays keyed on nonce and timestamp), what the default daigou dialect keeps
(the strict rules), and user-id in both."""

from __future__ import annotations

import hashlib
import re
import time

import pytest

from tests.support import signing
from tests.support.api import assert_envelope, assert_error, assert_ok, field_names, send
from tests.support.gateway import Dev

BALANCE = "/open/account/balance"
LEDGER = "/open/account/ledger"
SUB_SAVE = "/open/subaccount/addOrUpdate"
SUB_LIST = "/open/subaccount/list"
ORDER_DETAIL = "/alibaba/order/detail"
USER_ID_RE = re.compile(r"^[1-9][0-9]{12}$")


def ms(offset_ms: int = 0) -> str:
    return str(int(time.time() * 1000) + offset_ms)


def md5(access_key: str, nonce: str, timestamp: str, secret: str) -> str:
    text = f"access-key={access_key}&nonce-str={nonce}&timestamp={timestamp}&secret={secret}"
    return hashlib.md5(text.encode()).hexdigest().upper()


def pandapon_headers(
    dev: Dev, *, timestamp: str | None = None, nonce: str | None = None, user_id: str | None = None
) -> dict[str, str]:
    """As PandaPon's pages show them: no sign-method, MD5, nonce-str left out unless given
    (then signed as the literal `nonce-str`)."""
    ts = timestamp or ms()
    h = {
        "access-key": dev.access_key,
        "timestamp": ts,
        "signature": md5(dev.access_key, nonce or "nonce-str", ts, dev.secret),
    }
    if nonce is not None:
        h["nonce-str"] = nonce
    if user_id is not None:
        h["user-id"] = user_id
    return h


def created(api, **fields) -> dict:
    r = api.admin("POST", "/admin/developer/create", {"name": "dev", **fields})
    return assert_ok(r)


def as_dev(data: dict) -> Dev:
    return Dev(data["developId"], data["accessKey"], data["secret"])


@pytest.fixture
def panda(api) -> tuple[Dev, str]:
    data = created(api, dialect="pandapon")
    return as_dev(data), data["userId"]


def ok_pandapon(r) -> object:
    body = assert_envelope(r)
    assert r.status_code == 200, r.text
    assert (body["code"], body["msg"]) == (200, "成功"), body
    return body["data"]


def error_pandapon(r, code: int) -> dict:
    body = assert_envelope(r)
    assert (r.status_code, body["code"]) == (200, code), (r.status_code, r.text)
    return body


# --- creation, views ----------------------------------------------------------------------------
def test_create_answers_the_dialect_and_a_13_digit_main_user_id_and_the_views_show_them(api):
    default = created(api)
    panda = created(api, dialect="pandapon")
    assert default["dialect"] == "daigou" and panda["dialect"] == "pandapon"
    assert USER_ID_RE.match(default["userId"]) and USER_ID_RE.match(panda["userId"])
    assert default["userId"] != panda["userId"]
    r = api.admin("POST", "/admin/developer/create", {"name": "x", "dialect": "stripe"})
    assert field_names(assert_error(r, 40001)) == ["dialect"]

    listed = assert_ok(api.admin("GET", "/admin/developer/list"))["data"]
    shown = {d["developId"]: (d["userId"], d["dialect"]) for d in listed}
    assert shown[default["developId"]] == (default["userId"], "daigou")
    assert shown[panda["developId"]] == (panda["userId"], "pandapon")
    updated = assert_ok(
        api.admin(
            "POST", "/admin/developer/update", {"developId": panda["developId"], "remark": "r"}
        )
    )
    assert (updated["userId"], updated["dialect"]) == (panda["userId"], "pandapon")

    # 0.4 tells each developer its main userId and its dialect
    page = assert_ok(api.call(as_dev(default), "GET", SUB_LIST))
    assert (page["mainUserId"], page["dialect"]) == (default["userId"], "daigou")
    r = api.http.get(SUB_LIST, headers=pandapon_headers(as_dev(panda)))
    page = ok_pandapon(r)
    assert (page["mainUserId"], page["dialect"]) == (panda["userId"], "pandapon")


# --- pandapon: HTTP 200 and 成功 ---------------------------------------------------------------
def test_pandapon_answers_every_error_in_the_envelope_with_http_200(api, client, panda):
    dev, main = panda
    assert ok_pandapon(client.get(BALANCE, headers=pandapon_headers(dev)))["currency"] == "CNY"
    h = pandapon_headers(dev)
    cases = {
        40100: {**pandapon_headers(dev), "nonce-str": "short"},  # malformed, key readable
        40102: {**h, "signature": "0" * 32},
        40103: pandapon_headers(dev, timestamp=ms(-3_600_000)),
        40301: pandapon_headers(dev, user_id="nobody"),
    }
    for code, headers in cases.items():
        answered = error_pandapon(client.get(BALANCE, headers=headers), code)
        # once the signature verified, the answer names the developer
        assert answered["developId"] == (dev.develop_id if code == 40301 else None), answered
    # validation (40001) and not found (40401) inside a signed route
    error_pandapon(
        client.get(LEDGER, params={"pageSize": 1000}, headers=pandapon_headers(dev)), 40001
    )
    r = client.post(
        ORDER_DETAIL,
        content=b'{"webSite": "1688", "orderId": "1234567890123456789"}',
        headers={**pandapon_headers(dev), "content-type": "application/json"},
    )
    error_pandapon(r, 40401)
    error_pandapon(client.get(BALANCE, headers=cases[40301]), 40104)  # the same request again


def test_pandapon_rate_limit_keeps_retry_after_and_travels_as_200(api, client):
    dev = as_dev(created(api, dialect="pandapon", rateLimitPerMinute=1))
    ok_pandapon(client.get(BALANCE, headers=pandapon_headers(dev)))
    r = client.get(BALANCE, headers=pandapon_headers(dev))
    error_pandapon(r, 42901)
    assert int(r.headers["retry-after"]) >= 1


def test_pandapon_replays_a_stored_error_with_http_200(api, client, panda):
    dev, _ = panda
    body = b'{"webSite": "1688", "orderId": "1234567890123456789"}'
    extra = {"content-type": "application/json", "Idempotency-Key": "k-1"}
    first = client.post(ORDER_DETAIL, content=body, headers={**pandapon_headers(dev), **extra})
    again = client.post(ORDER_DETAIL, content=body, headers={**pandapon_headers(dev), **extra})
    error_pandapon(first, 40401)
    error_pandapon(again, 40401)
    assert again.headers["idempotent-replayed"] == "true"


def test_an_unknown_key_is_answered_by_the_default_rules(client):
    """Before a key is read nobody's dialect is known: CONTRACT's statuses apply."""
    h = {"access-key": "f" * 32, "timestamp": ms(), "signature": "A" * 32}
    r = send(client, "GET", BALANCE, h)
    assert_error(r, 40100)  # nonce-str may be left out only by a pandapon key
    r = send(client, "GET", BALANCE, {**h, "nonce-str": "nonce-str"})
    assert_error(r, 40101)


# --- pandapon: nonce-str -------------------------------------------------------------------------
def test_pandapon_nonce_is_optional_and_signed_as_the_literal_nonce_str(api, client, panda):
    dev, _ = panda
    ts = ms()
    first = pandapon_headers(dev, timestamp=ts)  # no nonce-str header
    ok_pandapon(client.get(BALANCE, headers=first))
    error_pandapon(client.get(BALANCE, headers=first), 40104)  # the exact request again
    # the page's own example: `nonce-str: nonce-str` with fresh millisecond timestamps
    for step in (1, 2, 3):
        h = pandapon_headers(dev, timestamp=str(int(ts) + step), nonce="nonce-str")
        ok_pandapon(client.get(BALANCE, headers=h))
    # sending the literal is the same request as leaving it out
    error_pandapon(
        client.get(BALANCE, headers=pandapon_headers(dev, timestamp=ts, nonce="nonce-str")), 40104
    )
    # left out, the nonce is the literal: a signature over another nonce does not match
    ts2 = ms(10)
    h = {
        **pandapon_headers(dev, timestamp=ts2),
        "signature": md5(dev.access_key, "abcdefgh", ts2, dev.secret),
    }
    error_pandapon(client.get(BALANCE, headers=h), 40102)
    # random nonces keep working, and so does HMAC-SHA256 signed over the literal
    ok_pandapon(client.get(BALANCE, headers=pandapon_headers(dev, nonce=signing.new_nonce())))
    h = signing.headers(dev.access_key, dev.secret, "GET", BALANCE, nonce="nonce-str")
    del h["nonce-str"]
    ok_pandapon(client.get(BALANCE, headers=h))


def test_daigou_keeps_nonce_str_required_and_never_reused(api, client, dev):
    h = signing.headers(dev.access_key, dev.secret, "GET", BALANCE, sign_method="MD5")
    del h["nonce-str"]
    assert_error(send(client, "GET", BALANCE, h), 40100)
    ts = int(ms())
    assert_ok(api.call(dev, "GET", BALANCE, nonce="nonce-str", timestamp=str(ts)))
    r = api.call(dev, "GET", BALANCE, nonce="nonce-str", timestamp=str(ts + 1))
    assert_error(r, 40104)  # even with a fresh timestamp


# --- user-id -----------------------------------------------------------------------------------
@pytest.mark.parametrize("dialect", ["daigou", "pandapon"])
def test_user_id_is_the_main_account_a_sub_account_or_40301(api, client, dialect):
    data = created(api, dialect=dialect)
    dev, main = as_dev(data), data["userId"]
    ok = assert_ok if dialect == "daigou" else ok_pandapon

    def call(method, path, body=None, user_id=None):
        return api.call(dev, method, path, body=body, user_id=user_id)

    def err(r, code):
        return assert_error(r, code) if dialect == "daigou" else error_pandapon(r, code)

    # the main account, named: it may manage sub-accounts (a sub-account may not)
    ok(call("POST", SUB_SAVE, {"userId": "shop-vn", "userName": "vn"}, user_id=main))
    ok(call("POST", SUB_SAVE, {"userId": "shop-th", "userName": "th"}))  # absent: main too
    assert ok(call("GET", SUB_LIST, user_id=main))["totalRecords"] == 2
    # a sub-account's id: that sub-account, which sees itself only
    listed = ok(call("GET", SUB_LIST, user_id="shop-vn"))
    assert [s["userId"] for s in listed["data"]] == ["shop-vn"]
    err(call("POST", SUB_SAVE, {"userName": "x"}, user_id="shop-vn"), 40301)
    # anything else: 40301, including another developer's main userId
    other = created(api)
    for user_id in ("2100007341207", other["userId"], "nobody"):
        err(call("GET", BALANCE, user_id=user_id), 40301)
    # the main userId cannot be taken by a sub-account
    r = call("POST", SUB_SAVE, {"userId": main, "userName": "x"})
    assert field_names(err(r, 40001)) == ["userId"]


def test_a_body_user_id_naming_the_main_account_acts_as_the_main_account(api, dev):
    main = assert_ok(api.call(dev, "GET", SUB_LIST))["mainUserId"]
    assert_ok(api.call(dev, "POST", SUB_SAVE, body={"userId": "shop-1", "userName": "one"}))
    body = {
        "addressParam": {"fullName": "a", "mobile": "13800000000", "address": "x"},
        "cargoParamList": [{"offerId": "1", "specId": "s", "quantity": 1, "sellerOpenId": "b"}],
    }
    # a sub-account's header with the main account's userId in the body: they differ
    r = api.call(
        dev, "POST", "/alibaba/order/batch/create", body={**body, "userId": main}, user_id="shop-1"
    )
    assert field_names(assert_error(r, 40001)) == ["userId"]
    # no header, the main account's userId in the body: the main account (no 40301)
    r = api.call(dev, "POST", "/alibaba/order/batch/create", body={**body, "userId": main})
    assert assert_ok(r)["results"][0]["success"] is False
