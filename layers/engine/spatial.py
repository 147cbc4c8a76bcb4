"""Spatial queries for planning and response, metre-correct and index-backed.

Distances use the source's geography expression (for features the same expression as
the `feature_geog_gist` functional index), so ST_DWithin and KNN (`<->`) go through
the index. Results are built in PostGIS as GeoJSON/JSON text.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.db import connection

from layers.engine.params import BadParameter
from layers.engine.sources import LayerSource
from layers.engine.sql import Query, where_sql
from layers.models import AdminArea

MAX_RADIUS_M = 100_000
MAX_NEAREST = 1000
MAX_VERTICES = 10_000
DECIMALS = 7


def parse_point(lon: str | None, lat: str | None) -> tuple[float, float]:
    try:
        x, y = float(lon or ""), float(lat or "")
    except ValueError:
        raise BadParameter("lon/lat", "both are required numbers.") from None
    if not (-180 <= x <= 180 and -90 <= y <= 90):
        raise BadParameter("lon/lat", "out of range.")
    return x, y


def parse_radius(raw: str | None) -> float:
    try:
        value = float(raw or "")
    except ValueError:
        raise BadParameter("radius_m", "a number of metres is required.") from None
    if not 0 < value <= MAX_RADIUS_M:
        raise BadParameter("radius_m", f"must be above 0 and at most {MAX_RADIUS_M}.")
    return value


def parse_polygon(raw: str | None) -> str:
    """A drawn polygon (GeoJSON geometry, lon/lat) as WKT for a bound parameter."""
    if not raw:
        raise BadParameter("geometry", "a GeoJSON Polygon or MultiPolygon is needed.")
    if len(raw) > 500_000:
        raise BadParameter("geometry", "too large.")
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("type") not in (
            "Polygon",
            "MultiPolygon",
        ):
            raise ValueError
        geom = GEOSGeometry(json.dumps(data), srid=4326)
    except (ValueError, TypeError, GEOSException):
        raise BadParameter(
            "geometry", "a GeoJSON Polygon or MultiPolygon is needed."
        ) from None
    if geom.num_coords > MAX_VERTICES:
        raise BadParameter("geometry", f"at most {MAX_VERTICES} vertices.")
    if not geom.valid:
        raise BadParameter("geometry", f"invalid polygon: {geom.valid_reason[:120]}.")
    return geom.wkt


# Both filters test the source's own geometry column: for reports that is the public
# (fuzzed) point, so a small drawn polygon cannot home in on an exact location.
def area_filter(source: LayerSource, code: str) -> tuple[str, list[Any]]:
    """A Query filter: features intersecting the admin area with this code."""
    if not AdminArea.objects.filter(city_id=source.city_id, code=code).exists():
        from django.http import Http404

        raise Http404("No such administrative area.")
    table = AdminArea._meta.db_table
    return (
        f"ST_Intersects(t.{source.geom_column}, (SELECT a.geom FROM {table} a "  # noqa: S608 - names from _meta, values are params
        "WHERE a.city_id = %s AND a.code = %s))",
        [source.city_id, code],
    )


def polygon_filter(source: LayerSource, wkt: str) -> tuple[str, list[Any]]:
    return f"ST_Intersects(t.{source.geom_column}, ST_GeomFromText(%s, 4326))", [wkt]


POINT = "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography"


def _distance_sql(
    source: LayerSource,
    query: Query,
    point: tuple[float, float],
    radius_m: float | None,
    limit: int,
) -> tuple[str, list[Any]]:
    """Features ordered by distance (KNN on the geography index), with distance_m.

    The point is repeated as a literal expression (not joined) so that the planner
    can drive ST_DWithin and `<->` from the index."""
    where, params = where_sql(source, query, paging=False)
    geog = source.geog
    pt = list(point)
    dwithin = f"AND ST_DWithin({geog}, {POINT}, %s) " if radius_m is not None else ""
    sql = (
        'SELECT \'{"type":"FeatureCollection","features":[\' || '  # noqa: S608 - names from the source (_meta), values are params
        "coalesce(string_agg(f, ',' ORDER BY d, id), '') || ']}' FROM ("
        f"SELECT id, d, json_build_object('type', 'Feature', 'id', id, "
        "'geometry', g::json, 'properties', p || jsonb_build_object('distance_m', "
        "round(d::numeric, 1)))::text AS f FROM ("
        f"SELECT t.{source.id_column} AS id, ST_Distance({geog}, {POINT}) AS d, "
        f"ST_AsGeoJSON(t.{source.geom_column}, {DECIMALS}, 0) AS g, "
        f"{source.properties_sql} AS p FROM {source.table} t "
        f"WHERE {where} {dwithin}ORDER BY {geog} <-> {POINT} LIMIT %s) k) r"
    )
    out = [*pt, *params]
    if radius_m is not None:
        out += [*pt, radius_m]
    return sql, [*out, *pt, limit]


def within_distance_sql(
    source: LayerSource, query: Query, point: tuple[float, float], radius_m: float
) -> tuple[str, list[Any]]:
    return _distance_sql(source, query, point, radius_m, query.limit or MAX_NEAREST)


def nearest_sql(
    source: LayerSource, query: Query, point: tuple[float, float], n: int
) -> tuple[str, list[Any]]:
    return _distance_sql(source, query, point, None, n)


def counts_sql(
    source: LayerSource, query: Query, level: str, *, geojson: bool = False
) -> tuple[str, list[Any]]:
    """Count (and density per km²) of the source's features per admin area.

    One set-based statement: the areas joined to the features they intersect (the
    GiST index on the features' geometry drives the join), grouped by area; areas
    without features keep a zero through the LEFT JOIN."""
    where, params = where_sql(source, query, paging=False)
    table = AdminArea._meta.db_table
    area_km2 = "coalesce(nullif(a.area_km2, 0), ST_Area(a.geom::geography) / 1e6)"
    inner = (
        f"SELECT a.id, a.code, a.name, a.geom, {area_km2} AS area_km2, "  # noqa: S608 - names from _meta, values are params
        f"count(t.{source.id_column}) AS n FROM {table} a "
        f"LEFT JOIN {source.table} t ON {where} "
        f"AND ST_Intersects(t.{source.geom_column}, a.geom) "
        "WHERE a.city_id = %s AND a.level = %s GROUP BY a.id"
    )
    props = (
        "'code', code, 'name', name, 'count', n, 'area_km2', round(area_km2::numeric, "
        "3), 'density_per_km2', round((n / nullif(area_km2, 0))::numeric, 3)"
    )
    if geojson:
        sql = (
            "SELECT json_build_object('type', 'FeatureCollection', 'features', "  # noqa: S608 - wraps the query above
            "coalesce(json_agg(json_build_object('type', 'Feature', 'id', code, "
            f"'geometry', ST_AsGeoJSON(geom, 6, 0)::json, 'properties', "
            f"json_build_object({props})) ORDER BY code), '[]'))::text FROM ({inner}) c"
        )
    else:
        sql = (
            f"SELECT coalesce(json_agg(json_build_object({props}) ORDER BY code), "  # noqa: S608 - wraps the query above
            f"'[]')::text FROM ({inner}) c"
        )
    return sql, [*params, source.city_id, level]


def run_text(sql: str, params: list[Any]) -> str:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]
