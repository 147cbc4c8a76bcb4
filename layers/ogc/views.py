"""OGC API Features (Parts 1-3) and OGC API Tiles for one city.

Views translate HTTP into engine calls: the registry says which collections the user
may see, the engine builds SQL and streams GeoJSON or renders tiles."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.db import connection
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_safe

from gis_platform.http import etag_matches, set_cache, set_versioned, weak_etag
from layers import history
from layers.data_text import data_text
from layers.engine.crs import content_crs_header, parse_crs
from layers.engine.geojson import Page, stream_feature_collection
from layers.engine.params import BadParameter, parse_int
from layers.engine.registry import resolve_source, sources_for
from layers.engine.requests import query_from_params
from layers.engine.sources import LayerSource
from layers.engine.sql import number_matched, single_feature_sql
from layers.engine.stats import source_stats
from layers.engine.tiles import (
    parse_tile,
    tile_cache_control,
    tile_etag,
    vector_tile,
)
from layers.ogc import documents
from layers.ogc import html as ogc_html
from layers.ogc.responses import (
    GEOJSON,
    MVT,
    OPENAPI,
    SCHEMA_JSON,
    json_response,
    ogc_errors,
    wants_html,
)
from tenancy.models import City
from tenancy.resolve import city_or_404

HTML_MAX_ITEMS = 200


def _city(city_slug: str) -> City:
    # The whole row: collection documents need the boundary's extent.
    return city_or_404(city_slug)


def _cache_headers(response: HttpResponseBase, source: LayerSource, etag: str) -> None:
    set_versioned(response, public=source.public, etag=etag, updated=source.updated)


def _not_modified(request: HttpRequest, etag: str) -> bool:
    return etag_matches(request, etag)


def _page_html(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    return render(request, f"ogc/{template}", context)


@require_safe
@ogc_errors
def landing(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = _city(city_slug)
    doc = documents.landing(request, city)
    if wants_html(request):
        return _page_html(
            request,
            "landing.html",
            {"city": city, "doc": doc, "links": ogc_html.labelled_links(doc["links"])},
        )
    return json_response(doc)


@require_safe
@ogc_errors
def conformance(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = _city(city_slug)
    doc = {"conformsTo": documents.CONFORMANCE}
    if wants_html(request):
        return _page_html(request, "conformance.html", {"city": city, "doc": doc})
    return json_response(doc)


@require_safe
@ogc_errors
def openapi(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = _city(city_slug)
    doc = documents.openapi(request, city, sources_for(city, request.user))
    if wants_html(request):
        return _page_html(
            request,
            "openapi.html",
            {"city": city, "doc": doc, "text": json.dumps(doc, indent=2)},
        )
    return json_response(doc, OPENAPI)


@require_safe
@ogc_errors
def collections(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = _city(city_slug)
    sources = sources_for(city, request.user)
    stats = source_stats(sources, city)
    self_url = documents.url(request, "collections", city_slug=city.slug)
    doc = {
        "links": [
            documents.link(self_url, "self", "application/json"),
            documents.link(self_url + "?f=html", "alternate", "text/html"),
        ],
        "collections": [
            documents.collection(request, city, s, *stats[s.key]) for s in sources
        ],
    }
    if wants_html(request):
        for c in doc["collections"]:
            c["description"] = data_text(c["description"])
        return _page_html(request, "collections.html", {"city": city, "doc": doc})
    response = json_response(doc)
    if request.user.is_authenticated:
        set_cache(response, public=False, vary=("Cookie",))
    return response


@require_safe
@ogc_errors
def collection(
    request: HttpRequest, city_slug: str, collection_id: str
) -> HttpResponse:
    city, source = resolve_source(city_slug, request.user, collection_id)
    bbox, count = source_stats([source], city)[source.key]
    doc = documents.collection(request, city, source, bbox, count)
    if wants_html(request):
        return _page_html(
            request,
            "collection.html",
            {
                "city": city,
                "doc": doc,
                "description": data_text(doc["description"]),
                "downloads": ogc_html.downloads(doc["links"]),
                "links": ogc_html.labelled_links(doc["links"]),
            },
        )
    return json_response(doc)


@require_safe
@ogc_errors
def queryables(
    request: HttpRequest, city_slug: str, collection_id: str
) -> HttpResponse:
    city, source = resolve_source(city_slug, request.user, collection_id)
    doc = documents.queryables(request, city, source)
    if wants_html(request):
        return _page_html(request, "queryables.html", {"city": city, "doc": doc})
    return json_response(doc, SCHEMA_JSON)


def _page_link(request: HttpRequest, cursor: str, rel: str, type_: str) -> dict:
    params = request.GET.copy()
    params["cursor"] = cursor
    base = request.build_absolute_uri(request.path)
    return documents.link(f"{base}?{params.urlencode()}", rel, type_)


@require_safe
@ogc_errors
def items(request: HttpRequest, city_slug: str, collection_id: str) -> HttpResponseBase:
    city, source = resolve_source(city_slug, request.user, collection_id)
    if request.GET.get("as_of"):  # the layer as it was then (layers/history.py)
        source = history.as_of_source(source, history.parse_as_of(request.GET["as_of"]))
    html = wants_html(request)
    query = query_from_params(source, request.GET, ogc=True)
    etag = weak_etag(
        source.city_id, source.cache_id, source.version, request.GET.urlencode(), html
    )
    if _not_modified(request, etag):
        not_modified = HttpResponseNotModified()
        _cache_headers(not_modified, source, etag)
        return not_modified
    if html:
        query.limit = min(query.limit or HTML_MAX_ITEMS, HTML_MAX_ITEMS)
    matched, exact = number_matched(source, query)
    stamp = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    # OGC API Features /req/core/fc-numberMatched: a numberMatched that is present
    # must equal the true count, and may be omitted when that is hard to compute.
    # Above EXACT_COUNT_LIMIT it is omitted; the estimate travels in its own member.
    head = json.dumps(
        ({"numberMatched": matched} if exact else {"numberMatchedEstimate": matched})
        | {"timeStamp": stamp}
    )[1:-1]
    self_url = request.build_absolute_uri()

    def tail(page: Page) -> str:
        links = [
            documents.link(self_url, "self", GEOJSON),
            documents.link(
                request.build_absolute_uri(request.path)
                + "?"
                + urlencode({**request.GET.dict(), "f": "html"}),
                "alternate",
                "text/html",
            ),
            documents.link(
                documents.url(
                    request, "collection", city_slug=city.slug, collection_id=source.key
                ),
                "collection",
                "application/json",
            ),
        ]
        backwards = query.before_id is not None
        has_next = page.more if not backwards else page.returned > 0
        has_prev = (
            page.more if backwards else query.after_id is not None
        ) and page.returned > 0
        if has_next and page.last_id is not None:
            links.append(_page_link(request, f"a{page.last_id}", "next", GEOJSON))
        if has_prev and page.first_id is not None:
            links.append(_page_link(request, f"b{page.first_id}", "prev", GEOJSON))
        return json.dumps({"numberReturned": page.returned, "links": links})[1:-1]

    stream = stream_feature_collection(source, query, head=head + ",", tail=tail)
    if html:
        data = json.loads("".join(stream))
        columns = ogc_html.columns(source, data["features"])
        return _page_html(
            request,
            "items.html",
            {
                "city": city,
                "source": source,
                "doc": data,
                "columns": columns,
                "rows": ogc_html.rows(columns, data["features"]),
                "geojson": data,
            },
        )
    response = StreamingHttpResponse(stream, content_type=GEOJSON)
    response["Content-Crs"] = content_crs_header(query.crs)
    _cache_headers(response, source, etag)
    return response


@require_safe
@ogc_errors
def item(
    request: HttpRequest, city_slug: str, collection_id: str, feature_id: str
) -> HttpResponse:
    city, source = resolve_source(city_slug, request.user, collection_id)
    fid = parse_int(feature_id, "featureId", minimum=1)
    if fid is None:
        raise BadParameter("featureId", "required.")
    crs = parse_crs(request.GET.get("crs"))
    precision = parse_int(request.GET.get("precision"), "precision", maximum=15)
    html = wants_html(request)
    sql, params = single_feature_sql(
        source, fid, crs, precision if precision is not None else crs.precision
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return ogc_not_found("No such feature in this collection.")
    feature = json.loads(row[0])
    k = {"city_slug": city.slug, "collection_id": source.key}
    feature["links"] = [
        documents.link(request.build_absolute_uri(), "self", GEOJSON),
        documents.link(
            request.build_absolute_uri(request.path) + "?f=html",
            "alternate",
            "text/html",
        ),
        documents.link(
            documents.url(request, "collection", **k), "collection", "application/json"
        ),
    ]
    if html:
        columns = ogc_html.columns(source, [feature])
        return _page_html(
            request,
            "item.html",
            {
                "city": city,
                "source": source,
                "feature": feature,
                "attributes": zip(
                    columns, ogc_html.rows(columns, [feature])[0]["cells"], strict=True
                ),
                "geojson": feature,
            },
        )
    response = json_response(feature, GEOJSON)
    response["Content-Crs"] = content_crs_header(crs)
    etag = f'W/"{source.city_id}-{source.cache_id}-{source.version}-{fid}-{crs.srid}"'
    _cache_headers(response, source, etag)
    return response


def ogc_not_found(description: str) -> HttpResponse:
    from layers.ogc.responses import exception

    return exception(404, "NotFound", description)


# -- OGC API Tiles ---------------------------------------------------------------


@require_safe
@ogc_errors
def tilematrixsets(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = _city(city_slug)
    href = documents.url(request, "tilematrixset", city_slug=city.slug)
    return json_response(
        {
            "tileMatrixSets": [
                {
                    "id": documents.WEB_MERCATOR_QUAD,
                    "title": "WebMercatorQuad",
                    "uri": documents.WMQ_URI,
                    "links": [documents.link(href, "self", "application/json")],
                }
            ]
        }
    )


@require_safe
@ogc_errors
def tilematrixset(request: HttpRequest, city_slug: str) -> HttpResponse:
    _city(city_slug)
    return json_response(documents.tile_matrix_set())


@require_safe
@ogc_errors
def tilesets(request: HttpRequest, city_slug: str, collection_id: str) -> HttpResponse:
    city, source = resolve_source(city_slug, request.user, collection_id)
    k = {"city_slug": city.slug, "collection_id": source.key}
    href = documents.url(request, "tileset", **k)
    return json_response(
        {
            "tilesets": [
                {
                    "title": source.title,
                    "dataType": "vector",
                    "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
                    "tileMatrixSetURI": documents.WMQ_URI,
                    "links": [
                        documents.link(href, "self", "application/json"),
                        documents.link(
                            documents.url(
                                request, "tilematrixset", city_slug=city.slug
                            ),
                            "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
                            "application/json",
                        ),
                    ],
                }
            ]
        }
    )


@require_safe
@ogc_errors
def tileset(request: HttpRequest, city_slug: str, collection_id: str) -> HttpResponse:
    city, source = resolve_source(city_slug, request.user, collection_id)
    bbox, _ = source_stats([source], city)[source.key]
    return json_response(documents.tileset(request, city, source, bbox))


def tile_response(
    request: HttpRequest, city: City, source: LayerSource, z: str, x: str, y: str
) -> HttpResponse:
    tile = parse_tile(z, x, y)
    etag = tile_etag(source, tile)
    response: HttpResponse
    if _not_modified(request, etag):
        response = HttpResponseNotModified()
    else:
        data, hit = vector_tile(source, tile)
        response = HttpResponse(data, content_type=MVT)
        response["X-Tile-Cache"] = "hit" if hit else "miss"
    _cache_headers(response, source, etag)
    set_cache(response, value=tile_cache_control(source))
    response["Access-Control-Allow-Origin"] = "*" if source.public else ""
    if not source.public:
        del response["Access-Control-Allow-Origin"]
    return response


@require_safe
@ogc_errors
def ogc_tile(
    request: HttpRequest,
    city_slug: str,
    collection_id: str,
    z: str,
    y: str,
    x: str,
) -> HttpResponse:
    city, source = resolve_source(city_slug, request.user, collection_id)
    return tile_response(request, city, source, z, x, y)
