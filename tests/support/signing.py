"""The signature rules of CONTRACT section 2, written from the contract for the tests (not
imported from the code under test). `path` is the path exactly as the request sends it
(percent-encoded where it must be; the server signs the raw path, never the decoded one)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from urllib.parse import quote


def md5_sign(access_key: str, nonce: str, timestamp: str, secret: str) -> str:
    s = (
        "access-key="
        + access_key
        + "&nonce-str="
        + nonce
        + "&timestamp="
        + timestamp
        + "&secret="
        + secret
    )
    return hashlib.md5(s.encode("utf-8")).hexdigest().upper()


def _enc(v: str) -> str:
    return quote(v, safe="-_.~")


def hmac_sign(
    method: str,
    path: str,
    params: list[tuple[str, str]],
    access_key: str,
    timestamp: str,
    nonce: str,
    body: bytes,
    secret: str,
) -> str:
    canonical = "&".join(f"{k}={v}" for k, v in sorted((_enc(k), _enc(v)) for k, v in params))
    s = "\n".join(
        [method, path, canonical, access_key, timestamp, nonce, hashlib.sha256(body).hexdigest()]
    )
    return hmac.new(secret.encode(), s.encode(), hashlib.sha256).hexdigest().upper()


def now_ms() -> str:
    return str(int(time.time() * 1000))


def new_nonce() -> str:
    return secrets.token_hex(16)


def headers(
    access_key: str,
    secret: str,
    method: str = "GET",
    path: str = "/",
    params: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    sign_method: str = "HMAC-SHA256",
    user_id: str | None = None,
    timestamp: str | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    ts = timestamp or now_ms()
    n = nonce or new_nonce()
    if sign_method == "MD5":
        sig = md5_sign(access_key, n, ts, secret)
    else:
        sig = hmac_sign(method, path, params or [], access_key, ts, n, body, secret)
    out = {
        "access-key": access_key,
        "timestamp": ts,
        "nonce-str": n,
        "signature": sig,
        "sign-method": sign_method,
    }
    if user_id is not None:
        out["user-id"] = user_id
    return out
