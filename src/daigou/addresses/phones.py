"""Phone numbers in Chinese addresses, checked with Google's libphonenumber (``phonenumbers``)."""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType


def mobile(text: str, region: str = "CN") -> str | None:
    """The national form of a valid mobile number (``13812345678``), or None.

    Accepts spaces, dashes and a ``+86``/``0086`` prefix. A fixed line is not a mobile.
    """
    parsed = _parse(text, region)
    if parsed is None:
        return None
    kind = phonenumbers.number_type(parsed)
    if kind not in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        return None
    return str(parsed.national_number)


def phone(text: str, region: str = "CN") -> str | None:
    """A valid number of any kind (mobile or fixed line) in E.164 form, or None."""
    parsed = _parse(text, region)
    if parsed is None:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_valid_number(parsed) else None
