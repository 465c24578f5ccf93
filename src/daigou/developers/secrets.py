"""Encryption of API secrets at rest: the helpers live in daigou.core.sealed, shared with the
callback secrets of daigou.messages (which may not import this domain)."""

from __future__ import annotations

from daigou.core.sealed import seal, unseal

__all__ = ["seal", "unseal"]
