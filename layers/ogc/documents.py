"""The JSON documents of OGC API Features and Tiles: landing page, conformance,
collections, queryables, tile sets, and the OpenAPI 3 description."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from layers.engine.crs import CRS84, SUPPORTED
from layers.engine.sources import LayerSource
from layers.engine.tiles import MAX_ZOOM
from layers.models import City

F1 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
F2 = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/"
F3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
CQL = "http://www.opengis.net/spec/cql2/1.0/conf/"
TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
CONFORMANCE = [
    F1 + "core",
    F1 + "oas30",
    F1 + "html",
    F1 + "geojson",
    F2 + "crs",
    F3 + "filter",
    F3 + "features-filter",
    F3 + "queryables",
    F3 + "queryables-query-parameters",
    CQL + "cql2-text",
    CQL + "cql2-json",
    CQL + "basic-cql2",
    CQL + "advanced-comparison-operators",
    CQL + "case-insensitive-comparison",
    CQL + "basic-spatial-functions",
    CQL + "basic-spatial-functions-plus",
    CQL + "spatial-functions",
    CQL + "temporal-functions",
    CQL + "arithmetic",
    TILES + "core",
    TILES + "tileset",
    TILES + "tilesets-list",
    TILES + "geodata-tilesets",
    TILES + "mvt",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
]
WEB_MERCATOR_QUAD = "WebMercatorQuad"
TILE_PATH = (
    "/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"
)
WMQ_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"


def link(href: str, rel: str, type_: str, title: str = "", **extra: Any) -> dict:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    out.update(extra)
    return out


def url(request, name: str, **kwargs: Any) -> str:
    return request.build_absolute_uri(reverse(f"ogc:{name}", kwargs=kwargs))


def landing(request, city: City) -> dict:
    c = {"city_slug": city.slug}
    return {
        "title": f"{city.name} — PetaKota OGC API",
        "description": (
            f"Open spatial data of {city.name}: OGC API Features (Parts 1-3) and "
            "OGC API Tiles."
        ),
        "links": [
            link(url(request, "landing", **c) + "?f=json", "self", "application/json"),
            link(url(request, "landing", **c) + "?f=html", "alternate", "text/html"),
            link(
                url(request, "openapi", **c),
                "service-desc",
                "application/vnd.oai.openapi+json;version=3.0",
                "OpenAPI 3 definition",
            ),
            link(url(request, "openapi", **c) + "?f=html", "service-doc", "text/html"),
            link(url(request, "conformance", **c), "conformance", "application/json"),
            link(url(request, "collections", **c), "data", "application/json"),
            link(
                url(request, "tilematrixsets", **c),
                "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
                "application/json",
            ),
        ],
    }


def collection(
    request,
    city: City,
    source: LayerSource,
    bbox: tuple[float, float, float, float] | None,
    count: int | None,
) -> dict:
    k = {"city_slug": city.slug, "collection_id": source.key}
    items = url(request, "items", **k)
    doc = {
        "id": source.key,
        "title": source.title,
        "description": source.description,
        "itemType": "feature",
        "crs": [crs.uri for crs in SUPPORTED],
        "storageCrs": CRS84.uri,
        "extent": {
            "spatial": {"bbox": [list(bbox)] if bbox else [], "crs": CRS84.uri},
            "temporal": {"interval": [[None, None]]},
        },
        "links": [
            link(url(request, "collection", **k), "self", "application/json"),
            link(url(request, "collection", **k) + "?f=html", "alternate", "text/html"),
            link(items, "items", "application/geo+json", "Features"),
            link(items + "?f=html", "items", "text/html", "Features (HTML)"),
            link(
                url(request, "queryables", **k),
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "application/schema+json",
            ),
            link(
                url(request, "tilesets", **k),
                "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                "application/json",
            ),
        ],
    }
    if count is not None:
        doc["numberOfFeatures"] = count
    if source.license:
        doc["license"] = source.license
    if source.attribution:
        doc["attribution"] = source.attribution
    if source.updated:
        doc["updated"] = source.updated.isoformat()
    return doc


_JSON_TYPES = {
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date-time"},
    "text": {"type": "string"},
}


def queryables(request, city: City, source: LayerSource) -> dict:
    props: dict[str, Any] = {
        "geometry": {"format": "geometry-any", "title": "Geometry"},
        "id": {"type": "integer", "title": "Feature id"},
    }
    if source.datetime_sql:
        props["datetime"] = {
            "type": "string",
            "format": "date-time",
            "title": "Validity (interval)",
        }
    for name, q in source.queryables.items():
        props[name] = {**_JSON_TYPES.get(q.type, {"type": "string"}), "title": q.title}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url(
            request, "queryables", city_slug=city.slug, collection_id=source.key
        ),
        "type": "object",
        "title": source.title,
        "properties": props,
        "additionalProperties": False,
    }


def tile_matrix_set() -> dict:
    origin = 20037508.3427892
    matrices = []
    for z in range(MAX_ZOOM + 1):
        n = 1 << z
        matrices.append(
            {
                "id": str(z),
                "scaleDenominator": 559082264.0287178 / n,
                "cellSize": 156543.03392804097 / n,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-origin, origin],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": n,
                "matrixHeight": n,
            }
        )
    return {
        "id": WEB_MERCATOR_QUAD,
        "title": "Google Maps Compatible for the World",
        "uri": WMQ_URI,
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "orderedAxes": ["E", "N"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": matrices,
    }


def tileset(request, city: City, source: LayerSource, bbox) -> dict:
    k = {"city_slug": city.slug, "collection_id": source.key}
    tmpl = url(request, "tileset", **k) + "/{tileMatrix}/{tileRow}/{tileCol}"
    fields = {name: source.queryables[name].type for name in source.tile_properties}
    return {
        "title": source.title,
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": WMQ_URI,
        "boundingBox": {
            "lowerLeft": list(bbox[:2]) if bbox else [-180, -85.05],
            "upperRight": list(bbox[2:]) if bbox else [180, 85.05],
            "crs": CRS84.uri,
        },
        "layers": [
            {
                "id": source.key,
                "dataType": "vector",
                "geometryType": source.geometry_type.lower(),
                "propertiesSchema": {
                    "type": "object",
                    "properties": {
                        name: _JSON_TYPES.get(kind, {"type": "string"})
                        for name, kind in fields.items()
                    },
                },
            }
        ],
        "links": [
            link(url(request, "tileset", **k), "self", "application/json"),
            link(
                url(request, "tilematrixset", city_slug=city.slug),
                "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
                "application/json",
            ),
            link(tmpl, "item", "application/vnd.mapbox-vector-tile", templated=True),
        ],
    }


def openapi(request, city: City, sources: list[LayerSource]) -> dict:
    """An OpenAPI 3.0 description of this city's OGC API."""
    base = url(request, "landing", city_slug=city.slug).rstrip("/")

    def param(name: str, schema: dict, desc: str, where: str = "query") -> dict:
        return {
            "name": name,
            "in": where,
            "required": where == "path",
            "description": desc,
            "schema": schema,
            "style": "form",
            "explode": False,
        }

    collection_id = param(
        "collectionId",
        {"type": "string", "enum": [s.key for s in sources]},
        "Collection",
        "path",
    )
    items_params = [
        collection_id,
        param(
            "limit", {"type": "integer", "minimum": 1, "maximum": 10000}, "Page size"
        ),
        param(
            "bbox",
            {"type": "array", "items": {"type": "number"}, "minItems": 4},
            "Bounding box",
        ),
        param("bbox-crs", {"type": "string", "format": "uri"}, "CRS of bbox"),
        param("datetime", {"type": "string"}, "RFC 3339 instant or interval"),
        param("crs", {"type": "string", "format": "uri"}, "Output CRS"),
        param("filter", {"type": "string"}, "CQL2 filter"),
        param(
            "filter-lang",
            {"type": "string", "enum": ["cql2-text", "cql2-json"]},
            "Filter language",
        ),
        param("filter-crs", {"type": "string", "format": "uri"}, "CRS of filter"),
        param("cursor", {"type": "string"}, "Page cursor from a next/prev link"),
        param("f", {"type": "string", "enum": ["json", "html"]}, "Format"),
    ]
    ok_json = {"200": {"description": "OK", "content": {"application/json": {}}}}
    errors = {
        "400": {"description": "Invalid parameter"},
        "404": {"description": "Not found"},
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": f"{city.name} — PetaKota OGC API",
            "version": "1.0.0",
            "license": {"name": "See each collection"},
        },
        "servers": [{"url": base}],
        "paths": {
            "/": {"get": {"summary": "Landing page", "responses": ok_json}},
            "/conformance": {"get": {"summary": "Conformance", "responses": ok_json}},
            "/api": {"get": {"summary": "This document", "responses": ok_json}},
            "/collections": {"get": {"summary": "Collections", "responses": ok_json}},
            "/collections/{collectionId}": {
                "get": {
                    "summary": "A collection",
                    "parameters": [collection_id],
                    "responses": {**ok_json, **errors},
                }
            },
            "/collections/{collectionId}/items": {
                "get": {
                    "summary": "Features",
                    "parameters": items_params,
                    "responses": {
                        "200": {
                            "description": "A FeatureCollection",
                            "content": {"application/geo+json": {}},
                        },
                        **errors,
                    },
                }
            },
            "/collections/{collectionId}/items/{featureId}": {
                "get": {
                    "summary": "A feature",
                    "parameters": [
                        collection_id,
                        param("featureId", {"type": "integer"}, "Feature id", "path"),
                        param("crs", {"type": "string"}, "Output CRS"),
                    ],
                    "responses": {
                        "200": {
                            "description": "A Feature",
                            "content": {"application/geo+json": {}},
                        },
                        **errors,
                    },
                }
            },
            "/collections/{collectionId}/queryables": {
                "get": {
                    "summary": "Queryable properties",
                    "parameters": [collection_id],
                    "responses": {**ok_json, **errors},
                }
            },
            "/collections/{collectionId}/tiles": {
                "get": {
                    "summary": "Vector tilesets",
                    "parameters": [collection_id],
                    "responses": ok_json,
                }
            },
            TILE_PATH: {
                "get": {
                    "summary": "A vector tile",
                    "parameters": [
                        collection_id,
                        param("tileMatrix", {"type": "integer"}, "Zoom", "path"),
                        param("tileRow", {"type": "integer"}, "Row (y)", "path"),
                        param("tileCol", {"type": "integer"}, "Column (x)", "path"),
                    ],
                    "responses": {
                        "200": {
                            "description": "MVT",
                            "content": {"application/vnd.mapbox-vector-tile": {}},
                        },
                        **errors,
                    },
                }
            },
            "/tileMatrixSets": {
                "get": {"summary": "Tiling schemes", "responses": ok_json}
            },
        },
    }
