"""The sandbox clock: the gateway's clock in sandbox mode.

``now = base clock + offset``. The offset lives in the database (``sandbox_counter`` row
``clock_offset_ms``) so every process of one gateway shares it; it only grows (12.15 moves it
forward, nothing moves it back), so the sandbox clock never runs backwards while the base clock
does not. Processes cache the offset for a moment (``cache_seconds``); the process that moves
the clock sees the move at once.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import select, update

from daigou.core.clock import Clock, SystemClock
from daigou.db.session import Database
from daigou.db.upsert import insert_ignore
from daigou.marketplace.sandbox.seller_models import SandboxCounter

OFFSET = "clock_offset_ms"


class SandboxClock:
    def __init__(self, db: Database, base: Clock | None = None, cache_seconds: float = 0.5) -> None:
        self.db = db
        self.base = base or SystemClock()
        self.cache_seconds = cache_seconds
        self._offset = 0
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def offset_ms(self, fresh: bool = False) -> int:
        if fresh or time.monotonic() - self._read_at > self.cache_seconds:
            with self.db.reading() as conn:
                value = conn.execute(
                    select(SandboxCounter.value).where(SandboxCounter.name == OFFSET)
                ).scalar_one_or_none()
            with self._lock:
                self._offset = max(self._offset, int(value or 0))
                self._read_at = time.monotonic()
        return self._offset

    def now_ms(self) -> int:
        return self.base.now_ms() + self.offset_ms()

    def move_to(self, session: object, target_ms: int) -> int:
        """Inside the caller's transaction: move the clock forward to ``target_ms`` (never
        back). Returns the new now. The caller checks ``target_ms`` is not in the past."""
        from sqlalchemy.orm import Session

        assert isinstance(session, Session)
        insert_ignore(session, SandboxCounter.__table__, {"name": OFFSET, "value": 0}, ["name"])
        current = session.execute(
            select(SandboxCounter.value).where(SandboxCounter.name == OFFSET).with_for_update()
        ).scalar_one()
        wanted = target_ms - self.base.now_ms()
        new = max(int(current), wanted)
        session.execute(
            update(SandboxCounter).where(SandboxCounter.name == OFFSET).values(value=new)
        )
        with self._lock:
            self._offset = max(self._offset, new)
            self._read_at = time.monotonic()
        return self.base.now_ms() + new

    def remember(self, offset_ms: int) -> None:
        with self._lock:
            self._offset = max(self._offset, offset_ms)
