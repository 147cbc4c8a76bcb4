"""The dashboard's JSON and exports (/api/<city>/dashboard/...): the figures, the
live feed polled with a cursor, and CSV/XLSX exports of reports and their timeline.

Staff only (tenancy.access.may_watch_control_room); filters are checked whole before
anything is read or streamed: a bad one is a 400 with the field at fault."""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dashboard import exports, payload
from dashboard.selectors import (
    Clock,
    FilterError,
    Filters,
    latest_event_id,
    parse_cursor,
    parse_filters,
)
from gis_platform.http import NO_STORE, PRIVATE_REVALIDATE, json_error, set_cache
from tenancy.access import may_watch_control_room
from tenancy.models import City
from tenancy.resolve import city_or_404

View = Callable[..., HttpResponseBase]


def staff_api(view: View) -> View:
    """Resolve the city, check access, parse the filters; errors as JSON."""

    @functools.wraps(view)
    def wrapper(
        request: HttpRequest, city_slug: str, **kwargs: Any
    ) -> HttpResponseBase:
        city = city_or_404(city_slug, with_boundary=False)
        if not request.user.is_authenticated:
            return json_error(_("Sign in first."), status=401)
        if not may_watch_control_room(request.user, city):
            return json_error(_("The control room is for operators."), status=403)
        try:
            filters = parse_filters(city, request.GET)
        except FilterError as exc:
            return json_error(exc.message, errors={exc.field: exc.message})
        return view(request, city, filters, **kwargs)

    return require_GET(wrapper)


# Every open dashboard asks for the figures after each new event: the answer is
# shared for up to a minute, keyed on the city's latest event id (ids never go back:
# any change to a report leaves an event) and the filters.
FIGURES_CACHE_S = 60


@staff_api
def figures_api(request: HttpRequest, city: City, filters: Filters) -> HttpResponse:
    minute = int(time.time() // FIGURES_CACHE_S)
    wanted = urlencode(sorted(filters.query().items()))
    digest = hashlib.sha256(wanted.encode()).hexdigest()[:32]
    key = f"dashboard:{city.pk}:{latest_event_id(city)}:{minute}:{digest}"
    body = cache.get(key)
    if body is None:
        body = payload.figures(city, filters, Clock.of(city))
        cache.set(key, body, FIGURES_CACHE_S)
    response = JsonResponse(body)
    return set_cache(response, value=PRIVATE_REVALIDATE, vary=("Cookie",))


@staff_api
def feed_api(request: HttpRequest, city: City, filters: Filters) -> HttpResponse:
    try:
        after = parse_cursor(request.GET)
    except FilterError as exc:
        return json_error(exc.message, errors={exc.field: exc.message})
    response = JsonResponse(payload.feed(city, filters, after))
    return set_cache(response, value=NO_STORE)


@staff_api
def export_api(
    request: HttpRequest, city: City, filters: Filters, what: str, fmt: str
) -> HttpResponseBase:
    name = f"{city.slug}-{what}.{fmt}"
    if fmt == "csv":
        lines = exports.csv_lines(city, filters, what)
        response: HttpResponseBase = StreamingHttpResponse(
            lines, content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            exports.xlsx_bytes(city, filters, what),
            content_type=exports.XLSX_TYPE,
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return set_cache(response, value=NO_STORE)
