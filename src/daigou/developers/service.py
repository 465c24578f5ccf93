"""Developers, keys, sub-accounts, and the authentication of signed calls (CONTRACT section 2)."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from daigou.config import Settings
from daigou.core import ids
from daigou.core.errors import ApiError, Conflict, NotFound, validation_error
from daigou.core.pagination import Page, PageRequest, encode_cursor
from daigou.db.fast import Raw, Sql, hot_path
from daigou.db.session import Database
from daigou.developers import secrets as sealed
from daigou.developers.models import ApiKey, Developer, SubAccount
from daigou.developers.schemas import (
    DeveloperCreate,
    DeveloperCreated,
    DeveloperOut,
    DeveloperUpdate,
    KeyOut,
    KeyUpdate,
    KeyUpdated,
    SubAccountIn,
    SubAccountOut,
)
from daigou.http import signing
from daigou.http.guards import audit
from daigou.http.routing import Caller
from daigou.wallet import service as wallet

F = TypeVar("F", bound=Callable[..., Any])
MAX_ACTIVE_KEYS = 5
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
            tx.execute(_TOUCH_KEY, {"now": now_ms, "key_id": key_id})
            KEYS.put(access_key, (*key[:6], now_ms, *key[7:]), settings.key_cache_seconds)
    if failure is not None:  # the nonce stays recorded: the signed request was seen
        failure.develop_id = develop_id  # the signature verified: the caller is known
        raise failure
    return Caller(developer_pk, develop_id, user_id, access_key, rate_limit, bool(cashier))


# --- developers (operator) ------------------------------------------------------------------
def _get_developer(session: Session, develop_id: str) -> Developer:
    dev = session.execute(
        select(Developer).where(Developer.develop_id == develop_id)
    ).scalar_one_or_none()
    if dev is None:
        raise NotFound("no such developer")
    return dev


def developer_pk_in(session: Session, develop_id: str) -> int:
    return _get_developer(session, develop_id).id


def develop_ids(session: Session, pks: set[int]) -> dict[int, str]:
    if not pks:
        return {}
    rows = session.execute(select(Developer.id, Developer.develop_id).where(Developer.id.in_(pks)))
    return dict(rows.tuples().all())


def _new_key(
    session: Session, settings: Settings, developer_id: int, hmac_only: bool, now_ms: int
) -> tuple[ApiKey, str]:
    secret = ids.api_secret()
    key = ApiKey(
        access_key=ids.access_key(),
        developer_id=developer_id,
        status="enabled",
        hmac_only=hmac_only,
        secret_enc=sealed.seal(settings.resolved_secret_key, secret),
        created_at=now_ms,
        modified_at=now_ms,
    )
    session.add(key)
    return key, secret


def create_developer(
    db: Database,
    settings: Settings,
    body: DeveloperCreate,
    now_ms: int,
    *,
    actor: str,
    request_id: str | None,
) -> DeveloperCreated:
    with db.transaction() as s:
        dev = Developer(
            develop_id=ids.develop_id(),
            name=body.name,
            contact_email=body.contactEmail,
            remark=body.remark,
            status="enabled",
            rate_limit_per_minute=body.rateLimitPerMinute or settings.default_rate_limit_per_minute,
            cashier_pay_allowed=body.cashierPayAllowed,
            created_at=now_ms,
            modified_at=now_ms,
        )
        s.add(dev)
        s.flush()
        key, secret = _new_key(s, settings, dev.id, body.hmacOnly, now_ms)
        wallet.open_account(s, dev.id, now_ms)
        audit(
            s,
            actor=actor,
            action="developer.create",
            target=dev.develop_id,
            details=body.model_dump(),
            request_id=request_id,
            now_ms=now_ms,
        )
        return DeveloperCreated(
            developId=dev.develop_id, accessKey=key.access_key, secret=secret, status=dev.status
        )


def _developer_out(session: Session, devs: list[Developer]) -> list[DeveloperOut]:
    if not devs:
        return []
    dev_ids = [d.id for d in devs]
    keys: dict[int, list[KeyOut]] = {d: [] for d in dev_ids}
    for k in session.execute(
        select(ApiKey).where(ApiKey.developer_id.in_(dev_ids)).order_by(ApiKey.id)
    ).scalars():
        keys[k.developer_id].append(
            KeyOut(
                accessKey=k.access_key,
                status=k.status,
                hmacOnly=k.hmac_only,
                lastUsedTime=k.last_used_at,
            )
        )
    subs = dict(
        session.execute(
            select(SubAccount.developer_id, func.count())
            .where(SubAccount.developer_id.in_(dev_ids))
            .group_by(SubAccount.developer_id)
        )
        .tuples()
        .all()
    )
    balances = wallet.balances(session, dev_ids)
    return [
        DeveloperOut(
            developId=d.develop_id,
            name=d.name,
            contactEmail=d.contact_email,
            remark=d.remark,
            status=d.status,
            balance=balances[d.id],
            keys=keys[d.id],
            subAccountCount=int(subs.get(d.id, 0)),
            rateLimitPerMinute=d.rate_limit_per_minute,
            cashierPayAllowed=d.cashier_pay_allowed,
            createTime=d.created_at,
        )
        for d in devs
    ]


def _clears_key_cache(fn: F) -> F:
    """A change to keys or developers is seen by this process's next call: the cache is
    cleared before the change and again once it committed."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        KEYS.clear()
        try:
            return fn(*args, **kwargs)
        finally:
            KEYS.clear()

    return wrapper  # type: ignore[return-value]


@_clears_key_cache
def update_developer(
    db: Database, body: DeveloperUpdate, now_ms: int, *, actor: str, request_id: str | None
) -> DeveloperOut:
    with db.transaction() as s:
        dev = _get_developer(s, body.developId)
        changes = body.model_dump(exclude_unset=True, exclude={"developId"})
        mapping = {
            "name": "name",
            "contactEmail": "contact_email",
            "remark": "remark",
            "rateLimitPerMinute": "rate_limit_per_minute",
            "cashierPayAllowed": "cashier_pay_allowed",
            "status": "status",
        }
        for field, column in mapping.items():
            if field in changes and changes[field] is not None:
                setattr(dev, column, changes[field])
        dev.modified_at = now_ms
        audit(
            s,
            actor=actor,
            action="developer.update",
            target=dev.develop_id,
            details=changes,
            request_id=request_id,
            now_ms=now_ms,
        )
        s.flush()
        return _developer_out(s, [dev])[0]


def list_developers(
    db: Database, status: str | None, keyword: str | None, page: PageRequest
) -> Page[DeveloperOut]:
    with db.transaction() as s:
        conditions: list[Any] = []
        if status:
            conditions.append(Developer.status == status)
        if keyword:
            like = f"%{keyword}%"
            conditions.append(
                or_(
                    Developer.name.ilike(like),
                    Developer.develop_id == keyword,
                    Developer.contact_email.ilike(like),
                )
            )
        query = select(Developer).where(*conditions).order_by(Developer.id.desc())
        total = None
        if page.cursor is not None:
            query = query.where(Developer.id < int(page.cursor[0]))
        else:
            total = s.execute(
                select(func.count()).select_from(Developer).where(*conditions)
            ).scalar_one()
            query = query.offset(page.offset)
        devs = list(s.execute(query.limit(page.page_size + 1)).scalars())
        more = len(devs) > page.page_size
        devs = devs[: page.page_size]
        cursor = encode_cursor((devs[-1].id,)) if more and devs else None
        return Page(
            _developer_out(s, devs),
            page.page_size,
            total,
            None if page.cursor else page.page_no,
            cursor,
        )


@_clears_key_cache
def update_key(
    db: Database,
    settings: Settings,
    body: KeyUpdate,
    now_ms: int,
    *,
    actor: str,
    request_id: str | None,
) -> KeyUpdated:
    if bool(body.accessKey) == bool(body.developId):
        raise validation_error(
            "accessKey", "give exactly one of accessKey (change a key) or developId (add a key)"
        )
    with db.transaction() as s:
        secret: str | None = None
        previous_expiry: int | None = None
        if body.developId:
            dev = _get_developer(s, body.developId)
            active = s.execute(
                select(func.count())
                .select_from(ApiKey)
                .where(ApiKey.developer_id == dev.id, ApiKey.status == "enabled")
            ).scalar_one()
            if active >= MAX_ACTIVE_KEYS:
                raise Conflict(f"a developer has at most {MAX_ACTIVE_KEYS} active keys")
            key, secret = _new_key(s, settings, dev.id, bool(body.hmacOnly), now_ms)
            if body.status:
                key.status = body.status
            action = "key.create"
        else:
            key = s.execute(
                select(ApiKey).where(ApiKey.access_key == body.accessKey)
            ).scalar_one_or_none()
            if key is None:
                raise NotFound("no such access key")
            if body.status == "enabled" and key.status != "enabled":
                active = s.execute(
                    select(func.count())
                    .select_from(ApiKey)
                    .where(ApiKey.developer_id == key.developer_id, ApiKey.status == "enabled")
                ).scalar_one()
                if active >= MAX_ACTIVE_KEYS:
                    raise Conflict(f"a developer has at most {MAX_ACTIVE_KEYS} active keys")
            if body.rotate:
                grace = (
                    settings.secret_grace_seconds
                    if body.graceSeconds is None
                    else body.graceSeconds
                )
                secret = ids.api_secret()
                key.previous_secret_enc = key.secret_enc
                key.previous_secret_expires_at = now_ms + grace * 1000
                key.secret_enc = sealed.seal(settings.resolved_secret_key, secret)
            if body.status:
                key.status = body.status
            if body.hmacOnly is not None:
                key.hmac_only = body.hmacOnly
            key.modified_at = now_ms
            action = "key.rotate" if body.rotate else "key.update"
        if key.previous_secret_expires_at and key.previous_secret_expires_at > now_ms:
            previous_expiry = key.previous_secret_expires_at
        s.flush()
        audit(
            s,
            actor=actor,
            action=action,
            target=key.access_key,
            details=body.model_dump(exclude_unset=True),
            request_id=request_id,
            now_ms=now_ms,
        )
        return KeyUpdated(
            accessKey=key.access_key,
            status=key.status,
            hmacOnly=key.hmac_only,
            secret=secret,
            previousSecretExpireTime=previous_expiry,
        )


# --- sub-accounts (ENDPOINTS 0.3, 0.4) ------------------------------------------------------
def _sub_out(sub: SubAccount) -> SubAccountOut:
    return SubAccountOut(
        userId=sub.user_id,
        userName=sub.user_name,
        remark=sub.remark,
        status=sub.status,
        createTime=sub.created_at,
        modifyTime=sub.modified_at,
    )


def save_sub_account(
    db: Database, caller: Caller, body: SubAccountIn, now_ms: int
) -> SubAccountOut:
    if caller.user_id is not None:
        raise ApiError(40301, "only the main account manages sub-accounts")
    with db.transaction() as s:
        sub = None
        if body.userId:
            sub = s.execute(
                select(SubAccount).where(
                    SubAccount.developer_id == caller.developer_id,
                    SubAccount.user_id == body.userId,
                )
            ).scalar_one_or_none()
        if sub is None:
            if not body.userName:
                raise validation_error("userName", "required when creating a sub-account")
            sub = SubAccount(
                developer_id=caller.developer_id,
                user_id=body.userId or ids.numeric_id(13),
                user_name=body.userName,
                remark=body.remark,
                status=body.status or "enabled",
                created_at=now_ms,
                modified_at=now_ms,
            )
            s.add(sub)
        else:
            if body.userName is not None:
                sub.user_name = body.userName
            if body.remark is not None:
                sub.remark = body.remark
            if body.status is not None:
                sub.status = body.status
            sub.modified_at = now_ms
        s.flush()
        return _sub_out(sub)


def list_sub_accounts(
    db: Database, caller: Caller, status: str | None, user_id: str | None, page: PageRequest
) -> Page[SubAccountOut]:
    with db.transaction() as s:
        conditions: list[Any] = [SubAccount.developer_id == caller.developer_id]
        if caller.user_id is not None:  # a sub-account sees itself only
            conditions.append(SubAccount.user_id == caller.user_id)
        if status:
            conditions.append(SubAccount.status == status)
        if user_id:
            conditions.append(SubAccount.user_id == user_id)
        total = s.execute(
            select(func.count()).select_from(SubAccount).where(*conditions)
        ).scalar_one()
        rows = s.execute(
            select(SubAccount)
            .where(*conditions)
            .order_by(SubAccount.id)
            .offset(page.offset)
            .limit(page.page_size)
        ).scalars()
        return Page([_sub_out(r) for r in rows], page.page_size, total, page.page_no, None)
