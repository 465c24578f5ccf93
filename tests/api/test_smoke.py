"""The first signed call works on both databases, with either signature method."""

import pytest


@pytest.mark.parametrize("method", ["MD5", "HMAC-SHA256"])
def test_signed_balance_returns_the_topped_up_wallet(api, dev, method):
    r = api.call(dev, "GET", "/open/account/balance", sign_method=method)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["code"] == 200
    assert body["developId"] == dev.develop_id
    assert body["data"] == {
        "currency": "CNY",
        "availableAmount": 100_000,
        "heldAmount": 0,
        "totalAmount": 100_000,
    }
    assert r.headers["x-request-id"] == body["requestId"]
