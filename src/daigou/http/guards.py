"""Shared stores of the HTTP layer, in the database so every API process sees them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from daigou.core.errors import ApiError
from daigou.core.sealed import seal_bytes, unseal_bytes
from daigou.db.session import Database, rowcount
from daigou.db.upsert import insert_ignore
from daigou.http.models import AuditLog, IdempotencyRecord, Nonce, RateCounter


# --- idempotency ----------------------------------------------------------------------------
@dataclass
class StoredResponse:
    status_code: int
    body: bytes


# A stored response may carry a secret (a new API key, a callback secret): with a key it is kept
# encrypted (Fernet), like every other secret at rest. SEALED marks such a body.
SEALED = b"fernet:"


def _store(seal_key: str | None, body: bytes) -> bytes:
    return body if seal_key is None else SEALED + seal_bytes(seal_key, body)


def _load(seal_key: str | None, stored: bytes) -> bytes:
    if stored.startswith(SEALED) and seal_key is not None:
        return unseal_bytes(seal_key, stored[len(SEALED) :])
    return stored


@dataclass
class Claim:
    db: Database
    scope: str
    key: str
    token: int  # locked_until value we own
    seal_key: str | None = None

    def complete(self, status_code: int, body: bytes) -> None:
        with self.db.transaction() as s:
            s.execute(
                update(IdempotencyRecord)
                .where(
                    IdempotencyRecord.scope == self.scope,
                    IdempotencyRecord.key == self.key,
                    IdempotencyRecord.state == "in_progress",
                    IdempotencyRecord.locked_until == self.token,
                )
                .values(
                    state="done",
                    status_code=status_code,
                    response_body=_store(self.seal_key, body),
                )
            )

    def abandon(self) -> None:
        with self.db.transaction() as s:
            s.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.scope == self.scope,
                    IdempotencyRecord.key == self.key,
                    IdempotencyRecord.state == "in_progress",
                    IdempotencyRecord.locked_until == self.token,
                )
            )


def claim_key(
    db: Database,
    scope: str,
    key: str,
    fingerprint: str,
    now_ms: int,
    ttl_ms: int,
    lock_ms: int,
    seal_key: str | None = None,
) -> Claim | StoredResponse:
    """Take an Idempotency-Key for one request, or return the response already stored for it.

    40902 when the key was used for another request; 40903 while its first request runs.
    A claim whose request died (process crash) expires after `lock_ms` and may be taken over.
    """
    token = now_ms + lock_ms
    with db.transaction() as s:
        inserted = insert_ignore(
            s,
            IdempotencyRecord.__table__,
            {
                "scope": scope,
                "key": key,
                "fingerprint": fingerprint,
                "state": "in_progress",
                "created_at": now_ms,
                "locked_until": token,
            },
            ["scope", "key"],
        )
        if inserted:
            return Claim(db, scope, key, token, seal_key)
        row = s.execute(
            select(IdempotencyRecord).where(
                IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
            )
        ).scalar_one()
        expired = row.created_at + ttl_ms <= now_ms
        if not expired and row.fingerprint != fingerprint:
            raise ApiError(40902, "Idempotency-Key was used with a different request")
        if not expired and row.state == "done":
            return StoredResponse(row.status_code or 200, _load(seal_key, row.response_body or b""))
        if not expired and row.locked_until > now_ms:
            raise ApiError(40903, "a request with this Idempotency-Key is still in progress")
        # An expired key, or a claim abandoned by a crashed request: take it over.
        taken = rowcount(
            s.execute(
                update(IdempotencyRecord)
                .where(
                    IdempotencyRecord.scope == scope,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.locked_until == row.locked_until,
                    IdempotencyRecord.state == row.state,
                )
                .values(
                    fingerprint=fingerprint,
                    state="in_progress",
                    created_at=now_ms,
                    locked_until=token,
                    status_code=None,
                    response_body=None,
                )
            )
        )
        if not taken:
            raise ApiError(40903, "a request with this Idempotency-Key is still in progress")
        return Claim(db, scope, key, token, seal_key)


# --- nonces ---------------------------------------------------------------------------------
def replay_key(nonce: str, timestamp: str, *, with_timestamp: bool) -> str:
    """What the nonce store records for a verified request, next to its access-key (CONTRACT
    section 2): the nonce-str itself; or, in the pandapon dialect, the nonce-str with its
    timestamp, so a constant nonce-str with fresh timestamps passes while an exact replay does
    not (a SHA-256, so that any nonce-str and timestamp fit the column)."""
    if not with_timestamp:
        return nonce
    return hashlib.sha256(f"{int(timestamp)}:{nonce}".encode()).hexdigest()


# --- pruning --------------------------------------------------------------------------------
def prune(session: Session, now_ms: int, idempotency_ttl_ms: int) -> dict[str, int]:
    """Delete expired nonces, idempotency keys and old rate counters."""
    nonces = rowcount(session.execute(delete(Nonce).where(Nonce.expires_at < now_ms)))
    keys = rowcount(
        session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.created_at < now_ms - idempotency_ttl_ms,
                IdempotencyRecord.locked_until < now_ms,
            )
        )
    )
    counters = rowcount(
        session.execute(delete(RateCounter).where(RateCounter.window < now_ms // 60_000 - 5))
    )
    return {"nonces": nonces, "idempotencyKeys": keys, "rateCounters": counters}


# --- audit ----------------------------------------------------------------------------------
def audit(
    session: Session,
    *,
    actor: str,
    action: str,
    target: str | None,
    details: dict[str, Any],
    request_id: str | None,
    now_ms: int,
) -> None:
    session.add(
        AuditLog(
            actor=actor,
            action=action,
            target=target,
            request_id=request_id,
            details=json.dumps(details, sort_keys=True, default=str),
            created_at=now_ms,
        )
    )


# --- failed operator logins -----------------------------------------------------------------
class FailureThrottle:
    """Wrong admin tokens per client address: after `limit` failures in a minute the address
    gets 42901 (with Retry-After) until a minute has passed since its oldest counted failure,
    whatever token it sends. Kept in the process (it needs no I/O on the event loop); several
    API processes each count their own. Behind a proxy the client address is the one uvicorn
    takes from X-Forwarded-For (`--forwarded-allow-ips`)."""

    WINDOW_MS = 60_000
    MAX_CLIENTS = 100_000

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._failures: dict[str, list[int]] = {}

    def _recent(self, client: str, now_ms: int) -> list[int]:
        times = [t for t in self._failures.get(client, []) if t > now_ms - self.WINDOW_MS]
        if times:
            self._failures[client] = times
        else:
            self._failures.pop(client, None)
        return times

    def check(self, client: str, now_ms: int) -> None:
        """42901 when `client` is over the limit."""
        times = self._recent(client, now_ms)
        if len(times) >= self.limit:
            retry_after = max(1, -(-(times[0] + self.WINDOW_MS - now_ms) // 1000))
            raise ApiError(
                42901,
                "too many wrong admin tokens from this address; wait before trying again",
                {"retryAfter": retry_after},
                headers={"Retry-After": str(retry_after)},
            )

    def failed(self, client: str, now_ms: int) -> None:
        if len(self._failures) >= self.MAX_CLIENTS:
            self._failures.clear()
        self._failures.setdefault(client, []).append(now_ms)
