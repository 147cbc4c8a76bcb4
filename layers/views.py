"""HTML pages: the list of cities and each city's map."""

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from gis_platform.edges import EdgeError, clean_text
from gis_platform.http import etag_matches, set_cache, weak_etag
from layers.engine.registry import source_for
from layers.engine.sources import LayerSource
from layers.local_time import time_config
from layers.models import Layer
from layers.popups import popup_text
from layers.selectors import area_counts, source_catalog
from layers.static_maps import cached_static_map_html, file_policy
from tenancy.access import read_scope
from tenancy.models import City
from tenancy.resolve import city_or_404


def city_list(request: HttpRequest) -> HttpResponse:
    cities = City.objects.order_by("name")
    return render(request, "layers/city_list.html", {"cities": cities})


def static_map(request: HttpRequest, city_slug: str) -> HttpResponse:
    """The map as one self-contained HTML file to share (works offline)."""
    city = city_or_404(city_slug)
    layers = Layer.objects.visible_to(request.user, city).order_by("title")
    try:
        asked = clean_text(
            request.GET.get("layers", ""), "layers", max_length=4000, multiline=False
        )
        title = clean_text(
            request.GET.get("title", ""), "title", max_length=200, multiline=False
        ).strip()
        results = clean_text(
            request.GET.get("analysis", ""), "analysis", max_length=200, multiline=False
        )
    except EdgeError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain")
    # Analysis results (the planner's temporary layers) the user may see, by key.
    extra = tuple(
        source
        for key in dict.fromkeys(results.split(","))
        if key.isascii() and key.isdigit()
        for source in sources_for_key(city, request.user, f"analysis-{key}")
    )
    wanted = [slug for slug in asked.split(",") if slug]
    if wanted:
        layers = layers.filter(slug__in=wanted)
    # Whoever may see more layers gets a file of their own (the key holds the layers
    # too; this keeps anonymous and signed-in files apart even when they match).
    viewer = "signed-in" if request.user.is_authenticated else "anonymous"
    html = cached_static_map_html(
        city, list(layers), viewer=viewer, extra=extra, title=title
    )
    # Who is signed in decides the layers: a private file, revalidated by its content.
    etag = weak_etag(city.pk, viewer, html)
    if etag_matches(request, etag):
        return set_cache(
            HttpResponse(status=304), public=False, etag=etag, vary=("Cookie",)
        )
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    set_cache(response, public=False, etag=etag, vary=("Cookie",))
    response["Content-Disposition"] = f'attachment; filename="peta-{city.slug}.html"'
    # Its inline scripts only (by hash), and a sandbox: opened from the platform, it
    # runs as an origin of its own, away from the platform's cookies and pages.
    response["Content-Security-Policy"] = (
        f"{file_policy(html)}; frame-ancestors 'none'; sandbox allow-scripts"
    )
    return response


def sources_for_key(city: City, user: Any, key: str) -> list[LayerSource]:
    """The source named `key` when the user may see it, else nothing."""
    try:
        return [source_for(city, user, key)]
    except Http404:
        return []


def city_map(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = city_or_404(city_slug)
    layers = source_catalog(city, request.user)
    extent = city.boundary.extent
    config = {
        "city": {
            "slug": city.slug,
            "name": city.name,
            "bounds": [[extent[1], extent[0]], [extent[3], extent[2]]],
            "time": time_config(city),
        },
        "boundaries": {
            level: reverse(
                "api:boundaries", kwargs={"city_slug": city.slug, "level": level}
            )
            for level in ("kecamatan", "kelurahan")
        },
        "layers": layers,
        "basemap": {
            "url": settings.BASEMAP_URL,
            "attribution": settings.BASEMAP_ATTRIBUTION,
        },
        "text": {
            "kecamatan": _("Kecamatan"),
            "kelurahan": _("Kelurahan"),
            "boundaries": _("Boundaries"),
            "features": _("features"),
            "noProperties": _("No attributes"),
            "yes": _("Yes"),
            "no": _("No"),
            **popup_text(),
            "loadError": _("Could not load this layer."),
            "perKm2": _("per km²"),
            "densityPerKm2": _("Features per km²"),
            "countPerArea": _("Count per area"),
            "found": _("%(n)s found, nearest first:"),
            "noneFound": _("Nothing found."),
            "analysisFailed": _("The question could not be answered:"),
        },
    }
    return render(
        request,
        "layers/city_map.html",
        {
            "city": city,
            "config": config,
            "layers": layers,
            "counts": area_counts(city),
            # City staff may save the map's state (planner/, a "saved map").
            "can_save_map": request.user.is_authenticated
            and read_scope(request.user, city).internal,
        },
    )
