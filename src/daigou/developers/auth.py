"""Authentication of signed calls (CONTRACT section 2): the hot path of every request.

Header checks, the key lookup (through a short per-process cache), the signature, the nonce
and the rate counter, in the contract's order. Runs raw statements (daigou.db.fast); decision
0005 explains why.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

from daigou.config import Settings
from daigou.core.errors import ApiError
from daigou.db.fast import Raw, Sql, hot_path
from daigou.db.session import Database
from daigou.developers import secrets as sealed
from daigou.http import signing
from daigou.http.envelope import DAIGOU, PANDAPON
from daigou.http.guards import replay_key
from daigou.http.routing import Caller

ACCESS_KEY_RE = re.compile(r"^[0-9a-f]{32}$")
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
TIMESTAMP_RE = re.compile(r"^[0-9]{1,16}$")
USER_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SIGNATURE_LENGTH = {signing.MD5: 32, signing.HMAC_SHA256: 64}
HEX_RE = re.compile(r"^[0-9A-Fa-f]+$")
# the pandapon dialect: a call without nonce-str signs and is checked with this literal, the
# value PandaPon's own pages send (CONTRACT section 2)
DEFAULT_NONCE = "nonce-str"


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


def _check_headers(req: SignedRequest) -> tuple[str, str, str | None, str, str]:
    """The headers' presence and form (40100). A missing nonce-str alone comes back as None:
    whether it may be left out depends on the key's dialect."""
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
    if missing and missing != ["nonce-str"]:
        raise ApiError(40100, f"missing header: {', '.join(missing)}")
    assert req.access_key and req.timestamp and req.signature
    method = (req.sign_method or signing.MD5).upper()
    if method not in signing.METHODS:
        raise ApiError(40100, "sign-method must be MD5 or HMAC-SHA256")
    if not ACCESS_KEY_RE.match(req.access_key):
        raise ApiError(40100, "access-key must be 32 lowercase hex characters")
    if not TIMESTAMP_RE.match(req.timestamp):
        raise ApiError(40100, "timestamp must be Unix time in milliseconds")
    if req.nonce and not NONCE_RE.match(req.nonce):
        raise ApiError(40100, "nonce-str must be 8 to 64 characters of [A-Za-z0-9_-]")
    if len(req.signature) != SIGNATURE_LENGTH[method] or not HEX_RE.match(req.signature):
        raise ApiError(
            40100, f"signature must be {SIGNATURE_LENGTH[method]} hex characters for {method}"
        )
    return req.access_key, req.timestamp, req.nonce or None, req.signature.upper(), method


def _expected(method: str, req: SignedRequest, nonce: str, secret: str) -> str:
    assert req.access_key and req.timestamp
    if method == signing.MD5:
        return signing.md5_signature(req.access_key, nonce, req.timestamp, secret)
    return signing.hmac_signature(
        req.method,
        req.path,
        signing.query_pairs(req.raw_query),
        req.access_key,
        req.timestamp,
        nonce,
        req.body,
        secret,
    )


# The statements every signed call runs (raw DB-API: see daigou.db.fast).
_KEY_LOOKUP = Sql(
    "SELECT k.id, k.status, k.hmac_only, k.secret_enc, k.previous_secret_enc,"
    " k.previous_secret_expires_at, k.last_used_at, d.id, d.develop_id, d.status,"
    " d.rate_limit_per_minute, d.cashier_pay_allowed, d.dialect, d.main_user_id"
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


class KeyRow(NamedTuple):
    """A key with its developer, as _KEY_LOOKUP reads it (and the cache keeps it)."""

    key_id: int
    key_status: str
    hmac_only: bool
    secret_enc: str
    previous_enc: str | None
    previous_expiry: int | None
    last_used: int | None
    developer_pk: int
    develop_id: str
    developer_status: str
    rate_limit: int
    cashier: bool
    dialect_column: str | None
    main_user_id: str | None

    @property
    def dialect(self) -> str:
        return self.dialect_column or DAIGOU


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


def _lookup_key(tx: Raw, settings: Settings, access_key: str, fresh: bool) -> KeyRow | None:
    cached = None if fresh else KEYS.get(access_key)
    if cached is not None:
        return cached if isinstance(cached, KeyRow) else KeyRow(*cached)
    row = tx.one(_KEY_LOOKUP, {"access_key": access_key})
    if row is None:
        return None
    key = KeyRow(*row)
    KEYS.put(access_key, key, settings.key_cache_seconds)
    return key


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
    counter. A request is counted against the limit once its signature verified.

    Once the key is found its developer's wire dialect is known: an error carries it, so the
    answer travels as that dialect says (CONTRACT section 1)."""
    try:
        access_key, timestamp, nonce, signature, method = _check_headers(req)
    except ApiError as exc:  # answered in the key's dialect when the key is readable
        exc.dialect = _dialect_of(db, settings, req.access_key)
        raise
    dialect: str | None = None
    try:
        with hot_path(db, write=True) as tx:
            key = None
            for fresh in (False, True):
                key = _lookup_key(tx, settings, access_key, fresh)
                if key is not None:
                    dialect = key.dialect
                if nonce is None:
                    # nonce-str may be left out in the pandapon dialect only
                    if dialect != PANDAPON:
                        raise ApiError(40100, "missing header: nonce-str")
                    nonce = DEFAULT_NONCE
                if key is None:
                    raise ApiError(40101)
                if _signature_matches(settings, req, key, method, nonce, signature, now_ms):
                    break
                if fresh or KEYS.get(access_key) is None:
                    raise ApiError(40102)
                # a cached key did not match: read it again (its secret may have just rotated)
            assert key is not None and nonce is not None
            admitted = _admit(tx, settings, req, key, nonce, timestamp, now_ms)
        if isinstance(admitted, ApiError):  # raised once committed: the nonce stays recorded
            raise admitted
        return admitted
    except ApiError as exc:
        if dialect is not None:
            exc.dialect = dialect
        raise


def _dialect_of(db: Database, settings: Settings, access_key: str | None) -> str | None:
    """The wire dialect of a well-formed, known access-key (None otherwise)."""
    if not access_key or not ACCESS_KEY_RE.match(access_key):
        return None
    with hot_path(db, write=False) as tx:
        key = _lookup_key(tx, settings, access_key, False)
    return None if key is None else key.dialect


def _signature_matches(
    settings: Settings,
    req: SignedRequest,
    key: KeyRow,
    method: str,
    nonce: str,
    signature: str,
    now_ms: int,
) -> bool:
    """The key's state (40101), the timestamp window (40103), HMAC-only keys (40102), then
    whether the signature matches the key's secret or, during a rotation's grace period, its
    previous one."""
    if key.key_status != "enabled" or key.developer_status != "enabled":
        raise ApiError(40101)
    assert req.timestamp is not None
    if abs(now_ms - int(req.timestamp)) > settings.timestamp_window_seconds * 1000:
        raise ApiError(
            40103,
            f"timestamp is more than {settings.timestamp_window_seconds} s from server time",
        )
    if key.hmac_only and method != signing.HMAC_SHA256:
        raise ApiError(40102, "this access-key accepts HMAC-SHA256 signatures only")
    secrets_to_try = [sealed.unseal(settings.resolved_secret_key, key.secret_enc)]
    if key.previous_enc and (key.previous_expiry or 0) > now_ms:
        secrets_to_try.append(sealed.unseal(settings.resolved_secret_key, key.previous_enc))
    matched = False
    for secret in secrets_to_try:
        # every candidate is compared, so timing does not reveal which one matched
        matched = signing.same(_expected(method, req, nonce, secret), signature) or matched
    return matched


def _admit(
    tx: Raw,
    settings: Settings,
    req: SignedRequest,
    key: KeyRow,
    nonce: str,
    timestamp: str,
    now_ms: int,
) -> Caller | ApiError:
    """A verified request: record its nonce (40104 when seen), resolve the user-id (40301),
    count it against the rate limit (42901). A failure after the nonce is recorded is returned,
    for the caller to raise once the transaction committed."""
    developer_pk, develop_id, rate_limit = key.developer_pk, key.develop_id, key.rate_limit
    access_key = req.access_key
    assert access_key is not None
    window_ms = settings.timestamp_window_seconds * 1000
    expires_at = int(timestamp) + window_ms + 60_000
    # the pandapon dialect keys replays on the nonce with its timestamp (CONTRACT section 2)
    seen_as = replay_key(nonce, timestamp, with_timestamp=key.dialect == PANDAPON)
    count = _nonce_and_count(tx, access_key, seen_as, expires_at, developer_pk, now_ms // 60_000)
    if count is None:
        raise ApiError(40104)
    failure: ApiError | None = None
    user_id = req.user_id or None
    if user_id is not None and user_id == key.main_user_id:
        user_id = None  # the main account, named
    elif user_id is not None:
        sub = None
        if USER_ID_RE.match(user_id):
            sub = tx.scalar(_SUB_STATUS, {"developer_id": developer_pk, "user_id": user_id})
        if sub != "enabled":
            failure = ApiError(
                40301,
                "user-id is neither this developer's main-account userId nor an enabled"
                " sub-account of it",
            )
    if failure is None and count > rate_limit:
        retry_after = max(1, 60 - (now_ms // 1000) % 60)
        failure = ApiError(
            42901,
            f"more than {rate_limit} requests this minute",
            {"retryAfter": retry_after},
            headers={"Retry-After": str(retry_after)},
        )
    if key.last_used is None or key.last_used < now_ms - 60_000:
        tx.execute(_TOUCH_KEY, {"now": now_ms, "key_id": key.key_id})
        KEYS.put(access_key, key._replace(last_used=now_ms), settings.key_cache_seconds)
    if failure is not None:  # the nonce stays recorded: the signed request was seen
        failure.develop_id = develop_id  # the signature verified: the caller is known
        return failure
    return Caller(
        developer_pk,
        develop_id,
        user_id,
        access_key,
        rate_limit,
        bool(key.cashier),
        dialect=key.dialect,
        main_user_id=key.main_user_id,
    )
