"""The JSON documents of OGC API Features and Tiles: landing page, conformance,
collections, queryables, tile sets, and the OpenAPI 3 description."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from layers.engine.crs import CRS84, SUPPORTED
from layers.engine.sources import LayerSource
from layers.engine.tiles import MAX_ZOOM
from tenancy.models import City

F1 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
F2 = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/"
F3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
F4 = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/"
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
    # Part 4 (layers/manage/transactions.py): feature layers take POST/PUT/PATCH/DELETE.
    F4 + "create-replace-delete",
    F4 + "update",
    F4 + "features",
]
WEB_MERCATOR_QUAD = "WebMercatorQuad"
TILE_PATH = (
    "/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"
)
WMQ_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
OPENAPI_MEDIA = "application/vnd.oai.openapi+json;version=3.0"


def link(href: str, rel: str, type_: str, title: str = "", **extra: Any) -> dict:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    out.update(extra)
    return out


def url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return request.build_absolute_uri(reverse(f"ogc:{name}", kwargs=kwargs))


def landing(request: HttpRequest, city: City) -> dict:
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
    request: HttpRequest,
    city: City,
    source: LayerSource,
    bbox: tuple[float, float, float, float] | None,
    count: int | None,
) -> dict:
    k = {"city_slug": city.slug, "collection_id": source.key}
    items = url(request, "items", **k)
    doc: dict[str, Any] = {
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
    doc["links"].extend(download_links(request, city, source, items))
    if count is not None:
        doc["numberOfFeatures"] = count
    if source.license:
        doc["license"] = source.license
    if source.attribution:
        doc["attribution"] = source.attribution
    if source.updated:
        doc["updated"] = source.updated.isoformat()
    return doc


def download_links(
    request: HttpRequest, city: City, source: LayerSource, items_url: str
) -> list[dict]:
    """`enclosure` links: the whole collection as files, in the formats its
    provider offers (a feature layer: every export format), else as GeoJSON."""
    if source.downloads is None:
        whole = f"{items_url}?f=json&limit={settings.PETAKOTA_MAX_PAGE_SIZE}"
        return [link(whole, "enclosure", "application/geo+json", "GeoJSON")]
    return [
        link(
            request.build_absolute_uri(d.href),
            "enclosure",
            d.media_type,
            d.title,
            format=d.format,
        )
        for d in source.downloads(source)
    ]


_JSON_TYPES = {
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date-time"},
    "text": {"type": "string"},
}


def queryables(request: HttpRequest, city: City, source: LayerSource) -> dict:
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


def tileset(
    request: HttpRequest,
    city: City,
    source: LayerSource,
    bbox: tuple[float, float, float, float] | None,
) -> dict:
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


# Aliases parse_crs accepts besides the URIs (see layers.engine.crs).
CRS_ALIASES = ["CRS84", "OGC:CRS84", "EPSG:4326", "EPSG:3857", "EPSG:32748"]


def component_schemas() -> dict[str, Any]:
    link_schema = {
        "type": "object",
        "required": ["href", "rel"],
        "properties": {
            "href": {"type": "string"},
            "rel": {"type": "string"},
            "type": {"type": "string"},
            "title": {"type": "string"},
        },
    }
    links = {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}
    feature = {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            # GeoJSON: a number or a string (area codes in /counts).
            "id": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
            "geometry": {"type": "object", "nullable": True},
            "properties": {"type": "object", "nullable": True},
            "links": links,
        },
    }
    return {
        "Link": link_schema,
        "Exception": {
            "type": "object",
            "required": ["code", "description"],
            "properties": {
                "code": {"type": "string"},
                "description": {"type": "string"},
            },
        },
        "Landing": {
            "type": "object",
            "required": ["links"],
            "properties": {"title": {"type": "string"}, "links": links},
        },
        "Conformance": {
            "type": "object",
            "required": ["conformsTo"],
            "properties": {
                "conformsTo": {"type": "array", "items": {"type": "string"}}
            },
        },
        "Collection": {
            "type": "object",
            "required": ["id", "links"],
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "crs": {"type": "array", "items": {"type": "string"}},
                "links": links,
            },
        },
        "Collections": {
            "type": "object",
            "required": ["links", "collections"],
            "properties": {
                "links": links,
                "collections": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Collection"},
                },
            },
        },
        "Feature": feature,
        "FeatureCollection": {
            "type": "object",
            "required": ["type", "features"],
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": feature},
                "numberMatched": {"type": "integer", "minimum": 0},
                "numberReturned": {"type": "integer", "minimum": 0},
                "links": links,
            },
        },
        "Queryables": {
            "type": "object",
            "required": ["type", "properties"],
            "properties": {
                "type": {"type": "string", "enum": ["object"]},
                "properties": {"type": "object"},
            },
        },
        "TileSets": {
            "type": "object",
            "required": ["tilesets"],
            "properties": {"tilesets": {"type": "array"}},
        },
        "TileSet": {
            "type": "object",
            "required": ["tileMatrixSetURI", "links"],
            "properties": {"tileMatrixSetURI": {"type": "string"}, "links": links},
        },
        "TileMatrixSets": {
            "type": "object",
            "required": ["tileMatrixSets"],
            "properties": {"tileMatrixSets": {"type": "array"}},
        },
        "TileMatrixSet": {
            "type": "object",
            "required": ["id", "tileMatrices"],
            "properties": {
                "id": {"type": "string"},
                "tileMatrices": {"type": "array"},
            },
        },
    }


def filter_params() -> list[dict[str, Any]]:
    """The filters every feature endpoint shares (layers.engine.requests): OGC items
    and the JSON API document them alike."""
    crs_values = [crs.uri for crs in SUPPORTED] + CRS_ALIASES
    return [
        query_param(
            "bbox",
            {
                "type": "array",
                "items": {"type": "number"},
                "minItems": 4,
                "maxItems": 6,
            },
            "Bounding box: min x, min y, max x, max y in bbox-crs",
            style="form",
            explode=False,
        ),
        query_param("bbox-crs", {"type": "string", "enum": crs_values}, "CRS of bbox"),
        query_param("datetime", {"type": "string"}, "RFC 3339 instant or interval"),
        query_param("filter", {"type": "string"}, "CQL2 filter"),
        query_param(
            "filter-lang",
            {"type": "string", "enum": ["cql2-text", "cql2-json"]},
            "Filter language",
        ),
        query_param(
            "filter-crs", {"type": "string", "enum": crs_values}, "CRS of filter"
        ),
    ]


def query_param(
    name: str, schema: dict, desc: str, where: str = "query", **extra: Any
) -> dict:
    out = {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": desc,
        "schema": schema,
    }
    return out | extra


def _ref(name: str) -> dict:
    return {"schema": {"$ref": f"#/components/schemas/{name}"}}


def error_responses(*codes: str) -> dict:
    """Errors every operation may answer, with an OGC exception body.

    414 comes from the front server (gunicorn refuses request lines over 4094
    bytes) before the application sees the request."""
    texts = {
        "400": "Invalid parameter (the body says which and why)",
        "404": "No such city, collection or feature (or not visible to you)",
        "414": "Request line too long",
    }
    out: dict[str, Any] = {}
    for code in codes:
        content = {"application/json": _ref("Exception")} if code != "414" else {}
        out[code] = {"description": texts[code]} | (
            {"content": content} if content else {}
        )
    return out


def openapi(request: HttpRequest, city: City, sources: list[LayerSource]) -> dict:
    """An OpenAPI 3.0 description of this city's OGC API.

    Exact on purpose (schemathesis runs against it in the tests): every parameter
    with its type, range or enumeration, every status code with its media type.
    Other methods than GET/HEAD answer 405 with an Allow header."""
    base = url(request, "landing", city_slug=city.slug).rstrip("/")
    crs_values = [crs.uri for crs in SUPPORTED] + CRS_ALIASES
    f_param = query_param(
        "f", {"type": "string", "enum": ["json", "html"]}, "Response format"
    )
    collection_id = query_param(
        "collectionId",
        {"type": "string", "enum": [s.key for s in sources] or ["none"]},
        "Collection",
        "path",
    )
    crs = query_param(
        "crs", {"type": "string", "enum": crs_values}, "Output CRS (Part 2)"
    )
    precision = query_param(
        "precision",
        {"type": "integer", "minimum": 0, "maximum": 15},
        "Decimals of the coordinates written",
    )
    items_params = [
        collection_id,
        query_param(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": 10000},
            "Page size (larger values are capped at the server's maximum)",
        ),
        *filter_params(),
        crs,
        precision,
        query_param(
            "cursor",
            {"type": "string", "pattern": "^[ab]?[0-9]{1,18}$"},
            "Page cursor from a next/prev link",
        ),
        f_param,
    ]
    html = {"text/html": {"schema": {"type": "string"}}}

    def ok(
        schema: str, media: str = "application/json", with_html: bool = True
    ) -> dict:
        content = {media: _ref(schema)} | (html if with_html else {})
        return {"200": {"description": "OK", "content": content}}

    def get(summary: str, params: list, responses: dict, op_id: str) -> dict:
        return {
            "get": {
                "summary": summary,
                "operationId": op_id,
                "parameters": params,
                "responses": responses,
            }
        }

    not_modified = {"304": {"description": "Not modified (If-None-Match)"}}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": f"{city.name} — PetaKota OGC API",
            "version": "1.0.0",
            "license": {"name": "See each collection"},
        },
        "servers": [{"url": base}],
        "paths": {
            "/": get(
                "Landing page",
                [f_param],
                ok("Landing") | error_responses("400", "404", "414"),
                "getLandingPage",
            ),
            "/conformance": get(
                "Conformance",
                [f_param],
                ok("Conformance") | error_responses("400", "404", "414"),
                "getConformance",
            ),
            "/api": get(
                "This document",
                [f_param],
                {
                    "200": {
                        "description": "OpenAPI 3.0",
                        "content": {OPENAPI_MEDIA: {"schema": {"type": "object"}}}
                        | html,
                    }
                }
                | error_responses("400", "404", "414"),
                "getOpenAPI",
            ),
            "/collections": get(
                "Collections",
                [f_param],
                ok("Collections") | error_responses("400", "404", "414"),
                "getCollections",
            ),
            "/collections/{collectionId}": get(
                "A collection",
                [collection_id, f_param],
                ok("Collection") | error_responses("400", "404", "414"),
                "describeCollection",
            ),
            "/collections/{collectionId}/items": get(
                "Features",
                items_params,
                ok("FeatureCollection", "application/geo+json")
                | not_modified
                | error_responses("400", "404", "414"),
                "getFeatures",
            ),
            "/collections/{collectionId}/items/{featureId}": get(
                "A feature",
                [
                    collection_id,
                    query_param(
                        "featureId",
                        {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
                        "Feature id",
                        "path",
                    ),
                    crs,
                    precision,
                    f_param,
                ],
                ok("Feature", "application/geo+json")
                | error_responses("400", "404", "414"),
                "getFeature",
            ),
            "/collections/{collectionId}/queryables": get(
                "Queryable properties",
                [collection_id, f_param],
                ok("Queryables", "application/schema+json")
                | error_responses("400", "404", "414"),
                "getQueryables",
            ),
            "/collections/{collectionId}/tiles": get(
                "Vector tilesets",
                [collection_id],
                ok("TileSets", with_html=False) | error_responses("404", "414"),
                "getTileSets",
            ),
            "/collections/{collectionId}/tiles/WebMercatorQuad": get(
                "The WebMercatorQuad vector tileset",
                [collection_id],
                ok("TileSet", with_html=False) | error_responses("404", "414"),
                "getTileSet",
            ),
            TILE_PATH: get(
                "A vector tile",
                [
                    collection_id,
                    query_param(
                        "tileMatrix",
                        {"type": "integer", "minimum": 0, "maximum": MAX_ZOOM},
                        "Zoom level",
                        "path",
                    ),
                    query_param(
                        "tileRow",
                        {"type": "integer", "minimum": 0},
                        "Row (y), below 2^tileMatrix",
                        "path",
                    ),
                    query_param(
                        "tileCol",
                        {"type": "integer", "minimum": 0},
                        "Column (x), below 2^tileMatrix",
                        "path",
                    ),
                ],
                {
                    "200": {
                        "description": "A Mapbox Vector Tile (empty when no data)",
                        "content": {
                            "application/vnd.mapbox-vector-tile": {
                                "schema": {"type": "string", "format": "binary"}
                            }
                        },
                    }
                }
                | not_modified
                | error_responses("400", "404", "414"),
                "getTile",
            ),
            "/tileMatrixSets": get(
                "Tiling schemes",
                [],
                ok("TileMatrixSets", with_html=False) | error_responses("404", "414"),
                "getTileMatrixSets",
            ),
            "/tileMatrixSets/WebMercatorQuad": get(
                "The WebMercatorQuad tiling scheme",
                [],
                ok("TileMatrixSet", with_html=False) | error_responses("404", "414"),
                "getTileMatrixSet",
            ),
        },
        "components": {"schemas": component_schemas()},
    }
