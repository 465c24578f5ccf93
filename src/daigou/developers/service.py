"""Developers, keys, sub-accounts, and the authentication of signed calls (CONTRACT section 2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from daigou.config import Settings
from daigou.core import ids
from daigou.core.errors import ApiError, Conflict, NotFound, validation_error
from daigou.core.pagination import Page, PageRequest, encode_cursor
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
from daigou.http.guards import audit, count_request, record_nonce
from daigou.http.routing import Caller
from daigou.wallet import service as wallet

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
        name for name, value in (
            ("access-key", req.access_key), ("timestamp", req.timestamp),
            ("nonce-str", req.nonce), ("signature", req.signature),
        ) if not value
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
        raise ApiError(40100, f"signature must be {SIGNATURE_LENGTH[method]} hex characters for {method}")
    return req.access_key, req.timestamp, req.nonce, req.signature.upper(), method


def _expected(method: str, req: SignedRequest, secret: str) -> str:
    assert req.access_key and req.timestamp and req.nonce
    if method == signing.MD5:
        return signing.md5_signature(req.access_key, req.nonce, req.timestamp, secret)
    return signing.hmac_signature(
        req.method, req.path, signing.query_pairs(req.raw_query), req.access_key, req.timestamp,
        req.nonce, req.body, secret,
    )


def authenticate(db: Database, settings: Settings, req: SignedRequest, now_ms: int) -> Caller:
    """Run the checks of CONTRACT section 2 in order, then the rate limit. The first failure
    answers. The nonce is recorded only once the signature is verified."""
    access_key, timestamp, nonce, signature, method = _check_headers(req)
    window_ms = settings.timestamp_window_seconds * 1000
    failure: ApiError | None = None
    with db.transaction() as s:
        row = s.execute(
            select(ApiKey, Developer)
            .join(Developer, Developer.id == ApiKey.developer_id)
            .where(ApiKey.access_key == access_key)
        ).first()
        if row is None or row.ApiKey.status != "enabled" or row.Developer.status != "enabled":
            raise ApiError(40101)
        key: ApiKey = row.ApiKey
        dev: Developer = row.Developer
        if abs(now_ms - int(timestamp)) > window_ms:
            raise ApiError(40103, f"timestamp is more than {settings.timestamp_window_seconds} s from server time")
        if key.hmac_only and method != signing.HMAC_SHA256:
            raise ApiError(40102, "this access-key accepts HMAC-SHA256 signatures only")
        secrets_to_try = [sealed.unseal(settings.resolved_secret_key, key.secret_enc)]
        if key.previous_secret_enc and (key.previous_secret_expires_at or 0) > now_ms:
            secrets_to_try.append(sealed.unseal(settings.resolved_secret_key, key.previous_secret_enc))
        matched = False
        for secret in secrets_to_try:
            # every candidate is compared, so timing does not reveal which one matched
            matched = signing.same(_expected(method, req, secret), signature) or matched
        if not matched:
            raise ApiError(40102)
        if not record_nonce(s, access_key, nonce, int(timestamp) + window_ms + 60_000):
            raise ApiError(40104)
        user_id = req.user_id or None
        if user_id is not None:
            sub = None
            if USER_ID_RE.match(user_id):
                sub = s.execute(
                    select(SubAccount.status).where(
                        SubAccount.developer_id == dev.id, SubAccount.user_id == user_id
                    )
                ).scalar_one_or_none()
            if sub != "enabled":
                failure = ApiError(40301, "user-id is not an enabled sub-account of this developer")
        if failure is None:
            count, retry_after = count_request(s, dev.id, now_ms)
            if count > dev.rate_limit_per_minute:
                failure = ApiError(
                    42901, f"more than {dev.rate_limit_per_minute} requests this minute",
                    {"retryAfter": retry_after}, headers={"Retry-After": str(retry_after)},
                )
        if key.last_used_at is None or key.last_used_at < now_ms - 60_000:
            s.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now_ms))
        develop_id, rate, cashier = dev.develop_id, dev.rate_limit_per_minute, dev.cashier_pay_allowed
        developer_pk = dev.id
    if failure is not None:  # the nonce stays recorded: the signed request was seen
        raise failure
    return Caller(developer_pk, develop_id, user_id, access_key, rate, cashier)


# --- developers (operator) ------------------------------------------------------------------
def _get_developer(session: Session, develop_id: str) -> Developer:
    dev = session.execute(select(Developer).where(Developer.develop_id == develop_id)).scalar_one_or_none()
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


def _new_key(session: Session, settings: Settings, developer_id: int, hmac_only: bool, now_ms: int) -> tuple[ApiKey, str]:
    secret = ids.api_secret()
    key = ApiKey(
        access_key=ids.access_key(), developer_id=developer_id, status="enabled",
        hmac_only=hmac_only, secret_enc=sealed.seal(settings.resolved_secret_key, secret),
        created_at=now_ms, modified_at=now_ms,
    )
    session.add(key)
    return key, secret


def create_developer(
    db: Database, settings: Settings, body: DeveloperCreate, now_ms: int, *, actor: str,
    request_id: str | None,
) -> DeveloperCreated:
    with db.transaction() as s:
        dev = Developer(
            develop_id=ids.develop_id(), name=body.name, contact_email=body.contactEmail,
            remark=body.remark, status="enabled",
            rate_limit_per_minute=body.rateLimitPerMinute or settings.default_rate_limit_per_minute,
            cashier_pay_allowed=body.cashierPayAllowed, created_at=now_ms, modified_at=now_ms,
        )
        s.add(dev)
        s.flush()
        key, secret = _new_key(s, settings, dev.id, body.hmacOnly, now_ms)
        wallet.open_account(s, dev.id, now_ms)
        audit(s, actor=actor, action="developer.create", target=dev.develop_id,
              details=body.model_dump(), request_id=request_id, now_ms=now_ms)
        return DeveloperCreated(developId=dev.develop_id, accessKey=key.access_key, secret=secret,
                                status=dev.status)


def _developer_out(session: Session, devs: list[Developer]) -> list[DeveloperOut]:
    if not devs:
        return []
    dev_ids = [d.id for d in devs]
    keys: dict[int, list[KeyOut]] = {d: [] for d in dev_ids}
    for k in session.execute(select(ApiKey).where(ApiKey.developer_id.in_(dev_ids)).order_by(ApiKey.id)).scalars():
        keys[k.developer_id].append(KeyOut(accessKey=k.access_key, status=k.status,
                                           hmacOnly=k.hmac_only, lastUsedTime=k.last_used_at))
    subs = dict(
        session.execute(
            select(SubAccount.developer_id, func.count()).where(SubAccount.developer_id.in_(dev_ids))
            .group_by(SubAccount.developer_id)
        ).tuples().all()
    )
    balances = wallet.balances(session, dev_ids)
    return [
        DeveloperOut(
            developId=d.develop_id, name=d.name, contactEmail=d.contact_email, remark=d.remark,
            status=d.status, balance=balances[d.id], keys=keys[d.id],
            subAccountCount=int(subs.get(d.id, 0)), rateLimitPerMinute=d.rate_limit_per_minute,
            cashierPayAllowed=d.cashier_pay_allowed, createTime=d.created_at,
        )
        for d in devs
    ]


def update_developer(
    db: Database, body: DeveloperUpdate, now_ms: int, *, actor: str, request_id: str | None
) -> DeveloperOut:
    with db.transaction() as s:
        dev = _get_developer(s, body.developId)
        changes = body.model_dump(exclude_unset=True, exclude={"developId"})
        mapping = {"name": "name", "contactEmail": "contact_email", "remark": "remark",
                   "rateLimitPerMinute": "rate_limit_per_minute",
                   "cashierPayAllowed": "cashier_pay_allowed", "status": "status"}
        for field, column in mapping.items():
            if field in changes and changes[field] is not None:
                setattr(dev, column, changes[field])
        dev.modified_at = now_ms
        audit(s, actor=actor, action="developer.update", target=dev.develop_id, details=changes,
              request_id=request_id, now_ms=now_ms)
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
            conditions.append(or_(Developer.name.ilike(like), Developer.develop_id == keyword,
                                  Developer.contact_email.ilike(like)))
        query = select(Developer).where(*conditions).order_by(Developer.id.desc())
        total = None
        if page.cursor is not None:
            query = query.where(Developer.id < int(page.cursor[0]))
        else:
            total = s.execute(select(func.count()).select_from(Developer).where(*conditions)).scalar_one()
            query = query.offset(page.offset)
        devs = list(s.execute(query.limit(page.page_size + 1)).scalars())
        more = len(devs) > page.page_size
        devs = devs[: page.page_size]
        cursor = encode_cursor((devs[-1].id,)) if more and devs else None
        return Page(_developer_out(s, devs), page.page_size, total,
                    None if page.cursor else page.page_no, cursor)


def update_key(
    db: Database, settings: Settings, body: KeyUpdate, now_ms: int, *, actor: str,
    request_id: str | None,
) -> KeyUpdated:
    if bool(body.accessKey) == bool(body.developId):
        raise validation_error("accessKey", "give exactly one of accessKey (change a key) or developId (add a key)")
    with db.transaction() as s:
        secret: str | None = None
        previous_expiry: int | None = None
        if body.developId:
            dev = _get_developer(s, body.developId)
            active = s.execute(
                select(func.count()).select_from(ApiKey)
                .where(ApiKey.developer_id == dev.id, ApiKey.status == "enabled")
            ).scalar_one()
            if active >= MAX_ACTIVE_KEYS:
                raise Conflict(f"a developer has at most {MAX_ACTIVE_KEYS} active keys")
            key, secret = _new_key(s, settings, dev.id, bool(body.hmacOnly), now_ms)
            if body.status:
                key.status = body.status
            action = "key.create"
        else:
            key = s.execute(select(ApiKey).where(ApiKey.access_key == body.accessKey)).scalar_one_or_none()
            if key is None:
                raise NotFound("no such access key")
            if body.status == "enabled" and key.status != "enabled":
                active = s.execute(
                    select(func.count()).select_from(ApiKey)
                    .where(ApiKey.developer_id == key.developer_id, ApiKey.status == "enabled")
                ).scalar_one()
                if active >= MAX_ACTIVE_KEYS:
                    raise Conflict(f"a developer has at most {MAX_ACTIVE_KEYS} active keys")
            if body.rotate:
                grace = settings.secret_grace_seconds if body.graceSeconds is None else body.graceSeconds
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
        audit(s, actor=actor, action=action, target=key.access_key,
              details=body.model_dump(exclude_unset=True), request_id=request_id, now_ms=now_ms)
        return KeyUpdated(accessKey=key.access_key, status=key.status, hmacOnly=key.hmac_only,
                          secret=secret, previousSecretExpireTime=previous_expiry)


# --- sub-accounts (ENDPOINTS 0.3, 0.4) ------------------------------------------------------
def _sub_out(sub: SubAccount) -> SubAccountOut:
    return SubAccountOut(userId=sub.user_id, userName=sub.user_name, remark=sub.remark,
                         status=sub.status, createTime=sub.created_at, modifyTime=sub.modified_at)


def save_sub_account(db: Database, caller: Caller, body: SubAccountIn, now_ms: int) -> SubAccountOut:
    if caller.user_id is not None:
        raise ApiError(40301, "only the main account manages sub-accounts")
    with db.transaction() as s:
        sub = None
        if body.userId:
            sub = s.execute(
                select(SubAccount).where(SubAccount.developer_id == caller.developer_id,
                                         SubAccount.user_id == body.userId)
            ).scalar_one_or_none()
        if sub is None:
            if not body.userName:
                raise validation_error("userName", "required when creating a sub-account")
            sub = SubAccount(
                developer_id=caller.developer_id, user_id=body.userId or ids.numeric_id(13),
                user_name=body.userName, remark=body.remark, status=body.status or "enabled",
                created_at=now_ms, modified_at=now_ms,
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
        total = s.execute(select(func.count()).select_from(SubAccount).where(*conditions)).scalar_one()
        rows = s.execute(
            select(SubAccount).where(*conditions).order_by(SubAccount.id)
            .offset(page.offset).limit(page.page_size)
        ).scalars()
        return Page([_sub_out(r) for r in rows], page.page_size, total, page.page_no, None)
