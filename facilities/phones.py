"""Indonesian phone numbers: read what people write, store one form, show it grouped.

Accepted: mobile and landline numbers written nationally or internationally
("0812-3456-7890", "+62 812 3456 7890", "(021) 5527-1234", "62215527123"), and
service numbers that are only dialled inside Indonesia: emergency and utility short
codes (112, 118, 119, 113, 110, 123, 129, ...), call centres 1500xxx/1400xxx, and
toll-free 0800-xxxxxxx. Stored as E.164 ("+6281234567890") or, for service numbers,
as their digits ("112", "1500488", "08001234567"). Anything else is refused.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-.()/]")
# National significant number: a landline area code (2-3 digits, first 2-9, not 8)
# then the subscriber number, or a mobile 8xx prefix; 8 to 12 digits in all.
_NSN = re.compile(r"[2-9][0-9]{7,11}")
_SHORT = re.compile(r"1[0-9]{2}")
_CALL_CENTRE = re.compile(r"1[45]00[0-9]{3,4}")
_TOLL_FREE = re.compile(r"0800[0-9]{6,8}")
# Area codes written with two digits after the 0 (Jakarta, Bandung, Semarang,
# Surabaya, Medan); the others have three.
_TWO_DIGIT_AREAS = ("21", "22", "24", "31", "61")
MAX_LENGTH = 32


class PhoneError(ValueError):
    pass


def normalise(text: str, *, allow_service: bool = True) -> str:
    """The stored form of `text`, or PhoneError."""
    if not isinstance(text, str):
        raise PhoneError("A phone number must be text.")
    raw = text.strip()
    if not raw:
        raise PhoneError("The phone number is empty.")
    if len(raw) > MAX_LENGTH:
        raise PhoneError(f"A phone number is at most {MAX_LENGTH} characters.")
    compact = _SEPARATORS.sub("", raw)
    international = compact.startswith("+")
    digits = compact[1:] if international else compact
    if not digits.isascii() or not digits.isdigit():
        raise PhoneError(f"{raw!r} is not a phone number (digits, spaces, - or +).")
    if not international and allow_service:
        for pattern in (_SHORT, _CALL_CENTRE, _TOLL_FREE):
            if pattern.fullmatch(digits):
                return digits
    if international:
        if not digits.startswith("62"):
            raise PhoneError(f"{raw!r} is not an Indonesian number (+62).")
        nsn = digits[2:]
    elif digits.startswith("62") and _NSN.fullmatch(digits[2:]):
        nsn = digits[2:]
    elif digits.startswith("0"):
        nsn = digits[1:]
    else:
        raise PhoneError(
            f"{raw!r}: write the number with its area code or 0 prefix "
            "(e.g. 021-5527-1234, 0812-3456-7890)."
        )
    if not _NSN.fullmatch(nsn):
        raise PhoneError(f"{raw!r} has the wrong number of digits for Indonesia.")
    if nsn.startswith("8") and not (9 <= len(nsn) <= 12):
        raise PhoneError(f"{raw!r}: a mobile number has 10 to 13 digits.")
    return "+62" + nsn


def display(stored: str) -> str:
    """How a stored number is shown: "(021) 5527-1234", "0812-3456-7890", "112"."""
    if not stored.startswith("+62"):
        return stored
    nsn = stored[3:]
    if nsn.startswith("8"):
        head, rest = nsn[:3], nsn[3:]
        groups = [rest[i : i + 4] for i in range(0, len(rest), 4)]
        return "0" + head + "-" + "-".join(groups)
    area_len = 2 if nsn[:2] in _TWO_DIGIT_AREAS else 3
    area, rest = nsn[:area_len], nsn[area_len:]
    cut = len(rest) - 4 if len(rest) > 6 else len(rest)
    number = f"{rest[:cut]}-{rest[cut:]}" if cut < len(rest) else rest
    return f"(0{area}) {number}"


def tel_uri(stored: str) -> str:
    """The href of a tap-to-call link."""
    return f"tel:{stored}"
