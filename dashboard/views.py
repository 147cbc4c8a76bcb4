"""Pages: the control-room dashboard (operators and city administrators), its targets
(city administrators) and the public response-performance page (anyone)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from dashboard.models import Target
from dashboard.selectors import PERFORMANCE_DAYS, SUPPRESS_BELOW, performance
from dashboard.targets import city_goals
from gis_platform.edges import EdgeError, parse_int
from gis_platform.http import set_cache
from layers.local_time import time_config
from reports.choices import Publicity
from reports.models import Category
from tenancy.access import may_set_targets, may_watch_control_room
from tenancy.models import AdminArea, Agency, City
from tenancy.resolve import city_or_404

POLL_MS = 2000


def _bounds(city: City) -> list[list[float]]:
    e = city.boundary.extent
    return [[e[1], e[0]], [e[3], e[2]]]


def _boundaries(city: City, level: str) -> str:
    return reverse("api:boundaries", kwargs={"city_slug": city.slug, "level": level})


def _api(name: str, city: City, **kwargs: str) -> str:
    return reverse(f"dashboard-api:{name}", kwargs={"city_slug": city.slug, **kwargs})


def _signed_in_staff(request: HttpRequest, city: City) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not may_watch_control_room(request.user, city):
        raise PermissionDenied(_("The control room is for operators."))
    return None


def dashboard_page(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = city_or_404(city_slug)
    if (answer := _signed_in_staff(request, city)) is not None:
        return answer
    config: dict[str, Any] = {
        "city": city.slug,
        "bounds": _bounds(city),
        "pollMs": POLL_MS,
        "time": time_config(city),
        "urls": {
            "figures": _api("figures", city),
            "feed": _api("feed", city),
            # + "reports.csv", "timeline.xlsx"...
            "export": _api("export", city, what="reports", fmt="csv").removesuffix(
                "reports.csv"
            ),
            "kecamatan": _boundaries(city, "kecamatan"),
            "kelurahan": _boundaries(city, "kelurahan"),
            "track": reverse(
                "reports:track", kwargs={"city_slug": city.slug, "ticket": "AAAA-AAAA"}
            ),
        },
        "text": {
            "hours": _("h"),
            "thisWeek": _("this week"),
            "lastWeek": _("last week"),
            "noData": _("no data"),
            "target": _("target"),
            "open": _("Open"),
            "overdue": _("Overdue"),
            "breach": _("SLA breach"),
            "reports": _("reports"),
            "updated": _("Updated"),
            "error": _("The figures could not be loaded:"),
            "live": _("Live"),
            "offline": _("Connection lost, retrying…"),
            "firstResponse": _("First response"),
            "resolution": _("Resolution"),
        },
    }
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "city": city,
            "config": config,
            "categories": Category.objects.filter(city=city),
            "agencies": Agency.objects.filter(city=city),
            "kecamatan": AdminArea.objects.filter(
                city=city, level=AdminArea.Level.KECAMATAN
            ).defer("geom"),
            "may_set_targets": may_set_targets(request.user, city),
        },
    )


def performance_page(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = city_or_404(city_slug)
    figures = performance(city)
    areas = {
        a.code: a.name
        for a in AdminArea.objects.filter(
            city=city, level=AdminArea.Level.KECAMATAN
        ).defer("geom")
    }
    agencies = {a.pk: str(a) for a in Agency.objects.filter(city=city)}
    kecamatan_rows = [
        {"code": code, "name": name, **figures["kecamatan"].get(code, _blank())}
        for code, name in sorted(areas.items(), key=lambda kv: kv[1])
    ]
    agency_rows = [
        {"name": agencies[pk], **row}
        for pk, row in sorted(
            figures["agency"].items(), key=lambda kv: agencies.get(kv[0], "")
        )
    ]
    config = {
        "bounds": _bounds(city),
        "kecamatan": _boundaries(city, "kecamatan"),
        "figures": {row["code"]: row["within_target_pct"] for row in kecamatan_rows},
        "text": {"suppressed": _("fewer than %(n)d reports") % {"n": SUPPRESS_BELOW}},
    }
    response = render(
        request,
        "dashboard/performance.html",
        {
            "city": city,
            "config": config,
            "overall": figures["city"],
            "kecamatan_rows": kecamatan_rows,
            "agency_rows": agency_rows,
            "days": PERFORMANCE_DAYS,
            "suppress_below": SUPPRESS_BELOW,
            "excluded": Category.objects.filter(city=city)
            .exclude(publicity=Publicity.PUBLIC)
            .count(),
        },
    )
    return set_cache(response, public=True, max_age_s=300)


def _blank() -> dict[str, None]:
    return {"n": None, "within_target_pct": None, "median_days": None}


TARGET_FIELDS = (
    "first_response_hours",
    "resolution_hours",
    "within_sla_pct",
    "reopen_pct",
)


def targets_page(request: HttpRequest, city_slug: str) -> HttpResponse:
    """City administrators set the city's default targets and any category's own
    (an empty row of a category means: the city's default)."""
    city = city_or_404(city_slug, with_boundary=False)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not may_set_targets(request.user, city):
        raise PermissionDenied(_("Only the city's administrators set targets."))
    categories = list(Category.objects.filter(city=city))
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = _save_targets(request, city, categories)
        if not errors:
            return redirect("dashboard:targets", city_slug=city.slug)
    default, per_category = city_goals(city)
    rows = [{"key": "default", "name": _("Every category (default)"), "goals": default}]
    rows += [
        {"key": str(c.pk), "name": c.name, "goals": per_category.get(c.pk)}
        for c in categories
    ]
    return render(
        request,
        "dashboard/targets.html",
        {
            "city": city,
            "rows": rows,
            "errors": errors,
            "fields": TARGET_FIELDS,
            "posted": request.POST if errors else None,
        },
        status=400 if errors else 200,
    )


def _save_targets(
    request: HttpRequest, city: City, categories: list[Category]
) -> dict[str, str]:
    limits = {f.name: f for f in Target._meta.get_fields() if f.name in TARGET_FIELDS}
    errors: dict[str, str] = {}
    wanted: dict[int | None, dict[str, int] | None] = {}
    for key, category in [("default", None), *((str(c.pk), c) for c in categories)]:
        raw = {
            name: request.POST.get(f"{key}-{name}", "").strip()
            for name in TARGET_FIELDS
        }
        pk = category.pk if category is not None else None
        if category is not None and not any(raw.values()):
            wanted[pk] = None  # follows the default
            continue
        values: dict[str, int] = {}
        for name, text in raw.items():
            try:
                values[name] = parse_int(text, name, minimum=0, maximum=24 * 365)
                limits[name].run_validators(values[name])  # type: ignore[union-attr]
            except (EdgeError, ValidationError):
                errors[f"{key}-{name}"] = _("A whole number in range is needed.")
        wanted[pk] = values
    if errors:
        return errors
    by_pk = {c.pk: c for c in categories}
    with transaction.atomic():
        for pk, goals in wanted.items():
            category = by_pk.get(pk) if pk is not None else None
            if goals is None:
                Target.objects.filter(city=city, category=category).delete()
            else:
                Target.objects.update_or_create(
                    city=city, category=category, defaults=goals
                )
    return {}
