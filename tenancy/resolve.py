"""The city a request is about, resolved once, with one 404 for every surface.

Every view that takes a `<city_slug>` from its URL calls `city_or_404`: pages, the
JSON API, OGC, tiles, imports, reports and Open311 all answer an unknown (or
unreadable) slug with the same 404 "No such city.", before any other work."""

from __future__ import annotations

from django.http import Http404

from gis_platform.edges import has_control_chars
from tenancy.models import City

NO_SUCH_CITY = "No such city."


def city_or_404(city_slug: str, *, with_boundary: bool = True) -> City:
    """The city named `city_slug`, or Http404.

    `with_boundary=False` defers the (large) boundary polygon for requests that do
    not need it; it is still loaded on first access."""
    # A NUL byte cannot travel to PostgreSQL as text; no slug holds a control char.
    if has_control_chars(city_slug):
        raise Http404(NO_SUCH_CITY)
    cities = City.objects.all() if with_boundary else City.objects.defer("boundary")
    city = cities.filter(slug=city_slug).first()
    if city is None:
        raise Http404(NO_SUCH_CITY)
    return city
