"""Fixed signature vectors for CONTRACT section 2, worked out by hand from the contract text
(hashlib in a scratch shell) and hard-coded here. Both the server (`daigou.http.signing`) and
the SDK (`daigou_sdk.signing`) must produce exactly these values."""

from __future__ import annotations

import pytest

import daigou_sdk.signing as sdk
from daigou.http import signing as server

AK = "0123456789abcdef0123456789abcdef"
TS = "1715669977082"
NONCE = "n0nce-str_0001"
HMAC_SECRET = "6f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

# Query of a ledger call: repeated name `a`, values that sort differently as numbers and as
# text, a space, `~`, a non-ASCII letter and reserved characters.
QUERY = [("b", "2"), ("a", "z"), ("a", "10"), ("q", "hello world~ü"), ("a", "1"), ("sp", "a+b/c=")]
QUERY_CANONICAL = "a=1&a=10&a=z&b=2&q=hello%20world~%C3%BC&sp=a%2Bb%2Fc%3D"
GET_STRING_TO_SIGN = (
    "GET\n/open/account/ledger\n"
    "a=1&a=10&a=z&b=2&q=hello%20world~%C3%BC&sp=a%2Bb%2Fc%3D\n"
    "0123456789abcdef0123456789abcdef\n1715669977082\nn0nce-str_0001\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)
GET_SIGNATURE = "0E1B86FD3E99FC3CEE20B7C147C6CAD742A273A9786D620238FD8E1907D93219"

POST_BODY = b'{"userName":"alice"}'
POST_STRING_TO_SIGN = (
    "POST\n/open/subaccount/addOrUpdate\n\n"
    "0123456789abcdef0123456789abcdef\n1715669977082\nn0nce-str_0001\n"
    "b49bbe2efac2885cdd3c287192d7186762471187f87b58faa42d0c0c21e2569f"
)
POST_SIGNATURE = "75EFEE7CF658547221213852DC89762446E094611E4728FA701ABCB83597DA66"

SIGNERS = [
    pytest.param(server.hmac_signature, id="server"),
    pytest.param(sdk.hmac_signature, id="sdk"),
]
MD5_SIGNERS = [
    pytest.param(server.md5_signature, id="server"),
    pytest.param(sdk.md5_signature, id="sdk"),
]
CANONICALISERS = [
    pytest.param(server.canonical_query, id="server"),
    pytest.param(sdk.canonical_query, id="sdk"),
]


# --- MD5 --------------------------------------------------------------------------------------
def test_md5_string_to_sign_is_the_three_system_parameters_then_the_secret():
    assert server.md5_string_to_sign(AK, NONCE, TS, "s3cr3t-秘密") == (
        "access-key=0123456789abcdef0123456789abcdef&nonce-str=n0nce-str_0001"
        "&timestamp=1715669977082&secret=s3cr3t-秘密"
    )


@pytest.mark.parametrize("md5_signature", MD5_SIGNERS)
@pytest.mark.parametrize(
    ("nonce", "ts", "secret", "expected"),
    [
        ("abcdefgh", "1700000000000", "secret", "506BC58ADF8900EEF7A09996DA8FB059"),
        # a non-ASCII secret is hashed as UTF-8
        (NONCE, TS, "s3cr3t-秘密", "AC2BCBC0B4414658C516ED3A4613FB68"),
    ],
)
def test_md5_signature_matches_hand_computed_uppercase_hex(
    md5_signature, nonce, ts, secret, expected
):
    assert md5_signature(AK, nonce, ts, secret) == expected


# --- canonical query ----------------------------------------------------------------------------
@pytest.mark.parametrize("canonical_query", CANONICALISERS)
def test_canonical_query_sorts_by_name_then_value_and_encodes_rfc3986(canonical_query):
    assert canonical_query(QUERY) == QUERY_CANONICAL


@pytest.mark.parametrize("canonical_query", CANONICALISERS)
@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([], ""),
        ([("a", "b c")], "a=b%20c"),  # space is %20, never +
        ([("t", "~-._")], "t=~-._"),  # unreserved characters stay as they are
        ([("u", "ü中")], "u=%C3%BC%E4%B8%AD"),  # UTF-8 bytes, uppercase hex
        (
            [("x y", "1"), ("z", ""), ("A", "b")],
            "A=b&x%20y=1&z=",
        ),  # names encoded and sorted, empty value kept
        (
            [("k", "2"), ("k", "10"), ("k", "1")],
            "k=1&k=10&k=2",
        ),  # repeated names: values sorted as text
        ([("p", "a&b=c")], "p=a%26b%3Dc"),
    ],
)
def test_canonical_query_cases(canonical_query, pairs, expected):
    assert canonical_query(pairs) == expected


def test_server_reads_plus_and_percent20_in_the_wire_query_as_the_same_space():
    plus = server.query_pairs("q=hello+world%7E%C3%BC&a=1&a=")
    pct = server.query_pairs(b"q=hello%20world~%C3%BC&a=1&a=")
    assert plus == pct == [("q", "hello world~ü"), ("a", "1"), ("a", "")]
    assert server.canonical_query(plus) == "a=&a=1&q=hello%20world~%C3%BC"


# --- HMAC-SHA256 -------------------------------------------------------------------------------
def test_hmac_string_to_sign_for_a_get_with_query_and_empty_body():
    assert (
        server.hmac_string_to_sign("GET", "/open/account/ledger", QUERY, AK, TS, NONCE, b"")
        == GET_STRING_TO_SIGN
    )
    assert GET_STRING_TO_SIGN.endswith(EMPTY_SHA256)


def test_hmac_string_to_sign_for_a_post_with_body_and_no_query():
    assert (
        server.hmac_string_to_sign(
            "POST", "/open/subaccount/addOrUpdate", [], AK, TS, NONCE, POST_BODY
        )
        == POST_STRING_TO_SIGN
    )


def test_hmac_string_to_sign_uppercases_the_method():
    assert (
        server.hmac_string_to_sign("get", "/open/account/ledger", QUERY, AK, TS, NONCE, b"")
        == GET_STRING_TO_SIGN
    )


@pytest.mark.parametrize("hmac_signature", SIGNERS)
def test_hmac_signature_of_a_get_with_query(hmac_signature):
    assert (
        hmac_signature("GET", "/open/account/ledger", QUERY, AK, TS, NONCE, b"", HMAC_SECRET)
        == GET_SIGNATURE
    )


@pytest.mark.parametrize("hmac_signature", SIGNERS)
def test_hmac_signature_of_a_post_with_body(hmac_signature):
    assert (
        hmac_signature(
            "POST", "/open/subaccount/addOrUpdate", [], AK, TS, NONCE, POST_BODY, HMAC_SECRET
        )
        == POST_SIGNATURE
    )


@pytest.mark.parametrize("hmac_signature", SIGNERS)
def test_hmac_signature_normalises_a_lowercase_method(hmac_signature):
    assert (
        hmac_signature("get", "/open/account/ledger", QUERY, AK, TS, NONCE, b"", HMAC_SECRET)
        == GET_SIGNATURE
    )
    assert (
        hmac_signature(
            "post", "/open/subaccount/addOrUpdate", [], AK, TS, NONCE, POST_BODY, HMAC_SECRET
        )
        == POST_SIGNATURE
    )


@pytest.mark.parametrize("hmac_signature", SIGNERS)
def test_hmac_signature_ignores_query_order_on_input(hmac_signature):
    shuffled = list(reversed(QUERY))
    assert (
        hmac_signature("GET", "/open/account/ledger", shuffled, AK, TS, NONCE, b"", HMAC_SECRET)
        == GET_SIGNATURE
    )


@pytest.mark.parametrize("hmac_signature", SIGNERS)
def test_hmac_signature_of_names_needing_encoding_and_another_method(hmac_signature):
    sig = hmac_signature(
        "DELETE",
        "/x",
        [("z", ""), ("x y", "1"), ("A", "b")],
        AK,
        "1700000000000",
        "abcdefgh",
        b"",
        "secret",
    )
    assert sig == "B1EAEBD6C3C5B472793DC13BC5C04634888FAD20043F2CEC4F176601C501BC28"


def test_signatures_are_uppercase_hex_of_the_contract_lengths():
    md5 = server.md5_signature(AK, NONCE, TS, "x")
    hm = server.hmac_signature("GET", "/", [], AK, TS, NONCE, b"", "x")
    assert len(md5) == 32 and md5 == md5.upper()
    assert len(hm) == 64 and hm == hm.upper()


def test_constant_time_compare_accepts_equal_and_refuses_different_signatures():
    assert server.same(GET_SIGNATURE, GET_SIGNATURE)
    assert not server.same(GET_SIGNATURE, GET_SIGNATURE[:-1] + "0")
    assert not server.same(GET_SIGNATURE, "ü" * 64)  # non-ASCII input does not raise


# --- the path as sent ---------------------------------------------------------------------------
RAW_PATH = "/open/a%2Fb%20c"  # sent percent-encoded; decoded it would read "/open/a/b c"
RAW_PATH_SIGNATURE = "85F24064F6E912BBFD7FD362A9F5C82F2554E1DF33C2EB8617E776D4E8281724"
DECODED_PATH_SIGNATURE = "CD35BE36C6B6D46508F3999AE77013717101CA9CDA7DFFCF66A9060A30889A68"


@pytest.mark.parametrize("hmac_signature", SIGNERS)
def test_hmac_signs_the_path_exactly_as_sent_never_decoded(hmac_signature):
    sig = hmac_signature("GET", RAW_PATH, [], AK, TS, NONCE, b"", HMAC_SECRET)
    assert sig == RAW_PATH_SIGNATURE
    assert sig != DECODED_PATH_SIGNATURE


def test_the_server_takes_the_raw_path_of_the_request():
    scope = {"path": "/open/a/b c", "raw_path": b"/open/a%2Fb%20c"}
    assert server.signed_path(scope) == RAW_PATH
    # a server that gives no raw path: the decoded path encoded again
    assert server.signed_path({"path": "/open/a b"}) == "/open/a%20b"


def test_the_sdk_signs_and_sends_the_same_encoded_path():
    assert sdk.wire_path("/open/a b/ü") == "/open/a%20b/%C3%BC"
    assert sdk.wire_path(RAW_PATH) == RAW_PATH  # escapes are kept, never doubled
