"""One platform's marketplace pushes, consumed into the gateway's order records of that platform.

Each platform is its own stream (``Marketplace.messages(platform, ...)``) with its own row in
``market_feed`` (``market:1688``, ``market:taobao``) and so its own cursor and lease. What the
pushes are applied to is injected (:class:`OrderRecords`: which orders the gateway records, and
how a marketplace view is applied to one); the composition root passes 1688's
(``daigou.orders1688.records``). A feed given no records reads its stream and moves its cursor,
applying nothing.

A push is small and may repeat or arrive out of order (CONTRACT section 7), so it is only a
hint: for each order a batch of pushes names, the consumer reads the marketplace's current view
of the order once and hands it to ``records.apply``, which records one message per step the
order took since the record's view, and nothing for a view it already has. A push about a
refund (it names one) has the refund read too, and handed to ``records.apply_refund`` first.

One run (:meth:`FeedConsumer.run_once`):

1. takes the lease of the feed's ``market_feed`` row (inserted when missing; 1688's new row
   starts from the cursor of the single ``market`` stream of earlier versions, which applied
   only 1688 pushes, see :data:`EARLIER_NAME`): a conditional
   UPDATE where the lease is free or already ours, for :data:`LEASE_MS` of wall-clock time, so
   one consumer at a time reads the stream (a second process finds it taken and waits its turn;
   were two ever to overlap, ``apply`` under ``SELECT ... FOR UPDATE`` is idempotent anyway);
2. reads pushes after the stored cursor, groups them by order (in the order each order first
   appears), skips pushes of orders the gateway has no record of (orders not made through
   the gateway), and applies each of ours in its own transaction;
3. stores the batch's cursor, only while the lease is still ours. When the marketplace fails
   to answer for an order, the cursor stops before that order's first push (found by reading
   that many pushes again), so the next run reads it again; no push is skipped silently;
4. repeats while batches come back full, at most :data:`MAX_BATCHES` times, then gives the
   lease back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from daigou.core.clock import Clock, wall_ms
from daigou.db.leases import worker_id
from daigou.db.session import Database
from daigou.db.upsert import insert_ignore
from daigou.feed.models import MarketFeed
from daigou.http.logging import log
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for

LEASE_MS = 30_000
BATCH = 500
MAX_BATCHES = 20
# the market failed us: not an order we can apply now
_FAILED = (P.MarketplaceError, P.MarketplaceTimeout)
# Before each platform had its own stream, one ``market`` row held the cursor of a stream of
# both platforms' pushes, of which only 1688's were applied. 1688's new row starts from it: the
# sandbox's cursor is a place in its one sequence of pushes, valid for the per-platform stream
# too (a real adapter's would need its own translation; none existed then).
EARLIER_NAME = {P.Platform.ALIBABA: "market"}


class OrderRecords(Protocol):
    """The gateway's records of one platform's orders, as a feed applies pushes to them."""

    def known(self, s: Session, order_ids: list[str]) -> set[str]:
        """Which of these order ids the gateway records (orders made through it)."""
        ...

    def apply(self, s: Session, order_id: str, order: P.MarketOrder, now_ms: int) -> object:
        """In the caller's transaction: lock the record and apply the marketplace's view."""
        ...

    def apply_refund(
        self, s: Session, order_id: str, refund: P.MarketRefund, now_ms: int
    ) -> object:
        """In the caller's transaction: apply the marketplace's view of a refund of one of the
        gateway's orders (its record catches up, or is made)."""
        ...


@dataclass(frozen=True)
class RecordFunctions:
    """An :class:`OrderRecords` made of two functions."""

    known: Callable[[Session, list[str]], set[str]]
    apply: Callable[[Session, str, P.MarketOrder, int], object]
    apply_refund: Callable[[Session, str, P.MarketRefund, int], object]


def feed_name(platform: P.Platform) -> str:
    return f"market:{platform.value}"


class FeedConsumer:
    def __init__(
        self,
        db: Database,
        market: P.Marketplace,
        clock: Clock,
        platform: P.Platform,
        records: OrderRecords | None,
        *,
        name: str | None = None,
    ):
        self.db = db
        self.market = market
        self.clock = clock
        self.platform = platform
        self.records = records
        self.name = name or feed_name(platform)
        self.earlier = EARLIER_NAME.get(platform) if name is None else None
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
                    "cursor": self._starting_cursor(s),
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

    def _starting_cursor(self, s: Session) -> str | None:
        """Where a missing row starts: the earlier single stream's cursor, if there was one."""
        if self.earlier is None:
            return None
        rows = s.execute(
            select(MarketFeed.name, MarketFeed.cursor).where(
                MarketFeed.name.in_((self.name, self.earlier))
            )
        ).all()
        cursors = {name: cursor for name, cursor in rows}
        if self.name in cursors:
            return None  # the row exists: the insert does nothing
        return cursors.get(self.earlier)

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
                with acting_for(None):
                    try:
                        batch = self.market.messages(self.platform, cursor, limit=BATCH)
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
            if m.platform == self.platform and m.order_id:
                groups.setdefault(m.order_id, []).append(m)
        ours: set[str] = set()
        if self.records is not None and groups:
            with self.db.reading() as conn, self.db.sessions(bind=conn) as s:
                ours = self.records.known(s, list(groups))
        applied = 0
        for order_id, group in groups.items():
            if order_id not in ours:
                continue
            if not self._keep_lease():
                log.warning("market feed: the lease was lost; another consumer goes on")
                return applied, None, False
            refund_ids = list(dict.fromkeys(m.refund_id for m in group if m.refund_id))
            if not self._apply(order_id, refund_ids):
                return applied, self._cursor_before(cursor, pushes, order_id), False
            applied += len({m.message_id for m in group})
        return applied, batch.cursor, True

    def _apply(self, order_id: str, refund_ids: list[str]) -> bool:
        """Read the current view of the order's refunds the pushes named, then of the order,
        and apply them (the refunds first: a refund's success credits the wallet before the
        order it emptied is reported closed); False when the marketplace failed."""
        assert self.records is not None  # only orders it knows are applied
        for refund_id in refund_ids:
            try:
                with acting_for(None):
                    refund = self.market.refund(self.platform, refund_id)
            except P.MarketplaceNotFound:
                log.error("market feed: the marketplace has no such refund", refund_id=refund_id)
                continue
            except _FAILED as exc:
                log.warning(
                    "market feed: reading a refund failed", refund_id=refund_id, error=str(exc)
                )
                return False
            with self.db.transaction() as s:
                self.records.apply_refund(s, order_id, refund, self.clock.now_ms())
        try:
            with acting_for(None):
                order = self.market.order(self.platform, order_id)
        except P.MarketplaceNotFound:
            # the marketplace no longer knows an order we record: nothing to mirror, and
            # waiting would stop the whole stream behind it
            log.error("market feed: the marketplace has no order we record", order_id=order_id)
            return True
        except _FAILED as exc:
            log.warning("market feed: reading an order failed", order_id=order_id, error=str(exc))
            return False
        with self.db.transaction() as s:
            self.records.apply(s, order_id, order, self.clock.now_ms())
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
            if m.order_id == order_id and m.platform == self.platform:
                break
            if m.message_id not in handled:
                handled.append(m.message_id)
        if not handled:
            return None
        try:
            with acting_for(None):
                again = self.market.messages(self.platform, cursor, limit=len(handled))
        except _FAILED:
            return None
        if {m.message_id for m in again.messages} != set(handled):
            return None  # the stream came back in another order: read the batch again
        return again.cursor
