"""Signed callbacks a test receiver got, verified, by message type and by order; and the
operator's POST, for the end-to-end tests that drive `daigou serve` over real HTTP."""

from __future__ import annotations

import time
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from tests.support.receiver import Receiver


class Callbacks:
    """What the receiver got, verified, by message type and by order."""

    def __init__(self, rx: Receiver, secret: str) -> None:
        self.rx, self.hook = rx, Webhook(secret)

    def all(self) -> list[dict[str, Any]]:
        out, seen = [], set()
        for r in self.rx.requests:
            body = self.hook.verify(r.body, r.headers)
            if body["messageId"] not in seen:
                seen.add(body["messageId"])
                out.append(body)
        return out

    def wait(self, predicate, timeout: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.all()
            if predicate(got):
                return got
            time.sleep(0.2)
        raise AssertionError(f"callbacks never arrived; got {[m['messageType'] for m in got]}")

    def for_order(self, order_id: str) -> list[str]:
        return [m["messageType"] for m in self.all() if m["messageBody"].get("orderId") == order_id]

    def wait_types(self, order_id: str, types: list[str]) -> None:
        self.wait(lambda _: self.for_order(order_id) == types)


def admin_post(base: str, token: str, path: str, body: dict) -> Any:
    r = httpx.post(base + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    envelope = r.json()
    assert envelope["code"] == 200, envelope
    return envelope["data"]
