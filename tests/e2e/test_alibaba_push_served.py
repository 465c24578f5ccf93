"""A served gateway (`daigou serve`, ``DAIGOU_MARKETPLACE_1688=alibaba``) receives the pushes of
the 1688 protocol stub's message centre at ``/callbacks/alibaba`` over loopback (the stub's own
form encoding and push signature), answers a re-send 200 as well, and the 1688 adapter the
composition root builds reads the message once from its feed: the compensation pull lists it
too (the stub keeps every push unconfirmed), the inbox keeps it once, and only then is it
confirmed."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from daigou.bootstrap import alibaba_adapter
from daigou.core.clock import ManualClock
from daigou.marketplace import port as P
from tests.support.alibaba_stub import AlibabaStub
from tests.support.serve import daigou_env, serving

START_MS = 1_767_225_600_000
TOPIC = "ORDER_BUYER_VIEW_ORDER_PAY"


# SQLite only: a child process costs seconds, and the inbox's storage runs on both databases in
# tests/api/test_alibaba_push_route.py and tests/integration/test_alibaba_feed.py
@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_served_gateway_keeps_the_stubs_pushes_once_for_the_adapters_feed(
    settings, db, db_url, tmp_path
):
    with AlibabaStub(None) as stub:  # pushes only: no marketplace behind the stub
        app = {
            "marketplace_1688": "alibaba",
            "alibaba_app_key": stub.app_key,
            "alibaba_app_secret": stub.app_secret,
            "alibaba_member_id": stub.member_id,
            "alibaba_base_url": f"{stub.url}/openapi",
            "alibaba_pull_interval_seconds": "0",
        }
        env = daigou_env(
            tmp_path / "var", db_url, **{f"DAIGOU_{k.upper()}": v for k, v in app.items()}
        )
        with serving(env, "--no-worker") as (_child, base):
            url = base + "/callbacks/alibaba"
            data = {"orderId": 3791234567890123456, "currentStatus": "waitsellersend"}
            assert stub.push(url, TOPIC, data) == 200
            (pushed,) = stub.pushed
            assert stub.deliver(pushed, url) == 200  # the centre re-sends: still 200
            other = AlibabaStub(None, app_secret="another-apps-secret")
            assert other.push(url, TOPIC, data) == 401  # not this app's: kept for its pull

        typed = {**app, "alibaba_app_secret": SecretStr(stub.app_secret)}
        typed["alibaba_pull_interval_seconds"] = 0.0
        market = alibaba_adapter(settings.model_copy(update=typed), db, ManualClock(START_MS))
        assert not pushed.confirmed
        batch = market.messages(P.Platform.ALIBABA, None, 100)
        assert [(m.message_id, m.topic, m.order_id, m.status) for m in batch.messages] == [
            (str(pushed.msg_id), TOPIC, "3791234567890123456", "waitsellersend")
        ]
        assert pushed.confirmed  # pulled too, kept once, then confirmed
        assert len(stub.calls_to("push.message.confirm")) == 1
        assert market.messages(P.Platform.ALIBABA, batch.cursor, 100).messages == ()
