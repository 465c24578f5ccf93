"""The gateway's 1688 client against the 1688 protocol stub: two implementations of the one
official signing rule, written apart (``daigou.marketplace.alibaba1688.signing`` and the
stub's own), agree on the wire; a wrong secret is refused by the gateway, not retried."""

from __future__ import annotations

import time

import httpx
import pytest

from daigou.marketplace.alibaba1688.client import AopClient
from daigou.marketplace.alibaba1688.errors import GatewayRefused
from tests.support.alibaba_stub import AlibabaStub


@pytest.fixture
def stub():
    with AlibabaStub(None, app_key="1000000", app_secret="test123") as s:
        yield s


def _client(stub: AlibabaStub, secret: str, http: httpx.Client) -> AopClient:
    return AopClient(
        base_url=f"{stub.url}/openapi",
        app_key=stub.app_key,
        app_secret=secret,
        token_provider=None,
        http=http,
        timeout=5.0,
    )


def test_the_clients_signature_is_accepted_by_the_stubs_own_check(stub):
    with httpx.Client() as http:
        now = _client(stub, "test123", http).current_time()
    assert abs(now - int(time.time() * 1000)) < 60_000
    (call,) = stub.calls
    assert call.api.endswith("currentTime") and "_aop_signature" in call.params


def test_a_wrong_secret_is_refused_once_and_not_retried(stub):
    with httpx.Client() as http, pytest.raises(GatewayRefused):
        _client(stub, "not-the-secret", http).current_time()
    assert len(stub.calls) == 1
