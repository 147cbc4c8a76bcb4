"""The report page's service worker: served from the city's reports path so that its
scope covers the page (/<city>/reports/), with what it must keep for the page to open
and queue reports with no network."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_safe

from gis_platform.http import REVALIDATE, set_cache
from tenancy.resolve import city_or_404

# Hashed names in production: any change of these gives the worker a new cache.
_VERSIONED = (
    "reports/submit.js",
    "reports/queue.js",
    "js/basemap.js",
    "css/petakota.css",
)


@require_safe
def service_worker(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = city_or_404(city_slug)
    page = reverse("reports:submit", kwargs={"city_slug": city.slug})
    precache = [
        page,
        reverse("basemap-config"),
        reverse(
            "api:boundaries", kwargs={"city_slug": city.slug, "level": "kelurahan"}
        ),
    ]
    precache += [static(name) for name in _VERSIONED]
    version = hashlib.sha256(json.dumps(precache).encode()).hexdigest()[:12]
    config = {
        "scope": f"report-{city.slug}",
        "page": page,
        "static": settings.STATIC_URL
        if settings.STATIC_URL.startswith("/")
        else "/" + settings.STATIC_URL,
        "precache": precache,
        "version": version,
    }
    body = render_to_string("offline/sw.js", {"config_json": json.dumps(config)})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    # Browsers check the worker for updates on each visit; never keep it stale.
    set_cache(response, value=REVALIDATE)
    response["Service-Worker-Allowed"] = page
    response["X-Content-Type-Options"] = "nosniff"
    return response
