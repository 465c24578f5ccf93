"""The PandaPon adapter's feed (``messages``) over a fake pull API (0.5 list, 0.8 confirm) with
PandaPon's paging: ``nextCursor`` null on the last page, ``startTime`` inclusive. Many messages
written in one millisecond (a bulk pay) must neither repeat nor stall the feed."""

from __future__ import annotations

import json
from typing import Any

import httpx

from daigou.marketplace import port as P
from daigou.marketplace.pandapon.adapter import PandaPonMarketplace
from daigou.marketplace.pandapon.client import PandaPonClient


class FakeUpstream:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.confirmed: list[str] = []
        self.seq = 0  # the upstream's keyset: its cursor is the last seq of a page

    def add(self, n: int, at_ms: int) -> None:
        for _ in range(n):
            self.seq += 1
            i = self.seq
            self.messages.append(
                {
                    "_seq": i,
                    "messageId": f"msg_{i:05d}",
                    "messageType": "ORDER_BUYER_VIEW_ORDER_PAY",
                    "messagePlatform": 1,
                    "timestamp": at_ms,
                    "messageBody": {"orderId": str(1000 + i), "currentStatus": "waitsellersend"},
                }
            )

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/open/message/confirm":
            self.confirmed.extend(json.loads(request.content)["messageIds"])
            return self.ok({"results": []})
        q = request.url.params
        size = int(q["pageSize"])
        rows = [m for m in self.messages if m["_seq"] > int(q.get("cursor", 0))]
        page = rows[:size]
        more = len(rows) > size
        return self.ok({"data": page, "nextCursor": str(page[-1]["_seq"]) if more else None})

    @staticmethod
    def ok(data: Any) -> httpx.Response:
        return httpx.Response(200, json={"code": 200, "msg": "成功", "data": data})


def read_all(market: PandaPonMarketplace, cursor: str | None) -> tuple[list[str], str | None]:
    ids: list[str] = []
    for _ in range(50):
        batch = market.messages(P.Platform.ALIBABA, cursor, 40)
        if not batch.messages:
            return ids, cursor
        ids.extend(m.message_id for m in batch.messages)
        cursor = batch.cursor
        assert len(cursor) <= 200  # the feed's cursor column (market_feed.cursor)
    raise AssertionError("the feed never came to an end")


def test_messages_of_one_millisecond_are_each_read_once_and_confirmed():
    up = FakeUpstream()
    market = PandaPonMarketplace(
        PandaPonClient("http://up.test", "a" * 32, "s", transport=httpx.MockTransport(up.handle))
    )
    up.add(250, at_ms=1_000)  # a bulk pay's messages, written together
    ids, cursor = read_all(market, None)
    assert ids == [m["messageId"] for m in up.messages]
    assert sorted(up.confirmed) == ids
    up.add(3, at_ms=1_000)  # more in the same millisecond, then later
    up.add(2, at_ms=2_000)
    more, cursor = read_all(market, cursor)
    assert more == [m["messageId"] for m in up.messages[250:]]
    assert read_all(market, cursor)[0] == []
    # the oldest pruned (30 days' retention): what follows is read, nothing twice
    del up.messages[:200]
    up.add(1, at_ms=3_000)
    assert read_all(market, cursor)[0] == [up.messages[-1]["messageId"]]
    first = market.messages(P.Platform.ALIBABA, None, 1).messages[0]
    assert (first.order_id, first.status, first.topic) == (
        up.messages[0]["messageBody"]["orderId"],
        "waitsellersend",
        "ORDER_BUYER_VIEW_ORDER_PAY",
    )
