"""Identifier formats of CONTRACT section 5."""

from __future__ import annotations

import secrets


def access_key() -> str:
    return secrets.token_hex(16)  # 32 lowercase hex


def api_secret() -> str:
    return secrets.token_hex(32)


def request_id() -> str:
    return secrets.token_hex(16)


def numeric_id(digits: int = 19) -> str:
    """A decimal id of exactly `digits` digits (1688 / PandaPon style), first digit 1..9."""
    low = 10 ** (digits - 1)
    return str(low + secrets.randbelow(9 * low))


def develop_id() -> str:
    return numeric_id(19)


def ledger_entry_id() -> str:
    return "le_" + secrets.token_hex(12)


def message_id() -> str:
    return "msg_" + secrets.token_hex(12)


def webhook_secret() -> str:
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
