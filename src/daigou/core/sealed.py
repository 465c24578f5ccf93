"""Secrets encrypted at rest (Fernet): API secrets and callback signing secrets.

The key is the settings' ``resolved_secret_key``; callers pass it in (core reads no settings).
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken


@lru_cache(maxsize=8)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def seal(key: str, secret: str) -> str:
    return _fernet(key).encrypt(secret.encode()).decode()


@lru_cache(maxsize=4096)
def unseal(key: str, token: str) -> str:
    try:
        return _fernet(key).decrypt(token.encode()).decode()
    except InvalidToken as exc:  # the data dir's key changed under the database
        raise RuntimeError(
            "cannot decrypt a stored secret: DAIGOU_SECRET_KEY does not match"
        ) from exc


def seal_bytes(key: str, data: bytes) -> bytes:
    return _fernet(key).encrypt(data)


def unseal_bytes(key: str, token: bytes) -> bytes:
    try:
        return _fernet(key).decrypt(token)
    except InvalidToken as exc:
        raise RuntimeError(
            "cannot decrypt a stored response: DAIGOU_SECRET_KEY does not match"
        ) from exc
