"""1688's messages, received: the pushes of the app's message centre (``POST
/callbacks/alibaba``, verified by push.py) and the messages of the compensation pull
(``push.query.messageList``, the adapter's), kept once each by ``msgId`` in ``alibaba_inbox``
and read back by the adapter as the port's ``messages()`` stream (the cursor: the last ``seq``
read). The shape of the PandaPon inbox (marketplace/pandapon/inbox.py), for 1688.

A message is kept only when it is about the buyer account the app acts for (its ``userInfo``
is the configured member id, or it names none): a message about another member that authorised
the same app is not the gateway's to act on. It is logged and counted as handled (answered 200,
confirmed when pulled), since refusing it would only make 1688 send it again.

**Order.** The stream is read by ``seq``; a reader must never pass a ``seq`` whose row is not
committed yet. On PostgreSQL the sequence hands out numbers before commit, so two concurrent
inserts could commit out of order and a reader between them would skip the lower one for good;
the keeping transaction therefore takes ``LOCK TABLE alibaba_inbox IN SHARE ROW EXCLUSIVE
MODE`` (inserters one at a time, readers never blocked). SQLite has one writer already.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import structlog
from sqlalchemy import BigInteger, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base
from daigou.db.session import Database
from daigou.db.upsert import insert_ignore
from daigou.marketplace import port as P
from daigou.marketplace.alibaba1688.mapper import message_from_push
from daigou.marketplace.alibaba1688.push import PushMessage, PushRejected, verify_body

log = structlog.get_logger("daigou")


class AlibabaInbox(Base):
    __tablename__ = "alibaba_inbox"
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    msg_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)  # the message as 1688 sent it (the JSON envelope)
    born_at: Mapped[int] = mapped_column(BigInteger)  # gmtBorn, epoch ms
    received_at: Mapped[int] = mapped_column(BigInteger)


@dataclass(frozen=True)
class Kept:
    """What became of one message: ``new`` (kept now), else a repeat or ``foreign``."""

    msg_id: str
    new: bool
    foreign: bool = False


class Inbox:
    """The 1688 messages of one gateway (for the buyer account ``member_id``): kept once each,
    read in the order they were kept."""

    def __init__(self, db: Database, member_id: str) -> None:
        self.db = db
        self.member_id = member_id

    def ours(self, message: PushMessage) -> bool:
        return not self.member_id or message.member_id in (None, self.member_id)

    def keep(self, messages: Sequence[PushMessage], now_ms: int) -> list[Kept]:
        """Keep each message about our buyer account once (one transaction, committed when
        this returns); one :class:`Kept` per message, in order."""
        out: list[Kept] = []
        with self.db.transaction() as s:
            if self.db.is_postgres and any(self.ours(m) for m in messages):
                s.execute(text("LOCK TABLE alibaba_inbox IN SHARE ROW EXCLUSIVE MODE"))
            for m in messages:
                if not self.ours(m):
                    log.warning(
                        "1688 message about another member: not kept",
                        msg_id=m.msg_id,
                        type=m.type,
                        member_id=m.member_id,
                    )
                    out.append(Kept(m.msg_id, new=False, foreign=True))
                    continue
                new = insert_ignore(
                    s,
                    AlibabaInbox.__table__,
                    {
                        "msg_id": m.msg_id,
                        "type": m.type[:64],
                        "member_id": m.member_id,
                        "body": m.raw,
                        "born_at": m.born_at,
                        "received_at": now_ms,
                    },
                    ["msg_id"],
                )
                out.append(Kept(m.msg_id, new=new))
        return out

    def receive(self, secret: str, body: bytes, now_ms: int) -> Kept:
        """One push delivery (the form body), verified with the app secret and kept once;
        raises :class:`PushRejected` (its ``field`` says what is wrong)."""
        message = verify_body(body, secret)
        (kept,) = self.keep([message], now_ms)
        return kept

    def read(self, cursor: str | None, limit: int) -> P.MessageBatch:
        """The messages kept after ``cursor`` (a ``seq``; anything else: from the start)."""
        after = int(cursor) if cursor and cursor.isdigit() else 0
        with self.db.reading() as conn:
            rows = conn.execute(
                select(AlibabaInbox.seq, AlibabaInbox.body)
                .where(AlibabaInbox.seq > after)
                .order_by(AlibabaInbox.seq)
                .limit(max(1, limit))
            ).all()
        if not rows:
            return P.MessageBatch((), cursor or "")
        return P.MessageBatch(
            tuple(message_from_push(json.loads(body)) for _seq, body in rows), str(rows[-1][0])
        )


__all__ = ["AlibabaInbox", "Inbox", "Kept", "PushRejected"]
