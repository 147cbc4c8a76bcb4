"""The jobs JSON API (/api/<city>/jobs/): the public list with filters and "near
me", one vacancy, the planners' figures and the clusters by industrial estate. Only
published, open vacancies; errors as gis_platform.http.json_error."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from gis_platform.http import json_error, set_cache
from jobs.selectors import (
    estate_clusters,
    figures,
    parse_search,
    public_vacancy,
    search_body,
    vacancy_payload,
)
from tenancy.resolve import city_or_404

MAX_AGE_S = 60


def _public(response: HttpResponse) -> HttpResponse:
    return set_cache(response, public=True, max_age_s=MAX_AGE_S)


def vacancies(request: HttpRequest, city_slug: str) -> HttpResponse:
    """?occupation=&sector=&education=&employment_type=&salary=&lon=&lat=
    (or &kelurahan=code)&within_km=&limit="""
    city = city_or_404(city_slug, with_boundary=False)
    search = parse_search(city, request.GET)
    if search.errors:
        return json_error(_("Some parameters are not valid."), errors=search.errors)
    # One statement; PostgreSQL writes the body (see search_body).
    body = search_body(city, search)
    return _public(HttpResponse(body, content_type="application/json"))


def vacancy(request: HttpRequest, city_slug: str, pk: int) -> HttpResponse:
    city = city_or_404(city_slug, with_boundary=False)
    found = public_vacancy(city, pk)
    if found is None:
        return json_error(_("No such vacancy."), status=404)
    return _public(JsonResponse(vacancy_payload(found)))


def planner_figures(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = city_or_404(city_slug, with_boundary=False)
    return _public(JsonResponse(figures(city)))


def estates(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = city_or_404(city_slug, with_boundary=False)
    return _public(JsonResponse({"clusters": estate_clusters(city)}))
