"""The buyer's 1688 access token: stored encrypted, refreshed before it expires, by one
refresher at a time across every process (reference section 2.7).

One row of ``marketplace_token`` per (app key, member id) holds the access and refresh tokens,
both sealed with the gateway's Fernet key (``daigou.core.sealed``, as API secrets are), with
their expiry times (epoch ms). :meth:`TokenStore.get` answers the access token while it has more
than ``margin`` left; otherwise it refreshes it (``system.oauth2/getToken`` with
``grant_type=refresh_token``, through the injected ``refresher``).

**One refresher.** A refresh first takes a lease on the row: a conditional
``UPDATE ... SET refreshing_until = :until WHERE ... AND (refreshing_until IS NULL OR
refreshing_until < :now)``; exactly one caller in any process matches it (SQLite has one writer;
on PostgreSQL the row lock serialises the updates and the loser's re-checked condition fails).
The winner calls 1688 outside any transaction and writes the new tokens with the lease cleared;
losers poll the row until a fresh token appears (or the wait ends: ``MarketplaceNotSent``,
nothing was sent). A refresher that dies leaves a lease that expires after ``lease``.

UNVERIFIED: token lifetimes. The answer's ``expires_in`` (seconds) and
``refresh_token_timeout`` are used as given; when absent, the commonly quoted 10 hours for the
access token is assumed (:data:`DEFAULT_ACCESS_SECONDS`).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import BigInteger, String, Table, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from daigou.core.clock import Clock, SystemClock
from daigou.core.sealed import seal, unseal
from daigou.db.base import Base
from daigou.db.session import Database, rowcount
from daigou.marketplace.alibaba1688.values import parse_time_or_none
from daigou.marketplace.port import MarketplaceError, MarketplaceNotSent, MarketplaceTimeout

DEFAULT_ACCESS_SECONDS = 36_000  # ~10 h, commonly quoted; UNVERIFIED
MARGIN_SECONDS = 600.0
LEASE_SECONDS = 30.0
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.02


class MarketplaceToken(Base):
    """The 1688 tokens of one authorised buyer account of one app (sealed, never in clear)."""

    __tablename__ = "marketplace_token"
    app_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)  # sealed
    access_expires_at: Mapped[int] = mapped_column(BigInteger)
    refresh_token: Mapped[str] = mapped_column(Text)  # sealed
    refresh_expires_at: Mapped[int | None] = mapped_column(BigInteger)
    refreshing_until: Mapped[int | None] = mapped_column(BigInteger)
    refreshing_owner: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[int] = mapped_column(BigInteger)


TOKENS = cast(Table, MarketplaceToken.__table__)


class NotAuthorised(MarketplaceError):
    """No tokens are stored for this buyer account: authorise it first (docs/marketplaces.md)."""


@dataclass(frozen=True)
class TokenGrant:
    """What ``getToken`` answered: the tokens and when they expire (epoch ms)."""

    access_token: str
    access_expires_at: int
    refresh_token: str | None = None  # a refresh answer may leave the refresh token out
    refresh_expires_at: int | None = None
    member_id: str | None = None


def grant_from_answer(body: Mapping[str, Any], now_ms: int) -> TokenGrant:
    """A ``getToken`` answer (``access_token``, ``expires_in`` seconds, ``refresh_token``,
    ``refresh_token_timeout``, ``memberId``) as a :class:`TokenGrant`."""
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise ValueError("a getToken answer without an access_token")
    expires_in = body.get("expires_in")
    seconds = int(str(expires_in)) if expires_in not in (None, "") else DEFAULT_ACCESS_SECONDS
    refresh = body.get("refresh_token")
    member = body.get("memberId") or body.get("resource_owner")
    return TokenGrant(
        access_token=access,
        access_expires_at=now_ms + seconds * 1000,
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        refresh_expires_at=parse_time_or_none(body.get("refresh_token_timeout")),
        member_id=str(member) if member else None,
    )


Refresher = Callable[[str], TokenGrant]  # refresh token -> grant
Exchanger = Callable[[str, str], TokenGrant]  # (code, redirect_uri) -> grant


class TokenStore:
    """The access token of one (app key, member id), for ``client.AopClient`` (it implements
    its ``TokenProvider``)."""

    def __init__(
        self,
        db: Database,
        *,
        secret_key: str,
        app_key: str,
        member_id: str,
        refresher: Refresher,
        exchanger: Exchanger | None = None,
        clock: Clock | None = None,
        margin_seconds: float = MARGIN_SECONDS,
        lease_seconds: float = LEASE_SECONDS,
        wait_seconds: float = WAIT_SECONDS,
        poll: Callable[[float], None] = time.sleep,
    ) -> None:
        self.db = db
        self._key = secret_key
        self.app_key = app_key
        self.member_id = member_id
        self._refresher = refresher
        self._exchanger = exchanger
        self._clock: Clock = clock or SystemClock()
        self.margin_ms = int(margin_seconds * 1000)
        self.lease_ms = int(lease_seconds * 1000)
        self.wait_ms = int(wait_seconds * 1000)
        self._poll = poll
        self._me = f"t-{secrets.token_hex(6)}"

    # --- reading --------------------------------------------------------------------------
    def _row(self) -> dict[str, Any] | None:
        table = TOKENS
        with self.db.reading() as conn:
            row = conn.execute(
                select(table).where(
                    table.c.app_key == self.app_key, table.c.member_id == self.member_id
                )
            ).first()
        return dict(row._mapping) if row is not None else None

    def _fresh(self, row: Mapping[str, Any], rejected_sealed: str | None) -> bool:
        if rejected_sealed is not None and row["access_token"] == rejected_sealed:
            return False
        return int(row["access_expires_at"]) - self.margin_ms > self._clock.now_ms()

    def _require(self) -> dict[str, Any]:
        row = self._row()
        if row is None:
            raise NotAuthorised(
                "NOT_AUTHORISED",
                f"no 1688 token for member {self.member_id}: authorise the buyer account",
            )
        return row

    def get(self) -> str:
        """A valid access token, refreshed first when it expires within the margin."""
        row = self._require()
        if self._fresh(row, None):
            return unseal(self._key, row["access_token"])
        try:
            return self._refresh(None)
        except (MarketplaceError, MarketplaceTimeout, ValueError):
            # the refresh failed (1688 down, another refresher slow) but the token still
            # works for a while: use it; the next call tries the refresh again
            if int(row["access_expires_at"]) > self._clock.now_ms():
                return unseal(self._key, row["access_token"])
            raise

    access_token = get  # client.TokenProvider

    def refresh_after_rejection(self, rejected: str) -> str:
        """A new access token after 1688 refused ``rejected``: refreshed unless the stored
        token is already another one (someone refreshed meanwhile)."""
        row = self._require()
        if unseal(self._key, row["access_token"]) != rejected and self._fresh(row, None):
            return unseal(self._key, row["access_token"])
        return self._refresh(row["access_token"])

    # --- refreshing, one at a time --------------------------------------------------------
    def _take_lease(self) -> bool:
        table = TOKENS
        now = self._clock.now_ms()
        with self.db.writing() as conn:
            taken = conn.execute(
                update(table)
                .where(
                    table.c.app_key == self.app_key,
                    table.c.member_id == self.member_id,
                    (table.c.refreshing_until.is_(None)) | (table.c.refreshing_until < now),
                )
                .values(refreshing_until=now + self.lease_ms, refreshing_owner=self._me)
            )
            return rowcount(taken) == 1

    def _release(self) -> None:
        table = TOKENS
        with self.db.writing() as conn:
            conn.execute(
                update(table)
                .where(
                    table.c.app_key == self.app_key,
                    table.c.member_id == self.member_id,
                    table.c.refreshing_owner == self._me,
                )
                .values(refreshing_until=None, refreshing_owner=None)
            )

    def _refresh(self, rejected_sealed: str | None) -> str:
        deadline = self._clock.now_ms() + self.wait_ms
        while True:
            if self._take_lease():
                return self._refresh_holding_lease(rejected_sealed)
            self._poll(POLL_SECONDS)
            row = self._require()
            if self._fresh(row, rejected_sealed):
                return unseal(self._key, row["access_token"])
            if self._clock.now_ms() >= deadline:
                raise MarketplaceNotSent(
                    "TOKEN_BUSY", "another process is refreshing the 1688 token; nothing sent"
                )

    def _refresh_holding_lease(self, rejected_sealed: str | None) -> str:
        try:
            row = self._require()
            if self._fresh(row, rejected_sealed):  # refreshed while we waited for the lease
                self._release()
                return unseal(self._key, row["access_token"])
            grant = self._refresher(unseal(self._key, row["refresh_token"]))
        except BaseException:
            self._release()
            raise
        self._store(grant, owner=self._me)
        return grant.access_token

    def _store(self, grant: TokenGrant, *, owner: str | None) -> None:
        """Write a grant (sealed) and clear the lease; with ``owner``, only while it holds it."""
        table = TOKENS
        values: dict[str, Any] = {
            "access_token": seal(self._key, grant.access_token),
            "access_expires_at": grant.access_expires_at,
            "refreshing_until": None,
            "refreshing_owner": None,
            "updated_at": self._clock.now_ms(),
        }
        if grant.refresh_token:
            values["refresh_token"] = seal(self._key, grant.refresh_token)
            values["refresh_expires_at"] = grant.refresh_expires_at
        with self.db.writing() as conn:
            where = [table.c.app_key == self.app_key, table.c.member_id == self.member_id]
            if owner is not None:
                where.append(table.c.refreshing_owner == owner)
            conn.execute(update(table).where(*where).values(**values))

    # --- the first authorisation ----------------------------------------------------------
    def put(self, grant: TokenGrant) -> None:
        """Store a grant as this account's tokens (inserting or replacing the row)."""
        if not grant.refresh_token:
            raise ValueError("a first grant needs a refresh token")
        table = TOKENS
        with self.db.writing() as conn:
            exists = conn.execute(
                select(table.c.app_key).where(
                    table.c.app_key == self.app_key, table.c.member_id == self.member_id
                )
            ).first()
            if exists is None:
                conn.execute(
                    table.insert().values(
                        app_key=self.app_key,
                        member_id=self.member_id,
                        access_token=seal(self._key, grant.access_token),
                        access_expires_at=grant.access_expires_at,
                        refresh_token=seal(self._key, grant.refresh_token),
                        refresh_expires_at=grant.refresh_expires_at,
                        refreshing_until=None,
                        refreshing_owner=None,
                        updated_at=self._clock.now_ms(),
                    )
                )
                return
        self._store(grant, owner=None)

    def exchange_code(self, code: str, redirect_uri: str) -> TokenGrant:
        """The first authorisation: trade the ``code`` 1688 sent to ``redirect_uri`` for
        tokens (``grant_type=authorization_code``) and store them."""
        if self._exchanger is None:
            raise ValueError("this token store has no code exchanger")
        grant = self._exchanger(code, redirect_uri)
        if grant.member_id and grant.member_id != self.member_id:
            raise ValueError(f"the code authorised member {grant.member_id}, not {self.member_id}")
        self.put(grant)
        return grant


class OAuth:
    """``system.oauth2/getToken`` through an ``AopClient`` (its ``oauth_token``): the
    refresher and the exchanger of a :class:`TokenStore`."""

    def __init__(self, send: Callable[[Mapping[str, Any]], dict[str, Any]], clock: Clock) -> None:
        self._send = send
        self._clock = clock

    def refresh(self, refresh_token: str) -> TokenGrant:
        body = self._send({"grant_type": "refresh_token", "refresh_token": refresh_token})
        return grant_from_answer(body, self._clock.now_ms())

    def exchange(self, code: str, redirect_uri: str) -> TokenGrant:
        body = self._send(
            {
                "grant_type": "authorization_code",
                "need_refresh_token": "true",
                "code": code,
                "redirect_uri": redirect_uri,
            }
        )
        return grant_from_answer(body, self._clock.now_ms())
