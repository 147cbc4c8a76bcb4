"""The field-capture page `/<city>/layers/<layer>/capture/` and its service worker.

Who: tenancy.access.may_capture_features (the owner agency's field officers and
editors, the city's administrators). A layer the user may not see is a 404, one
they may see but not capture into a 403. Only point layers (Point, MultiPoint or
any geometry) take a GPS position; other layers get a page that says so.

Photos are not taken here: a feature's properties are checked against the
layer's schema, which has no photo type, and layers may not import reports'
photo storage (see the report's notes in docs/architecture.md).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from gis_platform.http import PRIVATE_REVALIDATE, REVALIDATE, set_cache
from layers.models import Layer
from layers.models.layer import GeometryType
from tenancy.access import may_capture_features
from tenancy.models import City
from tenancy.resolve import city_or_404

POINT_TYPES = (GeometryType.POINT, GeometryType.MULTIPOINT, GeometryType.GEOMETRY)
# Kept by the worker for an offline visit (hashed names in production).
_VERSIONED = ("js/capture.js", "css/capture.css", "css/petakota.css")


def _layer(request: HttpRequest, city_slug: str, layer_slug: str) -> Layer:
    city = city_or_404(city_slug)
    layer = (
        Layer.objects.visible_to(request.user, city)
        .filter(slug=layer_slug)
        .select_related("agency")
        .first()
    )
    if layer is None:
        raise Http404(_("No such layer."))
    if not may_capture_features(request.user, city, layer.agency_id):
        raise PermissionDenied
    layer.city = city
    return layer


def _bounds(city: City) -> list[list[float]] | None:
    if city.boundary is None:
        return None
    e = city.boundary.extent
    return [[e[1], e[0]], [e[3], e[2]]]


def _fields(layer: Layer) -> list[dict[str, Any]]:
    """The form's fields: every attribute of the schema (the agency's private ones
    too: its officers fill them, the public never sees them)."""
    out = []
    for field in layer.schema or []:
        if not isinstance(field, dict) or not isinstance(field.get("name"), str):
            continue
        out.append(
            {
                "name": field["name"],
                "type": field.get("type", "text"),
                "label": str(field.get("label") or field["name"]),
                "required": field.get("required") is True,
            }
        )
    return out


def _urls(layer: Layer) -> dict[str, str]:
    city = layer.city.slug
    return {
        "page": reverse(
            "layers:capture", kwargs={"city_slug": city, "layer_slug": layer.slug}
        ),
        "items": reverse(
            "ogc:items", kwargs={"city_slug": city, "collection_id": layer.slug}
        ),
        "serviceWorker": reverse(
            "layers:capture-sw", kwargs={"city_slug": city, "layer_slug": layer.slug}
        ),
    }


@login_required
@require_safe
def capture_index(request: HttpRequest, city_slug: str) -> HttpResponse:
    """The point layers of `city` the user may capture into (a field officer's
    start page for capture)."""
    city = city_or_404(city_slug, with_boundary=False)
    layers = list(
        Layer.objects.visible_to(request.user, city)
        .filter(geometry_type__in=POINT_TYPES)
        .select_related("agency")
        .order_by("title")
    )
    allowed = {
        agency_id: may_capture_features(request.user, city, agency_id)
        for agency_id in {layer.agency_id for layer in layers}
    }
    mine = [layer for layer in layers if allowed[layer.agency_id]]
    if not mine and not any(allowed.values()):
        raise PermissionDenied
    response = render(
        request, "layers/capture/index.html", {"city": city, "layers": mine}
    )
    return set_cache(response, value=PRIVATE_REVALIDATE)


@login_required
@require_safe
def capture_page(request: HttpRequest, city_slug: str, layer_slug: str) -> HttpResponse:
    layer = _layer(request, city_slug, layer_slug)
    config = {
        "layer": layer.slug,
        "title": layer.title,
        "fields": _fields(layer),
        "bounds": _bounds(layer.city),
        "maxAccuracyM": settings.PETAKOTA_CAPTURE_MAX_ACCURACY_M,
        "urls": _urls(layer),
    }
    response = render(
        request,
        "layers/capture/capture.html",
        {
            "city": layer.city,
            "layer": layer,
            "config": config,
            "takes_points": layer.geometry_type in POINT_TYPES,
        },
    )
    # Signed-in page: never in a shared cache (the worker keeps its own copy).
    return set_cache(response, value=PRIVATE_REVALIDATE)


@login_required
@require_safe
def service_worker(
    request: HttpRequest, city_slug: str, layer_slug: str
) -> HttpResponse:
    layer = _layer(request, city_slug, layer_slug)
    urls = _urls(layer)
    precache = [urls["page"], reverse("basemap-config")]
    precache += [static(name) for name in _VERSIONED]
    version = hashlib.sha256(json.dumps(precache).encode()).hexdigest()[:12]
    config = {
        "scope": f"capture-{layer.city.slug}-{layer.slug}",
        "page": urls["page"],
        "static": settings.STATIC_URL
        if settings.STATIC_URL.startswith("/")
        else "/" + settings.STATIC_URL,
        "precache": precache,
        "version": version,
    }
    body = render_to_string("offline/sw.js", {"config_json": json.dumps(config)})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    set_cache(response, value=REVALIDATE)
    response["Service-Worker-Allowed"] = urls["page"]
    response["X-Content-Type-Options"] = "nosniff"
    return response
