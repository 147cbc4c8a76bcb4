"""The planner's JSON API: analyses (temporary result layers), their export, the
map's search, the attribute table and saved maps. Bad input is a 400 JSON body
{detail, errors} (gis_platform.http.json_error); never a 500."""

from __future__ import annotations

import json
import shutil
from datetime import date
from typing import Any

from django.db import DataError
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET, require_http_methods

from gis_platform.edges import EdgeError, clean_text, require_object
from gis_platform.http import json_error, set_cache
from layers.api.views import api_errors
from layers.engine.params import BadParameter, parse_int
from layers.engine.registry import source_for
from layers.engine.requests import query_from_params
from planner import analysis, exports, selectors
from planner.models import SavedMap
from planner.services import save_map, staff_may_save
from planner.sources import result_source, visible_results
from tenancy.resolve import city_or_404

MAX_BODY = 600_000


def _body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_BODY:
        raise BadParameter("body", "too large.")
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):
        raise BadParameter("body", "not JSON.") from None
    return require_object(data)


def _private(response: HttpResponseBase) -> HttpResponseBase:
    return set_cache(response, public=False)


@require_http_methods(["POST"])
@api_errors
def analyses(request: HttpRequest, city_slug: str) -> HttpResponseBase:
    """POST {kind: density|hexbins|hotspots|coverage|overlay|select, ...}: run it;
    201 with the result document (its features at links.features)."""
    city = city_or_404(city_slug)
    body = _body(request)
    try:
        result = analysis.run_analysis(city, request.user, body)
    except DataError as exc:
        return json_error(f"The database refused a value: {str(exc)[:200]}")
    return _private(JsonResponse(selectors.result_document(result, city), status=201))


def _result(request: HttpRequest, city_slug: str, result_id: int) -> Any:
    city = city_or_404(city_slug)
    result = visible_results(city.pk, request.user).filter(pk=result_id).first()
    if result is None:
        raise Http404("No such analysis result (it may have expired).")
    return city, result


@require_GET
@api_errors
def analysis_detail(
    request: HttpRequest, city_slug: str, result_id: int
) -> HttpResponseBase:
    city, result = _result(request, city_slug, result_id)
    return _private(JsonResponse(selectors.result_document(result, city)))


@require_GET
@api_errors
def analysis_export(
    request: HttpRequest, city_slug: str, result_id: int
) -> HttpResponseBase:
    """?format=geojson|csv|gpkg|shp[&filter=<CQL2>]: the result (or the rows the
    filter selects) as a file."""
    city, result = _result(request, city_slug, result_id)
    key = request.GET.get("format", "geojson")
    if key not in exports.RESULT_FORMATS:
        raise BadParameter("format", f"use {', '.join(exports.RESULT_FORMATS)}.")
    source = result_source(result)
    params = {k: str(v) for k, v in request.GET.items() if k != "format"}
    query = query_from_params(source, params)
    folder = exports.temporary_folder()
    try:
        path, fmt = exports.write_result(source, query, key, folder)
        handle = path.open("rb")
    finally:
        # POSIX keeps the open file readable after its folder is removed.
        shutil.rmtree(folder, ignore_errors=True)
    response = FileResponse(handle, content_type=fmt.content_type)
    name = f"{city.slug}-{result.key}-{date.today():%Y%m%d}{fmt.extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return _private(response)


@require_GET
@api_errors
def search(request: HttpRequest, city_slug: str) -> HttpResponseBase:
    """?q=: places (coordinates, kecamatan/kelurahan names and codes, named
    features of the layers the user may see)."""
    city = city_or_404(city_slug)
    q = clean_text(request.GET.get("q", ""), "q", max_length=100, multiline=False)
    results = selectors.search(city, request.user, q)
    return _private(JsonResponse({"q": q, "results": results}))


@require_GET
@api_errors
def table(request: HttpRequest, city_slug: str, key: str) -> HttpResponseBase:
    """?sort=<attribute>&order=asc|desc&offset=&limit=[&filter=<CQL2>][&bbox=...]:
    one page of a layer's (or a result's) attribute table."""
    city = city_or_404(city_slug)
    source = source_for(city, request.user, key)
    params = request.GET.copy()
    sort = params.pop("sort", [None])[-1]
    order = params.pop("order", ["asc"])[-1]
    if order not in ("asc", "desc"):
        raise BadParameter("order", "use asc or desc.")
    offset = parse_int(params.pop("offset", ["0"])[-1], "offset", maximum=10**7) or 0
    limit = parse_int(
        params.pop("limit", ["50"])[-1],
        "limit",
        minimum=1,
        maximum=selectors.MAX_TABLE_PAGE,
    )
    params.pop("cursor", None)
    query = query_from_params(source, params)
    page = selectors.table_page(
        source,
        query,
        sort=sort,
        descending=order == "desc",
        offset=offset,
        limit=limit or 50,
    )
    return _private(JsonResponse(page))


@require_http_methods(["GET", "POST"])
@api_errors
def maps(request: HttpRequest, city_slug: str) -> HttpResponseBase:
    """GET: the city's saved maps; POST {title, state}: save one (city staff)."""
    city = city_or_404(city_slug)
    if request.method == "POST":
        if not staff_may_save(request.user, city):
            return json_error("Only signed-in city staff may save maps.", status=403)
        body = _body(request)
        saved = save_map(city, request.user, body)
        return _private(JsonResponse(_map_doc(saved), status=201))
    rows = [_map_doc(m) for m in SavedMap.objects.filter(city=city)[:200]]
    return _private(JsonResponse({"maps": rows}))


def _map_doc(saved: SavedMap) -> dict[str, Any]:
    return {
        "id": saved.pk,
        "title": saved.title,
        "state": saved.state,
        "created": saved.created_at.isoformat(),
    }


__all__ = ["EdgeError", "analyses", "analysis_detail", "search", "table"]
