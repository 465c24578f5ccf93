"""The marketplace's pushes, consumed into the gateway's 1688 order records.

A push is small and may repeat or arrive out of order (CONTRACT section 7), so it is only a
hint: for each order a batch of pushes names, the consumer reads the marketplace's current view
of the order once and hands it to :func:`daigou.purchasing.records.apply`, which records one
message per step the order took since the record's view, and nothing for a view it already has.

One run (:meth:`FeedConsumer.run_once`):

1. takes the lease of the feed's ``market_feed`` row (inserted when missing): a conditional
   UPDATE where the lease is free or already ours, for :data:`LEASE_MS` of wall-clock time, so
   one consumer at a time reads the stream (a second process finds it taken and waits its turn;
   were two ever to overlap, ``apply`` under ``SELECT ... FOR UPDATE`` is idempotent anyway);
2. reads pushes after the stored cursor, groups them by order (in the order each order first
   appears), skips pushes of orders the gateway has no record of (Taobao, or orders not made
   through the gateway), and applies each of ours in its own transaction;
3. stores the batch's cursor, only while the lease is still ours. When the marketplace fails
   to answer for an order, the cursor stops before that order's first push (found by reading
   that many pushes again), so the next run reads it again; no push is skipped silently;
4. repeats while batches come back full, at most :data:`MAX_BATCHES` times, then gives the
   lease back.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, update

from daigou.core.clock import Clock, wall_ms
from daigou.db.session import Database
from daigou.db.upsert import insert_ignore
from daigou.feed.models import MarketFeed
from daigou.http.logging import log
from daigou.marketplace import port as P
from daigou.purchasing import records
from daigou.workers.leases import worker_id

LEASE_MS = 30_000
BATCH = 500
MAX_BATCHES = 20
# the market failed us: not an order we can apply now
_FAILED = (P.MarketplaceError, P.MarketplaceTimeout)


class FeedConsumer:
    def __init__(self, db: Database, market: P.Marketplace, clock: Clock, name: str = "market"):
        self.db = db
        self.market = market
        self.clock = clock
        self.name = name
        self.owner = worker_id()
        self._lease_until = 0

    # --- the lease and the cursor ---------------------------------------------------------
    def _take_lease(self) -> tuple[bool, str | None]:
        """Take (or extend) the feed's lease; (taken, stored cursor)."""
        wall = wall_ms()
        table = MarketFeed.__table__
        with self.db.transaction() as s:
            insert_ignore(
                s,
                table,
                {
                    "name": self.name,
                    "cursor": None,
                    "lease_owner": None,
                    "lease_until": None,
                    "modified_at": self.clock.now_ms(),
                },
                ["name"],
            )
            taken = s.execute(
                update(table)
                .where(
                    table.c.name == self.name,
                    or_(
                        table.c.lease_until.is_(None),
                        table.c.lease_until < wall,
                        table.c.lease_owner == self.owner,
                    ),
                )
                .values(lease_owner=self.owner, lease_until=wall + LEASE_MS)
                .returning(table.c.cursor)
            ).first()
        if taken is None:
            return False, None
        self._lease_until = wall + LEASE_MS
        return True, taken[0]

    def _keep_lease(self) -> bool:
        """Extend the lease once half of it has passed; False when another consumer has it."""
        if wall_ms() < self._lease_until - LEASE_MS // 2:
            return True
        return self._take_lease()[0]

    def _store(self, cursor: str) -> bool:
        """Move the cursor, only while the lease is ours (a consumer that lost it stores
        nothing: the new holder reads from where the stream was left)."""
        table = MarketFeed.__table__
        with self.db.transaction() as s:
            stored = s.execute(
                update(table)
                .where(table.c.name == self.name, table.c.lease_owner == self.owner)
                .values(cursor=cursor, modified_at=self.clock.now_ms())
                .returning(table.c.name)
            ).first()
        return stored is not None

    def _release(self) -> None:
        table = MarketFeed.__table__
        with self.db.transaction() as s:
            s.execute(
                update(table)
                .where(table.c.name == self.name, table.c.lease_owner == self.owner)
                .values(lease_owner=None, lease_until=None)
            )
        self._lease_until = 0

    # --- one run --------------------------------------------------------------------------
    def run_once(self) -> int:
        """Apply what the pushes since the stored cursor name; the number of pushes applied
        (pushes of orders the gateway records, counted once each)."""
        taken, cursor = self._take_lease()
        if not taken:
            return 0
        applied = 0
        try:
            for _ in range(MAX_BATCHES):
                with P.acting_for(None):
                    try:
                        batch = self.market.messages(cursor, limit=BATCH)
                    except _FAILED as exc:
                        log.warning("market feed: reading pushes failed", error=str(exc))
                        break
                count, stored, done = self._batch(cursor, batch)
                applied += count
                if stored is None or stored == cursor:
                    break
                if not self._store(stored):
                    log.warning("market feed: the lease was lost; another consumer goes on")
                    break
                cursor = stored
                if not done or len({m.message_id for m in batch.messages}) < BATCH:
                    break
        finally:
            self._release()
        return applied

    def _batch(self, cursor: str | None, batch: P.MessageBatch) -> tuple[int, str | None, bool]:
        """Apply the orders of one batch: (pushes applied, the cursor to store or None, whether
        the whole batch was applied)."""
        pushes = batch.messages
        groups: dict[str, list[P.MarketMessage]] = {}
        for m in pushes:
            if m.platform == P.Platform.ALIBABA and m.order_id:
                groups.setdefault(m.order_id, []).append(m)
        with self.db.reading() as conn, self.db.sessions(bind=conn) as s:
            ours = records.known_orders(s, "1688", list(groups))
        applied = 0
        for order_id, group in groups.items():
            if order_id not in ours:
                continue
            if not self._keep_lease():
                log.warning("market feed: the lease was lost; another consumer goes on")
                return applied, None, False
            if not self._apply(order_id):
                return applied, self._cursor_before(cursor, pushes, order_id), False
            applied += len({m.message_id for m in group})
        return applied, batch.cursor, True

    def _apply(self, order_id: str) -> bool:
        """Read the order's current view and apply it; False when the marketplace failed."""
        try:
            with P.acting_for(None):
                order = self.market.order(P.Platform.ALIBABA, order_id)
        except P.MarketplaceNotFound:
            # the marketplace no longer knows an order we record: nothing to mirror, and
            # waiting would stop the whole stream behind it
            log.error("market feed: the marketplace has no order we record", order_id=order_id)
            return True
        except _FAILED as exc:
            log.warning("market feed: reading an order failed", order_id=order_id, error=str(exc))
            return False
        with self.db.transaction() as s:
            records.mirror(s, "1688", order_id, order, self.clock.now_ms())
        return True

    def _cursor_before(
        self, cursor: str | None, pushes: Sequence[P.MarketMessage], order_id: str
    ) -> str | None:
        """The cursor just before ``order_id``'s first push of this batch (the pushes before
        it were applied, or are not ours), or None (stay where we were) when it cannot be
        told: the marketplace's cursor is opaque, so the pushes before are read again and kept
        only when they are exactly the ones handled."""
        handled: list[str] = []
        for m in pushes:
            if m.order_id == order_id and m.platform == P.Platform.ALIBABA:
                break
            if m.message_id not in handled:
                handled.append(m.message_id)
        if not handled:
            return None
        try:
            with P.acting_for(None):
                again = self.market.messages(cursor, limit=len(handled))
        except _FAILED:
            return None
        if {m.message_id for m in again.messages} != set(handled):
            return None  # the stream came back in another order: read the batch again
        return again.cursor
