"""Issue 4's promise, as a developer meets it through real HTTP on loopback: register a callback
URL, see signed messages arrive in order, fail the receiver for an hour (of the sandbox clock),
and get everything once it is back, with the delivery log to prove it. `daigou serve` runs as a
subprocess with its in-process worker."""

from __future__ import annotations

import json

from standardwebhooks.webhooks import Webhook

from daigou_sdk import Client
from tests.support.callbacks import admin_post
from tests.support.receiver import Receiver
from tests.support.wait import wait_until


def test_register_fail_for_an_hour_and_get_everything_in_order(served):
    base, _env, data_dir, _proc = served
    creds = json.loads((data_dir / "demo-credentials.json").read_text())
    token = (data_dir / "admin-token").read_text().strip()
    develop_id = creds["developId"]
    with Receiver() as rx, Client(base, creds["accessKey"], creds["secret"]) as client:
        saved = client.post("/open/callback/config", {"callbackUrl": rx.url})
        secret = saved["secret"]
        assert secret.startswith("whsec_")
        (test,) = rx.wait_for(1)
        assert Webhook(secret).verify(test.body, test.headers)["messageType"] == "CALLBACK_TEST"
        rx.clear()

        def topup(n: int) -> None:
            admin_post(
                base,
                token,
                "/admin/wallet/adjust",
                {
                    "developId": develop_id,
                    "type": "topup",
                    "amount": 100 + n,
                    "reference": f"E2E-{n}",
                },
            )

        # dev mode's demo top-up already wrote message 1 of the wallet key
        for n in range(3):
            topup(n)
        rx.wait_for(4)
        rx.down()  # the receiver fails for an hour
        for n in range(3, 8):
            topup(n)

        def attempts_of(sequence: int) -> int:
            listed = client.get(
                "/open/message/list", {"messageType": "WALLET_BALANCE_CHANGE", "pageSize": 50}
            )["data"]
            return next(
                (m["attempts"] for m in listed if m["messageBody"]["sequence"] == sequence), 0
            )

        # the worker tries the first message written while down, and fails (connection refused)
        wait_until(lambda: attempts_of(5) >= 1, timeout=30, interval=0.1)
        admin_post(base, token, "/admin/sandbox/clock/advance", {"seconds": 3600})
        # retries due within that hour fail too
        wait_until(lambda: attempts_of(5) >= 2, timeout=30, interval=0.1)
        rx.up()
        admin_post(base, token, "/admin/sandbox/clock/advance", {"seconds": 3600})
        received = rx.wait_for(9, timeout=30)

        bodies = [Webhook(secret).verify(r.body, r.headers) for r in received]
        assert {b["messageType"] for b in bodies} == {"WALLET_BALANCE_CHANGE"}
        sequences = [b["messageBody"]["sequence"] for b in bodies]
        first_seen = list(dict.fromkeys(sequences))
        assert first_seen == list(range(1, 10))  # in order, none lost
        ids = {b["messageId"] for b in bodies}
        assert len(ids) == 9

        # the log proves it: the message sent while the receiver was down failed, then went
        pulled = client.get("/open/message/list", {"messageType": "WALLET_BALANCE_CHANGE"})
        messages = [m for m in pulled["data"] if m["messageId"] in ids]
        assert len(messages) == 9
        wait_until(
            lambda: all(
                m["deliveryStatus"] == "delivered"
                for m in client.get("/open/message/list", {"pageSize": 50})["data"]
                if m["messageId"] in ids
            )
        )
        late = messages[4]["messageId"]  # written while the receiver was down
        log = client.get("/open/message/deliveries", {"messageId": late})
        attempts = log["attempts"]
        assert attempts[0]["error"] == "connect" and attempts[0]["httpStatus"] is None
        assert attempts[-1]["httpStatus"] == 200 and attempts[-1]["error"] is None
        assert log["deliveryStatus"] == "delivered"
