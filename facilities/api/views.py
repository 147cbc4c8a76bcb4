"""The facilities JSON API: nearest N of a kind (public, for the console and apps),
one facility, and an agency's update of its own facility (token or session)."""

from __future__ import annotations

import csv
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from facilities import phones
from facilities.models import Facility, FacilityKind
from facilities.selectors import MAX_PER_KIND, nearby_json, nearest
from facilities.services import (
    FacilityError,
    may_update,
    read_update,
    update_facility,
)
from gis_platform.edges import (
    EdgeError,
    check_lon_lat,
    clean_text,
    parse_float,
    parse_int,
    require_object,
)
from gis_platform.http import json_error, set_cache
from importers.spreadsheet import neutralise_formula
from tenancy.models import City
from tenancy.resolve import city_or_404


def point_params(params: Any) -> tuple[float, float]:
    """(lon, lat) from a request's query, refused at the edge."""
    lon = parse_float(params.get("lon"), "lon")
    lat = parse_float(params.get("lat"), "lat")
    check_lon_lat(lon, lat, "lon,lat")
    return lon, lat


class NearestApi(APIView):
    """GET ?lon=&lat=[&kind=code][&n=3]: the nearest `n` facilities of each kind
    (or of `kind`), with distance in metres, open now and beds."""

    authentication_classes: list[Any] = []

    def get(self, request: Request, city_slug: str) -> Response | JsonResponse:
        city = city_or_404(city_slug, with_boundary=False)
        try:
            lon, lat = point_params(request.query_params)
            n = parse_int(
                request.query_params.get("n", "3"), "n", minimum=1, maximum=MAX_PER_KIND
            )
            kind = clean_text(
                request.query_params.get("kind", ""), "kind", max_length=40
            ).strip()
        except EdgeError as exc:
            return json_error(_("Invalid request."), errors={exc.field: exc.message})
        kinds = None
        if kind:
            if not FacilityKind.objects.filter(city=city, code=kind).exists():
                return json_error(
                    _("Invalid request."), errors={"kind": _("No such kind.")}
                )
            kinds = [kind]
        now = timezone.now()
        rows = nearest(city, lon, lat, per_kind=n, kinds=kinds, now=now)
        response = Response(
            {
                "lon": lon,
                "lat": lat,
                "facilities": [nearby_json(r, now) for r in rows],
            }
        )
        # Kind names follow the page language (header or cookie).
        return set_cache(
            response, public=True, max_age_s=30, vary=("Accept-Language", "Cookie")
        )


def facility_json(facility: Facility) -> dict[str, Any]:
    now = timezone.now()
    from facilities.selectors import is_stale

    return {
        "id": facility.pk,
        "kind": facility.kind.code,
        "name": facility.name,
        "agency": facility.agency.slug,
        "lon": facility.geom.x,
        "lat": facility.geom.y,
        "address": facility.address,
        "phones": facility.phones,
        "services": facility.services,
        "opening_hours": facility.opening_hours,
        "opening_hours_structured": facility.hours_structured,
        "hospital_class": facility.hospital_class,
        "emergency_24h": facility.emergency_24h,
        "website": facility.website,
        "beds": [
            {
                "type": b.bed_type,
                "available": b.available,
                "total": b.total,
                "updated_at": b.updated_at.isoformat(),
                "stale": is_stale(b.updated_at, now),
            }
            for b in facility.beds.order_by("bed_type")
        ],
        "updated_at": facility.updated_at.isoformat(),
    }


def _facility(city: City, facility_id: int) -> Facility:
    facility = (
        Facility.objects.filter(city=city, pk=facility_id)
        .select_related("kind", "agency")
        .first()
    )
    if facility is None:
        raise Http404(_("No such facility."))
    return facility


class FacilityApi(APIView):
    """GET: one facility (public). PATCH: its agency updates phones, opening
    hours, services, website, emergency department and beds
    (`{"beds": [{"type": "icu", "available": 2, "total": 10}]}`)."""

    def get(self, request: Request, city_slug: str, facility_id: int) -> Response:
        city = city_or_404(city_slug, with_boundary=False)
        facility = _facility(city, facility_id)
        return set_cache(Response(facility_json(facility)), public=False)

    def patch(
        self, request: Request, city_slug: str, facility_id: int
    ) -> Response | JsonResponse:
        city = city_or_404(city_slug, with_boundary=False)
        if not request.user.is_authenticated:
            return json_error(_("Sign in or send a token."), status=401)
        facility = _facility(city, facility_id)
        if not may_update(request.user, facility):
            return json_error(_("This facility belongs to another agency."), status=403)
        try:
            body = require_object(request.data)
            update = read_update(body)
            facility = update_facility(facility, update)
        except EdgeError as exc:
            return json_error(_("Invalid request."), errors={exc.field: exc.message})
        except FacilityError as exc:
            return json_error(_("Invalid request."), errors=exc.errors)
        facility = _facility(city, facility.pk)
        return set_cache(Response(facility_json(facility)), public=False)


CSV_COLUMNS = (
    "id",
    "kind",
    "name",
    "agency",
    "lon",
    "lat",
    "address",
    "kelurahan",
    "kecamatan",
    "phones",
    "services",
    "opening_hours",
    "hospital_class",
    "emergency_24h",
    "website",
    "beds",
    "beds_updated",
    "source",
    "osm_id",
    "demo",
)


def export_csv(request: HttpRequest, city_slug: str) -> HttpResponse:
    """GET /api/<city>/facilities/export.csv: every active facility, public columns
    (phones as people dial them; no cell starts a spreadsheet formula)."""
    city = city_or_404(city_slug, with_boundary=False)
    rows = (
        Facility.objects.filter(city=city, active=True)
        .select_related("kind", "agency", "kelurahan", "kecamatan")
        .prefetch_related("beds")
        .order_by("kind__order", "name", "pk")
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{city.slug}-fasilitas.csv"'
    )
    response.write("\ufeff")  # spreadsheets read UTF-8 with a BOM
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for f in rows:
        beds = sorted(f.beds.all(), key=lambda b: b.bed_type)
        values = [
            f.pk,
            f.kind.code,
            f.name,
            f.agency.acronym or f.agency.name,
            f"{f.geom.x:.7f}",
            f"{f.geom.y:.7f}",
            f.address,
            f.kelurahan.name if f.kelurahan else "",
            f.kecamatan.name if f.kecamatan else "",
            "; ".join(phones.display(p) for p in f.phones),
            "; ".join(f.services),
            f.opening_hours,
            f.hospital_class,
            "yes" if f.emergency_24h else "no",
            f.website,
            "; ".join(f"{b.bed_type} {b.available}/{b.total}" for b in beds),
            max((b.updated_at for b in beds), default=None) or "",
            f.source,
            f.osm_id,
            "yes" if f.demo else "no",
        ]
        writer.writerow(
            [v if not isinstance(v, str) else neutralise_formula(v) for v in values]
        )
    return set_cache(response, public=True, max_age_s=60)
