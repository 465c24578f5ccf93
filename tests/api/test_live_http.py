"""Real HTTP through uvicorn with the SDK client: signing, envelope unwrapping, cursor
auto-paging and Idempotency-Key reuse, as a developer's program sees them."""

from __future__ import annotations

import httpx
import pytest

from daigou_sdk import AuthenticationError, Client, ConflictError, PermissionError
from tests.support.gateway import Api


def test_sdk_over_real_http_balance_ledger_paging_and_idempotent_post(live_server):
    with httpx.Client(base_url=live_server, timeout=30) as http:
        api = Api(http)
        dev = api.create_developer(topup=1_000)
        for i in range(4):
            r = api.admin(
                "POST",
                "/admin/wallet/adjust",
                {
                    "developId": dev.develop_id,
                    "type": "topup",
                    "amount": 10 + i,
                    "reference": f"live-{i}",
                },
            )
            assert r.status_code == 200, r.text

    for method in ("HMAC-SHA256", "MD5"):
        with Client(live_server, dev.access_key, dev.secret, sign_method=method) as sdk:
            assert sdk.balance() == {
                "currency": "CNY",
                "availableAmount": 1_046,
                "heldAmount": 0,
                "totalAmount": 1_046,
            }
            assert (
                sdk.last_response.headers["x-request-id"] == sdk.last_response.json()["requestId"]
            )

    with Client(live_server, dev.access_key, dev.secret) as sdk:
        # cursor auto-paging: 5 entries in pages of 2, newest first, each once
        entries = list(sdk.paginate("GET", "/open/account/ledger", {"type": "topup"}, page_size=2))
        assert [e["amount"] for e in entries] == [13, 12, 11, 10, 1_000]
        assert len({e["entryId"] for e in entries}) == 5

        # one Idempotency-Key: the second call is a replay, not a second sub-account
        first = sdk.post(
            "/open/subaccount/addOrUpdate", {"userName": "live"}, idempotency_key="live-key-1"
        )
        assert "idempotent-replayed" not in sdk.last_response.headers
        second = sdk.post(
            "/open/subaccount/addOrUpdate", {"userName": "live"}, idempotency_key="live-key-1"
        )
        assert sdk.last_response.headers["idempotent-replayed"] == "true"
        assert second == first
        assert sdk.sub_accounts()["totalRecords"] == 1
        with pytest.raises(ConflictError) as err:
            sdk.post(
                "/open/subaccount/addOrUpdate", {"userName": "other"}, idempotency_key="live-key-1"
            )
        assert err.value.code == 40902 and err.value.http_status == 409

        # a sub-account through the SDK's user_id
        assert sdk.balance()["availableAmount"] == 1_046
        with Client(live_server, dev.access_key, dev.secret, user_id=first["userId"]) as sub:
            assert sub.balance()["availableAmount"] == 1_046
        with (
            Client(live_server, dev.access_key, dev.secret, user_id="nobody") as stranger,
            pytest.raises(PermissionError) as err,
        ):
            stranger.balance()
        assert err.value.code == 40301

    with (
        Client(live_server, dev.access_key, "wrong-secret", max_retries=0) as forged,
        pytest.raises(AuthenticationError) as err,
    ):
        forged.balance()
    assert err.value.code == 40102 and err.value.http_status == 401
    assert err.value.request_id and len(err.value.request_id) == 32
