"""Reads for the planner's map: search, the attribute table, result documents."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.models import Q
from django.urls import reverse

from layers.engine.params import BadParameter
from layers.engine.registry import sources_for
from layers.engine.sources import LayerSource
from layers.engine.sql import Query, number_matched, where_sql
from planner.models import AnalysisResult
from tenancy.models import AdminArea, City

MAX_TABLE_PAGE = 500
SEARCH_PER_LAYER = 5
# "-6.18, 106.63" (lat, lon) or "106.63 -6.18" (lon, lat): told apart by range.
_COORDS = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


def search(city: City, user: Any, q: str) -> list[dict[str, Any]]:
    """Places matching `q`: coordinates, kecamatan/kelurahan by name or code, and
    features of every visible layer with a `name` attribute."""
    found: list[dict[str, Any]] = []
    point = parse_coordinates(q)
    if point is not None:
        lon, lat = point
        found.append(
            {
                "kind": "coordinates",
                "label": f"{lat:.6f}, {lon:.6f}",
                "lon": lon,
                "lat": lat,
            }
        )
    if len(q.strip()) < 2:
        return found
    pattern = "%" + q.strip().replace("\\", "\\\\").replace("%", "\\%") + "%"
    pattern = pattern.replace("_", "\\_")
    areas = (
        AdminArea.objects.filter(city=city)
        .filter(Q(name__icontains=q.strip()) | Q(code__startswith=q.strip()))
        .order_by("level", "name")[:10]
    )
    for area in areas:
        x0, y0, x1, y1 = area.geom.extent
        found.append(
            {
                "kind": area.level,
                "label": area.name,
                "code": area.code,
                "bbox": [x0, y0, x1, y1],
            }
        )
    for source in sources_for(city, user):
        if not source.listed or "name" not in source.queryables:
            continue
        found.extend(_search_source(source, pattern))
    return found


def parse_coordinates(q: str) -> tuple[float, float] | None:
    """(lon, lat) from "lat, lon" (Indonesia: latitudes within ±15) or "lon, lat"."""
    match = _COORDS.match(q)
    if not match:
        return None
    a, b = float(match.group(1)), float(match.group(2))
    if abs(a) <= 90 and abs(b) <= 180 and abs(b) > 90 >= abs(a):
        return b, a
    if abs(b) <= 90 and abs(a) <= 180 and abs(a) > 90:
        return a, b
    if abs(a) <= 90 and abs(b) <= 180:
        return b, a
    return None


def _search_source(source: LayerSource, pattern: str) -> list[dict[str, Any]]:
    where, params = where_sql(source, Query(), paging=False)
    name = source.queryables["name"].sql
    geom = f"t.{source.geom_column}"
    sql = (
        f"SELECT t.{source.id_column}, {name}, ST_X(ST_PointOnSurface({geom})), "  # noqa: S608 - names from the source (_meta), values are params
        f"ST_Y(ST_PointOnSurface({geom})) FROM {source.relation} t "
        f"WHERE {where} AND {name} ILIKE %s ORDER BY {name} LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, pattern, SEARCH_PER_LAYER])
        rows = cursor.fetchall()
    return [
        {
            "kind": "feature",
            "layer": source.key,
            "layer_title": source.title,
            "id": row[0],
            "label": row[1],
            "lon": row[2],
            "lat": row[3],
        }
        for row in rows
    ]


def table_page(
    source: LayerSource,
    query: Query,
    *,
    sort: str | None,
    descending: bool,
    offset: int,
    limit: int,
) -> dict[str, Any]:
    """One page of a source's attribute table, sorted by a queryable (or id),
    with each row's bbox to zoom to."""
    if sort and sort not in source.queryables and sort != "id":
        raise BadParameter("sort", f"{sort[:60]!r} is not an attribute of this layer.")
    where, params = where_sql(source, query, paging=False)
    order_sql = f"t.{source.id_column}"
    if sort and sort != "id":
        order_sql = source.queryables[sort].sql
    direction = "DESC" if descending else "ASC"
    geom = f"t.{source.geom_column}"
    sql = (
        f"SELECT t.{source.id_column}, {source.properties_sql}, ST_XMin({geom}), "  # noqa: S608 - names from the source (_meta); the order is a queryable's SQL
        f"ST_YMin({geom}), ST_XMax({geom}), ST_YMax({geom}) FROM {source.relation} t "
        f"WHERE {where} ORDER BY {order_sql} {direction} NULLS LAST, "
        f"t.{source.id_column} LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        rows = cursor.fetchall()
    matched, exact = number_matched(source, query)
    return {
        "layer": source.key,
        "fields": source.field_list,
        "total": matched,
        "exact": exact,
        "offset": offset,
        "limit": limit,
        "rows": [
            {
                "id": r[0],
                "properties": r[1] if isinstance(r[1], dict) else _json(r[1]),
                "bbox": [r[2], r[3], r[4], r[5]],
            }
            for r in rows
        ],
    }


def _json(value: Any) -> Any:
    import json

    return json.loads(value) if isinstance(value, str) else value


def result_document(result: AnalysisResult, city: City) -> dict[str, Any]:
    kwargs = {"city_slug": city.slug, "layer_slug": result.key}
    pk = {"city_slug": city.slug, "result_id": result.pk}
    return {
        "id": result.pk,
        "key": result.key,
        "kind": result.kind,
        "title": result.title,
        "params": result.params,
        "summary": result.summary,
        "fields": result.fields,
        "geometry_type": result.geometry_type,
        "created": result.created_at.isoformat(),
        "expires": result.expires_at.isoformat() if result.expires_at else None,
        "links": {
            "self": reverse("planner-api:analysis", kwargs=pk),
            "features": reverse("api:layer-features", kwargs=kwargs),
            "table": reverse(
                "planner-api:table", kwargs={"city_slug": city.slug, "key": result.key}
            ),
            "export": reverse("planner-api:analysis-export", kwargs=pk),
            "ogc": reverse(
                "ogc:collection",
                kwargs={"city_slug": city.slug, "collection_id": result.key},
            ),
        },
    }
