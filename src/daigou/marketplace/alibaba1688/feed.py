"""The 1688 adapter's feed: the inbox (inbox.py) that 1688's pushes (``POST
/callbacks/alibaba``) and the compensation pull both fill, read by ``seq``.

The compensation pull lists the unconfirmed messages (``push.query.messageList``), keeps them
in the inbox (committed) and only then confirms them (``push.message.confirm``): at least once,
nothing lost, a message both pushed and pulled read once. It runs at most every
``pull_interval_s`` of this process's clock; only the process holding the feed's lease reads
the feed (feed/consumer.py), so only it pulls."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import structlog

from daigou.core.clock import wall_ms
from daigou.marketplace import port as P
from daigou.marketplace.alibaba1688.client import AopCaller
from daigou.marketplace.alibaba1688.inbox import Inbox
from daigou.marketplace.alibaba1688.mapper import as_dict, as_list
from daigou.marketplace.alibaba1688.push import PushRejected, parse

OPEN = "cn.alibaba.open"
PAGE_MAX = 200  # push.query.messageList's largest pageSize
PULL_ROUNDS = 5  # pages confirmed per pull at most (the next pull goes on)
log = structlog.get_logger("daigou")


class Feed:
    def __init__(
        self,
        client: AopCaller,
        inbox: Inbox,
        pull_interval_s: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.inbox = inbox
        self.pull_interval_s = pull_interval_s  # 0: pull on every read
        self._monotonic = monotonic
        self._last_pull: float | None = None

    def read(self, cursor: str | None, limit: int) -> P.MessageBatch:
        """The inbox after ``cursor`` (the last ``seq`` read). The pull runs first when due;
        a failed pull is logged and the inbox is read all the same."""
        if self._pull_due():
            try:
                self.pull()
            except (P.MarketplaceError, P.MarketplaceTimeout) as exc:
                log.warning("1688 compensation pull failed; the inbox is read", error=str(exc))
        return self.inbox.read(cursor, limit)

    def _pull_due(self) -> bool:
        now = self._monotonic()
        if self._last_pull is not None and now - self._last_pull < self.pull_interval_s:
            return False
        self._last_pull = now
        return True

    def pull(self) -> int:
        """The compensation pull: list the unconfirmed messages (``push.query.messageList``),
        keep them in the inbox (committed), and only then confirm them
        (``push.message.confirm``): at least once, nothing lost. A message about another
        member is confirmed without being kept (not ours; left unconfirmed it would fill the
        list); one that cannot be read is neither (logged). Answers how many were handled."""
        params: dict[str, Any] = {"page": 1, "pageSize": PAGE_MAX}
        if self.inbox.member_id:
            params["userInfo"] = self.inbox.member_id
        handled = 0
        for _ in range(PULL_ROUNDS):  # confirming shifts the pages: page 1 again each round
            body = self.client.read(OPEN, "push.query.messageList", params, authorised=False)
            envelopes = as_list(as_dict(body.get("pushMessagePage")).get("datas"))
            readable = []
            for envelope in envelopes:
                try:
                    readable.append(parse(json.dumps(envelope, ensure_ascii=False)))
                except PushRejected as exc:
                    log.warning("1688 pulled message unreadable: not kept", reason=str(exc))
            if readable:
                kept = self.inbox.keep(readable, wall_ms())
                ids = [int(k.msg_id) if k.msg_id.isdigit() else k.msg_id for k in kept]
                self.client.write(
                    OPEN, "push.message.confirm", {"msgIdList": ids}, authorised=False
                )
                handled += len(kept)
            if len(envelopes) < PAGE_MAX:
                break
        return handled
