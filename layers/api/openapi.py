"""Hand-kept OpenAPI 3.0 documents of a city's JSON API (layers, features, spatial
queries, boundaries) and of the Open311 GeoReport v2 read endpoints.

Hand-kept rather than generated: the views are plain Django views streaming text
from PostGIS, so there is no serializer to introspect. The tests run schemathesis
against both documents (tests/api/test_openapi_fuzz.py), which keeps them exact: a
parameter, status code or media type the views do not match fails there.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from layers.engine.crs import SUPPORTED
from layers.engine.registry import city_by_slug, sources_for
from layers.engine.spatial import MAX_NEAREST, MAX_RADIUS_M
from layers.ogc.documents import (
    component_schemas,
    error_responses,
    filter_params,
    query_param,
)
from layers.ogc.responses import OPENAPI, json_response, ogc_errors
from tenancy.models import AdminArea, City

GEOJSON = "application/geo+json"


def _ref(name: str) -> dict[str, Any]:
    return {"schema": {"$ref": f"#/components/schemas/{name}"}}


def _ok(media: str, schema: str) -> dict[str, Any]:
    return {"200": {"description": "OK", "content": {media: _ref(schema)}}}


def _error_responses(*codes: str) -> dict[str, Any]:
    """The shared error responses with the JSON API's body (gis_platform.http.
    json_error: {"detail": ..., "errors": {parameter: message}}) rather than the
    OGC API's exception."""
    out = error_responses(*codes)
    for response in out.values():
        if "content" in response:
            response["content"] = {"application/json": _ref("Error")}
    return out


def _get(op_id: str, summary: str, params: list, responses: dict) -> dict[str, Any]:
    return {
        "get": {
            "operationId": op_id,
            "summary": summary,
            "parameters": params,
            "responses": responses,
        }
    }


def _paging_params() -> list[dict[str, Any]]:
    return [
        query_param(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": 10000},
            "Page size (capped at the server's maximum)",
        ),
        query_param(
            "cursor",
            {"type": "string", "pattern": "^[ab]?[0-9]{1,18}$"},
            "Page cursor from a next link",
        ),
    ]


def layers_api_document(request: HttpRequest, city_slug: str) -> dict[str, Any]:
    city = city_by_slug(city_slug)
    base = request.build_absolute_uri(
        reverse("api:layer-catalog", kwargs={"city_slug": city.slug})
    ).removesuffix("/layers/")
    keys = [s.key for s in sources_for(city, request.user)] or ["none"]
    layer = query_param(
        "layer", {"type": "string", "enum": keys}, "Layer (source) key", "path"
    )
    lon = query_param(
        "lon", {"type": "number", "minimum": -180, "maximum": 180}, "Longitude"
    )
    lat = query_param(
        "lat", {"type": "number", "minimum": -90, "maximum": 90}, "Latitude"
    )
    lon["required"] = lat["required"] = True
    radius = query_param(
        "radius_m",
        {"type": "number", "minimum": 0, "exclusiveMinimum": True},
        f"Radius in metres (at most {MAX_RADIUS_M})",
        required=True,
    )
    radius["schema"]["maximum"] = MAX_RADIUS_M
    errors = _error_responses("400", "404", "414")
    features = _ok(GEOJSON, "FeatureCollection") | errors
    return {
        "openapi": "3.0.3",
        "info": {
            "title": f"{city.name} — PetaKota JSON API",
            "version": "1.0.0",
            "description": (
                "Layers, features and spatial queries of one city. GET/HEAD only: "
                "other methods answer 405. Errors are "
                '{"detail": ..., "errors": {"<parameter>": "<message>"}}.'
            ),
        },
        "servers": [{"url": base}],
        "paths": {
            "/layers/": _get(
                "listLayers",
                "The layers this user may see",
                [],
                _ok("application/json", "Catalog") | errors,
            ),
            "/layers/{layer}/features": _get(
                "getFeatures",
                "Features of a layer (property filters: ?<name>=<value>)",
                [
                    layer,
                    *filter_params(),
                    *_paging_params(),
                    query_param(
                        "precision",
                        {"type": "integer", "minimum": 0, "maximum": 15},
                        "Decimals of coordinates",
                    ),
                    query_param(
                        "crs",
                        {"type": "string", "enum": [c.uri for c in SUPPORTED]},
                        "Output CRS",
                    ),
                ],
                features | {"304": {"description": "Not modified"}},
            ),
            "/layers/{layer}/near": _get(
                "getFeaturesNear",
                "Features within radius_m metres of a point, nearest first",
                [layer, lon, lat, radius, *filter_params()],
                features,
            ),
            "/layers/{layer}/nearest": _get(
                "getNearestFeatures",
                "The n nearest features with their distance in metres",
                [
                    layer,
                    lon,
                    lat,
                    query_param(
                        "n",
                        {"type": "integer", "minimum": 1, "maximum": MAX_NEAREST},
                        "How many (default 5)",
                    ),
                    *filter_params(),
                ],
                features,
            ),
            "/layers/{layer}/within": _get(
                "getFeaturesWithin",
                "Features inside an admin area or a drawn polygon (give one)",
                [
                    layer,
                    query_param(
                        "area",
                        {"type": "string", "maxLength": 40},
                        "Kemendagri code of a kecamatan/kelurahan",
                    ),
                    query_param(
                        "geometry",
                        {"type": "string"},
                        "GeoJSON Polygon or MultiPolygon (lon/lat)",
                    ),
                    *filter_params(),
                    *_paging_params(),
                ],
                features,
            ),
            "/layers/{layer}/counts": _get(
                "getCounts",
                "Count and density per kecamatan or kelurahan",
                [
                    layer,
                    query_param(
                        "level",
                        {"type": "string", "enum": AdminArea.Level.values},
                        "Admin level",
                    ),
                    query_param(
                        "f",
                        {"type": "string", "enum": ["json", "geojson"]},
                        "Format",
                    ),
                    *filter_params(),
                ],
                {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": _ref("Counts"),
                            GEOJSON: _ref("FeatureCollection"),
                        },
                    }
                }
                | errors,
            ),
            "/boundaries/{level}": _get(
                "getBoundaries",
                "The city's kecamatan or kelurahan boundaries",
                [
                    query_param(
                        "level",
                        {"type": "string", "enum": AdminArea.Level.values},
                        "Admin level",
                        "path",
                    ),
                    filter_params()[0],
                    query_param(
                        "precision",
                        {"type": "integer", "minimum": 0, "maximum": 15},
                        "Decimals of coordinates",
                    ),
                ],
                features,
            ),
        },
        "components": {
            "schemas": component_schemas()
            | {
                "Error": {
                    "type": "object",
                    "required": ["detail"],
                    "properties": {
                        "detail": {"type": "string"},
                        "errors": {
                            "type": "object",
                            "additionalProperties": {"type": "string"},
                        },
                    },
                },
                "Catalog": {
                    "type": "object",
                    "required": ["city", "layers"],
                    "properties": {
                        "city": {"type": "string"},
                        "layers": {"type": "array", "items": {"type": "object"}},
                    },
                },
                "Counts": {
                    "type": "object",
                    "required": ["layer", "level", "areas"],
                    "properties": {
                        "layer": {"type": "string"},
                        "level": {"type": "string"},
                        "areas": {"type": "array", "items": {"type": "object"}},
                    },
                },
            }
        },
    }


@require_safe
@ogc_errors
def layers_api(request: HttpRequest, city_slug: str) -> HttpResponse:
    return json_response(layers_api_document(request, city_slug), OPENAPI)


# -- Open311 GeoReport v2 ------------------------------------------------------------


def open311_document(request: HttpRequest) -> dict[str, Any]:
    """The read endpoints of reports/open311 (GeoReport v2), as they answer today.

    Every path ends in `.json` or `.xml`; errors are the spec's list
    `[{"code": 400, "description": "..."}]` in the same format."""
    base = request.build_absolute_uri("/open311/v2")
    fmt = query_param(
        "format", {"type": "string", "enum": ["json", "xml"]}, "Format", "path"
    )
    slugs = list(City.objects.order_by("slug").values_list("slug", flat=True))
    jurisdiction = query_param(
        "jurisdiction_id",
        {"type": "string", "enum": slugs}
        if slugs
        else {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
        "The city slug",
        required=True,
    )
    content = {
        "application/json": {"schema": {"type": "array", "items": {}}},
        "text/xml": {"schema": {"type": "string"}},
    }
    error_content = {
        "application/json": _ref("Errors"),
        "text/xml": {"schema": {"type": "string"}},
    }

    def responses(*codes: str) -> dict[str, Any]:
        out: dict[str, Any] = {"200": {"description": "OK", "content": content}}
        for code in codes:
            out[code] = {"description": "Error list", "content": error_content}
        return out

    date = {"type": "string", "format": "date-time"}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "PetaKota Open311 GeoReport v2",
            "version": "2.0.0",
            "description": "http://wiki.open311.org/GeoReport_v2 — read endpoints. "
            "jurisdiction_id is the city slug.",
        },
        "servers": [{"url": base}],
        "paths": {
            "/discovery.{format}": _get(
                "discovery",
                "Service discovery",
                [fmt],
                {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {"schema": {"type": "object"}},
                            "text/xml": {"schema": {"type": "string"}},
                        },
                    }
                },
            ),
            "/services.{format}": _get(
                "getServices",
                "Service list (report categories)",
                [fmt, jurisdiction],
                responses("400", "404"),
            ),
            "/services/{service_code}.{format}": _get(
                "getServiceDefinition",
                "Service definition (its questions)",
                [
                    query_param(
                        "service_code",
                        {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
                        "Service code",
                        "path",
                    ),
                    fmt,
                    jurisdiction,
                ],
                {
                    **responses("400", "404"),
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {"schema": {"type": "object"}},
                            "text/xml": {"schema": {"type": "string"}},
                        },
                    },
                },
            ),
            "/requests.{format}": _get(
                "getServiceRequests",
                "Service requests (public fields, public location)",
                [
                    fmt,
                    jurisdiction,
                    query_param(
                        "service_request_id", {"type": "string"}, "Comma-separated ids"
                    ),
                    query_param(
                        "service_code", {"type": "string"}, "Comma-separated codes"
                    ),
                    query_param("start_date", date, "W3C date-time"),
                    query_param("end_date", date, "W3C date-time"),
                    query_param(
                        "status",
                        {"type": "string", "enum": ["open", "closed", "open,closed"]},
                        "open, closed or both",
                    ),
                ],
                responses("400", "404"),
            ),
            "/requests/{service_request_id}.{format}": _get(
                "getServiceRequest",
                "One service request",
                [
                    query_param(
                        "service_request_id",
                        {"type": "string", "pattern": "^[-A-Za-z0-9]+$"},
                        "Ticket",
                        "path",
                    ),
                    fmt,
                    jurisdiction,
                ],
                responses("400", "404"),
            ),
        },
        "components": {
            "schemas": {
                "Errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["code", "description"],
                        "properties": {
                            "code": {"type": "integer"},
                            "description": {"type": "string"},
                        },
                    },
                }
            }
        },
    }


@require_safe
def open311(request: HttpRequest) -> HttpResponse:
    return json_response(open311_document(request), OPENAPI)
