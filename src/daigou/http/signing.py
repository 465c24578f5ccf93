"""The two request signature methods of CONTRACT section 2. Pure functions, no I/O.

HMAC-SHA256 signs the path exactly as the client sent it (percent-encoding and all, without the
query): ``/open/a%2Fb`` is signed as ``/open/a%2Fb``, never as the decoded ``/open/a/b``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote

MD5 = "MD5"
HMAC_SHA256 = "HMAC-SHA256"
METHODS = (MD5, HMAC_SHA256)


def md5_string_to_sign(access_key: str, nonce: str, timestamp: str, secret: str) -> str:
    return f"access-key={access_key}&nonce-str={nonce}&timestamp={timestamp}&secret={secret}"


def md5_signature(access_key: str, nonce: str, timestamp: str, secret: str) -> str:
    text = md5_string_to_sign(access_key, nonce, timestamp, secret)
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


def _rfc3986(value: str) -> str:
    return quote(value, safe="-_.~")


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Sort by name then value; percent-encode each per RFC 3986 (space -> %20)."""
    encoded = sorted((_rfc3986(name), _rfc3986(value)) for name, value in pairs)
    return "&".join(f"{name}={value}" for name, value in encoded)


def signed_path(scope: Mapping[str, Any]) -> str:
    """The request's path as sent (ASGI ``raw_path``, without the query); a server that gives
    no raw path: the decoded path, percent-encoded again."""
    raw = scope.get("raw_path")
    if raw:
        return bytes(raw).split(b"?", 1)[0].decode("utf-8", "replace")
    return quote(str(scope.get("path", "/")), safe="/:@!$&'()*+,;=-._~")


def query_pairs(raw_query: str | bytes) -> list[tuple[str, str]]:
    if isinstance(raw_query, bytes):
        raw_query = raw_query.decode("latin-1")
    return parse_qsl(raw_query, keep_blank_values=True)


def hmac_string_to_sign(
    method: str,
    path: str,
    pairs: Iterable[tuple[str, str]],
    access_key: str,
    timestamp: str,
    nonce: str,
    body: bytes,
) -> str:
    return "\n".join(
        [
            method.upper(),
            path,
            canonical_query(pairs),
            access_key,
            timestamp,
            nonce,
            hashlib.sha256(body).hexdigest(),
        ]
    )


def hmac_signature(
    method: str,
    path: str,
    pairs: Iterable[tuple[str, str]],
    access_key: str,
    timestamp: str,
    nonce: str,
    body: bytes,
    secret: str,
) -> str:
    text = hmac_string_to_sign(method, path, pairs, access_key, timestamp, nonce, body)
    return (
        hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest().upper()
    )


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two signatures."""
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))
