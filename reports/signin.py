"""Staff sign-in with a limit on failures: PETAKOTA_LOGIN_RATE failed attempts per
user name and client IP, then a pause until the window ends, with a message saying
how long. Counted in the default cache (a PostgreSQL table), so every gunicorn
worker sees the same count."""

from __future__ import annotations

import hashlib
import math
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage

THROTTLED = "throttled"


def _usage(request: HttpRequest, username: str, *, increment: bool) -> Any:
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return get_usage(
        request,
        group=f"reports.signin.{name}",
        key="ip",
        rate=settings.PETAKOTA_LOGIN_RATE,
        increment=increment,
    )


def signin_wait_s(request: HttpRequest, username: str) -> int:
    """Seconds until `username` may try again from this address (0: now)."""
    usage = _usage(request, username, increment=False)
    if usage is None or usage["count"] < usage["limit"]:
        return 0
    return max(usage["time_left"], 1)


def record_signin_failure(request: HttpRequest, username: str) -> None:
    _usage(request, username, increment=True)


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses to check a password while its user name and address are paused."""

    def clean(self) -> dict[str, Any]:
        username = str(self.data.get("username") or "")[:150]
        if self.request is not None:
            wait = signin_wait_s(self.request, username)
            if wait:
                minutes = math.ceil(wait / 60)
                raise ValidationError(
                    ngettext(
                        "Too many failed sign-in attempts. Try again in %(n)d minute.",
                        "Too many failed sign-in attempts. Try again in %(n)d minutes.",
                        minutes,
                    )
                    % {"n": minutes},
                    code=THROTTLED,
                )
        try:
            return super().clean()
        except ValidationError:
            if self.request is not None:
                record_signin_failure(self.request, username)
            raise
