"""Authentication of signed calls (CONTRACT section 2): the hot path of every request.

Header checks, the key lookup (through a short per-process cache), the signature, the nonce
and the rate counter, in the contract's order. Runs raw statements (daigou.db.fast); decision
0005 explains why.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from daigou.config import Settings
from daigou.core.errors import ApiError
from daigou.db.fast import Raw, Sql, hot_path
from daigou.db.session import Database
from daigou.developers import secrets as sealed
from daigou.http import signing
from daigou.http.routing import Caller

ACCESS_KEY_RE = re.compile(r"^[0-9a-f]{32}$")
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
TIMESTAMP_RE = re.compile(r"^[0-9]{1,16}$")
USER_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SIGNATURE_LENGTH = {signing.MD5: 32, signing.HMAC_SHA256: 64}
HEX_RE = re.compile(r"^[0-9A-Fa-f]+$")


# --- authentication -------------------------------------------------------------------------
@dataclass(frozen=True)
class SignedRequest:
    access_key: str | None
    timestamp: str | None
    nonce: str | None
    signature: str | None
    sign_method: str | None
    user_id: str | None
    method: str
    path: str
    raw_query: str
    body: bytes


def _check_headers(req: SignedRequest) -> tuple[str, str, str, str, str]:
    missing = [
        name
        for name, value in (
            ("access-key", req.access_key),
            ("timestamp", req.timestamp),
            ("nonce-str", req.nonce),
            ("signature", req.signature),
        )
        if not value
    ]
    if missing:
        raise ApiError(40100, f"missing header: {', '.join(missing)}")
    assert req.access_key and req.timestamp and req.nonce and req.signature
    method = (req.sign_method or signing.MD5).upper()
    if method not in signing.METHODS:
        raise ApiError(40100, "sign-method must be MD5 or HMAC-SHA256")
    if not ACCESS_KEY_RE.match(req.access_key):
        raise ApiError(40100, "access-key must be 32 lowercase hex characters")
    if not TIMESTAMP_RE.match(req.timestamp):
        raise ApiError(40100, "timestamp must be Unix time in milliseconds")
    if not NONCE_RE.match(req.nonce):
        raise ApiError(40100, "nonce-str must be 8 to 64 characters of [A-Za-z0-9_-]")
    if len(req.signature) != SIGNATURE_LENGTH[method] or not HEX_RE.match(req.signature):
        raise ApiError(
            40100, f"signature must be {SIGNATURE_LENGTH[method]} hex characters for {method}"
        )
    return req.access_key, req.timestamp, req.nonce, req.signature.upper(), method


def _expected(method: str, req: SignedRequest, secret: str) -> str:
    assert req.access_key and req.timestamp and req.nonce
    if method == signing.MD5:
        return signing.md5_signature(req.access_key, req.nonce, req.timestamp, secret)
    return signing.hmac_signature(
        req.method,
        req.path,
        signing.query_pairs(req.raw_query),
        req.access_key,
        req.timestamp,
        req.nonce,
        req.body,
        secret,
    )


# The statements every signed call runs (raw DB-API: see daigou.db.fast).
_KEY_LOOKUP = Sql(
    "SELECT k.id, k.status, k.hmac_only, k.secret_enc, k.previous_secret_enc,"
    " k.previous_secret_expires_at, k.last_used_at, d.id, d.develop_id, d.status,"
    " d.rate_limit_per_minute, d.cashier_pay_allowed"
    " FROM api_key k JOIN developer d ON d.id = k.developer_id WHERE k.access_key = :access_key"
)
_RECORD_NONCE = Sql(
    "INSERT INTO api_nonce (access_key, nonce, expires_at)"
    " VALUES (:access_key, :nonce, :expires_at)"
    " ON CONFLICT (access_key, nonce) DO NOTHING RETURNING nonce"
)
_SUB_STATUS = Sql(
    "SELECT status FROM sub_account WHERE developer_id = :developer_id AND user_id = :user_id"
)
_COUNT_REQUEST = Sql(
    'INSERT INTO rate_counter (developer_id, "window", count) VALUES (:developer_id, :window, 1)'
    ' ON CONFLICT (developer_id, "window") DO UPDATE SET count = rate_counter.count + 1'
    " RETURNING count"
)
_TOUCH_KEY = Sql("UPDATE api_key SET last_used_at = :now WHERE id = :key_id")
# PostgreSQL: the nonce and the rate counter in one atomic statement (one round trip); the
# counter moves only when the nonce was new
_NONCE_AND_COUNT = Sql(
    "WITH n AS (INSERT INTO api_nonce (access_key, nonce, expires_at)"
    " VALUES (:access_key, :nonce, :expires_at) ON CONFLICT (access_key, nonce) DO NOTHING"
    " RETURNING 1),"
    ' c AS (INSERT INTO rate_counter (developer_id, "window", count)'
    " SELECT :developer_id, :window, 1 WHERE EXISTS (SELECT 1 FROM n)"
    ' ON CONFLICT (developer_id, "window") DO UPDATE SET count = rate_counter.count + 1'
    " RETURNING count)"
    " SELECT (SELECT count(*) FROM n), (SELECT count FROM c)"
)


class KeyCache:
    """Recently used keys with their developer, for `key_cache_seconds`.

    Any change of a key or developer made by this process clears it at once; a change made by
    another process (a second API process, the CLI) shows here within the TTL. A signature
    that does not match a cached key is checked again against the database, so a rotated secret
    works at once everywhere."""

    MAX = 10_000

    def __init__(self) -> None:
        self._rows: dict[str, tuple[float, tuple[Any, ...]]] = {}

    def get(self, access_key: str) -> tuple[Any, ...] | None:
        hit = self._rows.get(access_key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, access_key: str, row: tuple[Any, ...], ttl: float) -> None:
        if ttl <= 0:
            return
        if len(self._rows) >= self.MAX:
            self._rows.clear()
        self._rows[access_key] = (time.monotonic() + ttl, row)

    def clear(self) -> None:
        self._rows.clear()


KEYS = KeyCache()


def _lookup_key(
    tx: Raw, settings: Settings, access_key: str, fresh: bool
) -> tuple[Any, ...] | None:
    row = None if fresh else KEYS.get(access_key)
    if row is None:
        row = tx.one(_KEY_LOOKUP, {"access_key": access_key})
        if row is not None:
            KEYS.put(access_key, tuple(row), settings.key_cache_seconds)
    return row


def _nonce_and_count(
    tx: Raw, access_key: str, nonce: str, expires_at: int, developer_pk: int, window: int
) -> int | None:
    """Record the nonce and count the request; None when the nonce was seen before."""
    params = {"access_key": access_key, "nonce": nonce, "expires_at": expires_at}
    if tx.postgres:
        row = tx.one(_NONCE_AND_COUNT, {**params, "developer_id": developer_pk, "window": window})
        return None if row is None or not row[0] else int(row[1])
    if tx.one(_RECORD_NONCE, params) is None:
        return None
    return int(tx.scalar(_COUNT_REQUEST, {"developer_id": developer_pk, "window": window}))


def authenticate(db: Database, settings: Settings, req: SignedRequest, now_ms: int) -> Caller:
    """Run the checks of CONTRACT section 2 in order, then the rate limit. The first failure
    answers. The nonce is recorded only once the signature is verified.

    Every signed call runs this, so it runs raw statements on the hot path (daigou.db.fast):
    the key lookup, then the nonce insert (its conflict is the replay check) with the rate
    counter. A request is counted against the limit once its signature verified."""
    access_key, timestamp, nonce, signature, method = _check_headers(req)
    window_ms = settings.timestamp_window_seconds * 1000
    failure: ApiError | None = None
    with hot_path(db, write=True) as tx:
        for fresh in (False, True):
            key = _lookup_key(tx, settings, access_key, fresh)
            if key is None:
                raise ApiError(40101)
            (
                key_id,
                key_status,
                hmac_only,
                secret_enc,
                previous_enc,
                previous_expiry,
                last_used,
                developer_pk,
                develop_id,
                developer_status,
                rate_limit,
                cashier,
            ) = key
            if key_status != "enabled" or developer_status != "enabled":
                raise ApiError(40101)
            if abs(now_ms - int(timestamp)) > window_ms:
                raise ApiError(
                    40103,
                    f"timestamp is more than {settings.timestamp_window_seconds} s"
                    " from server time",
                )
            if hmac_only and method != signing.HMAC_SHA256:
                raise ApiError(40102, "this access-key accepts HMAC-SHA256 signatures only")
            secrets_to_try = [sealed.unseal(settings.resolved_secret_key, secret_enc)]
            if previous_enc and (previous_expiry or 0) > now_ms:
                secrets_to_try.append(sealed.unseal(settings.resolved_secret_key, previous_enc))
            matched = False
            for secret in secrets_to_try:
                # every candidate is compared, so timing does not reveal which one matched
                matched = signing.same(_expected(method, req, secret), signature) or matched
            if matched:
                break
            if fresh or KEYS.get(access_key) is None:
                raise ApiError(40102)
            # a cached key did not match: read it again (its secret may have just rotated)
        expires_at = int(timestamp) + window_ms + 60_000
        count = _nonce_and_count(tx, access_key, nonce, expires_at, developer_pk, now_ms // 60_000)
        if count is None:
            raise ApiError(40104)
        user_id = req.user_id or None
        if user_id is not None:
            sub = None
            if USER_ID_RE.match(user_id):
                sub = tx.scalar(_SUB_STATUS, {"developer_id": developer_pk, "user_id": user_id})
            if sub != "enabled":
                failure = ApiError(40301, "user-id is not an enabled sub-account of this developer")
        if failure is None and count > rate_limit:
            retry_after = max(1, 60 - (now_ms // 1000) % 60)
            failure = ApiError(
                42901,
                f"more than {rate_limit} requests this minute",
                {"retryAfter": retry_after},
                headers={"Retry-After": str(retry_after)},
            )
        if last_used is None or last_used < now_ms - 60_000:
            assert key is not None  # the loop above breaks only with a key
            tx.execute(_TOUCH_KEY, {"now": now_ms, "key_id": key_id})
            KEYS.put(access_key, (*key[:6], now_ms, *key[7:]), settings.key_cache_seconds)
    if failure is not None:  # the nonce stays recorded: the signed request was seen
        failure.develop_id = develop_id  # the signature verified: the caller is known
        raise failure
    return Caller(developer_pk, develop_id, user_id, access_key, rate_limit, bool(cashier))
