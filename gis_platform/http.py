"""HTTP caching headers and the JSON error body, one place for every view.

Caching: a response is either *public* (any cache may keep it, `max_age_s` then
revalidate) or *private* (the browser only, and `no-cache`: revalidate every time).
Validators are an ETag built from ids and versions that never go back (see
docs/architecture.md "Caches") and the time of the last change. Whatever depends on
who is signed in varies on Cookie.

Errors: the JSON API answers `{"detail": "...", "errors": {field: message}}` (the
`errors` object only when fields are at fault). OGC API keeps its standard exception
body `{code, description}` and Open311 its list of `{code, description}`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date
from rest_framework.response import Response

PRIVATE_REVALIDATE = "private, no-cache"
NO_STORE = "private, no-store"
# Any cache may keep it but must ask every time (service worker, live layers).
REVALIDATE = "no-cache"

R = TypeVar("R", bound=HttpResponseBase)


def weak_etag(*parts: object) -> str:
    """A weak ETag over `parts` (ids, versions, the request's own salt)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()
    return f'W/"{digest[:32]}"'


def etag_matches(request: HttpRequest, etag: str) -> bool:
    """Whether If-None-Match names `etag` (or is `*`): answer 304."""
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or etag in tags


def cache_control(*, public: bool, max_age_s: int = 0, revalidate: bool = True) -> str:
    """The Cache-Control value: `public` or `private`, kept `max_age_s`, then
    revalidated (`must-revalidate`) or not. Private with no age is `no-cache`."""
    if not public and max_age_s == 0:
        return PRIVATE_REVALIDATE
    value = f"{'public' if public else 'private'}, max-age={max_age_s}"
    return f"{value}, must-revalidate" if revalidate else value


def set_cache(
    response: R,
    *,
    public: bool | None = None,
    max_age_s: int = 0,
    revalidate: bool = True,
    value: str | None = None,
    etag: str | None = None,
    last_modified: datetime | None = None,
    vary: tuple[str, ...] = (),
) -> R:
    """Set Cache-Control (from `public`/`max_age_s`, or a literal `value` such as
    NO_STORE), the validators and Vary on `response`; return it."""
    if value is None and public is not None:
        value = cache_control(public=public, max_age_s=max_age_s, revalidate=revalidate)
    if value is not None:
        response["Cache-Control"] = value
    if etag is not None:
        response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    if vary:
        patch_vary_headers(response, vary)
    return response


def set_versioned(
    response: R,
    *,
    public: bool,
    etag: str,
    updated: datetime | None,
    vary_cookie: bool = True,
) -> R:
    """The headers of a response built from a versioned source: always revalidate
    (ETag + Last-Modified); private ones vary on Cookie (when `vary_cookie`)."""
    return set_cache(
        response,
        public=public,
        etag=etag,
        last_modified=updated,
        vary=("Cookie",) if vary_cookie and not public else (),
    )


def json_error(
    detail: str,
    *,
    status: int = 400,
    errors: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JsonResponse:
    """The JSON API's one error body: {"detail": ..., "errors": {field: message}}."""
    body: dict[str, object] = {"detail": str(detail)}
    if errors:
        body["errors"] = {name: str(message) for name, message in errors.items()}
    response = JsonResponse(body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _first_message(value: object) -> str:
    while isinstance(value, list | tuple) and value:
        value = value[0]
    if isinstance(value, dict):
        return _first_message(next(iter(value.values()), ""))
    return str(value)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler (settings REST_FRAMEWORK["EXCEPTION_HANDLER"]), with its
    answers in the JSON API's one body: field errors of a serializer become
    `{"detail": <summary>, "errors": {field: <first message>}}`."""
    from django.utils.translation import gettext as _
    from rest_framework.views import exception_handler

    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and set(data) <= {"detail", "errors"}:
        return response
    if isinstance(data, dict):
        errors = {str(name): _first_message(value) for name, value in data.items()}
        detail = (
            next(iter(errors.values()))
            if len(errors) == 1
            else _("Please check the %(n)d fields marked.") % {"n": len(errors)}
        )
        response.data = {"detail": detail, "errors": errors}
    else:
        response.data = {"detail": _first_message(data)}
    return response
