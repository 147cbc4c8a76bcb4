"""The reporter's phone number as the gateways want it (E.164, +62... for Indonesia)."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s().\-/]")


def normalise_phone(raw: str) -> str | None:
    """'0812-3456-7890', '+62 812 3456 7890' or '62812...' -> '+6281234567890'; a
    number with another country code is kept in E.164; None when it is not a phone
    number (letters, too short or too long)."""
    text = _SEPARATORS.sub("", raw or "")
    if not text:
        return None
    if text.startswith("+"):
        digits = text[1:]
    elif text.startswith("00"):
        digits = text[2:]
    elif text.startswith("0"):
        digits = "62" + text[1:]
    elif text.startswith("62"):
        digits = text
    else:
        return None
    # ASCII digits only: str.isdigit() would accept Arabic-Indic and other digits.
    if not digits.isascii() or not digits.isdigit():
        return None
    if digits.startswith("62"):
        national = digits[2:]
        # Mobile numbers 8xx (9-12 digits after 62), landlines with an area code.
        if not 8 <= len(national) <= 12 or national.startswith("0"):
            return None
    elif not 8 <= len(digits) <= 15:
        return None
    return "+" + digits
