"""The permits JSON API (/api/<city>/permits/): filtered and spatial lists, statistics
per kecamatan and type, tracking for the applicant, exports, the code lists.

Public fields only (BLDS names, permits.selectors.public_properties); staff of the
licensing agency also see their applications in lists, never applicant data. Every
parameter is checked before the first byte; errors are {detail, errors}."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.contrib.gis.geos import GEOSException, GEOSGeometry, Point
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gis_platform.edges import (
    EdgeError,
    check_coordinates,
    check_lon_lat,
    clean_text,
    has_control_chars,
    parse_float,
    parse_int,
)
from gis_platform.http import NO_STORE, REVALIDATE, json_error, set_cache
from permits.models import Kbli, Permit, PermitType, Status
from permits.selectors import (
    PermitFilter,
    city_today,
    feature_collection,
    filtered,
    geojson_answer,
    public_geojson_answer,
    public_properties,
    public_rows,
    public_timeline,
    stats_by_area,
    visible_permits,
)
from permits.services import code_matches
from permits.sources import PUBLIC_PROPERTIES
from tenancy.access import Scope, agency_work_scope
from tenancy.models import SRID, AdminArea, City
from tenancy.resolve import NO_SUCH_CITY, city_or_404

MAX_LIMIT = 10_000
MAX_RADIUS_M = 50_000
MAX_WITHIN_CHARS = 200_000


def parse_filter(params: Any, city: City) -> PermitFilter:
    """A PermitFilter from query parameters, or EdgeError naming the bad one (the
    kecamatan looked up: a query)."""
    f = parse_filter_params(params)
    if f.kecamatan_key:
        areas = AdminArea.objects.filter(
            city=city, level=AdminArea.Level.KECAMATAN
        ).only("id", "code", "name")
        area = (
            areas.filter(code=f.kecamatan_key).first()
            or areas.filter(name__iexact=f.kecamatan_key).first()
        )
        if area is None:
            raise EdgeError("kecamatan", no_such_kecamatan())
        f.kecamatan = area
        f.kecamatan_key = ""
    return f


def no_such_kecamatan() -> str:
    return _("no such kecamatan in this city.")


def parse_filter_params(params: Any) -> PermitFilter:
    """A PermitFilter from query parameters without touching the database (the
    kecamatan stays a key, `kecamatan_key`), or EdgeError naming the bad one."""
    f = PermitFilter()
    f.permit_type = clean_text(
        params.get("type", ""), "type", max_length=40, multiline=False
    ).strip()
    statuses = clean_text(
        params.get("status", ""), "status", max_length=200, multiline=False
    )
    wanted = tuple(s.strip() for s in statuses.split(",") if s.strip())
    unknown = [s for s in wanted if s not in Status.values]
    if unknown:
        raise EdgeError("status", _("unknown status %(s)s.") % {"s": unknown[0][:40]})
    f.status = wanted
    kecamatan = clean_text(
        params.get("kecamatan", ""), "kecamatan", max_length=200, multiline=False
    ).strip()
    f.kecamatan_key = kecamatan
    within = params.get("within", "")
    if within:
        f.within = parse_area(within)
    days = params.get("expiring_days", "")
    if days != "":
        f.expiring_days = parse_int(days, "expiring_days", minimum=0, maximum=3650)
    lon, lat = params.get("lon", ""), params.get("lat", "")
    if lon != "" or lat != "":
        x = parse_float(lon, "lon")
        y = parse_float(lat, "lat")
        check_lon_lat(x, y, "lon")
        f.near = Point(x, y, srid=SRID)
        f.radius_m = parse_float(
            params.get("radius_m", "500"), "radius_m", minimum=1, maximum=MAX_RADIUS_M
        )
    f.number = clean_text(
        params.get("number", ""), "number", max_length=60, multiline=False
    ).strip()
    f.limit = parse_int(
        params.get("limit", "1000"), "limit", minimum=1, maximum=MAX_LIMIT
    )
    return f


def parse_area(raw: Any) -> GEOSGeometry:
    """A GeoJSON Polygon or MultiPolygon (lon/lat) from a parameter."""
    text = clean_text(raw, "within", max_length=MAX_WITHIN_CHARS)
    try:
        data = json.loads(text)
    except ValueError:
        raise EdgeError("within", _("must be a GeoJSON polygon.")) from None
    if not isinstance(data, dict) or data.get("type") not in (
        "Polygon",
        "MultiPolygon",
    ):
        raise EdgeError("within", _("must be a GeoJSON Polygon or MultiPolygon."))
    check_coordinates(data.get("coordinates"), "within")
    try:
        area = GEOSGeometry(json.dumps(data), srid=SRID)
    except (GEOSException, ValueError, TypeError):
        raise EdgeError("within", _("is not a valid polygon.")) from None
    if not area.valid:
        raise EdgeError("within", _("is not a valid polygon."))
    return area


def _scope(request: HttpRequest, city: City) -> Scope | None:
    return agency_work_scope(request.user, city)


def _bad(exc: EdgeError) -> JsonResponse:
    return json_error(exc.message, errors={exc.field: exc.message})


@require_GET
def permits_api(request: HttpRequest, city_slug: str) -> HttpResponse:
    """GET: permits as GeoJSON. type, status (a,b), kecamatan (code or name), within
    (GeoJSON polygon), expiring_days, lon/lat/radius_m (nearest first, distance_m),
    number, limit.

    For the public this is ONE statement: the city (by slug), its local date and the
    kecamatan (by code or name) are subqueries of it and PostgreSQL builds the body
    (selectors.public_geojson_answer). Staff need their scope first (membership
    queries), then one ORM-built statement of the same shape."""
    if has_control_chars(city_slug):
        raise Http404(NO_SUCH_CITY)
    try:
        f = parse_filter_params(request.GET)
    except EdgeError as exc:
        city_or_404(city_slug, with_boundary=False)  # an unknown city is 404 first
        return _bad(exc)
    scope: Scope | None = None
    if request.user.is_authenticated:
        city = city_or_404(city_slug, with_boundary=False)
        scope = _scope(request, city)
    if scope is None:
        answer = public_geojson_answer(city_slug, f)
    else:  # staff: their agencies' applications too (the ORM-built statement)
        rows = filtered(visible_permits(city, scope), f, city_today(city), city.pk)
        answer = geojson_answer(rows, f.limit, city.pk, f.kecamatan_key)
    if answer.city_id is None:
        raise Http404(NO_SUCH_CITY)
    if f.kecamatan_key and answer.kecamatan_id is None:
        return _bad(EdgeError("kecamatan", no_such_kecamatan()))
    response = HttpResponse(answer.body, content_type="application/geo+json")
    return set_cache(response, value=REVALIDATE if scope is None else NO_STORE)


@require_GET
def stats_api(request: HttpRequest, city_slug: str) -> HttpResponse:
    """GET: counts and median days-to-issue per kecamatan and type (same filters)."""
    city = city_or_404(city_slug, with_boundary=False)
    try:
        f = parse_filter(request.GET, city)
    except EdgeError as exc:
        return _bad(exc)
    f.near = None  # a count has no order
    scope = _scope(request, city)
    rows = filtered(visible_permits(city, scope), f, city_today(city))
    response = JsonResponse({"groups": stats_by_area(rows.order_by())})
    return set_cache(response, value=REVALIDATE if scope is None else NO_STORE)


@require_GET
def track_api(request: HttpRequest, city_slug: str) -> HttpResponse:
    """GET number & code: the applicant's status and public timeline."""
    city = city_or_404(city_slug, with_boundary=False)
    number = str(request.GET.get("number", ""))[:60]
    code = str(request.GET.get("code", ""))[:20]
    permit = (
        Permit.objects.filter(city=city, number=number)
        .select_related("permit_type")
        .first()
    )
    if permit is None or not code or not code_matches(permit, code):
        # One answer for a wrong number and a wrong code: numbers are not probed.
        return json_error(_("No permit with this number and code."), status=404)
    body = {
        "PermitNum": permit.number,
        "PermitType": permit.permit_type.code,
        "StatusCurrent": permit.status,
        "status_label": str(permit.get_status_display()),
        "AppliedDate": permit.applied_date.isoformat(),
        "IssuedDate": permit.issued_date.isoformat() if permit.issued_date else None,
        "ExpiresDate": permit.expires_date.isoformat() if permit.expires_date else None,
        "timeline": public_timeline(permit),
    }
    return set_cache(JsonResponse(body), value=NO_STORE)


@require_GET
def export_api(request: HttpRequest, city_slug: str, fmt: str) -> HttpResponse:
    """GET: every public permit (same filters) as CSV or GeoJSON, BLDS columns."""
    city = city_or_404(city_slug, with_boundary=False)
    try:
        f = parse_filter(request.GET, city)
    except EdgeError as exc:
        return _bad(exc)
    # Exports are the open-data file: public permits only, whoever asks.
    rows = filtered(visible_permits(city, None), f, city_today(city))
    limit = f.limit if "limit" in request.GET else 1_000_000
    name = f"{city.slug}-permits"
    if fmt == "geojson":
        response = JsonResponse(feature_collection(rows, limit))
        response["Content-Type"] = "application/geo+json"
        response["Content-Disposition"] = f'attachment; filename="{name}.geojson"'
        return set_cache(response, value=REVALIDATE)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PUBLIC_PROPERTIES)
    for row in public_rows(rows)[:limit].iterator(chunk_size=2000):
        props = public_properties(row)
        writer.writerow([_csv_safe(props[k]) for k in PUBLIC_PROPERTIES])
    table = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    table["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return set_cache(table, value=REVALIDATE)


def _csv_safe(value: Any) -> Any:
    """Spreadsheet formula injection: a text cell starting with = + - @ is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


@require_GET
def code_lists_api(request: HttpRequest, city_slug: str) -> HttpResponse:
    """GET: the city's permit types and KBLI codes (public code lists)."""
    city = city_or_404(city_slug, with_boundary=False)
    body = {
        "permit_types": [
            {
                "code": t.code,
                "name": t.name,
                "group": t.group,
                "requires_kbli": t.requires_kbli,
                "validity_months": t.validity_months,
            }
            for t in PermitType.objects.filter(city=city, active=True)
        ],
        "kbli": [
            {"code": k.code, "title": k.title, "risk": k.risk or None}
            for k in Kbli.objects.filter(city=city)
        ],
        "statuses": {s.value: str(s.label) for s in Status},
    }
    return set_cache(JsonResponse(body), public=True, max_age_s=300)
