"""Request signatures (the gateway's CONTRACT section 2)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import quote


def md5_signature(access_key: str, nonce: str, timestamp: str, secret: str) -> str:
    text = f"access-key={access_key}&nonce-str={nonce}&timestamp={timestamp}&secret={secret}"
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    enc = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in enc)


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
    text = "\n".join(
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
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest().upper()
