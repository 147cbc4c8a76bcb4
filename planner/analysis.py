"""The planner's analyses, run in PostGIS; each answer is saved as a temporary layer.

Every analysis takes a JSON object of parameters (checked here: a bad value is a
`BadParameter`/`EdgeError`, a 400 with a message, never a 500), reads its inputs
through the one catalogue (`layers.engine.registry.source_for`, so a user only ever
analyses sources they may see, with the same CQL2 `filter` the map uses), and writes
its features with one `INSERT ... SELECT` into `planner_analysisfeature`. The result
is then a source like any other (planner/sources.py): GeoJSON, OGC API, tiles, the
attribute table and exports serve it.

Metres: cells, buffers and distances are computed in the city's UTM zone (scale error
below 0.1 % inside a zone); nearest/within distances of drawn geometries are
geodesic (geography).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.db import connection, transaction
from django.utils import timezone

from gis_platform.edges import EdgeError, check_coordinates, clean_text, parse_float
from gis_platform.edges import parse_int as edge_int
from layers.engine.params import BadParameter
from layers.engine.registry import source_for
from layers.engine.requests import query_from_params
from layers.engine.sources import LayerSource
from layers.engine.sql import Query, where_sql
from planner.models import AnalysisFeature, AnalysisResult, AreaPopulation
from tenancy.models import AdminArea, City

MIN_DISTANCE_M = 1.0
MAX_DISTANCE_M = 50_000.0
MIN_HEX_M = 25.0
MAX_HEX_M = 25_000.0
MAX_NEAREST = 200
MAX_LAYERS = 10
# The drawn geometry may not be wider or taller than this (a whole-world polygon).
MAX_DRAWN_DEGREES = 2.0
MAX_DRAWN_VERTICES = 10_000
PERMUTATIONS = 999
SEED = 20240601


def max_hex_cells() -> int:
    return int(getattr(settings, "PETAKOTA_PLANNER_MAX_HEX_CELLS", 50_000))


def result_ttl() -> timedelta:
    return timedelta(
        hours=float(getattr(settings, "PETAKOTA_PLANNER_RESULT_TTL_H", 24))
    )


@dataclass
class Output:
    """What an analysis writes: the INSERT's SELECT (geom, properties) and what the
    result says about itself."""

    title: str
    fields: list[dict[str, Any]]
    geometry_type: str
    select_sql: str = ""
    params: list[Any] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    sources: list[LayerSource] = field(default_factory=list)
    # Computed in Python (hot spots): rows of (wkb, properties) to insert instead.
    rows: list[tuple[bytes, dict[str, Any]]] | None = None
    # Run after the insert, over the saved features (summary figures).
    after: Callable[[AnalysisResult], dict[str, Any]] | None = None


# --- parameters ---------------------------------------------------------------


def metric_srid(city: City) -> int:
    """The UTM zone of the city's centre (EPSG 326xx north, 327xx south)."""
    centre = city.default_center
    zone = min(60, max(1, int((centre.x + 180) // 6) + 1))
    return (32700 if centre.y < 0 else 32600) + zone


def _distance(body: dict[str, Any], name: str = "distance_m") -> float:
    if body.get(name) is None:
        raise BadParameter(name, "a distance in metres is required.")
    try:
        value = parse_float(body[name], name)
    except EdgeError as exc:
        raise BadParameter(name, exc.message) from None
    if not MIN_DISTANCE_M <= value <= MAX_DISTANCE_M:
        raise BadParameter(
            name,
            f"must be between {MIN_DISTANCE_M:g} and {MAX_DISTANCE_M:g} metres.",
        )
    return value


def _hex_size(body: dict[str, Any]) -> float:
    raw = body.get("size_m", 500)
    try:
        value = parse_float(raw, "size_m")
    except EdgeError as exc:
        raise BadParameter("size_m", exc.message) from None
    if not MIN_HEX_M <= value <= MAX_HEX_M:
        raise BadParameter(
            "size_m", f"must be between {MIN_HEX_M:g} and {MAX_HEX_M:g} metres."
        )
    return value


def _int(body: dict[str, Any], name: str, default: int, maximum: int) -> int:
    try:
        return edge_int(body.get(name, default), name, minimum=1, maximum=maximum)
    except EdgeError as exc:
        raise BadParameter(name, exc.message) from None


def _level(body: dict[str, Any], name: str = "level") -> str:
    level = body.get(name, AdminArea.Level.KELURAHAN)
    if level not in AdminArea.Level.values:
        raise BadParameter(name, "use kecamatan or kelurahan.")
    return str(level)


def _layer(
    city: City, user: Any, body: dict[str, Any], name: str = "layer"
) -> tuple[LayerSource, Query]:
    """The named source the user may see, and its query (an optional CQL2 text
    `filter` next to it: `<name>_filter`, or `filter` for the main layer)."""
    key = body.get(name)
    if not isinstance(key, str) or not key:
        raise BadParameter(name, "name a layer of the catalogue.")
    key = clean_text(key, name, max_length=200, multiline=False)
    try:
        source = source_for(city, user, key)
    except Exception:  # Http404: not a layer this user may see
        raise BadParameter(name, f"no layer {key[:60]!r} in this city.") from None
    filter_name = "filter" if name == "layer" else f"{name}_filter"
    time_name = "datetime" if name == "layer" else f"{name}_datetime"
    return source, _query(
        source, body.get(filter_name), filter_name, body.get(time_name), time_name
    )


def _query(
    source: LayerSource,
    raw: Any,
    name: str = "filter",
    interval: Any = None,
    time_name: str = "datetime",
) -> Query:
    """The source's query: a CQL2 text filter and an RFC 3339 interval (the map's
    time window), parsed by the engine like the items endpoint's."""
    params = {}
    for key, value, label in (("filter", raw, name), ("datetime", interval, time_name)):
        if value in (None, ""):
            continue
        if not isinstance(value, str):
            raise BadParameter(label, "text is expected.")
        params[key] = value
    try:
        return query_from_params(source, params)
    except BadParameter as exc:
        label = time_name if exc.name == "datetime" else name
        raise BadParameter(label, exc.message) from None


def _point_layer(source: LayerSource, name: str = "layer") -> None:
    if not source.is_point:
        raise BadParameter(
            name, f"{source.title!r} is not a point layer; pick a layer of points."
        )


def parse_drawn(city: City, raw: Any) -> tuple[str, bool]:
    """A drawn GeoJSON geometry (Point, LineString, Polygon, Multi...) as WKT, and
    whether it had to be repaired (a self-intersecting polygon is made valid with
    GEOS MakeValid). Coordinates are checked before GEOS sees them; a geometry
    wider than MAX_DRAWN_DEGREES (a whole-world polygon) or away from the city is
    refused."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            raise BadParameter("geometry", "not GeoJSON.") from None
    kinds = (
        "Point",
        "LineString",
        "Polygon",
        "MultiPoint",
        "MultiLineString",
        "MultiPolygon",
    )
    if not isinstance(raw, dict) or raw.get("type") not in kinds:
        raise BadParameter("geometry", f"a GeoJSON geometry is needed ({kinds}).")
    try:
        check_coordinates(raw.get("coordinates"), "geometry")
    except EdgeError as exc:
        raise BadParameter("geometry", exc.message) from None
    except RecursionError:
        raise BadParameter("geometry", "nested too deeply.") from None
    try:
        geom = GEOSGeometry(
            json.dumps({"type": raw["type"], "coordinates": raw["coordinates"]}),
            srid=4326,
        )
    except (ValueError, TypeError, GEOSException, GDALException):
        raise BadParameter("geometry", "not a valid GeoJSON geometry.") from None
    if geom.num_coords > MAX_DRAWN_VERTICES:
        raise BadParameter("geometry", f"at most {MAX_DRAWN_VERTICES} vertices.")
    x0, y0, x1, y1 = geom.extent
    if x1 - x0 > MAX_DRAWN_DEGREES or y1 - y0 > MAX_DRAWN_DEGREES:
        raise BadParameter(
            "geometry",
            f"too large: at most {MAX_DRAWN_DEGREES:g}° across (about "
            f"{MAX_DRAWN_DEGREES * 111:.0f} km); draw an area of the city.",
        )
    cx0, cy0, cx1, cy1 = city.boundary.extent
    if x1 < cx0 - 1 or x0 > cx1 + 1 or y1 < cy0 - 1 or y0 > cy1 + 1:
        raise BadParameter("geometry", "the drawn geometry is far from this city.")
    repaired = False
    if not geom.valid:
        geom = geom.make_valid()
        repaired = True
        if geom.empty:
            raise BadParameter(
                "geometry", "the polygon crosses itself and cannot be repaired."
            )
    return geom.wkt, repaired


# --- SQL pieces -----------------------------------------------------------------


def _rows(source: LayerSource, query: Query) -> tuple[str, list[Any]]:
    """`SELECT id, geom, properties` of the source's rows matching the query."""
    where, params = where_sql(source, query, paging=False)
    sql = (
        f"SELECT t.{source.id_column} AS id, t.{source.geom_column} AS geom, "  # noqa: S608 - names from the source (_meta), values are params
        f"{source.properties_sql}::jsonb AS p FROM {source.relation} t WHERE {where}"
    )
    return sql, params


def _count_in(source: LayerSource, query: Query, geom_sql: str) -> tuple[str, list]:
    """A scalar subquery: how many of the source's rows intersect `geom_sql`."""
    where, params = where_sql(source, query, paging=False)
    sql = (
        f"(SELECT count(*) FROM {source.relation} t WHERE {where} "  # noqa: S608 - names from the source (_meta), values are params
        f"AND ST_Intersects(t.{source.geom_column}, {geom_sql}))"
    )
    return sql, params


def _degrees_box(city: City, distance_m: float) -> tuple[float, float]:
    """(dx, dy) in degrees holding every place within distance_m near the city."""
    lat = min(89.0, max(abs(city.boundary.extent[1]), abs(city.boundary.extent[3])))
    dy = distance_m / 110_574.0 * 1.02
    dx = distance_m / (111_319.49 * math.cos(math.radians(lat + 0.5))) * 1.02
    return dx, dy


def _area_table() -> tuple[str, str]:
    return AdminArea._meta.db_table, AreaPopulation._meta.db_table


def _city_table() -> str:
    return City._meta.db_table


def _f(name: str, kind: str, label: str) -> dict[str, Any]:
    return {"name": name, "type": kind, "label": label}


# --- the analyses -------------------------------------------------------------


def density(city: City, user: Any, body: dict[str, Any]) -> Output:
    """Features per kecamatan/kelurahan: count, per km² and, where the area has a
    population, per 1,000 people."""
    source, query = _layer(city, user, body)
    level = _level(body)
    areas, pops = _area_table()
    count_sql, count_params = _count_in(source, query, "a.geom")
    area_km2 = "coalesce(nullif(a.area_km2, 0), ST_Area(a.geom::geography) / 1e6)"
    sql = (
        "SELECT a.geom, jsonb_build_object('code', a.code, 'name', a.name, "  # noqa: S608 - names from _meta, values are params
        "'count', c.n, 'area_km2', round(c.km2::numeric, 3), "
        "'density_per_km2', round((c.n / nullif(c.km2, 0))::numeric, 3), "
        "'population', p.population, "
        "'per_1000_people', "
        "round((c.n * 1000.0 / nullif(p.population, 0))::numeric, 3)) "
        f"FROM {areas} a LEFT JOIN {pops} p ON p.area_id = a.id "
        f"CROSS JOIN LATERAL (SELECT {count_sql} AS n, {area_km2} AS km2) c "
        "WHERE a.city_id = %s AND a.level = %s"
    )
    has_pop = AreaPopulation.objects.filter(area__city=city, area__level=level).exists()
    return Output(
        title=f"{source.title} per {level}",
        fields=[
            _f("code", "text", "Code"),
            _f("name", "text", "Name"),
            _f("count", "integer", "Count"),
            _f("area_km2", "number", "Area (km²)"),
            _f("density_per_km2", "number", "Per km²"),
            _f("population", "integer", "Population"),
            _f("per_1000_people", "number", "Per 1,000 people"),
        ],
        geometry_type="MultiPolygon",
        select_sql=sql,
        params=[*count_params, city.pk, level],
        summary={"level": level, "population_known": has_pop},
        sources=[source],
        after=_totals("count"),
    )


def _hex_cells_sql(city: City, size_m: float) -> tuple[str, list[Any], float]:
    """A CTE `cells(i, j, g, geom)` of the hexagons (size = edge length, metres, in
    the city's UTM zone) touching the city, and the estimate of their number;
    refuses a size giving more than PETAKOTA_PLANNER_MAX_HEX_CELLS cells."""
    srid = metric_srid(city)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Area(ST_Envelope(ST_Transform(boundary, %s))) "  # noqa: S608 - names from _meta
            f"FROM {_city_table()} WHERE id = %s",
            [srid, city.pk],
        )
        bbox_m2 = float(cursor.fetchone()[0])
    cell_m2 = 3 * math.sqrt(3) / 2 * size_m**2
    estimate = bbox_m2 / cell_m2
    limit = max_hex_cells()
    if estimate > limit:
        raise BadParameter(
            "size_m",
            f"a {size_m:g} m cell gives about {estimate:,.0f} cells over the city; "
            f"the limit is {limit:,}. Choose a larger cell.",
        )
    sql = (
        f"cityg AS MATERIALIZED (SELECT ST_Transform(boundary, {srid}) AS g "  # noqa: S608 - SRID is an int from code
        f"FROM {_city_table()} WHERE id = %s), "
        "cells AS MATERIALIZED (SELECT h.i, h.j, h.geom AS g, "
        "ST_Transform(h.geom, 4326) AS geom FROM cityg, ST_HexagonGrid(%s, cityg.g) h "
        "WHERE ST_Intersects(h.geom, cityg.g))"
    )
    return sql, [city.pk, size_m], estimate


def hexbins(city: City, user: Any, body: dict[str, Any]) -> Output:
    """Counts of a point layer per hexagon (ST_HexagonGrid) over the city."""
    source, query = _layer(city, user, body)
    _point_layer(source)
    size = _hex_size(body)
    cells, cell_params, _estimate = _hex_cells_sql(city, size)
    count_sql, count_params = _count_in(source, query, "c.geom")
    keep_empty = bool(body.get("keep_empty", False))
    sql = (
        f"WITH {cells} SELECT geom, jsonb_build_object('i', i, 'j', j, 'count', n) "  # noqa: S608 - built above from code
        f"FROM (SELECT c.i, c.j, c.geom, {count_sql} AS n FROM cells c) x"
        + ("" if keep_empty else " WHERE n > 0")
    )
    return Output(
        title=f"{source.title}: hexagons of {size:g} m",
        fields=[
            _f("count", "integer", "Count"),
            _f("i", "integer", "Column"),
            _f("j", "integer", "Row"),
        ],
        geometry_type="Polygon",
        select_sql=sql,
        params=[*cell_params, *count_params],
        summary={"size_m": size},
        sources=[source],
        after=_totals("count"),
    )


def hotspots(city: City, user: Any, body: dict[str, Any]) -> Output:
    """Getis-Ord Gi* (PySAL esda) on the counts of a point layer per hexagon: each
    cell's z-score, its pseudo p-value from permutations and the normal p-value,
    and a class (hot/cold spot at 99/95/90 % confidence, or not significant).
    Neighbours: the six hexagons around each cell (binary weights, libpysal)."""
    import numpy as np
    from esda.getisord import G_Local
    from libpysal.weights import DistanceBand

    source, query = _layer(city, user, body)
    _point_layer(source)
    size = _hex_size(body)
    cells, cell_params, _estimate = _hex_cells_sql(city, size)
    count_sql, count_params = _count_in(source, query, "c.geom")
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {cells} SELECT c.i, c.j, ST_X(ST_Centroid(c.g)), "  # noqa: S608 - built above from code
            f"ST_Y(ST_Centroid(c.g)), ST_AsBinary(c.geom), {count_sql} "
            "FROM cells c ORDER BY c.i, c.j",
            [*cell_params, *count_params],
        )
        rows = cursor.fetchall()
    if len(rows) < 3:
        raise BadParameter(
            "size_m", "too few cells for hot spots; choose a smaller cell."
        )
    counts = np.array([r[5] for r in rows], dtype=float)
    coords = np.array([(r[2], r[3]) for r in rows])
    out: list[tuple[bytes, dict[str, Any]]] = []
    summary: dict[str, Any] = {"size_m": size, "cells": len(rows)}
    if counts.sum() == 0 or counts.std() == 0:
        summary["note"] = "every cell has the same count: no clusters."
        for r in rows:
            out.append((bytes(r[4]), {"count": int(r[5]), "class": "none"}))
    else:
        # Hexagon centres are sqrt(3) x size apart: the threshold takes the six
        # around each cell and nothing further.
        weights = DistanceBand(
            coords,
            threshold=size * math.sqrt(3) * 1.01,
            binary=True,
            silence_warnings=True,
        )
        gi = G_Local(
            counts,
            weights,
            transform="B",
            star=True,
            permutations=PERMUTATIONS,
            seed=SEED,
            n_jobs=1,
        )
        classes = {"hot-99": 0, "hot-95": 0, "hot-90": 0}
        classes |= {"cold-99": 0, "cold-95": 0, "cold-90": 0}
        for k, r in enumerate(rows):
            z, p = float(gi.Zs[k]), float(gi.p_sim[k])
            label = _gi_class(z, p)
            if label != "none":
                classes[label] += 1
            out.append(
                (
                    bytes(r[4]),
                    {
                        "count": int(r[5]),
                        "z": round(z, 4),
                        "p_sim": round(p, 4),
                        "p_norm": round(float(gi.p_norm[k]), 6),
                        "class": label,
                    },
                )
            )
        summary["classes"] = classes
        summary["permutations"] = PERMUTATIONS
    summary["total"] = int(counts.sum())
    return Output(
        title=f"{source.title}: hot spots (Gi*, {size:g} m hexagons)",
        fields=[
            _f("count", "integer", "Count"),
            _f("z", "number", "z-score"),
            _f("p_sim", "number", "p (permutations)"),
            _f("p_norm", "number", "p (normal)"),
            _f("class", "text", "Class"),
        ],
        geometry_type="Polygon",
        rows=out,
        summary=summary,
        sources=[source],
    )


def _gi_class(z: float, p: float) -> str:
    side = "hot" if z > 0 else "cold"
    for level, alpha in ((99, 0.01), (95, 0.05), (90, 0.10)):
        if p <= alpha:
            return f"{side}-{level}"
    return "none"


def coverage(city: City, user: Any, body: dict[str, Any]) -> Output:
    """The parts of the city farther than `distance_m` from every feature of the
    layer: hexagons (`unit: hex`, centre farther than D) or the uncovered part of
    each kecamatan/kelurahan (`unit: kelurahan|kecamatan`), with the share of area
    and, where populations are known, of people uncovered (spread evenly over
    each area)."""
    source, query = _layer(city, user, body)
    distance = _distance(body)
    unit = body.get("unit", "hex")
    if unit not in ("hex", *AdminArea.Level.values):
        raise BadParameter("unit", "use hex, kecamatan or kelurahan.")
    srid = metric_srid(city)
    rows_sql, rows_params = _rows(source, query)
    areas, pops = _area_table()
    covered = (
        f"covered AS MATERIALIZED (SELECT coalesce(ST_Union(ST_Buffer("  # noqa: S608 - names from code
        f"ST_Transform(r.geom, {srid}), %s, 8)), 'POLYGON EMPTY'::geometry) AS g "
        f"FROM ({rows_sql}) r)"
    )
    covered_params = [distance, *rows_params]
    title = f"More than {distance:g} m from {source.title}"
    if unit == "hex":
        size = _hex_size(body)
        cells, cell_params, _estimate = _hex_cells_sql(city, size)
        sql = (
            f"WITH {cells}, {covered} SELECT c.geom, jsonb_build_object("  # noqa: S608 - built above from code
            "'i', c.i, 'j', c.j, 'area_km2', "
            "round((ST_Area(ST_Intersection(c.g, cityg.g)) / 1e6)::numeric, 4)) "
            "FROM cells c, cityg, covered "
            "WHERE NOT ST_Intersects(ST_Centroid(c.g), covered.g)"
        )
        return Output(
            title=f"{title} ({size:g} m hexagons)",
            fields=[_f("area_km2", "number", "Area in the city (km²)")],
            geometry_type="Polygon",
            select_sql=sql,
            params=[*cell_params, *covered_params],
            summary={"unit": "hex", "size_m": size, "distance_m": distance},
            sources=[source],
            after=_coverage_summary(city, srid),
        )
    sql = (
        f"WITH {covered}, a AS (SELECT a.code, a.name, "  # noqa: S608 - names from _meta
        f"ST_Transform(a.geom, {srid}) AS g, p.population FROM {areas} a "
        f"LEFT JOIN {pops} p ON p.area_id = a.id WHERE a.city_id = %s "
        "AND a.level = %s), d AS (SELECT a.*, ST_Difference(a.g, covered.g) AS gap "
        "FROM a, covered) "
        "SELECT ST_Multi(ST_Transform(gap, 4326)), jsonb_build_object("
        "'code', code, 'name', name, "
        "'area_km2', round((ST_Area(g) / 1e6)::numeric, 4), "
        "'uncovered_km2', round((ST_Area(gap) / 1e6)::numeric, 4), "
        "'uncovered_share', round((ST_Area(gap) / nullif(ST_Area(g), 0))::numeric, 4), "
        "'population', population, 'population_uncovered', "
        "round(population * ST_Area(gap) / nullif(ST_Area(g), 0))) "
        "FROM d WHERE NOT ST_IsEmpty(gap) AND ST_Area(gap) > 1"
    )
    return Output(
        title=f"{title} (per {unit})",
        fields=[
            _f("code", "text", "Code"),
            _f("name", "text", "Name"),
            _f("area_km2", "number", "Area (km²)"),
            _f("uncovered_km2", "number", "Uncovered (km²)"),
            _f("uncovered_share", "number", "Share uncovered"),
            _f("population", "integer", "Population"),
            _f("population_uncovered", "integer", "People uncovered"),
        ],
        geometry_type="MultiPolygon",
        select_sql=sql,
        params=[*covered_params, city.pk, unit],
        summary={"unit": unit, "distance_m": distance},
        sources=[source],
        after=_coverage_summary(city, srid),
    )


def _coverage_summary(city: City, srid: int) -> Callable[[AnalysisResult], dict]:
    """Share of the city's area uncovered, and of its people where every
    kelurahan has a population (each spread evenly over its area)."""

    def summary(result: AnalysisResult) -> dict[str, Any]:
        areas, pops = _area_table()
        feature_table = AnalysisFeature._meta.db_table
        sql = (
            f"WITH gap AS MATERIALIZED (SELECT ST_Intersection(coalesce(ST_Union("  # noqa: S608 - names from _meta, values are params
            f"ST_Transform(f.geom, {srid})), 'POLYGON EMPTY'::geometry), "
            f"(SELECT ST_Transform(boundary, {srid}) FROM {_city_table()} "
            "WHERE id = %s)) "
            f"AS g FROM {feature_table} f WHERE f.result_id = %s), "
            "cityarea AS (SELECT ST_Area(ST_Transform(boundary, %s)) AS m2 "
            f"FROM {_city_table()} WHERE id = %s), "
            f"kel AS (SELECT ST_Transform(a.geom, {srid}) AS g, p.population "
            f"FROM {areas} a LEFT JOIN {pops} p ON p.area_id = a.id "
            "WHERE a.city_id = %s AND a.level = 'kelurahan') "
            "SELECT ST_Area(gap.g) / 1e6, cityarea.m2 / 1e6, "
            "(SELECT sum(population * ST_Area(ST_Intersection(kel.g, gap.g)) / "
            "nullif(ST_Area(kel.g), 0)) FROM kel), "
            "(SELECT sum(population) FROM kel), "
            "(SELECT bool_and(population IS NOT NULL) FROM kel) FROM gap, cityarea"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [city.pk, result.pk, srid, city.pk, city.pk])
            gap_km2, city_km2, pop_gap, pop_total, all_known = cursor.fetchone()
        out = {
            "uncovered_km2": round(gap_km2 or 0, 3),
            "city_km2": round(city_km2, 3),
            "uncovered_area_share": round((gap_km2 or 0) / city_km2, 4),
        }
        if all_known and pop_total:
            out["population_uncovered"] = round(float(pop_gap or 0))
            out["population_total"] = int(pop_total)
            out["uncovered_population_share"] = round(
                float(pop_gap or 0) / float(pop_total), 4
            )
        return out

    return summary


def overlay(city: City, user: Any, body: dict[str, Any]) -> Output:
    """How many features of layer `count` lie within `distance_m` of each feature
    of layer `base` ("reports within 200 m of each market"), or inside each
    kecamatan/kelurahan when `base` is a level ("permits per kelurahan")."""
    counted, counted_query = _layer(city, user, body, "count")
    base_key = body.get("base")
    if base_key in AdminArea.Level.values:
        out = density(
            city,
            user,
            {
                **body,
                "layer": body.get("count"),
                "filter": body.get("count_filter"),
                "datetime": body.get("count_datetime"),
                "level": base_key,
            },
        )
        out.title = f"{counted.title} per {base_key}"
        return out
    base, base_query = _layer(city, user, body, "base")
    distance = _distance(body)
    dx, dy = _degrees_box(city, distance)
    base_sql, base_params = _rows(base, base_query)
    where, where_params = where_sql(counted, counted_query, paging=False)
    geom = f"t.{counted.geom_column}"
    sql = (
        "SELECT b.geom, b.p || jsonb_build_object('count', (SELECT count(*) "  # noqa: S608 - names from the sources (_meta), values are params
        f"FROM {counted.relation} t WHERE {where} "
        f"AND {geom} && ST_Expand(b.geom, %s, %s) "
        f"AND ST_DWithin({geom}::geography, b.geom::geography, %s))) "
        f"FROM ({base_sql}) b"
    )
    return Output(
        title=f"{counted.title} within {distance:g} m of each {base.title}",
        fields=[*base.field_list, _f("count", "integer", "Count")],
        geometry_type=base.geometry_type,
        select_sql=sql,
        params=[*where_params, dx, dy, distance, *base_params],
        summary={"distance_m": distance, "base": base.key, "count": counted.key},
        sources=[base, counted],
        after=_totals("count"),
    )


def select(city: City, user: Any, body: dict[str, Any]) -> Output:
    """What is inside, within `distance_m` of, or nearest (`n`) to a drawn
    geometry, over one or several layers (`layers: [keys]`)."""
    wkt, repaired = parse_drawn(city, body.get("geometry"))
    mode = body.get("mode", "inside")
    if mode not in ("inside", "within", "nearest"):
        raise BadParameter("mode", "use inside, within or nearest.")
    keys = body.get("layers")
    if isinstance(keys, str):
        keys = [keys]
    if not isinstance(keys, list) or not keys or len(keys) > MAX_LAYERS:
        raise BadParameter("layers", f"name 1 to {MAX_LAYERS} layers.")
    filters = body.get("filters") or {}
    times = body.get("times") or {}
    if not isinstance(filters, dict) or not isinstance(times, dict):
        raise BadParameter(
            "filters", "an object of layer: CQL2 text (times: interval)."
        )
    distance = _distance(body) if mode == "within" else 0.0
    n = _int(body, "n", 5, MAX_NEAREST) if mode == "nearest" else 0
    dx, dy = _degrees_box(city, distance)
    parts, params, sources = [], [], []
    drawn = "ST_GeomFromText(%s, 4326)"
    for key in dict.fromkeys(keys):
        source, query = _layer(
            city,
            user,
            {"layer": key, "filter": filters.get(key), "datetime": times.get(key)},
        )
        rows_sql, rows_params = _rows(source, query)
        dist = f"ST_Distance(r.geom::geography, {drawn}::geography)"
        label = "jsonb_build_object('layer', %s::text, 'layer_title', %s::text)"
        if mode == "inside":
            parts.append(
                f"SELECT r.geom, r.p || {label} || jsonb_build_object('distance_m', 0) "  # noqa: S608 - names from the source (_meta), values are params
                f"FROM ({rows_sql}) r WHERE ST_Intersects(r.geom, {drawn})"
            )
            params += [source.key, source.title, *rows_params, wkt]
        elif mode == "within":
            parts.append(
                f"SELECT r.geom, r.p || {label} || jsonb_build_object('distance_m', "  # noqa: S608 - names from the source (_meta), values are params
                f"round({dist}::numeric, 1)) FROM ({rows_sql}) r "
                f"WHERE r.geom && ST_Expand({drawn}, %s, %s) "
                f"AND ST_DWithin(r.geom::geography, {drawn}::geography, %s)"
            )
            params += [source.key, source.title, wkt, *rows_params, wkt, dx, dy]
            params += [wkt, distance]
        else:
            # Candidates by the index's planar order, then the geodesic n nearest.
            parts.append(
                f"(SELECT geom, p || {label} || jsonb_build_object('distance_m', "  # noqa: S608 - names from the source (_meta), values are params
                "round(d::numeric, 1)) FROM (SELECT r.geom, r.p, "
                f"{dist} AS d FROM (SELECT * FROM ({rows_sql}) r "
                f"ORDER BY r.geom <-> {drawn} LIMIT %s) r ORDER BY d LIMIT %s) k)"
            )
            params += [source.key, source.title, wkt, *rows_params, wkt, n * 4 + 10]
            params.append(n)
        sources.append(source)
    what = {
        "inside": "inside",
        "within": f"within {distance:g} m of",
        "nearest": f"{n} nearest to",
    }[mode]
    fields = [
        _f("layer_title", "text", "Layer"),
        _f("name", "text", "Name"),
        _f("distance_m", "number", "Distance (m)"),
    ]
    summary = {
        "mode": mode,
        "repaired": repaired,
        "geometry": json.loads(GEOSGeometry(wkt, srid=4326).geojson),
    }
    if distance:
        summary["distance_m"] = distance
    if n:
        summary["n"] = n
    return Output(
        title=f"{', '.join(s.title for s in sources)} {what} the drawn area",
        fields=fields,
        geometry_type="Geometry",
        select_sql=" UNION ALL ".join(parts),
        params=params,
        summary=summary,
        sources=sources,
        after=_per_layer,
    )


def _totals(prop: str) -> Callable[[AnalysisResult], dict[str, Any]]:
    def summary(result: AnalysisResult) -> dict[str, Any]:
        table = AnalysisFeature._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*), coalesce(sum((properties->>%s)::numeric), 0), "  # noqa: S608 - names from _meta
                f"coalesce(max((properties->>%s)::numeric), 0) FROM {table} "
                "WHERE result_id = %s",
                [prop, prop, result.pk],
            )
            rows, total, most = cursor.fetchone()
        return {"features": rows, "total": float(total), "max": float(most)}

    return summary


def _per_layer(result: AnalysisResult) -> dict[str, Any]:
    table = AnalysisFeature._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT properties->>'layer', count(*) FROM {table} "  # noqa: S608 - names from _meta
            "WHERE result_id = %s GROUP BY 1 ORDER BY 1",
            [result.pk],
        )
        counts = dict(cursor.fetchall())
    return {"counts": counts, "features": sum(counts.values())}


ANALYSES: dict[str, Callable[[City, Any, dict[str, Any]], Output]] = {
    "density": density,
    "hexbins": hexbins,
    "hotspots": hotspots,
    "coverage": coverage,
    "overlay": overlay,
    "select": select,
}


def run_analysis(city: City, user: Any, body: dict[str, Any]) -> AnalysisResult:
    """Run the analysis `body["kind"]` and save its answer as a temporary layer."""
    kind = body.get("kind")
    if kind not in ANALYSES:
        raise BadParameter("kind", f"use one of {', '.join(ANALYSES)}.")
    output = ANALYSES[kind](city, user, body)
    owner = user if getattr(user, "is_authenticated", False) else None
    public = all(s.public for s in output.sources)
    with transaction.atomic():
        result = AnalysisResult.objects.create(
            city=city,
            kind=kind,
            title=output.title[:300],
            params={k: v for k, v in body.items() if k != "geometry"}
            | ({"geometry": body["geometry"]} if "geometry" in body else {}),
            fields=output.fields,
            geometry_type=output.geometry_type,
            public=public,
            owner=owner,
            expires_at=timezone.now() + result_ttl(),
        )
        table = AnalysisFeature._meta.db_table
        if output.rows is not None:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (result_id, city_id, geom, properties) "  # noqa: S608 - names from _meta
                    "SELECT %s, %s, ST_GeomFromWKB(u.w, 4326), u.p::jsonb "
                    "FROM unnest(%s::bytea[], %s::text[]) AS u(w, p)",
                    [
                        result.pk,
                        city.pk,
                        [wkb for wkb, _props in output.rows],
                        [json.dumps(props) for _wkb, props in output.rows],
                    ],
                )
        else:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (result_id, city_id, geom, properties) "  # noqa: S608 - the select is built from code; values are params
                    f"SELECT %s, %s, s.* FROM ({output.select_sql}) s",
                    [result.pk, city.pk, *output.params],
                )
        summary = dict(output.summary)
        if output.after is not None:
            summary |= output.after(result)
        summary.setdefault("features", result.features.count())
        result.summary = summary
        result.save(update_fields=["summary"])
    return result
