"""JSON API of a city: its layer catalog, features and boundaries as GeoJSON.

Plain Django views: responses are streamed text from PostGIS, so there is nothing for a
serializer or content negotiation to do."""

from __future__ import annotations

from django.http import Http404, HttpRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.views import View

from layers.engine.geojson import Query, stream_feature_collection
from layers.engine.params import BadParameter, parse_bbox, parse_int, parse_limit
from layers.engine.sources import admin_area_source, feature_layer_source
from layers.models import AdminArea, City, Layer
from layers.selectors import layer_catalog

GEOJSON = "application/geo+json"


def bad_request(exc: BadParameter) -> JsonResponse:
    return JsonResponse(
        {"code": "InvalidParameterValue", "description": str(exc)}, status=400
    )


def _query(request: HttpRequest) -> Query:
    params = request.GET
    return Query(
        bbox=parse_bbox(params.get("bbox")),
        limit=parse_limit(params.get("limit")),
        after_id=parse_int(params.get("cursor"), "cursor"),
        precision=parse_int(params.get("precision"), "precision", minimum=0, maximum=15)
        or 7,
    )


class LayerCatalogApi(View):
    def get(self, request: HttpRequest, city_slug: str) -> JsonResponse:
        city = get_object_or_404(City, slug=city_slug)
        layers = Layer.objects.visible_to(request.user, city)
        return JsonResponse({"city": city.slug, "layers": layer_catalog(layers, city)})


class LayerFeaturesApi(View):
    def get(self, request: HttpRequest, city_slug: str, layer_slug: str):
        city = get_object_or_404(City, slug=city_slug)
        layer = get_object_or_404(
            Layer.objects.visible_to(request.user, city), slug=layer_slug
        )
        try:
            query = _query(request)
        except BadParameter as exc:
            return bad_request(exc)
        return StreamingHttpResponse(
            stream_feature_collection(feature_layer_source(layer), query),
            content_type=GEOJSON,
        )


class BoundariesApi(View):
    def get(self, request: HttpRequest, city_slug: str, level: str):
        city = get_object_or_404(City, slug=city_slug)
        if level not in AdminArea.Level.values:
            raise Http404("Unknown boundary level.")
        try:
            query = _query(request)
        except BadParameter as exc:
            return bad_request(exc)
        query.limit = None  # a city's boundaries always come whole
        response = StreamingHttpResponse(
            stream_feature_collection(admin_area_source(city.pk, level), query),
            content_type=GEOJSON,
        )
        response["Cache-Control"] = "public, max-age=300"
        return response
