"""Spatial queries over any layer source: within a distance, nearest N, within an
admin area or a drawn polygon, counts and density per kecamatan/kelurahan."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.decorators import method_decorator
from django.views import View

from gis_platform.http import set_cache
from layers.api.views import GEOJSON, api_errors
from layers.engine import spatial
from layers.engine.geojson import Page, stream_feature_collection
from layers.engine.params import BadParameter, parse_int
from layers.engine.registry import resolve_source
from layers.engine.requests import query_from_params
from layers.engine.sources import LayerSource
from tenancy.models import AdminArea, City


class SourceApi(View):
    """Resolves city + visible source, maps bad input to 400 and unknowns to 404."""

    @method_decorator(api_errors)
    def get(
        self, request: HttpRequest, city_slug: str, layer_slug: str
    ) -> HttpResponseBase:
        city, source = resolve_source(city_slug, request.user, layer_slug)
        return self.respond(request, city, source)

    def respond(
        self, request: HttpRequest, city: City, source: LayerSource
    ) -> HttpResponseBase:
        raise NotImplementedError


def _text(body: str, content_type: str = GEOJSON) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    set_cache(response, public=False)
    return response


class WithinDistanceApi(SourceApi):
    """`?lon=&lat=&radius_m=`: features within radius_m metres, nearest first."""

    def respond(
        self, request: HttpRequest, city: City, source: LayerSource
    ) -> HttpResponse:
        point = spatial.parse_point(request.GET.get("lon"), request.GET.get("lat"))
        radius = spatial.parse_radius(request.GET.get("radius_m"))
        query = query_from_params(source, _filters_only(request))
        return _text(
            spatial.run_text(*spatial.within_distance_sql(source, query, point, radius))
        )


class NearestApi(SourceApi):
    """`?lon=&lat=&n=5`: the n nearest features with their distance in metres."""

    def respond(
        self, request: HttpRequest, city: City, source: LayerSource
    ) -> HttpResponse:
        point = spatial.parse_point(request.GET.get("lon"), request.GET.get("lat"))
        n = parse_int(request.GET.get("n"), "n", minimum=1, maximum=spatial.MAX_NEAREST)
        query = query_from_params(source, _filters_only(request))
        return _text(
            spatial.run_text(*spatial.nearest_sql(source, query, point, n or 5))
        )


class WithinAreaApi(SourceApi):
    """`?area=<Kemendagri code>` or `?geometry=<GeoJSON polygon>`: features inside,
    streamed and paged like /features (limit, cursor)."""

    def respond(
        self, request: HttpRequest, city: City, source: LayerSource
    ) -> HttpResponseBase:
        params = request.GET.copy()
        area = params.pop("area", [None])[-1]
        geometry = params.pop("geometry", [None])[-1]
        if bool(area) == bool(geometry):
            raise BadParameter("area/geometry", "give exactly one of them.")
        query = query_from_params(source, params)
        if area:
            if len(area) > 40 or "\x00" in area:
                raise BadParameter("area", "not an area code.")
            query.filters.append(spatial.area_filter(source, area))
        else:
            query.filters.append(
                spatial.polygon_filter(source, spatial.parse_polygon(geometry))
            )

        def tail(page: Page) -> str:
            return json.dumps({"numberReturned": page.returned})[1:-1]

        response = StreamingHttpResponse(
            stream_feature_collection(source, query, tail=tail), content_type=GEOJSON
        )
        set_cache(response, public=False)
        return response


class CountsApi(SourceApi):
    """`?level=kecamatan|kelurahan[&f=geojson]`: count and density per area."""

    def respond(
        self, request: HttpRequest, city: City, source: LayerSource
    ) -> HttpResponse:
        level = request.GET.get("level", AdminArea.Level.KECAMATAN)
        if level not in AdminArea.Level.values:
            raise BadParameter("level", "use kecamatan or kelurahan.")
        f = request.GET.get("f", "json")
        if f not in ("json", "geojson"):
            raise BadParameter("f", "use json or geojson.")
        query = query_from_params(source, _filters_only(request))
        body = spatial.run_text(
            *spatial.counts_sql(source, query, level, geojson=f == "geojson")
        )
        if f == "geojson":
            return _text(body)
        return _text(
            f'{{"layer":{json.dumps(source.key)},"level":{json.dumps(level)},"areas":{body}}}',
            "application/json",
        )


def _filters_only(request: HttpRequest) -> QueryDict:
    """The request's filter parameters (bbox, datetime, CQL2, properties), without
    this endpoint's own ones."""
    params = request.GET.copy()
    for name in ("lon", "lat", "radius_m", "n", "level", "f"):
        params.pop(name, None)
    return params
