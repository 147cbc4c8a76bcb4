"""Spatial queries for planning and response, metre-correct and index-backed.

Distances are geodesic (the source's geography expression), found through the
geometry GiST index (see `_distance_sql`). Results are built in PostGIS as
GeoJSON/JSON text.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.db import connection

from layers.engine.crs import CRS84, check_geojson_coordinates
from layers.engine.params import BadParameter, parse_number
from layers.engine.sources import LayerSource
from layers.engine.sql import Query, where_sql
from tenancy.models import AdminArea

MAX_RADIUS_M = 100_000
MAX_NEAREST = 1000
MAX_VERTICES = 10_000
DECIMALS = 7


def parse_point(lon: str | None, lat: str | None) -> tuple[float, float]:
    if not lon or not lat:
        raise BadParameter("lon/lat", "both are required numbers.")
    x, y = parse_number(lon, "lon"), parse_number(lat, "lat")
    if not (-180 <= x <= 180 and -90 <= y <= 90):
        raise BadParameter("lon/lat", "out of range.")
    return x, y


def parse_radius(raw: str | None) -> float:
    if not raw:
        raise BadParameter("radius_m", "a number of metres is required.")
    value = parse_number(raw, "radius_m")
    if not 0 < value <= MAX_RADIUS_M:
        raise BadParameter("radius_m", f"must be above 0 and at most {MAX_RADIUS_M}.")
    return value


def parse_polygon(raw: str | None) -> str:
    """A drawn polygon (GeoJSON geometry, lon/lat) as WKT for a bound parameter.

    Its coordinates are checked before GEOS sees them: GEOS 3.11 aborts the whole
    worker process on values such as 1e308 (in its WKT writer)."""
    needed = "a GeoJSON Polygon or MultiPolygon is needed."
    if not raw:
        raise BadParameter("geometry", needed)
    if len(raw) > 500_000:
        raise BadParameter("geometry", "too large.")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadParameter("geometry", needed) from None
    if not isinstance(data, dict) or data.get("type") not in (
        "Polygon",
        "MultiPolygon",
    ):
        raise BadParameter("geometry", needed)
    try:
        check_geojson_coordinates(data.get("coordinates"), CRS84, "geometry")
    except RecursionError:
        raise BadParameter("geometry", "nested too deeply.") from None
    try:
        geom = GEOSGeometry(
            json.dumps({"type": data["type"], "coordinates": data["coordinates"]}),
            srid=4326,
        )
    except (ValueError, TypeError, GEOSException, GDALException):
        raise BadParameter("geometry", needed) from None
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
PLANAR_POINT = "ST_SetSRID(ST_MakePoint(%s, %s), 4326)"
# Metres per degree, bounded so a box in degrees always holds every point within a
# distance: a degree of latitude is at least 110,574 m on WGS84, a degree of longitude
# at least 111,319.49 m x cos(latitude). 1 % more for rounding.
_LAT_M = 110_574.0 / 1.01
_LON_M = 111_319.49 / 1.01


def _box_sql(radius_sql: str) -> str:
    """A lon/lat box around the point (x, y as two pairs of parameters) holding every
    place within `radius_sql` metres of it; the geometry GiST index serves `&&`."""
    dy = f"({radius_sql}) / {_LAT_M}"
    # Near the poles a box in longitude would need to wrap: take every longitude.
    dx = (
        f"CASE WHEN abs(%s) + {dy} >= 89 THEN 360 ELSE ({radius_sql}) / "
        f"({_LON_M} * cos(radians(abs(%s) + {dy}))) END"
    )
    return f"ST_Expand({PLANAR_POINT}, {dx}, {dy})"


def _distance_sql(
    source: LayerSource,
    query: Query,
    point: tuple[float, float],
    radius_m: float | None,
    limit: int,
) -> tuple[str, list[Any]]:
    """Features ordered by geodesic distance, with distance_m.

    Served by the geometry GiST index, no geography index needed: features within
    the radius are found through a lon/lat box that surely holds them (`_box_sql`)
    and then measured on the spheroid. For the n nearest without a radius, the n
    nearest in degrees (KNN on the index) give a radius that surely holds the true n
    nearest, which are then found the same way. Literal point expressions (not
    joins) let the planner use the index for `&&` and `<->`."""
    where, params = where_sql(source, query, paging=False)
    geog, geom = source.geog, f"t.{source.geom_column}"
    x, y = point
    if radius_m is not None:
        radius_sql, radius_params = "%s", [radius_m]
        reach = ""
    else:
        # Names from the source (_meta); values are parameters.
        reach = (
            "WITH reach AS MATERIALIZED (SELECT "  # noqa: S608
            f"coalesce(max(ST_Distance({geog}, {POINT})), 0) * 1.000001 + 0.01 AS r "
            f"FROM (SELECT {geom} FROM {source.relation} t WHERE {where} "
            f"ORDER BY {geom} <-> {PLANAR_POINT} LIMIT %s) t) "
        )
        radius_sql, radius_params = "(SELECT r FROM reach)", []
    reach_params = [x, y, *params, x, y, limit] if reach else []
    box = _box_sql(radius_sql)
    # _box_sql's placeholders: the point, then y and the radius inside dx, then dy.
    r = radius_params
    box_params = [x, y, y, *r, *r, y, *r, *r]
    sql = (
        f"{reach}SELECT "  # noqa: S608 - names from the source (_meta), values are params
        '\'{"type":"FeatureCollection","features":[\' || '
        "coalesce(string_agg(f, ',' ORDER BY d, id), '') || ']}' FROM ("
        f"SELECT id, d, json_build_object('type', 'Feature', 'id', id, "
        "'geometry', g::json, 'properties', p || jsonb_build_object('distance_m', "
        "round(d::numeric, 1)))::text AS f FROM ("
        f"SELECT t.{source.id_column} AS id, ST_Distance({geog}, {POINT}) AS d, "
        f"ST_AsGeoJSON({geom}, {DECIMALS}, 0) AS g, "
        f"{source.properties_sql} AS p FROM {source.relation} t "
        f"WHERE {where} AND {geom} && {box} "
        f"AND ST_DWithin({geog}, {POINT}, {radius_sql}) "
        f"ORDER BY d, id LIMIT %s) k) r"
    )
    out = [*reach_params, x, y, *params, *box_params, x, y, *r, limit]
    return sql, out


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
        f"LEFT JOIN {source.relation} t ON {where} "
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
