"""HTML pages of permits: the public page (map, search by number, tracking with
number and code) and the licensing agency's (DPMPTSP) staff queue, permit page,
actions (CSRF-protected forms), documents and the spreadsheet import."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gis_platform.edges import EdgeError
from gis_platform.http import NO_STORE, set_cache
from permits import services
from permits.api_views import parse_filter
from permits.imports import MAPPABLE, import_rows, read_table
from permits.models import (
    Permit,
    PermitDocument,
    PermitType,
    Status,
)
from permits.selectors import (
    city_today,
    filtered,
    public_properties,
    public_rows,
    public_timeline,
    visible_permits,
)
from permits.sources import STATUS_COLOURS
from permits.workflow import OPEN_STATUSES, PUBLIC_STATUSES
from tenancy.access import Scope, agency_work_scope
from tenancy.models import AdminArea, City
from tenancy.resolve import city_or_404

QUEUE_LIMIT = 200
WARN_DAYS = 30


def _bounds(city: City) -> list[list[float]]:
    e = city.boundary.extent
    return [[e[1], e[0]], [e[3], e[2]]]


def public_page(request: HttpRequest, city_slug: str) -> HttpResponse:
    """The map of granted permits, a search by permit number and the applicant's
    tracking form."""
    city = city_or_404(city_slug)
    number = str(request.GET.get("number", "")).strip()[:60]
    found = None
    if number:
        row = public_rows(
            Permit.objects.of_city(city.pk).public().filter(number__iexact=number)
        ).first()
        found = public_properties(row) if row else None
    tracked: dict[str, Any] | None = None
    track_error = ""
    if request.method == "POST":
        tracked, track_error = _track(request, city)
    config = {
        "bounds": _bounds(city),
        "features": reverse("permits-api:list", kwargs={"city_slug": city.slug}),
        "boundaries": reverse(
            "api:boundaries", kwargs={"city_slug": city.slug, "level": "kecamatan"}
        ),
        "colours": STATUS_COLOURS,
        "statuses": {s.value: str(s.label) for s in PUBLIC_STATUSES},
        "focus": [found["Latitude"], found["Longitude"]] if found else None,
        "text": {
            "type": _("Type"),
            "status": _("Status"),
            "issued": _("Issued"),
            "expires": _("Expires"),
            "area": _("Area"),
        },
    }
    response = render(
        request,
        "permits/public.html",
        {
            "city": city,
            "config": config,
            "number": number,
            "found": found,
            "tracked": tracked,
            "track_error": track_error,
            "legend": [(STATUS_COLOURS[s.value], s.label) for s in PUBLIC_STATUSES],
            "exports": {
                "csv": reverse(
                    "permits-api:export-csv", kwargs={"city_slug": city.slug}
                ),
                "geojson": reverse(
                    "permits-api:export-geojson", kwargs={"city_slug": city.slug}
                ),
            },
        },
    )
    if request.method == "POST":
        set_cache(response, value=NO_STORE)
    return response


public_page = require_http_methods(["GET", "HEAD", "POST"])(public_page)


def _track(request: HttpRequest, city: City) -> tuple[dict[str, Any] | None, str]:
    number = str(request.POST.get("track_number", "")).strip()[:60]
    code = str(request.POST.get("code", "")).strip()[:20]
    permit = (
        Permit.objects.filter(city=city, number=number)
        .select_related("permit_type")
        .first()
    )
    if permit is None or not code or not services.code_matches(permit, code):
        return None, _("No permit with this number and code.")
    return {
        "number": permit.number,
        "type": permit.permit_type.name,
        "status": permit.status,
        "status_label": permit.get_status_display(),
        "applied": permit.applied_date,
        "issued": permit.issued_date,
        "expires": permit.expires_date,
        "timeline": public_timeline(permit),
    }, ""


# -- Staff -------------------------------------------------------------------------


def _staff(request: HttpRequest, city_slug: str) -> tuple[City, Scope] | HttpResponse:
    city = city_or_404(city_slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
    scope = agency_work_scope(request.user, city)
    if scope is None:
        raise PermissionDenied(_("The permit queue is for the licensing agency."))
    return city, scope


def _staff_permit(request: HttpRequest, city: City, scope: Scope, pk: int) -> Permit:
    permit = get_object_or_404(
        Permit.objects.select_related(
            "city", "permit_type", "kbli", "kelurahan", "kecamatan", "agency"
        ),
        city=city,
        pk=pk,
    )
    if not scope.covers(permit.agency_id):
        raise Http404  # another agency's permit: not even its existence
    return permit


def queue_page(request: HttpRequest, city_slug: str) -> HttpResponse:
    """The licensing agency's queue: filters by status, type, kecamatan; permits
    expiring within 30 days flagged."""
    answer = _staff(request, city_slug)
    if isinstance(answer, HttpResponse):
        return answer
    city, scope = answer
    today = city_today(city)
    error = ""
    rows = visible_permits(city, scope)
    if not scope.all_agencies:
        rows = rows.filter(agency_id__in=scope.agency_ids)
    params = request.GET.copy()
    if "status" not in params:
        params["status"] = ",".join(s.value for s in OPEN_STATUSES)
    if params.get("status") == "all":
        params["status"] = ""
    try:
        f = parse_filter(params, city)
        rows = filtered(rows, f, today)
    except EdgeError as exc:
        error = f"{exc.field}: {exc.message}"
        rows = rows.none()
    rows = rows.select_related("permit_type", "kecamatan", "kelurahan")
    if not (f.expiring_days if not error else None):
        rows = rows.order_by("applied_date", "id")
    expiring = (
        Permit.objects.of_city(city.pk)
        .filter(agency_id__in=scope.agency_ids)
        .expiring_within(WARN_DAYS, today)
        if not scope.all_agencies
        else Permit.objects.of_city(city.pk).expiring_within(WARN_DAYS, today)
    )
    page = list(rows[:QUEUE_LIMIT])
    for permit in page:
        permit.expiring_soon = bool(  # type: ignore[attr-defined]
            permit.status == Status.ISSUED
            and permit.expires_date
            and 0 <= (permit.expires_date - today).days <= WARN_DAYS
        )
    response = render(
        request,
        "permits/queue.html",
        {
            "city": city,
            "permits": page,
            "limit": QUEUE_LIMIT,
            "error": error,
            "today": today,
            "expiring_count": expiring.count(),
            "warn_days": WARN_DAYS,
            "statuses": [(s.value, s.label) for s in Status],
            "types": PermitType.objects.filter(city=city),
            "kecamatan": AdminArea.objects.filter(
                city=city, level=AdminArea.Level.KECAMATAN
            ).only("code", "name"),
            "selected": {
                "status": request.GET.get("status", ""),
                "type": request.GET.get("type", ""),
                "kecamatan": request.GET.get("kecamatan", ""),
                "expiring_days": request.GET.get("expiring_days", ""),
            },
        },
    )
    return set_cache(response, value=NO_STORE)


def permit_page(request: HttpRequest, city_slug: str, pk: int) -> HttpResponse:
    answer = _staff(request, city_slug)
    if isinstance(answer, HttpResponse):
        return answer
    city, scope = answer
    permit = _staff_permit(request, city, scope, pk)
    response = render(
        request,
        "permits/permit.html",
        {
            "city": city,
            "permit": permit,
            "targets": [
                (s, Status(s).label)
                for s in services.transitions_for(request.user, permit)
            ],
            "events": permit.events.select_related("actor").order_by("at", "id"),
            "documents": permit.documents.all(),
            "new_code": request.session.pop(f"permit-code-{permit.pk}", None),
            "error": request.session.pop("permit-error", None),
        },
    )
    return set_cache(response, value=NO_STORE)


def _back(permit: Permit) -> HttpResponse:
    return redirect("permits:staff-permit", city_slug=permit.city.slug, pk=permit.pk)


@require_POST
def act(request: HttpRequest, city_slug: str, pk: int) -> HttpResponse:
    """A transition, a note or a document (one form each)."""
    answer = _staff(request, city_slug)
    if isinstance(answer, HttpResponse):
        return answer
    city, scope = answer
    permit = _staff_permit(request, city, scope, pk)
    action = request.POST.get("action", "")
    try:
        if action == "transition":
            services.transition(
                permit=permit,
                to_status=str(request.POST.get("status", "")),
                actor=request.user,
                scope=scope,
                note=request.POST.get("note", ""),
                public=request.POST.get("public") == "on",
            )
        elif action == "note":
            services.add_note(
                permit=permit,
                actor=request.user,
                scope=scope,
                note=request.POST.get("note", ""),
                public=request.POST.get("public") == "on",
            )
        elif action == "document" and isinstance(
            upload := request.FILES.get("file"), UploadedFile
        ):
            services.add_document(
                permit=permit, actor=request.user, scope=scope, upload=upload
            )
        else:
            raise services.PermitError({"action": _("unknown action.")})
    except services.PermitError as exc:
        request.session["permit-error"] = exc.message
    return _back(permit)


def document(request: HttpRequest, city_slug: str, doc_id: int) -> FileResponse:
    """A permit's document: only for the licensing agency's staff."""
    city = city_or_404(city_slug)
    scope = agency_work_scope(request.user, city)
    row = get_object_or_404(
        PermitDocument.objects.select_related("permit"), city=city, pk=doc_id
    )
    if scope is None or not scope.covers(row.permit.agency_id):
        raise Http404
    response = FileResponse(
        row.file.open("rb"),
        content_type=row.content_type,
        as_attachment=True,
        filename=row.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return set_cache(response, value=NO_STORE)


@require_http_methods(["GET", "POST"])
def new_permit(request: HttpRequest, city_slug: str) -> HttpResponse:
    """A paper application typed in by staff; the tracking code is shown once."""
    answer = _staff(request, city_slug)
    if isinstance(answer, HttpResponse):
        return answer
    city, scope = answer
    errors: dict[str, str] = {}
    values = {k: request.POST.get(k, "") for k in FORM_FIELDS}
    if request.method == "POST":
        try:
            permit, code = services.submit_permit(
                city=city,
                data=services.PermitInput(**values),
                actor=request.user,
                scope=scope,
            )
        except services.PermitError as exc:
            errors = exc.errors
        else:
            request.session[f"permit-code-{permit.pk}"] = code
            return _back(permit)
    response = render(
        request,
        "permits/new.html",
        {
            "city": city,
            "values": values,
            "errors": errors,
            "types": PermitType.objects.filter(city=city, active=True),
            "bounds": _bounds(city),
        },
    )
    return set_cache(response, value=NO_STORE)


FORM_FIELDS = (
    "permit_type",
    "business_name",
    "description",
    "applicant_name",
    "applicant_nik",
    "applicant_phone",
    "applicant_email",
    "address",
    "kbli",
    "risk_level",
    "fee",
    "applied_date",
    "lon",
    "lat",
)


@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, city_slug: str) -> HttpResponse:
    """Upload a CSV/XLSX of existing permits, map its columns, see each row's fate."""
    answer = _staff(request, city_slug)
    if isinstance(answer, HttpResponse):
        return answer
    city, scope = answer
    result = None
    error = ""
    upload = request.FILES.get("file")
    if request.method == "POST" and isinstance(upload, UploadedFile):
        mapping = {
            field: str(request.POST.get(f"map_{field}", "")).strip()
            for field in MAPPABLE
            if request.POST.get(f"map_{field}")
        }
        try:
            table = read_table(upload, upload.name or "upload.csv")
            result = import_rows(
                city, table, mapping=mapping, actor=request.user, scope=scope
            )
        except ValueError as exc:
            error = str(exc)
    response = render(
        request,
        "permits/import.html",
        {"city": city, "result": result, "error": error, "fields": MAPPABLE},
    )
    return set_cache(response, value=NO_STORE)
