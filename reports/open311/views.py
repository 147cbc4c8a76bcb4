"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over reports.

`jurisdiction_id` is the city slug and is required: one deployment serves many cities.
Our eight statuses map to the spec's open/closed; status_notes carries the detail.
Public outputs use the public location (fuzzed for sensitive categories) and never a
contact detail."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from gis_platform.edges import EdgeError, check_lon_lat, clean_text, parse_float
from reports import services
from reports.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    Open311Application,
    Photo,
    Report,
    ReportEvent,
    Status,
)
from reports.open311.renderers import render, render_error
from reports.selectors import public_agency
from tenancy.models import City

SPEC = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
CLOSED_STATUSES = (Status.RESOLVED, Status.CLOSED, Status.REJECTED, Status.DUPLICATE)


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _param(raw: str | None, name: str) -> str:
    """A query or form value: text without NUL or control characters."""
    try:
        return clean_text(raw, name, max_length=2000, multiline=False)
    except EdgeError as exc:
        raise Open311Error(400, f"{name} {exc.message}") from None


def _jurisdiction(request: HttpRequest) -> City:
    slug = _param(
        request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id"),
        "jurisdiction_id",
    )
    if not slug:
        raise Open311Error(400, "jurisdiction_id is required (the city slug).")
    city = City.objects.filter(slug=slug).first()
    if city is None:
        raise Open311Error(404, f"Unknown jurisdiction_id {slug!r}.")
    return city


def _handle(fmt: str, root: str, build: Any) -> HttpResponse:
    try:
        payload = build()
    except Open311Error as exc:
        return render_error(fmt, exc.status, exc.description)
    return render(payload, fmt, root=root)


def _w3c(value: datetime | None, city: City) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value, timezone=_tz(city)).isoformat(timespec="seconds")


def _tz(city: City):
    from zoneinfo import ZoneInfo

    return ZoneInfo(city.time_zone)


@require_GET
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    url = request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": fmt}))
    base = url.rsplit("/services.", 1)[0] + "/"
    return render(
        {
            "changeset": "2025-01-01T00:00:00+07:00",
            "contact": "PetaKota — see each city's contact page.",
            "key_service": "Ask the city's control room for an api_key.",
            "endpoints": [
                {
                    "specification": SPEC,
                    "url": base,
                    "changeset": "2025-01-01T00:00:00+07:00",
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
        fmt,
        root="discovery",
    )


def _service(c: Category) -> dict[str, Any]:
    return {
        "service_code": c.code,
        "service_name": c.name,
        "description": c.description,
        "metadata": bool(c.questions),
        "type": "realtime",
        "keywords": c.keywords,
        "group": c.group,
    }


@require_GET
def services_list(request: HttpRequest, fmt: str) -> HttpResponse:
    def build() -> list[dict[str, Any]]:
        city = _jurisdiction(request)
        return [_service(c) for c in Category.objects.filter(city=city, active=True)]

    return _handle(fmt, "services", build)


@require_GET
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    def build() -> dict[str, Any]:
        city = _jurisdiction(request)
        c = Category.objects.filter(city=city, code=code, active=True).first()
        if c is None:
            raise Open311Error(404, f"Unknown service_code {code!r}.")
        return {
            "service_code": c.code,
            "attributes": [
                {
                    "variable": True,
                    "code": q["code"],
                    "datatype": q["datatype"],
                    "required": bool(q.get("required")),
                    "datatype_description": q.get("datatype_description", ""),
                    "order": i + 1,
                    "description": q.get("description", q["code"]),
                    "values": [
                        {"key": v["key"], "name": v["name"]}
                        for v in q.get("choices", [])
                    ],
                }
                for i, q in enumerate(c.questions)
            ],
        }

    return _handle(fmt, "service_definition", build)


# Lists _with_related prefetches onto each report (Prefetch to_attr): attributes
# the type system cannot know, read through the two functions below.
PUBLIC_NOTES = "public_notes"
LISTED_PHOTOS = "listed_photos"


def _public_notes(r: Report) -> list[ReportEvent]:
    notes: list[ReportEvent] = getattr(r, PUBLIC_NOTES)
    return notes


def _listed_photos(r: Report) -> list[Photo]:
    photos: list[Photo] = getattr(r, LISTED_PHOTOS)
    return photos


def _status_notes(r: Report) -> str:
    notes = [e for e in _public_notes(r) if e.note]
    if r.status == Status.DUPLICATE and r.duplicate_of is not None:
        return f"Duplicate of {r.duplicate_of.ticket}."
    label = str(r.get_status_display())
    return f"{label}: {notes[-1].note}" if notes else label


def _request_payload(request: HttpRequest, r: Report) -> dict[str, Any]:
    city = r.city
    sensitive = r.category.sensitive
    media = None
    photos = _listed_photos(r)
    if not sensitive and photos:
        media = request.build_absolute_uri(
            reverse(
                "reports:photo",
                kwargs={
                    "city_slug": city.slug,
                    "photo_id": photos[0].pk,
                    "kind": "image",
                },
            )
        )
    return {
        "service_request_id": r.ticket,
        "status": "open" if r.status in OPEN_STATUSES else "closed",
        "status_notes": _status_notes(r),
        "service_name": r.category.name,
        "service_code": r.category.code,
        "description": None if sensitive else r.description,
        "agency_responsible": str(r.agency) if public_agency(r) else None,
        "service_notice": None,
        "requested_datetime": _w3c(r.created_at, city),
        "updated_datetime": _w3c(r.updated_at, city),
        "expected_datetime": _w3c(r.due_at, city)
        if r.status in OPEN_STATUSES
        else None,
        # Area names of the exact point would narrow a fuzzed point's ring.
        "address": None
        if sensitive
        else ", ".join(a.name for a in (r.kelurahan, r.kecamatan) if a is not None),
        "address_id": None,
        "zipcode": None,
        "lat": round(r.public_geom.y, 6),
        "long": round(r.public_geom.x, 6),
        "media_url": media,
    }


def _with_related(qs: QuerySet[Report]) -> QuerySet[Report]:
    return qs.select_related(
        "city", "category", "agency", "kelurahan", "kecamatan", "duplicate_of"
    ).prefetch_related(
        Prefetch(
            "events",
            queryset=ReportEvent.objects.filter(public=True).exclude(note=""),
            to_attr=PUBLIC_NOTES,
        ),
        Prefetch(
            "photos", queryset=Photo.objects.order_by("id"), to_attr=LISTED_PHOTOS
        ),
    )


def _date(raw: str | None, name: str) -> datetime | None:
    raw = _param(raw, name)
    if not raw:
        return None
    try:
        value = parse_datetime(raw)
    except ValueError:  # well-formed but impossible: 2024-02-30, hour 25
        value = None
    if value is None:
        raise Open311Error(400, f"{name} must be a W3C date and time.")
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value


def _list_requests(request: HttpRequest, city: City) -> list[dict[str, Any]]:
    params = request.GET
    qs = Report.objects.filter(city=city).public()
    if ids := _param(params.get("service_request_id"), "service_request_id"):
        # The spec: with ids, every other filter is ignored.
        wanted = [i.strip().upper() for i in ids.split(",") if i.strip()][:MAX_REQUESTS]
        rows = _with_related(qs.filter(ticket__in=wanted))
        return [_request_payload(request, r) for r in rows]
    if codes := _param(params.get("service_code"), "service_code"):
        qs = qs.filter(category__code__in=[c.strip() for c in codes.split(",")])
    start = _date(params.get("start_date"), "start_date")
    end = _date(params.get("end_date"), "end_date")
    if start is None and end is None:
        start = timezone.now() - DEFAULT_WINDOW
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    if status := _param(params.get("status"), "status"):
        wanted_status = {s.strip() for s in status.split(",")}
        if not wanted_status <= {"open", "closed"}:
            raise Open311Error(400, "status must be open, closed or both.")
        cond = Q()
        if "open" in wanted_status:
            cond |= Q(status__in=OPEN_STATUSES)
        if "closed" in wanted_status:
            cond |= Q(status__in=CLOSED_STATUSES)
        qs = qs.filter(cond)
    rows = _with_related(qs.order_by("-created_at", "-id")[:MAX_REQUESTS])
    return [_request_payload(request, r) for r in rows]


def _number(raw: str | None, name: str) -> float:
    """An ASCII number (Unicode digits and NaN/Infinity refused)."""
    try:
        return parse_float(raw, name)
    except EdgeError:
        raise Open311Error(400, f"{name} is required and must be a number.") from None


def _create_request(request: HttpRequest, city: City) -> list[dict[str, Any]]:
    data = request.POST
    key = _param(data.get("api_key", ""), "api_key")
    app = Open311Application.objects.filter(
        city=city, key_hash=services.hash_key(key), active=True
    ).first()
    if not key or app is None:
        raise Open311Error(403, "api_key is missing or not valid for this city.")
    category = Category.objects.filter(
        city=city,
        code=_param(data.get("service_code", ""), "service_code"),
        active=True,
    ).first()
    if category is None:
        raise Open311Error(404, "Unknown service_code.")
    lat, lon = _number(data.get("lat"), "lat"), _number(data.get("long"), "long")
    try:
        check_lon_lat(lon, lat, "lat/long")
    except EdgeError as exc:
        raise Open311Error(400, str(exc)) from None
    answers: dict[str, Any] = {}
    for name in data:
        if name.startswith("attribute[") and name.endswith("]"):
            values = data.getlist(name)
            answers[name[10:-1]] = values if len(values) > 1 else values[0]
    name = " ".join(
        p for p in (data.get("first_name", ""), data.get("last_name", "")) if p
    )
    submission = services.Submission(
        category=category,
        lon=lon,
        lat=lat,
        description=data.get("description", ""),
        client_uuid=uuid.uuid4(),
        address=data.get("address_string", ""),
        answers=answers,
        contact_name=name,
        contact_email=data.get("email", ""),
        contact_phone=data.get("phone", ""),
        channel=Channel.OPEN311,
        application=app,
        # Open311 has no language parameter: messages in the city's default.
        base_url=request.build_absolute_uri("/"),
    )
    try:
        report, _created = services.submit_report(city=city, submission=submission)
    except services.ReportError as exc:
        detail = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
        raise Open311Error(400, detail or exc.message) from None
    return [
        {
            "service_request_id": report.ticket,
            "token": str(report.client_uuid),
            "service_notice": None,
            "account_id": None,
        }
    ]


@csrf_exempt  # third-party clients authenticate with api_key, not a session
@require_http_methods(["GET", "POST"])
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    def build() -> list[dict[str, Any]]:
        city = _jurisdiction(request)
        if request.method == "POST":
            return _create_request(request, city)
        return _list_requests(request, city)

    return _handle(fmt, "service_requests", build)


@require_GET
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    def build() -> list[dict[str, Any]]:
        city = _jurisdiction(request)
        qs = Report.objects.filter(city=city, ticket=request_id.upper()).public()
        rows = list(_with_related(qs))
        if not rows:
            raise Open311Error(404, f"Unknown service_request_id {request_id!r}.")
        return [_request_payload(request, rows[0])]

    return _handle(fmt, "service_requests", build)


@require_GET
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    def build() -> list[dict[str, Any]]:
        city = _jurisdiction(request)
        try:
            client_uuid = uuid.UUID(token)
        except ValueError:
            raise Open311Error(404, "Unknown token.") from None
        report = Report.objects.filter(city=city, client_uuid=client_uuid).first()
        if report is None:
            raise Open311Error(404, "Unknown token.")
        return [{"service_request_id": report.ticket, "token": token}]

    return _handle(fmt, "tokens", build)
