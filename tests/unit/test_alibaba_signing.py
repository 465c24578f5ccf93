"""The 1688 `_aop_signature` (reference section 2.2): the official vector, the sort-by-string
gotcha, what is signed (None dropped, objects as compact JSON), the param2 URL."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

from hypothesis import given
from hypothesis import strategies as st

from daigou.marketplace.alibaba1688 import signing
from daigou.marketplace.alibaba1688.signing import (
    aop_signature,
    api_url,
    authorize_url,
    param_signature,
    url_path,
)

OFFICIAL_PATH = "param2/1/system/currentTime/1000000"


def test_the_official_vector_passes():
    """open.1688.com sysSignature: secret test123, a=1, b=2."""
    assert (
        aop_signature(OFFICIAL_PATH, {"b": "2", "a": "1"}, "test123")
        == "33E54F4F7B989E3E0E912D3FBD2F1A03CA7CCE88"
    )
    assert aop_signature(OFFICIAL_PATH, {"a": 1, "b": 2}, "test123") == (
        "33E54F4F7B989E3E0E912D3FBD2F1A03CA7CCE88"
    )


def _hmac(message: str, secret: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha1).hexdigest().upper()


def test_the_concatenations_are_sorted_not_the_keys():
    """{a: "z", ab: "c"}: sorted k+v strings give "abcaz"; a sort by key would give "azabc"."""
    params = {"a": "z", "ab": "c"}
    by_string = _hmac(OFFICIAL_PATH + "abcaz", "s3cret")
    by_key = _hmac(OFFICIAL_PATH + "azabc", "s3cret")
    assert by_string != by_key
    assert aop_signature(OFFICIAL_PATH, params, "s3cret") == by_string
    assert param_signature(params, "s3cret") == _hmac("abcaz", "s3cret")


def test_none_is_dropped_and_objects_are_signed_as_compact_json():
    params = {
        "gone": None,
        "cargo": [{"offerId": 1, "title": "水杯"}],
        "flag": True,
        "n": 3,
    }
    expected = "".join(sorted(['cargo[{"offerId":1,"title":"水杯"}]', "flagtrue", "n3"]))
    assert aop_signature(OFFICIAL_PATH, params, "k") == _hmac(OFFICIAL_PATH + expected, "k")
    assert signing.wire_params(params) == {
        "cargo": '[{"offerId":1,"title":"水杯"}]',
        "flag": "true",
        "n": "3",
    }


def test_the_signature_field_itself_is_not_signed():
    base = aop_signature(OFFICIAL_PATH, {"a": "1", "b": "2"}, "test123")
    with_sig = aop_signature(
        OFFICIAL_PATH, {"a": "1", "b": "2", "_aop_signature": "XXX"}, "test123"
    )
    assert base == with_sig


def test_the_param2_url():
    assert url_path(1, "com.alibaba.trade", "alibaba.trade.get.buyerView", "123") == (
        "param2/1/com.alibaba.trade/alibaba.trade.get.buyerView/123"
    )
    assert (
        api_url("https://gw.open.1688.com/openapi/", 1, "system", "currentTime", "1000000")
        == "https://gw.open.1688.com/openapi/" + OFFICIAL_PATH
    )


def test_the_authorisation_url_carries_a_parameter_signature():
    url = authorize_url("1000000", "https://gw.example/cb", "test123", state="x1")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query["client_id"] == "1000000" and query["site"] == "1688"
    assert query["redirect_uri"] == "https://gw.example/cb"
    joined = "".join(sorted(k + v for k, v in query.items() if k != "_aop_signature"))
    assert query["_aop_signature"] == _hmac(joined, "test123")


@given(
    st.dictionaries(
        st.text(alphabet="abcdefgXYZ_", min_size=1, max_size=6),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=8) | st.integers(),
        max_size=6,
    ),
    st.randoms(use_true_random=False),
)
def test_the_order_parameters_come_in_does_not_matter(params, rng):
    items = list(params.items())
    rng.shuffle(items)
    assert aop_signature(OFFICIAL_PATH, dict(items), "k") == aop_signature(
        OFFICIAL_PATH, params, "k"
    )
    joined = "".join(sorted(k + str(v) for k, v in params.items()))
    assert aop_signature(OFFICIAL_PATH, params, "k") == _hmac(OFFICIAL_PATH + joined, "k")
