"""Push tokens: one per agency (or per station group), shown once, stored hashed."""

from __future__ import annotations

import hashlib
import secrets

from observations.models import PushToken
from tenancy.models import Agency


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_push_token(agency: Agency, name: str) -> tuple[PushToken, str]:
    """A new token for `agency`'s stations; the raw token is returned only here."""
    raw = secrets.token_urlsafe(32)
    token = PushToken.objects.create(
        city_id=agency.city_id, agency=agency, name=name, token_hash=hash_token(raw)
    )
    return token, raw
