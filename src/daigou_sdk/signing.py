"""Request signatures (the gateway's CONTRACT section 2). HMAC-SHA256 signs the path exactly as
it is sent: :func:`wire_path` gives that form, and the client sends the same string."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import quote


def md5_signature(access_key: str, nonce: str, timestamp: str, secret: str) -> str:
    text = f"access-key={access_key}&nonce-str={nonce}&timestamp={timestamp}&secret={secret}"
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


def wire_path(path: str) -> str:
    """The path as it goes on the wire: characters a path may not carry percent-encoded (UTF-8),
    existing %XX escapes and reserved characters kept. Sign this, and send this."""
    return quote(path, safe="/:@!$&'()*+,;=-._~%")


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
