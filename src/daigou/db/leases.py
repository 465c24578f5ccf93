"""Leased claims: how any worker takes rows of a table to work on, safely, with several
workers at once (the outbox's deliveries today; marketplace jobs and reconciliation later).

A :class:`LeasedTable` names a table with an integer key and two columns, ``lease_owner`` and
``lease_until`` (wall-clock ms). :meth:`LeasedTable.claim` runs, inside the caller's
transaction:

1. the caller's *due* query, which selects the keys of rows ready for work and must exclude
   rows under a live lease (``lease_until IS NULL OR lease_until < :wall``); on PostgreSQL it is
   run ``FOR UPDATE OF <alias> SKIP LOCKED``, so concurrent workers take disjoint rows without
   waiting on each other (SQLite has one writer at a time anyway);
2. one ``UPDATE ... RETURNING`` that stamps the lease on those rows, again only where no live
   lease holds them, and answers the columns the worker needs.

A worker that dies leaves leases that expire; the rows are then due again (at least once). A
worker settles a row with a conditional update ``... WHERE lease_owner = :me`` (see
:meth:`LeasedTable.mine`), so a worker that was too slow and lost its lease changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, text


def worker_id() -> str:
    """A name for this worker's leases, unique per process start."""
    return f"w-{secrets.token_hex(6)}"


LIVE_LEASE_FREE = "({alias}.lease_until IS NULL OR {alias}.lease_until < :wall)"


@dataclass(frozen=True)
class LeasedTable:
    table: str
    key: str
    alias: str = "t"

    @property
    def free(self) -> str:
        """The condition a due query must include: no live lease on the row."""
        return LIVE_LEASE_FREE.format(alias=self.alias)

    def claim(
        self,
        conn: Connection,
        due_sql: str,
        params: Mapping[str, Any],
        *,
        owner: str,
        wall_ms: int,
        lease_ms: int,
        returning: Sequence[str],
        postgres: bool,
        expanding: Iterable[str] = (),
    ) -> list[dict[str, Any]]:
        """Lease the rows ``due_sql`` selects (its first column is the key); their
        ``returning`` columns. ``due_sql`` uses ``:wall`` for the lease check."""
        sql = due_sql + (f" FOR UPDATE OF {self.alias} SKIP LOCKED" if postgres else "")
        due = text(sql)
        for name in expanding:
            due = due.bindparams(bindparam(name, expanding=True))
        keys = [r[0] for r in conn.execute(due, {**params, "wall": wall_ms})]
        if not keys:
            return []
        # identifiers are the caller's constants, never input
        stamp = text(
            f"UPDATE {self.table} SET lease_owner = :owner, lease_until = :until "  # noqa: S608
            f"WHERE {self.key} IN :keys AND (lease_until IS NULL OR lease_until < :wall) "
            f"RETURNING {', '.join(returning)}"
        ).bindparams(bindparam("keys", expanding=True))
        result = conn.execute(
            stamp, {"owner": owner, "until": wall_ms + lease_ms, "keys": keys, "wall": wall_ms}
        )
        return [dict(r._mapping) for r in result]

    def mine(self) -> str:
        """The condition of a settling update: this row, still leased by this worker."""
        return f"{self.key} = :{self.key} AND lease_owner = :owner"

    def release(self, conn: Connection, keys: Sequence[Any], owner: str) -> None:
        """Give rows back without working on them."""
        if keys:
            conn.execute(
                text(
                    f"UPDATE {self.table} SET lease_owner = NULL, lease_until = NULL "  # noqa: S608
                    f"WHERE {self.key} IN :keys AND lease_owner = :owner"
                ).bindparams(bindparam("keys", expanding=True)),
                {"keys": list(keys), "owner": owner},
            )
