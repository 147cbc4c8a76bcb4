"""Reads that shape report output: public views (privacy-safe) and the staff console."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.gis.db.models import PointField
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db.models import Q, QuerySet
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gis_platform.edges import EdgeError, clean_text, has_control_chars
from reports.models import OPEN_STATUSES, Category, Report, ReportEvent, Status
from tenancy.access import Scope
from tenancy.models import SRID, AdminArea, Agency, City

CONSOLE_LIMIT = 500


def categories_payload(city: City) -> list[dict[str, Any]]:
    return [
        {
            "code": c.code,
            "name": c.name,
            "description": c.description,
            "group": c.group,
            "questions": c.questions,
            "sensitive": c.sensitive,
            "publicity": c.publicity,
            "duplicate_radius_m": c.duplicate_radius_m,
        }
        for c in Category.objects.filter(city=city, active=True)
    ]


def open_reports_near(
    category: Category, point: Point, *, limit: int = 5
) -> list[dict[str, Any]]:
    """Open reports of the same category within its duplicate radius, nearest first.

    None for sensitive categories: answering "is there a report within 50 m of here"
    would let anyone probe for the exact location the map hides."""
    if category.sensitive or category.duplicate_radius_m == 0:
        return []
    geog = Cast("geom", PointField(geography=True, srid=SRID))
    rows = (
        Report.objects.filter(city_id=category.city_id, category=category)
        .open()
        .annotate(geog=geog)
        .filter(geog__dwithin=(point, D(m=category.duplicate_radius_m)))
        .annotate(distance=Distance("geog", point))
        .order_by("distance", "id")[:limit]
    )
    return [
        {
            "ticket": r.ticket,
            "description": r.description,
            "status": r.status,
            "status_label": str(r.get_status_display()),
            "supporters": r.supporter_count,
            "distance_m": round(r.distance.m),
            "created": r.created_at.isoformat(),
        }
        for r in rows
    ]


def public_report(city: City, ticket: str) -> Report:
    """The report behind a ticket code (any status: its holder follows it)."""
    return Report.objects.select_related(
        "category", "kelurahan", "kecamatan", "agency", "duplicate_of"
    ).get(city=city, ticket=ticket.upper())


def public_events(report: Report) -> QuerySet[ReportEvent]:
    return report.events.filter(city_id=report.city_id, public=True).select_related(
        "agency"
    )


def public_photos(report: Report) -> list[dict[str, str]]:
    """Links to the metadata-free copies; none for sensitive categories."""
    if report.category.sensitive:
        return []
    return [
        {
            "image": reverse(
                "reports:photo",
                kwargs={
                    "city_slug": report.city.slug,
                    "photo_id": p.pk,
                    "kind": "image",
                },
            ),
            "thumbnail": reverse(
                "reports:photo",
                kwargs={
                    "city_slug": report.city.slug,
                    "photo_id": p.pk,
                    "kind": "thumbnail",
                },
            ),
        }
        for p in report.photos.filter(city_id=report.city_id)
    ]


def public_agency(report: Report) -> bool:
    """Whether public outputs may name the report's agency: always for a public
    category, never for a private one, and for a fuzzed one only when it is the
    category's own agency (one routed by kecamatan/kelurahan would name the area)."""
    category = report.category
    if report.agency_id is None or category.private:
        return False
    return not category.sensitive or report.agency_id == category.agency_id


def public_report_payload(report: Report) -> dict[str, Any]:
    """What anyone holding the ticket sees. A fuzzed category shows no story, photo
    or area name (the kelurahan of the exact point would narrow the fuzz ring); a
    private one shows no category, place or agency either: only its progress."""
    sensitive = report.category.sensitive
    private = report.category.private
    return {
        "ticket": report.ticket,
        "category": None if private else report.category.code,
        "category_name": None if private else report.category.name,
        "publicity": report.category.publicity,
        "status": report.status,
        "status_label": str(report.get_status_display()),
        "description": None if sensitive else report.description,
        "lon": None if private else round(report.public_geom.x, 6),
        "lat": None if private else round(report.public_geom.y, 6),
        "kelurahan": report.kelurahan.name
        if report.kelurahan and not sensitive
        else None,
        "kecamatan": report.kecamatan.name
        if report.kecamatan and not sensitive
        else None,
        "agency": str(report.agency) if public_agency(report) else None,
        "supporters": report.supporter_count,
        "duplicate_of": report.duplicate_of.ticket if report.duplicate_of else None,
        "created": report.created_at.isoformat(),
        "updated": report.updated_at.isoformat(),
        "due": report.due_at.isoformat(),
        "overdue": report.is_overdue,
        "photos": public_photos(report),
        "timeline": [
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "status": e.to_status,
                "label": str(
                    Status(e.to_status).label if e.to_status else e.get_kind_display()
                ),
                "note": e.note,
            }
            for e in public_events(report)
        ],
    }


class FilterError(ValueError):
    pass


@dataclass
class ConsoleFilters:
    statuses: list[str]
    category: Category | None = None
    agency: Agency | None = None
    area: AdminArea | None = None
    overdue: bool = False
    # Free text: a ticket code, or words of the description or the address.
    text: str = ""


def parse_console_filters(city: City, params: Any) -> ConsoleFilters:
    """Console filters from a query string. Codes and slugs are looked up in this city
    only, so another city's ids are refused, not silently ignored. Values with NUL or
    control characters are refused before they reach the database."""
    for name in ("status", "category", "agency", "area", "overdue"):
        for value in params.getlist(name):
            if has_control_chars(value) or len(value) > 200:
                raise FilterError(_("Unreadable %(name)s filter.") % {"name": name})
    statuses = [s for s in params.getlist("status") if s]
    for s in statuses:
        if s not in Status.values and s != "open":
            raise FilterError(_("Unknown status %(value)r.") % {"value": s})
    filters = ConsoleFilters(statuses=statuses, overdue=params.get("overdue") == "1")
    try:
        text = clean_text(params.get("q"), "q", max_length=200, multiline=False)
    except EdgeError as exc:
        raise FilterError(exc.message) from None
    filters.text = text.strip()
    if code := params.get("category"):
        filters.category = Category.objects.filter(city=city, code=code).first()
        if filters.category is None:
            raise FilterError(_("Unknown category %(value)r.") % {"value": code})
    if slug := params.get("agency"):
        filters.agency = Agency.objects.filter(city=city, slug=slug).first()
        if filters.agency is None:
            raise FilterError(_("Unknown agency %(value)r.") % {"value": slug})
    if code := params.get("area"):
        filters.area = AdminArea.objects.filter(city=city, code=code).first()
        if filters.area is None:
            raise FilterError(_("Unknown area %(value)r.") % {"value": code})
    return filters


def console_reports(scope: Scope, filters: ConsoleFilters) -> QuerySet[Report]:
    qs = Report.objects.in_scope(scope).select_related(
        "category", "agency", "kelurahan", "kecamatan"
    )
    if filters.statuses:
        wanted = set(filters.statuses)
        if "open" in wanted:
            wanted.discard("open")
            wanted.update(OPEN_STATUSES)
        qs = qs.filter(status__in=wanted)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.agency:
        qs = qs.filter(agency=filters.agency)
    if filters.area:
        qs = qs.filter(Q(kelurahan=filters.area) | Q(kecamatan=filters.area))
    if filters.overdue:
        qs = qs.overdue()
    if filters.text:
        qs = qs.filter(
            Q(ticket__iexact=filters.text)
            | Q(description__icontains=filters.text)
            | Q(address__icontains=filters.text)
        )
    return qs.order_by("due_at", "id")


def console_row(r: Report) -> dict[str, Any]:
    return {
        "ticket": r.ticket,
        "category": r.category.code,
        "category_name": r.category.name,
        "sensitive": r.category.sensitive,
        "publicity": r.category.publicity,
        "status": r.status,
        "status_label": str(r.get_status_display()),
        "description": r.description,
        "agency": r.agency.slug if r.agency else None,
        "agency_name": str(r.agency) if r.agency else None,
        "kelurahan": r.kelurahan.name if r.kelurahan else None,
        "kecamatan": r.kecamatan.name if r.kecamatan else None,
        "lon": r.geom.x,
        "lat": r.geom.y,
        "accuracy_m": r.accuracy_m,
        "supporters": r.supporter_count,
        "created": r.created_at.isoformat(),
        "due": r.due_at.isoformat(),
        "overdue": r.is_open and r.due_at < timezone.now(),
    }


def console_detail(r: Report) -> dict[str, Any]:
    row = console_row(r)
    row.update(
        {
            "answers": r.answers,
            "address": r.address,
            "contact": {
                "name": r.contact_name,
                "email": r.contact_email,
                "phone": r.contact_phone,
            },
            "channel": r.channel,
            "duplicate_of": (
                r.duplicate_of.ticket if r.duplicate_of is not None else None
            ),
            "photos": [
                reverse(
                    "reports:photo",
                    kwargs={"city_slug": r.city.slug, "photo_id": p.pk, "kind": kind},
                )
                for p in r.photos.filter(city_id=r.city_id)
                for kind in ("thumbnail",)
            ],
            "timeline": [
                {
                    "at": e.at.isoformat(),
                    "kind": e.kind,
                    "kind_label": str(e.get_kind_display()),
                    "from": e.from_status,
                    "to": e.to_status,
                    "agency": str(e.agency) if e.agency_id else None,
                    "actor": e.actor.get_username() if e.actor is not None else None,
                    "note": e.note,
                    "public": e.public,
                }
                for e in r.events.filter(city_id=r.city_id).select_related(
                    "agency", "actor"
                )
            ],
        }
    )
    return row
