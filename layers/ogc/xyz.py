"""Plain XYZ vector tiles and TileJSON, for web maps (Leaflet, MapLibre)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from gis_platform.http import set_cache
from layers.engine.registry import resolve_source
from layers.engine.stats import source_stats
from layers.engine.tiles import MAX_ZOOM
from layers.ogc.responses import json_response, ogc_errors
from layers.ogc.views import tile_response


@require_safe
@ogc_errors
def tile(
    request: HttpRequest, city_slug: str, layer: str, z: str, x: str, y: str
) -> HttpResponse:
    city, source = resolve_source(city_slug, request.user, layer)
    return tile_response(request, city, source, z, x, y)


@require_safe
@ogc_errors
def tilejson(request: HttpRequest, city_slug: str, layer: str) -> HttpResponse:
    city, source = resolve_source(city_slug, request.user, layer)
    bbox, _ = source_stats([source], city)[source.key]
    path = reverse(
        "tiles:tile",
        kwargs={"city_slug": city.slug, "layer": source.key, "z": 0, "x": 0, "y": 0},
    )
    template = (
        request.build_absolute_uri(path).replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt")
        + f"?v={source.version}"
    )
    center = city.default_center
    doc = {
        "tilejson": "3.0.0",
        "name": source.title,
        "description": source.description,
        "version": "1.0.0",
        "attribution": source.attribution,
        "scheme": "xyz",
        "tiles": [template],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": list(bbox) if bbox else [-180, -85.0511, 180, 85.0511],
        "center": [center.x, center.y, city.default_zoom],
        "vector_layers": [
            {
                "id": source.key,
                "description": source.title,
                "fields": {
                    name: source.queryables[name].type
                    for name in source.tile_properties
                },
            }
        ],
    }
    response = json_response(doc)
    set_cache(response, public=source.public)
    return response
