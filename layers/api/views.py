"""JSON API of a city: its layer catalog, features and boundaries as GeoJSON.

Plain Django views: responses are streamed text from PostGIS, so there is nothing for a
serializer or content negotiation to do."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.db import DataError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponseNotModified,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.utils.decorators import method_decorator
from django.views import View

from gis_platform.edges import EdgeError
from gis_platform.http import (
    etag_matches,
    json_error,
    set_cache,
    set_versioned,
    weak_etag,
)
from layers import history
from layers.engine.geojson import Page, stream_feature_collection
from layers.engine.params import BadParameter
from layers.engine.registry import city_by_slug, resolve_source
from layers.engine.requests import query_from_params
from layers.engine.sources import LayerSource
from layers.engine.sql import Query
from layers.ogc.responses import refused_value
from layers.selectors import source_catalog
from layers.sources import admin_area_source
from tenancy.models import AdminArea

GEOJSON = "application/geo+json"


def bad_request(exc: Exception) -> JsonResponse:
    """The JSON API's error body (gis_platform/http.py), naming the parameter."""
    if isinstance(exc, DataError):
        return json_error(refused_value(exc))
    if isinstance(exc, BadParameter):
        return json_error(str(exc), errors={exc.name: exc.message})
    if isinstance(exc, EdgeError):
        return json_error(str(exc), errors={exc.field: exc.message})
    return json_error(str(exc))


def history_source(source: LayerSource, as_of: str | None) -> LayerSource:
    """`source` as it was at `?as_of=` (layers/history.py), or unchanged."""
    if not as_of:
        return source
    return history.as_of_source(source, history.parse_as_of(as_of))


def not_found(message: str) -> JsonResponse:
    return json_error(message, status=404)


# Refused request values: the engine's, the shared edge checks', and data
# exceptions PostgreSQL raised for them before a response started.
CLIENT_ERRORS = (BadParameter, EdgeError, DataError)


def api_errors(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Bad values -> 400 and unknown things -> 404, as JSON bodies."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(*args, **kwargs)
        except CLIENT_ERRORS as exc:
            return bad_request(exc)
        except Http404 as exc:
            return not_found(str(exc) or "Not found.")
        except history.HistoryGap as exc:
            return json_error(str(exc), status=409, errors={"as_of": str(exc)})

    return wrapper


def conditional_headers(
    request: HttpRequest, source: LayerSource, salt: str
) -> tuple[str, bool]:
    """(ETag for this source version + request, whether the client already has it)."""
    etag = weak_etag(source.city_id, source.cache_id, source.version, salt)
    return etag, etag_matches(request, etag)


def set_cache_headers(
    response: HttpResponseBase, source: LayerSource, etag: str
) -> None:
    set_versioned(response, public=source.public, etag=etag, updated=source.updated)


class LayerCatalogApi(View):
    @method_decorator(api_errors)
    def get(self, request: HttpRequest, city_slug: str) -> JsonResponse:
        city = city_by_slug(city_slug)
        return JsonResponse(
            {"city": city.slug, "layers": source_catalog(city, request.user)}
        )


class LayerFeaturesApi(View):
    """GeoJSON of one layer: bbox, datetime, property filters (`?name=value` for any
    schema field), CQL2 `filter`, limit, cursor, precision, crs."""

    @method_decorator(api_errors)
    def get(
        self, request: HttpRequest, city_slug: str, layer_slug: str
    ) -> HttpResponseBase:
        _city, source = resolve_source(city_slug, request.user, layer_slug)
        source = history_source(source, request.GET.get("as_of"))
        query = query_from_params(source, request.GET)
        etag, fresh = conditional_headers(request, source, request.GET.urlencode())
        if fresh:
            not_modified = HttpResponseNotModified()
            set_cache_headers(not_modified, source, etag)
            return not_modified

        def tail(page: Page) -> str:
            members: dict = {"numberReturned": page.returned, "links": []}
            if page.more and page.last_id is not None:
                params = request.GET.copy()
                params["cursor"] = str(page.last_id)
                members["links"].append(
                    {
                        "rel": "next",
                        "type": GEOJSON,
                        "href": request.build_absolute_uri(
                            f"{request.path}?{params.urlencode()}"
                        ),
                    }
                )
            return json.dumps(members)[1:-1]

        response = StreamingHttpResponse(
            stream_feature_collection(source, query, tail=tail),
            content_type=GEOJSON,
        )
        set_cache_headers(response, source, etag)
        return response


class BoundariesApi(View):
    @method_decorator(api_errors)
    def get(self, request: HttpRequest, city_slug: str, level: str) -> HttpResponseBase:
        city = city_by_slug(city_slug)
        if level not in AdminArea.Level.values:
            raise Http404("Unknown boundary level.")
        source = admin_area_source(city.pk, level)
        parsed = query_from_params(source, request.GET)
        # A city's boundaries always come whole.
        query = Query(bbox=parsed.bbox, precision=parsed.precision or 6)
        response = StreamingHttpResponse(
            stream_feature_collection(source, query),
            content_type=GEOJSON,
        )
        set_cache(response, public=True, max_age_s=300, revalidate=False)
        return response
