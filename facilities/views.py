"""HTML pages of facilities: the phone-first help page (/<city>/help/) with its
service worker, and the agency's list and edit form (/<city>/facilities/)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from facilities import phones
from facilities.api.views import point_params
from facilities.models import BedType, EmergencyContact, Facility
from facilities.selectors import grouped, kelurahan_centre, kinds_of, nearest
from facilities.services import FacilityError, may_update, read_update, update_facility
from gis_platform.edges import EdgeError, clean_text
from gis_platform.http import REVALIDATE, set_cache
from tenancy.access import facility_agencies
from tenancy.models import AdminArea
from tenancy.resolve import city_or_404

PER_KIND = 3
# Hashed names in production: any change gives the worker a new cache.
_VERSIONED = ("facilities/help.js", "facilities/help.css", "css/petakota.css")


@require_safe
def help_page(request: HttpRequest, city_slug: str) -> HttpResponse:
    """Bantuan terdekat / Help nearby: the city's emergency numbers, then from a
    position (the phone's, sent as ?lon=&lat=) or a kelurahan (?kelurahan=code) the
    nearest facilities of each kind. Rendered on the server: one small response,
    no map, nothing from the internet."""
    city = city_or_404(city_slug, with_boundary=False)
    language = get_language() or "id"
    contacts = [
        {
            "name": c.label(language),
            "tel": phones.tel_uri(c.phone),
            "phone": phones.display(c.phone),
        }
        for c in EmergencyContact.objects.filter(city=city)
    ]
    kelurahan = list(
        AdminArea.objects.filter(city=city, level=AdminArea.Level.KELURAHAN)
        .order_by("name")
        .values_list("code", "name")
    )
    error = ""
    point: tuple[float, float] | None = None
    chosen = ""
    source = ""
    if "lon" in request.GET or "lat" in request.GET:
        try:
            point = point_params(request.GET)
            source = "position"
        except EdgeError:
            error = _("That position could not be read.")
    elif request.GET.get("kelurahan"):
        try:
            chosen = clean_text(
                request.GET["kelurahan"], "kelurahan", max_length=20, multiline=False
            )
        except EdgeError:
            chosen = ""
        point = kelurahan_centre(city, chosen) if chosen else None
        source = "kelurahan"
        if point is None:
            error = _("No such kelurahan.")
            chosen = ""
    groups: list[dict[str, Any]] = []
    if point is not None:
        now = timezone.now()
        labels = {k.code: k.label(language) for k in kinds_of(city)}
        for code, rows in grouped(nearest(city, *point, per_kind=PER_KIND, now=now)):
            groups.append({"code": code, "label": labels.get(code, code), "rows": rows})
    response = render(
        request,
        "facilities/help.html",
        {
            "city": city,
            "contacts": contacts,
            "kelurahan": kelurahan,
            "chosen": chosen,
            "point": point,
            "source": source,
            "groups": groups,
            "error": error,
            "stale_hours": settings.PETAKOTA_FACILITY_BEDS_STALE_H,
            "sw_url": reverse(
                "facilities:service-worker", kwargs={"city_slug": city.slug}
            ),
        },
    )
    # Bed counts change: the browser asks again each time (the service worker keeps
    # the last copy for when there is no network).
    return set_cache(response, public=False)


@require_safe
def service_worker(request: HttpRequest, city_slug: str) -> HttpResponse:
    """The help page's service worker (reports/offline.py's approach): the page
    opens with no network, showing the emergency numbers and the last results."""
    city = city_or_404(city_slug, with_boundary=False)
    page = reverse("facilities:help", kwargs={"city_slug": city.slug})
    precache = [page, *(static(name) for name in _VERSIONED)]
    version = hashlib.sha256(json.dumps(precache).encode()).hexdigest()[:12]
    config = {
        "city": city.slug,
        "page": page,
        "static": settings.STATIC_URL
        if settings.STATIC_URL.startswith("/")
        else "/" + settings.STATIC_URL,
        "precache": precache,
        "version": version,
    }
    body = render_to_string("facilities/sw.js", {"config_json": json.dumps(config)})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    set_cache(response, value=REVALIDATE)
    response["Service-Worker-Allowed"] = page
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def facility_list(request: HttpRequest, city_slug: str) -> HttpResponse:
    """The facilities this person's agencies own, to keep current."""
    city = city_or_404(city_slug, with_boundary=False)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    agencies = facility_agencies(request.user, city)
    if not agencies.exists():
        raise PermissionDenied(_("This page is for the agencies that own facilities."))
    facilities = (
        Facility.objects.filter(city=city, agency__in=agencies)
        .select_related("kind", "agency")
        .order_by("kind__order", "name")
    )
    response = render(
        request,
        "facilities/list.html",
        {"city": city, "facilities": facilities},
    )
    return set_cache(response, public=False)


@require_http_methods(["GET", "HEAD", "POST"])
def facility_edit(
    request: HttpRequest, city_slug: str, facility_id: int
) -> HttpResponse:
    """An agency member updates phones, hours, services and beds of its facility;
    another agency's facility is refused (403) and nothing changes."""
    city = city_or_404(city_slug, with_boundary=False)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    facility = (
        Facility.objects.filter(city=city, pk=facility_id)
        .select_related("kind", "agency")
        .first()
    )
    if facility is None:
        raise Http404(_("No such facility."))
    if not may_update(request.user, facility):
        raise PermissionDenied(_("This facility belongs to another agency."))
    beds = {b.bed_type: b for b in facility.beds.all()}
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "phones": "\n".join(phones.display(p) for p in facility.phones),
        "opening_hours": facility.opening_hours,
        "services": ", ".join(facility.services),
        "website": facility.website,
        "emergency_24h": facility.emergency_24h,
    }
    bed_values = {
        t.value: (
            str(beds[t.value].available) if t.value in beds else "",
            str(beds[t.value].total) if t.value in beds else "",
        )
        for t in BedType
    }
    saved = request.GET.get("saved") == "1"
    if request.method == "POST":
        post = request.POST
        values = {
            "phones": post.get("phones", ""),
            "opening_hours": post.get("opening_hours", ""),
            "services": post.get("services", ""),
            "website": post.get("website", ""),
            "emergency_24h": post.get("emergency_24h") == "on",
        }
        bed_values = {
            t.value: (
                post.get(f"beds-{t.value}-available", "").strip(),
                post.get(f"beds-{t.value}-total", "").strip(),
            )
            for t in BedType
        }
        body: dict[str, Any] = dict(values)
        if not facility.kind.hospital:
            body.pop("emergency_24h")
        filled = [
            {"type": t, "available": a, "total": n}
            for t, (a, n) in bed_values.items()
            if a or n
        ]
        if facility.kind.hospital:
            body["beds"] = filled
        try:
            update_facility(facility, read_update(body))
        except FacilityError as exc:
            errors = exc.errors
        else:
            url = reverse(
                "facilities:edit",
                kwargs={"city_slug": city.slug, "facility_id": facility.pk},
            )
            return redirect(f"{url}?saved=1")
    bed_rows = [
        {
            "type": t.value,
            "label": t.label,
            "available": bed_values[t.value][0],
            "total": bed_values[t.value][1],
            "updated_at": beds[t.value].updated_at if t.value in beds else None,
        }
        for t in BedType
    ]
    response = render(
        request,
        "facilities/edit.html",
        {
            "city": city,
            "facility": facility,
            "values": values,
            "bed_rows": bed_rows,
            "errors": errors,
            "saved": saved,
        },
        status=400 if errors else 200,
    )
    return set_cache(response, public=False)
