"""CONTRACT section 2: the signed headers, each auth code, and the order the checks run in.

Cases that share a setup are checked in one test (a database per test is the dominant cost);
every assertion names its case."""

from __future__ import annotations

import time

from tests.support import signing
from tests.support.api import assert_error, assert_ok, dumps, send, signed_headers
from tests.support.gateway import Dev

BALANCE = "/open/account/balance"
LEDGER = "/open/account/ledger"
SUBACCOUNT = "/open/subaccount/addOrUpdate"
UNKNOWN_KEY = "f" * 32
BAD_HMAC = "A" * 64


def ms(offset_seconds: float = 0) -> str:
    return str(int((time.time() + offset_seconds) * 1000))


def code_of(r) -> int:
    return r.json()["code"]


# --- 40100: missing or malformed headers
def test_missing_or_empty_required_header_answers_40100(client, dev):
    assert_error(client.get(BALANCE), 40100)
    for header in ("access-key", "timestamp", "nonce-str", "signature"):
        for how in ("missing", "empty"):
            h = signed_headers(dev, "GET", BALANCE)
            if how == "missing":
                del h[header]
            else:
                h[header] = ""
            r = send(client, "GET", BALANCE, h)
            assert code_of(r) == 40100, (header, how, r.text)
            body = assert_error(r, 40100)
            assert body["developId"] is None


MALFORMED = [
    ("sign-method", "SHA1"),
    ("sign-method", "HMAC-SHA1"),
    ("signature", "Z" * 64),  # right length, not hex
    ("signature", "A" * 63),  # one character short
    ("signature", "A" * 32),  # an MD5-length signature under HMAC-SHA256
    ("nonce-str", "abc1234"),  # 7 characters
    ("nonce-str", "n" * 65),
    ("nonce-str", "abc!defgh"),
    ("nonce-str", "abc defgh"),
    ("timestamp", "17e12"),
    ("timestamp", "-1715669977082"),
    ("access-key", "F" * 32),  # uppercase hex
    ("access-key", "abc"),
]


def test_malformed_header_answers_40100(client, dev):
    for header, value in MALFORMED:
        h = signed_headers(dev, "GET", BALANCE)
        h[header] = value
        r = send(client, "GET", BALANCE, h)
        assert code_of(r) == 40100, (header, value, r.text)
        assert_error(r, 40100)
    # a non-hex MD5 signature
    h = signed_headers(dev, "GET", BALANCE, sign_method="MD5")
    h["signature"] = "G" * 32
    assert_error(send(client, "GET", BALANCE, h), 40100)
    # a short nonce is malformed even when the request is correctly signed with it
    assert_error(
        send(client, "GET", BALANCE, signed_headers(dev, "GET", BALANCE, nonce="short")), 40100
    )
    # an HMAC signature without sign-method is read as MD5, whose signature has 32 characters
    h = signed_headers(dev, "GET", BALANCE)
    del h["sign-method"]
    assert_error(send(client, "GET", BALANCE, h), 40100)
    # the header check comes before the key lookup
    h = signing.headers(UNKNOWN_KEY, "x", "GET", BALANCE, nonce="short")
    assert_error(send(client, "GET", BALANCE, h), 40100)


# --- 40101: unknown or disabled key
def test_unknown_access_key_answers_40101_not_40103_with_null_develop_id(client):
    for ts in (ms(), ms(-3600)):
        h = signing.headers(UNKNOWN_KEY, "whatever", "GET", BALANCE, timestamp=ts)
        body = assert_error(send(client, "GET", BALANCE, h), 40101)
        assert body["developId"] is None


def test_disabled_key_answers_40101_before_the_timestamp_check(api, dev):
    assert_ok(
        api.admin("POST", "/admin/key/update", {"accessKey": dev.access_key, "status": "disabled"})
    )
    assert_error(api.call(dev, "GET", BALANCE), 40101)
    assert_error(api.call(dev, "GET", BALANCE, timestamp=ms(-3600)), 40101)
    assert_ok(
        api.admin("POST", "/admin/key/update", {"accessKey": dev.access_key, "status": "enabled"})
    )
    assert_ok(api.call(dev, "GET", BALANCE))


def test_disabled_developer_answers_40101_on_every_key(api, dev):
    added = assert_ok(api.admin("POST", "/admin/key/update", {"developId": dev.develop_id}))
    second = Dev(dev.develop_id, added["accessKey"], added["secret"])
    assert_ok(api.call(second, "GET", BALANCE))
    assert_ok(
        api.admin(
            "POST", "/admin/developer/update", {"developId": dev.develop_id, "status": "disabled"}
        )
    )
    assert_error(api.call(dev, "GET", BALANCE), 40101)
    assert_error(api.call(second, "GET", BALANCE, sign_method="MD5"), 40101)
    assert_ok(
        api.admin(
            "POST", "/admin/developer/update", {"developId": dev.develop_id, "status": "enabled"}
        )
    )
    assert_ok(api.call(second, "GET", BALANCE))


# --- 40103: timestamp window
def test_timestamp_more_than_600_s_from_server_time_answers_40103(api, dev):
    for offset in (-601, 601, -86_400):
        assert code_of(api.call(dev, "GET", BALANCE, timestamp=ms(offset))) == 40103, offset
    # seconds instead of milliseconds
    assert_error(api.call(dev, "GET", BALANCE, timestamp=str(int(time.time()))), 40103)
    for offset in (-540, 540):
        assert_ok(api.call(dev, "GET", BALANCE, timestamp=ms(offset)))


def test_stale_timestamp_with_bad_signature_answers_40103_not_40102(client, dev):
    h = signed_headers(dev, "GET", BALANCE, timestamp=ms(-3600))
    h["signature"] = BAD_HMAC
    assert_error(send(client, "GET", BALANCE, h), 40103)


# --- 40102: signature
def test_wrong_signature_answers_40102_for_both_methods(client, api, dev):
    forged = Dev(dev.develop_id, dev.access_key, "not-the-secret")
    for method in ("MD5", "HMAC-SHA256"):
        r = api.call(forged, "GET", BALANCE, sign_method=method)
        assert code_of(r) == 40102, method
        assert_error(r, 40102)
    # the MD5 signature doubled to HMAC length is not the HMAC
    n, ts = signing.new_nonce(), ms()
    h = signed_headers(dev, "GET", BALANCE, nonce=n, timestamp=ts)
    h["signature"] = signing.md5_sign(dev.access_key, n, ts, dev.secret) * 2
    assert_error(send(client, "GET", BALANCE, h), 40102)
    # MD5 is the default sign-method
    h = signed_headers(dev, "GET", BALANCE, sign_method="MD5")
    del h["sign-method"]
    assert_ok(send(client, "GET", BALANCE, h))


def test_hmac_only_key_refuses_md5_and_accepts_hmac(api, dev):
    strict = api.create_developer(hmacOnly=True)
    assert_error(api.call(strict, "GET", BALANCE, sign_method="MD5"), 40102)
    assert_ok(api.call(strict, "GET", BALANCE, sign_method="HMAC-SHA256"))
    # switched on later for an existing key
    assert_ok(api.call(dev, "GET", BALANCE, sign_method="MD5"))
    r = assert_ok(
        api.admin("POST", "/admin/key/update", {"accessKey": dev.access_key, "hmacOnly": True})
    )
    assert r["hmacOnly"] is True
    assert_error(api.call(dev, "GET", BALANCE, sign_method="MD5"), 40102)
    assert_ok(api.call(dev, "GET", BALANCE))


def test_hmac_signature_binds_method_path_query_and_body(client, dev):
    # path
    assert_error(send(client, "GET", LEDGER, signed_headers(dev, "GET", BALANCE)), 40102)
    # method
    assert_error(send(client, "GET", LEDGER, signed_headers(dev, "POST", LEDGER)), 40102)
    # query: value changed, parameter added, removed, repeated
    for sent in (
        [("pageSize", "11")],
        [("pageSize", "10"), ("type", "topup")],
        [],
        [("pageSize", "10"), ("pageSize", "10")],
    ):
        h = signed_headers(dev, "GET", LEDGER, params=[("pageSize", "10")])
        r = send(client, "GET", LEDGER, h, params=sent)
        assert code_of(r) == 40102, (sent, r.text)
    # body: other content, and the same JSON with other bytes
    signed_body = b'{"userName":"alice"}'
    for sent_body in (dumps({"userName": "mallory"}), b'{"userName": "alice"}'):
        h = signed_headers(dev, "POST", SUBACCOUNT, body=signed_body)
        r = send(client, "POST", SUBACCOUNT, h, body=sent_body)
        assert code_of(r) == 40102, (sent_body, r.text)
    # and untampered, the same request is accepted
    assert_ok(
        send(
            client,
            "POST",
            SUBACCOUNT,
            signed_headers(dev, "POST", SUBACCOUNT, body=signed_body),
            body=signed_body,
        )
    )


def test_hmac_query_with_space_tilde_unicode_and_repeats_verifies_end_to_end(client, dev):
    params = [("note", "a b~ü+/&="), ("pageSize", "5"), ("zz", "2"), ("zz", "1")]
    assert_ok(
        send(
            client, "GET", LEDGER, signed_headers(dev, "GET", LEDGER, params=params), params=params
        )
    )
    # MD5 signs the system parameters only: the query is not bound
    h = signed_headers(dev, "GET", LEDGER, sign_method="MD5", params=[("pageSize", "10")])
    assert_ok(send(client, "GET", LEDGER, h, params=[("pageSize", "5")]))


# --- 40104 and the nonce
def test_replayed_nonce_answers_40104_and_nonces_are_scoped_to_the_key(api, dev):
    n = signing.new_nonce()
    assert_ok(api.call(dev, "GET", BALANCE, nonce=n))
    assert_error(api.call(dev, "GET", BALANCE, nonce=n), 40104)
    # also on another endpoint, another method and another timestamp
    assert_error(api.call(dev, "GET", LEDGER, nonce=n, timestamp=ms(-5)), 40104)
    assert_error(api.call(dev, "GET", BALANCE, nonce=n, sign_method="MD5"), 40104)
    other = api.create_developer()
    assert_ok(api.call(other, "GET", BALANCE, nonce=n))


def test_bad_signature_with_replayed_nonce_answers_40102_not_40104(client, api, dev):
    n = signing.new_nonce()
    assert_ok(api.call(dev, "GET", BALANCE, nonce=n))
    h = signed_headers(dev, "GET", BALANCE, nonce=n)
    h["signature"] = BAD_HMAC
    assert_error(send(client, "GET", BALANCE, h), 40102)


def test_forged_or_stale_request_does_not_burn_the_nonce(client, api, dev):
    n = signing.new_nonce()
    forged = signed_headers(dev, "GET", BALANCE, nonce=n, secret="guessed-secret")
    assert_error(send(client, "GET", BALANCE, forged), 40102)
    stale = signed_headers(dev, "GET", BALANCE, nonce=n, timestamp=ms(-3600))
    assert_error(send(client, "GET", BALANCE, stale), 40103)
    assert_ok(api.call(dev, "GET", BALANCE, nonce=n))
    assert_error(api.call(dev, "GET", BALANCE, nonce=n), 40104)


# --- secret rotation
def test_rotated_secret_keeps_the_old_one_valid_during_grace_and_zero_grace_refuses_it(api, dev):
    first = assert_ok(
        api.admin("POST", "/admin/key/update", {"accessKey": dev.access_key, "rotate": True})
    )
    assert first["accessKey"] == dev.access_key
    assert first["secret"] and first["secret"] != dev.secret
    assert abs(first["previousSecretExpireTime"] - (int(time.time() * 1000) + 86_400_000)) < 60_000
    old, new = dev, Dev(dev.develop_id, dev.access_key, first["secret"])
    for method in ("MD5", "HMAC-SHA256"):
        assert_ok(api.call(old, "GET", BALANCE, sign_method=method))
        assert_ok(api.call(new, "GET", BALANCE, sign_method=method))

    second = assert_ok(
        api.admin(
            "POST",
            "/admin/key/update",
            {"accessKey": dev.access_key, "rotate": True, "graceSeconds": 0},
        )
    )
    newest = Dev(dev.develop_id, dev.access_key, second["secret"])
    assert second["previousSecretExpireTime"] is None
    assert_error(api.call(new, "GET", BALANCE), 40102)
    assert_error(api.call(old, "GET", BALANCE), 40102)
    assert_ok(api.call(newest, "GET", BALANCE))


def test_old_secret_is_refused_once_the_grace_period_has_passed(api, dev, monkeypatch):
    r = assert_ok(
        api.admin(
            "POST",
            "/admin/key/update",
            {"accessKey": dev.access_key, "rotate": True, "graceSeconds": 3600},
        )
    )
    new = Dev(dev.develop_id, dev.access_key, r["secret"])
    import daigou.deps

    def at(offset_s: int) -> str:
        monkeypatch.setattr(daigou.deps, "wall_ms", lambda: int((time.time() + offset_s) * 1000))
        return ms(offset_s)

    old = dev
    ts = at(3000)  # 50 minutes later: still inside the grace period
    assert_ok(api.call(old, "GET", BALANCE, timestamp=ts))
    ts = at(3700)  # past it
    assert_error(api.call(old, "GET", BALANCE, timestamp=ts), 40102)
    assert_ok(api.call(new, "GET", BALANCE, timestamp=ts))


# --- 40301: user-id
def _sub(api, dev, user_id, **fields):
    return assert_ok(
        api.call(dev, "POST", SUBACCOUNT, body={"userId": user_id, "userName": user_id, **fields})
    )


def test_user_id_must_be_an_enabled_sub_account_of_this_developer(api, dev):
    _sub(api, dev, "buyer-1")
    _sub(api, dev, "buyer-off", status="disabled")
    other = api.create_developer()
    _sub(api, other, "theirs")
    assert_ok(api.call(dev, "GET", BALANCE, user_id="buyer-1"))
    assert_ok(api.call(other, "GET", BALANCE, user_id="theirs"))
    for user_id in ("nobody", "bad id!", "x" * 65, "buyer-off", "theirs"):
        r = api.call(dev, "GET", BALANCE, user_id=user_id)
        assert code_of(r) == 40301, (user_id, r.text)
        assert_error(r, 40301)


def test_user_id_is_checked_after_signature_and_nonce(client, api, dev):
    h = signed_headers(dev, "GET", BALANCE, user_id="nobody", secret="wrong")
    assert_error(send(client, "GET", BALANCE, h), 40102)
    n = signing.new_nonce()
    assert_ok(api.call(dev, "GET", BALANCE, nonce=n))
    assert_error(api.call(dev, "GET", BALANCE, nonce=n, user_id="nobody"), 40104)


# --- every auth error: status, request id, developId
def test_every_auth_error_has_status_code_div_100_and_its_own_request_id(client, api, dev):
    n = signing.new_nonce()
    assert_ok(api.call(dev, "GET", BALANCE, nonce=n))
    cases = {
        40100: {k: v for k, v in signed_headers(dev, "GET", BALANCE).items() if k != "nonce-str"},
        40101: signing.headers(UNKNOWN_KEY, "x", "GET", BALANCE),
        40102: signed_headers(dev, "GET", BALANCE, secret="wrong"),
        40103: signed_headers(dev, "GET", BALANCE, timestamp=ms(-3600)),
        40104: signed_headers(dev, "GET", BALANCE, nonce=n),
        40301: signed_headers(dev, "GET", BALANCE, user_id="nobody"),
    }
    seen = set()
    for code, headers in cases.items():
        r = send(client, "GET", BALANCE, headers)
        assert r.status_code == code // 100, (code, r.status_code)
        body = assert_error(r, code)  # envelope, X-Request-Id = requestId, no trace
        seen.add(body["requestId"])
    assert len(seen) == len(cases)
    r = api.call(dev, "GET", BALANCE)
    assert assert_ok(r) and r.json()["developId"] == dev.develop_id
