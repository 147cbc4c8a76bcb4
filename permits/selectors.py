"""Reads of permits that shape output: the filtered list (public or staff), one
permit's public page and timeline, statistics per kecamatan and type, exports.

Only the public columns of permits/sources.py (PUBLIC_PROPERTIES) ever leave through
`public_properties`; the staff pages read the model directly."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.gis.geos import GEOSGeometry, Point
from django.db.models import (
    Aggregate,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Subquery,
)
from django.utils import timezone

from permits.models import PUBLIC_STATUSES, Permit, PermitEvent
from permits.querysets import PermitQuerySet
from tenancy.access import Scope
from tenancy.models import AdminArea, City


def city_today(city: City) -> date:
    return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(city.time_zone)).date()


@dataclass
class PermitFilter:
    """What a list asks for; every value already checked at the edge."""

    permit_type: str = ""
    status: tuple[str, ...] = ()
    kecamatan: AdminArea | None = None
    within: GEOSGeometry | None = None
    expiring_days: int | None = None
    near: Point | None = None
    radius_m: float | None = None
    number: str = ""
    limit: int = 1000


def visible_permits(city: City, scope: Scope | None) -> PermitQuerySet:
    """Public permits for everyone; staff also see their agencies' applications."""
    rows = Permit.objects.of_city(city.pk)
    if scope is None:
        return rows.public()
    if scope.all_agencies:
        return rows
    return rows.public() | rows.filter(agency_id__in=scope.agency_ids)


def filtered(rows: PermitQuerySet, f: PermitFilter, today: date) -> PermitQuerySet:
    if f.permit_type:
        rows = rows.filter(permit_type__code=f.permit_type)
    if f.status:
        rows = rows.filter(status__in=f.status)
    if f.kecamatan is not None:
        # The polygon stays in the database (a subquery), never sent back and forth.
        rows = rows.within_area(
            Subquery(AdminArea.objects.filter(pk=f.kecamatan.pk).values("geom")[:1])
        )
    if f.within is not None:
        rows = rows.within_area(f.within)
    if f.expiring_days is not None:
        rows = rows.expiring_within(f.expiring_days, today)
    if f.number:
        rows = rows.filter(number__iexact=f.number)
    if f.near is not None and f.radius_m is not None:
        return rows.within_m(f.near, f.radius_m)
    return rows.order_by("expires_date", "id") if f.expiring_days else rows


PUBLIC_FIELDS = (
    "id",
    "number",
    "status",
    "applied_date",
    "issued_date",
    "expires_date",
    "completed_date",
    "business_name",
    "description",
    "permit_type__code",
    "permit_type__name",
    "kelurahan__name",
    "kecamatan__name",
)


def public_rows(rows: PermitQuerySet, *extra: str) -> Any:
    """`values()` rows of PUBLIC_FIELDS plus lon/lat computed by PostGIS (reading
    them from GEOS points in Python costs more than the query)."""
    return rows.annotate(
        lon=Func(F("point"), function="ST_X", output_field=FloatField()),
        lat=Func(F("point"), function="ST_Y", output_field=FloatField()),
    ).values(*PUBLIC_FIELDS, "lon", "lat", *extra)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def public_properties(row: dict[str, Any]) -> dict[str, Any]:
    """The BLDS-named public properties of one permit (a `public_rows` row): the
    same names and values as the engine source's."""
    return {
        "PermitNum": row["number"],
        "PermitType": row["permit_type__code"],
        "PermitTypeDesc": row["permit_type__name"],
        "Description": row["description"],
        "BusinessName": row["business_name"],
        "StatusCurrent": row["status"],
        "AppliedDate": _day(row["applied_date"]),
        "IssuedDate": _day(row["issued_date"]),
        "ExpiresDate": _day(row["expires_date"]),
        "CompletedDate": _day(row["completed_date"]),
        "Latitude": round(row["lat"], 6),
        "Longitude": round(row["lon"], 6),
        "kelurahan": row["kelurahan__name"],
        "kecamatan": row["kecamatan__name"],
    }


def feature_collection(rows: PermitQuerySet, limit: int) -> dict[str, Any]:
    extra = ["distance"] if "distance" in rows.query.annotations else []
    features = []
    for row in public_rows(rows, *extra)[:limit]:
        properties = public_properties(row)
        if extra:
            properties["distance_m"] = round(row["distance"].m, 1)
        features.append(
            {
                "type": "Feature",
                "id": row["id"],
                "geometry": {
                    "type": "Point",
                    "coordinates": [properties["Longitude"], properties["Latitude"]],
                },
                "properties": properties,
            }
        )
    return {
        "type": "FeatureCollection",
        "numberReturned": len(features),
        "features": features,
    }


class Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def days_to_issue() -> Func:
    # date - date is a whole number of days in PostgreSQL.
    return Func(
        F("issued_date"),
        F("applied_date"),
        template="(%(expressions)s)",
        arg_joiner=" - ",
        output_field=IntegerField(),
    )


def stats_by_area(rows: PermitQuerySet) -> list[dict[str, Any]]:
    """Counts and median days from application to issue per kecamatan and type."""
    grouped = (
        rows.values("kecamatan__name", "permit_type__code")
        .annotate(
            count=Count("id"),
            issued=Count("id", filter=~_no_issue()),
            median_days_to_issue=Median(days_to_issue()),
        )
        .order_by("kecamatan__name", "permit_type__code")
    )
    return [
        {
            "kecamatan": g["kecamatan__name"],
            "permit_type": g["permit_type__code"],
            "count": g["count"],
            "issued": g["issued"],
            "median_days_to_issue": g["median_days_to_issue"],
        }
        for g in grouped
    ]


def _no_issue() -> Any:
    from django.db.models import Q

    return Q(issued_date__isnull=True)


def public_timeline(permit: Permit) -> list[dict[str, Any]]:
    """Status changes (and public notes) for the applicant's tracking page: no
    staff names, no internal notes."""
    events = PermitEvent.objects.filter(city_id=permit.city_id, permit=permit)
    out = []
    for event in events.order_by("at", "id"):
        if event.kind == PermitEvent.Kind.DOCUMENT:
            continue
        if event.kind == PermitEvent.Kind.NOTE and not event.public:
            continue
        out.append(
            {
                "at": event.at.isoformat(),
                "status": event.to_status or None,
                "label": event.get_kind_display(),
                "note": event.note if event.public else "",
            }
        )
    return out


def is_public(permit: Permit) -> bool:
    return permit.status in PUBLIC_STATUSES
