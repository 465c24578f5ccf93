"""The 1688 adapter's feed: ``messages()`` reads the inbox by ``seq``, which the pushes
(``Inbox.receive``, what POST /callbacks/alibaba calls) and the compensation pull both feed. The
pull keeps what it lists before it confirms it (a message pushed and then pulled is read once;
nothing is confirmed that was not kept), a failing pull still lets the pushes be read, and the
pull runs at most every ``pull_interval_s``. The compensation APIs are answered by a small fake
of the client (the wire itself is the stub's, tests/integration/test_port_contract_alibaba.py)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from daigou.marketplace import port as P
from daigou.marketplace.alibaba1688.adapter import AlibabaMarketplace
from daigou.marketplace.alibaba1688.inbox import Inbox
from daigou.marketplace.alibaba1688.push import sign

SECRET = "feed-app-secret"
MEMBER = "b2b-2212345678901"
ALI = P.Platform.ALIBABA
LIST, CONFIRM = "push.query.messageList", "push.message.confirm"


def envelope(msg_id: int, order_id: int, member: str = MEMBER, **extra: Any) -> dict[str, Any]:
    return {
        "msgId": msg_id,
        "gmtBorn": 1_767_225_600_000 + msg_id,
        "type": "ORDER_BUYER_VIEW_ORDER_PAY",
        "data": {"orderId": order_id, "currentStatus": "waitsellersend"},
        "userInfo": member,
        **extra,
    }


class MessageCentre:
    """push.query.messageList and push.message.confirm as a client answers them: the
    unconfirmed messages, oldest first; ``fail_list`` raises on the next list."""

    def __init__(self) -> None:
        self.waiting: list[dict[str, Any]] = []
        self.confirmed: list[list[Any]] = []  # each confirm call's msgIdList
        self.lists = 0
        self.fail_list: Exception | None = None

    def read(self, namespace, name, params, *, version=1, authorised=True):
        assert (name, authorised) == (LIST, False)
        self.lists += 1
        if self.fail_list is not None:
            error, self.fail_list = self.fail_list, None
            raise error
        done = {i for ids in self.confirmed for i in ids}
        datas = [e for e in self.waiting if e.get("msgId") not in done][: params["pageSize"]]
        return {"pushMessagePage": {"datas": datas, "totalCount": len(datas)}}

    def write(self, namespace, name, params, *, version=1, authorised=True):
        assert (name, authorised) == (CONFIRM, False)
        self.confirmed.append(list(params["msgIdList"]))
        return {"isSuccess": True}


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def centre() -> MessageCentre:
    return MessageCentre()


@pytest.fixture
def inbox(db) -> Inbox:
    return Inbox(db, MEMBER)


def push(inbox: Inbox, body: dict[str, Any]) -> bool:
    message = json.dumps(body)
    form = f"message={quote(message, safe='')}&_aop_signature={sign(message, SECRET)}"
    return inbox.receive(SECRET, form.encode(), 1).new


def read_all(market: AlibabaMarketplace, cursor: str | None = None) -> tuple[list[str], str]:
    batch = market.messages(ALI, cursor, 100)
    return [m.message_id for m in batch.messages], batch.cursor


def test_a_message_pushed_and_then_pulled_is_read_once_and_confirmed(centre, inbox):
    market = AlibabaMarketplace(centre, inbox=inbox)
    assert push(inbox, envelope(11, 3011))
    centre.waiting = [envelope(11, 3011), envelope(12, 3012)]  # 11's push is listed as well
    ids, cursor = read_all(market)
    assert ids == ["11", "12"]
    assert centre.confirmed == [[11, 12]]
    assert read_all(market, cursor)[0] == []  # nothing new; the centre lists nothing more
    assert centre.lists == 2 and centre.confirmed == [[11, 12]]
    (first,) = market.messages(ALI, None, 1).messages
    assert (first.order_id, first.status, first.platform) == ("3011", "waitsellersend", ALI)


def test_only_what_was_kept_is_confirmed(centre, inbox, monkeypatch):
    market = AlibabaMarketplace(centre, inbox=inbox)
    centre.waiting = [
        envelope(21, 3021),
        {**envelope(22, 3022), "type": ""},  # unreadable: neither kept nor confirmed
        envelope(23, 3023, member="b2b-another-member"),  # not ours: confirmed, not kept
    ]

    def broken(messages, now_ms):
        raise RuntimeError("the database is gone")

    monkeypatch.setattr(inbox, "keep", broken)
    with pytest.raises(RuntimeError):
        market.messages(ALI, None, 100)
    assert centre.confirmed == []  # nothing kept, nothing confirmed: listed again next time
    monkeypatch.undo()
    assert read_all(market)[0] == ["21"]
    assert centre.confirmed == [[21, 23]]


def test_a_failing_pull_still_yields_the_pushes(centre, inbox):
    market = AlibabaMarketplace(centre, inbox=inbox)
    push(inbox, envelope(31, 3031))
    centre.waiting = [envelope(32, 3032)]
    centre.fail_list = P.MarketplaceTimeout(LIST)
    ids, cursor = read_all(market)
    assert ids == ["31"] and centre.confirmed == []
    centre.fail_list = P.MarketplaceRateLimited("gw.QosAppFrequencyLimit", "slow down")
    assert read_all(market, cursor)[0] == []
    assert read_all(market, cursor)[0] == ["32"]  # the next pull brings what was missed


def test_the_pull_runs_at_most_every_interval(centre, inbox):
    ticks = Ticks()
    market = AlibabaMarketplace(centre, inbox=inbox, pull_interval_s=60, monotonic=ticks)
    centre.waiting = [envelope(41, 3041)]
    ids, cursor = read_all(market)
    assert ids == ["41"] and centre.lists == 1
    push(inbox, envelope(42, 3042))
    centre.waiting.append(envelope(43, 3043))
    ticks.now += 30
    ids, cursor = read_all(market, cursor)
    assert ids == ["42"] and centre.lists == 1  # the push is read; no pull yet
    ticks.now += 31
    assert read_all(market, cursor)[0] == ["43"] and centre.lists == 2
