"""Signed links sent in messages: no account needed, nothing stored, each one for
one purpose (a salt per purpose) and, where it grants access, expiring."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing

_SALTS = {
    "mine": "petakota.reports.mine",
    "verdict": "petakota.reports.verdict",
    "unsubscribe": "petakota.reports.unsubscribe",
    "confirm": "petakota.reports.confirm",
}


class BadToken(Exception):
    """The link is broken, forged, for something else or too old."""


def make(purpose: str, value: Any) -> str:
    return signing.dumps(value, salt=_SALTS[purpose], compress=True)


def read(purpose: str, token: str, *, max_age_s: int | None = None) -> Any:
    if not isinstance(token, str) or not token or len(token) > 500:
        raise BadToken
    try:
        return signing.loads(token, salt=_SALTS[purpose], max_age=max_age_s)
    except signing.BadSignature:  # includes SignatureExpired
        raise BadToken from None


def my_reports_max_age_s() -> int:
    return settings.PETAKOTA_MY_REPORTS_LINK_HOURS * 3600


def verdict_max_age_s() -> int:
    return settings.PETAKOTA_VERDICT_DAYS * 86400
