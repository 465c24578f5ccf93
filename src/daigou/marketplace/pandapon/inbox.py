"""PandaPon's pushes, received: the deliveries of the upstream's callbacks, checked
(callbacks.py), kept once each by ``messageId`` in ``pandapon_inbox``, and read back by the
adapter as the port's ``messages()`` stream (the cursor: the last ``seq`` read).

Used when ``DAIGOU_PANDAPON_CALLBACK_SECRET`` is set; without it the adapter pulls the same
messages from PandaPon (0.5, 0.8)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import BigInteger, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base
from daigou.db.session import Database
from daigou.db.upsert import insert_ignore
from daigou.marketplace import port as P
from daigou.marketplace.pandapon import mapper as M
from daigou.marketplace.pandapon.callbacks import CallbackRejected, verify

TEST_TYPE = "CALLBACK_TEST"


class PandaPonInbox(Base):
    __tablename__ = "pandapon_inbox"
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    platform: Mapped[str] = mapped_column(String(8), index=True)
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[int] = mapped_column(BigInteger)


def _is_test(body: bytes) -> bool:
    try:
        parsed = json.loads(body)
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("messageType") == TEST_TYPE


def receive(
    db: Database, secret: str | None, headers: Mapping[str, str], body: bytes, now_ms: int
) -> bool:
    """Keep one delivery; True when it is new (False: a repeat, or PandaPon's test).

    PandaPon's ``CALLBACK_TEST`` is answered (2xx) and kept nowhere, verified or not: PandaPon
    sends it while the callback URL is saved, before it shows the secret (0.10). Anything else
    needs the secret and a valid signature (``CallbackRejected``; ``LookupError`` when no secret
    is configured).

    The stream is read by ``seq``, so a reader must never pass a ``seq`` not committed yet: on
    PostgreSQL the sequence hands numbers out before commit, so two deliveries at once could
    commit out of order and a reader between them would skip the lower one for good. Keeping
    takes the table's SHARE ROW EXCLUSIVE lock (keepers one at a time; readers never wait), as
    the 1688 inbox does. SQLite has one writer already."""
    if _is_test(body):
        return False
    if not secret:
        raise LookupError("no PandaPon callback secret is configured")
    parsed = verify(secret, headers, body, now_ms / 1000)
    message = M.message(parsed)
    with db.transaction() as s:
        if db.is_postgres:  # seq in commit order (see above)
            s.execute(text("LOCK TABLE pandapon_inbox IN SHARE ROW EXCLUSIVE MODE"))
        return insert_ignore(
            s,
            PandaPonInbox.__table__,
            {
                "message_id": message.message_id,
                "platform": message.platform.value,
                "body": body.decode("utf-8"),
                "received_at": now_ms,
            },
            ["message_id"],
        )


class Inbox:
    """The received pushes of one gateway, as the port's stream per platform."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def read(self, platform: P.Platform, cursor: str | None, limit: int) -> P.MessageBatch:
        after = int(cursor) if cursor and cursor.isdigit() else 0
        with self.db.reading() as conn:
            rows = conn.execute(
                select(PandaPonInbox.seq, PandaPonInbox.body)
                .where(PandaPonInbox.platform == platform.value, PandaPonInbox.seq > after)
                .order_by(PandaPonInbox.seq)
                .limit(max(1, limit))
            ).all()
        if not rows:
            return P.MessageBatch((), cursor or "")
        return P.MessageBatch(
            tuple(M.message(json.loads(body)) for _seq, body in rows), str(rows[-1][0])
        )


__all__ = ["CallbackRejected", "Inbox", "PandaPonInbox", "receive"]
