"""Pages: /<city>/environment/ (air quality map and stations, ISPU now),
/<city>/prices/ (price watch: commodity x market table, disparity map, alerts),
/<city>/stations/<code>/ and /<city>/markets/<code>/ (charts, price table), and
/<city>/environment/import/ (CSV upload with preview, for staff)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from layers.local_time import time_config
from observations import conf, selectors
from observations.api import _agency_filter, thing_payload
from observations.csv_import import import_csv
from observations.ispu import AVERAGING_HOURS, OFFICIAL_NAMES, Category
from observations.models import ObservedProperty, ThingKind
from tenancy.access import import_agencies
from tenancy.models import City
from tenancy.resolve import city_or_404

UPLOADS = "observation-imports"


def _bounds(city: City) -> list[list[float]]:
    e = city.boundary.extent
    return [[e[1], e[0]], [e[3], e[2]]]


def _label(prop: ObservedProperty) -> str:
    if (get_language() or "id").startswith("en") and prop.name_en:
        return prop.name_en
    return prop.name


def _api(name: str, city: City, *args: Any) -> str:
    return reverse(f"observations-api:{name}", args=[city.slug, *args])


def _map_urls(city: City) -> dict[str, str]:
    return {
        "boundaries": reverse(
            "api:boundaries", kwargs={"city_slug": city.slug, "level": "kecamatan"}
        )
    }


def _age(moment: Any) -> str:
    if moment is None:
        return ""
    minutes = int((timezone.now() - moment).total_seconds() // 60)
    if minutes < 60:
        return _("%(n)d min ago") % {"n": max(minutes, 0)}
    if minutes < 48 * 60:
        return _("%(n)d h ago") % {"n": minutes // 60}
    return _("%(n)d days ago") % {"n": minutes // (24 * 60)}


def environment_page(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = city_or_404(city_slug)
    stations = list(selectors.things(city, ThingKind.STATION))
    rows = []
    for s in stations:
        status = getattr(s, "status", None)
        rows.append(
            {
                "thing": s,
                "status": status,
                "stale": selectors.is_stale(status),
                "age": _age(status.latest_time if status else None),
                "official": OFFICIAL_NAMES.get(status.category, "") if status else "",
                "label": _category_label(status.category if status else ""),
            }
        )
    config = {
        "bounds": _bounds(city),
        "kind": "station",
        "urls": {**_map_urls(city), "things": _api("things", city) + "?kind=station"},
        "time": time_config(city),
        "labels": {
            "stale": _("stale"),
            "simulated": _("simulated data"),
            "open": _("Open station page"),
            "noData": _("no data"),
        },
    }
    return render(
        request,
        "observations/environment.html",
        {
            "city": city,
            "rows": rows,
            "simulated": any(s.simulated for s in stations),
            "categories": [
                {
                    "label": c.label,
                    "official": OFFICIAL_NAMES[c.code],
                    "colour": c.colour,
                    "text": c.text_colour,
                    "range": r,
                }
                for c, r in zip(
                    Category,
                    ("0-50", "51-100", "101-200", "201-300", "> 300"),
                    strict=True,
                )
            ],
            "config": config,
            "may_import": import_agencies(request.user, city).exists(),
        },
    )


def _category_label(code: str) -> str:
    return next((str(c.label) for c in Category if c.code == code), "")


def _day_param(request: HttpRequest, city: City) -> date:
    text = request.GET.get("day", "")
    try:
        return date.fromisoformat(text) if text else selectors.local_today(city)
    except ValueError:
        return selectors.local_today(city)


def prices_page(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = city_or_404(city_slug)
    day = _day_param(request, city)
    matrix = selectors.price_matrix(city, day)
    props = selectors.price_properties(city)
    chosen = request.GET.get("commodity") or (props[0].code if props else "")
    alerts = selectors.price_alerts(city, day)
    english = (get_language() or "id").startswith("en")
    for alert in alerts:
        named = english and alert["property_name_en"]
        alert["label"] = alert["property_name_en" if named else "property_name"]
    config = {
        "bounds": _bounds(city),
        "urls": {
            **_map_urls(city),
            "disparity": _api("disparity", city, "CODE") + f"?day={day.isoformat()}",
        },
        "commodity": chosen,
        "labels": {
            "average": _("city average"),
            "noPrice": _("no price that day"),
            "simulated": _("simulated data"),
        },
    }
    return render(
        request,
        "observations/prices.html",
        {
            "city": city,
            "day": day,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "matrix": matrix,
            "rows": [{**r, "label": _label(r["property"])} for r in matrix["rows"]],
            "props": [{"code": p.code, "label": _label(p)} for p in props],
            "chosen": chosen,
            "alerts": alerts,
            "simulated": any(m.simulated for m in matrix["markets"]),
            "config": config,
            "csv_url": _api("prices", city),
        },
    )


def _series_config(city: City, thing: Any) -> dict[str, Any]:
    streams = [
        {
            "id": d.pk,
            "label": _label(d.observed_property),
            "unit": d.unit_symbol,
            "aggregates": _api("aggregates", city, d.pk),
            "csv": _api("observations-csv", city, d.pk),
        }
        for d in thing.datastreams.select_related("observed_property").order_by(
            "observed_property__order", "observed_property__code"
        )
    ]
    return {
        "streams": streams,
        "ranges": list(selectors.RANGES),
        "time": time_config(city),
        "labels": {"mean": _("mean"), "min": _("min"), "max": _("max")},
    }


def station_page(request: HttpRequest, city_slug: str, code: str) -> HttpResponse:
    city = city_or_404(city_slug)
    thing = get_object_or_404(selectors.things(city, ThingKind.STATION), code=code)
    status = getattr(thing, "status", None)
    result = None
    parts = []
    from observations.status import station_ispu

    result = station_ispu(thing)
    if result is not None:
        for name, part in result.parts.items():
            parts.append(
                {
                    "parameter": name.upper().replace("PM25", "PM2.5"),
                    "hours": AVERAGING_HOURS[name],
                    "concentration": round(part.concentration, 1),
                    "index": part.display,
                    "category": part.category,
                    "official": OFFICIAL_NAMES[part.category.code],
                    "critical": name == result.critical,
                }
            )
    return render(
        request,
        "observations/station.html",
        {
            "city": city,
            "thing": thing,
            "status": status,
            "stale": selectors.is_stale(status),
            "age": _age(status.latest_time if status else None),
            "ispu": result,
            "official": OFFICIAL_NAMES.get(result.category.code, "") if result else "",
            "parts": parts,
            "feature": thing_payload(thing, city),
            "config": {**_series_config(city, thing), "bounds": _bounds(city)},
        },
    )


def market_page(request: HttpRequest, city_slug: str, code: str) -> HttpResponse:
    city = city_or_404(city_slug)
    thing = get_object_or_404(selectors.things(city, ThingKind.MARKET), code=code)
    day = _day_param(request, city)
    rows = selectors.market_prices(thing, day)
    return render(
        request,
        "observations/market.html",
        {
            "city": city,
            "thing": thing,
            "day": day,
            "rows": [{"row": r, "label": _label(r.prop)} for r in rows],
            "status": getattr(thing, "status", None),
            "stale": selectors.is_stale(getattr(thing, "status", None)),
            "config": _series_config(city, thing),
        },
    )


def _upload_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / UPLOADS
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def import_page(request: HttpRequest, city_slug: str) -> HttpResponse:
    """Upload a CSV: the preview checks every row and counts what would be stored
    (a dry run in a rolled-back transaction); Import writes it, all or nothing.
    The file waits between the two under MEDIA_ROOT/observation-imports/ with a
    random name kept in the session."""
    city = city_or_404(city_slug)
    agencies = import_agencies(request.user, city)
    if not agencies.exists():
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        raise PermissionDenied
    allowed = _agency_filter(city, frozenset(agencies.values_list("pk", flat=True)))
    key = f"obs-import-{city.pk}"
    report = None
    pending = request.session.get(key)
    if request.method == "POST":
        action = request.POST.get("action", "preview")
        if action == "preview":
            upload = request.FILES.get("file")
            limit = conf.get_int("OBSERVATIONS_IMPORT_MAX_MB") * 1024 * 1024
            if upload is None:
                messages.error(request, _("Choose a CSV file."))
            elif upload.size is not None and upload.size > limit:
                messages.error(request, _("The file is too large."))
            else:
                name = f"{uuid.uuid4().hex}.csv"
                path = _upload_dir() / name
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                with path.open("rb") as stream:
                    report = import_csv(city, stream, agency_ids=allowed, dry_run=True)
                if report.refused:
                    path.unlink(missing_ok=True)
                    pending = None
                else:
                    pending = {"name": name, "filename": upload.name or ""}
                request.session[key] = pending
        elif action == "import" and pending:
            path = _upload_dir() / Path(pending["name"]).name
            if not path.is_file():
                raise Http404
            with path.open("rb") as stream:
                report = import_csv(city, stream, agency_ids=allowed)
            path.unlink(missing_ok=True)
            request.session.pop(key, None)
            pending = None
            if report.written:
                messages.success(
                    request,
                    _("Imported: %(n)d new readings, %(d)d already stored.")
                    % {"n": report.inserted, "d": report.duplicates},
                )
    return render(
        request,
        "observations/import.html",
        {"city": city, "report": report, "pending": pending},
    )
