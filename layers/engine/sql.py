"""The one SQL builder: (source, bbox, datetime, filters, limit, cursor, CRS) -> SQL.

Everything here returns (sql, params). Names come from the source (built from model
`_meta`); request values only ever travel as parameters.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection

from layers.engine.crs import CRS84, Crs
from layers.engine.sources import LayerSource

STORAGE_SRID = 4326
# Above this many matches numberMatched is the planner's estimate, not a count.
EXACT_COUNT_LIMIT = 10_000
# numberMatched memo: a data version changes the key; the TTL bounds how long rows
# expiring by time (valid_to < now(), no version bump) can still be counted.
MATCHED_TTL_S = 60
MATCHED_MEMO_SIZE = 1024
_matched: OrderedDict[tuple, tuple[int, bool, float]] = OrderedDict()
_matched_lock = threading.Lock()


@dataclass
class Query:
    """What to select from a source.

    bbox is (min_x, min_y, max_x, max_y) in `bbox_srid` (x = longitude for 4326)."""

    bbox: tuple[float, float, float, float] | None = None
    bbox_srid: int = STORAGE_SRID
    interval: tuple[datetime | None, datetime | None] | None = None
    # Compiled filters (CQL2, property equality): SQL over alias `t` + params.
    filters: list[tuple[str, list[Any]]] = field(default_factory=list)
    limit: int | None = None
    after_id: int | None = None
    before_id: int | None = None
    crs: Crs = CRS84
    precision: int | None = None
    # Extra WHERE clauses over alias `t` (validated SQL) and their params.
    where: tuple[str, ...] = ()
    params: tuple[Any, ...] = ()

    @property
    def decimals(self) -> int:
        return self.precision if self.precision is not None else self.crs.precision


def envelope_sql(srid: int) -> tuple[str, list[Any]]:
    """A bbox envelope (4 params to append) in storage SRID."""
    if srid == STORAGE_SRID:
        return f"ST_MakeEnvelope(%s, %s, %s, %s, {STORAGE_SRID})", []
    return (
        f"ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, %s), {STORAGE_SRID})",
        [srid],
    )


def where_sql(
    source: LayerSource, query: Query, *, paging: bool = True
) -> tuple[str, list[Any]]:
    """The WHERE clause (without the keyword) over alias `t`."""
    clauses = [f"t.{source.tenant_column} = %s", *source.where, *query.where]
    params: list[Any] = [source.city_id, *source.params, *query.params]
    if query.bbox is not None:
        env, env_params = envelope_sql(query.bbox_srid)
        clauses.append(f"ST_Intersects(t.{source.geom_column}, {env})")
        params.extend([*query.bbox, *env_params])
    start_sql, end_sql = (
        source.datetime_sql,
        source.datetime_end_sql or (source.datetime_sql),
    )
    if query.interval is not None and start_sql:
        start, end = query.interval
        # The row's [start, end] (NULL = open) intersects the requested interval.
        if end is not None:
            clauses.append(f"({start_sql} IS NULL OR {start_sql} <= %s)")
            params.append(end)
        if start is not None:
            clauses.append(f"({end_sql} IS NULL OR {end_sql} >= %s)")
            params.append(start)
    elif source.datetime_end_sql:
        # Without a datetime filter, expired rows are history, not the current map.
        clauses.append(f"({source.datetime_end_sql} IS NULL OR {end_sql} >= now())")
    for sql, filter_params in query.filters:
        clauses.append(sql)
        params.extend(filter_params)
    if paging and query.after_id is not None:
        clauses.append(f"t.{source.id_column} > %s")
        params.append(query.after_id)
    if paging and query.before_id is not None:
        clauses.append(f"t.{source.id_column} < %s")
        params.append(query.before_id)
    return " AND ".join(f"({c})" for c in clauses), params


def geometry_sql(source: LayerSource, crs: Crs) -> str:
    """The geometry column in the output CRS and axis order."""
    geom = f"t.{source.geom_column}"
    if crs.srid != STORAGE_SRID:
        geom = f"ST_Transform({geom}, {int(crs.srid)})"
    if crs.lat_first:
        geom = f"ST_FlipCoordinates({geom})"
    return geom


def feature_json_sql(source: LayerSource, crs: Crs) -> str:
    """Expression building one GeoJSON Feature as text; takes one param (decimals)."""
    return (
        f"json_build_object('type', 'Feature', 'id', t.{source.id_column}, "
        f"'geometry', ST_AsGeoJSON({geometry_sql(source, crs)}, %s, 0)::json, "
        f"'properties', {source.properties_sql})::text"
    )


def feature_rows_sql(
    source: LayerSource, query: Query, *, extra: int = 0
) -> tuple[str, list[Any]]:
    """SQL yielding (id, feature json text) in id order, `limit + extra` rows.

    With `before_id` the rows are the last ones before it (still returned in id
    order), which is how a `prev` link pages backwards."""
    where, params = where_sql(source, query)
    backwards = query.before_id is not None
    order = "DESC" if backwards else "ASC"
    sql = (
        f"SELECT t.{source.id_column} AS id, {feature_json_sql(source, query.crs)} "  # noqa: S608 - names from the source (_meta), values are params
        f"AS feature FROM {source.relation} t WHERE {where} "
        f"ORDER BY t.{source.id_column} {order}"
    )
    params = [query.decimals, *params]
    if query.limit is not None:
        sql += " LIMIT %s"
        params.append(query.limit + extra)
    if backwards:
        sql = f"SELECT id, feature FROM ({sql}) page ORDER BY id"  # noqa: S608 - wraps the query above
    return sql, params


def single_feature_sql(
    source: LayerSource, feature_id: int, crs: Crs, decimals: int
) -> tuple[str, list[Any]]:
    where, params = where_sql(source, Query(), paging=False)
    sql = (
        f"SELECT {feature_json_sql(source, crs)} FROM {source.relation} t "  # noqa: S608 - names from the source (_meta), values are params
        f"WHERE {where} AND t.{source.id_column} = %s"
    )
    return sql, [decimals, *params, feature_id]


def number_matched(source: LayerSource, query: Query) -> tuple[int, bool]:
    """(count, exact). Counts at most EXACT_COUNT_LIMIT + 1 rows; above that returns
    an estimate (the bbox's share of the layer's extent statistics, else the
    planner's) so a page never costs a full scan of a big layer.

    Remembered per process for MATCHED_TTL_S, keyed by the source's data version and
    the filter, so paging through a collection counts once, not on every page."""
    where, params = where_sql(source, query, paging=False)
    key = None
    if source.cacheable:
        key = (source.city_id, source.cache_id, source.version, where, repr(params))
        with _matched_lock:
            hit = _matched.get(key)
        if hit is not None and time.monotonic() - hit[2] < MATCHED_TTL_S:
            return hit[0], hit[1]
    result = _count_matched(source, query, where, params)
    if key is not None:
        with _matched_lock:
            _matched[key] = (*result, time.monotonic())
            _matched.move_to_end(key)
            while len(_matched) > MATCHED_MEMO_SIZE:
                _matched.popitem(last=False)
    return result


def _count_matched(
    source: LayerSource, query: Query, where: str, params: list[Any]
) -> tuple[int, bool]:
    inner = f"SELECT 1 FROM {source.relation} t WHERE {where}"  # noqa: S608 - names from the source (_meta), values are params
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM ({inner} LIMIT %s) c",  # noqa: S608 - wraps the query above
            [*params, EXACT_COUNT_LIMIT + 1],
        )
        count = cursor.fetchone()[0]
        if count <= EXACT_COUNT_LIMIT:
            return count, True
        # Cheapest first: the bbox's share of the layer's cached extent statistics.
        from layers.engine.stats import bbox_share_estimate

        share = bbox_share_estimate(source, query)
        if share is not None:
            return max(share, EXACT_COUNT_LIMIT + 1), False
        cursor.execute(f"EXPLAIN (FORMAT JSON) {inner}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        import json

        plan = json.loads(plan)
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    return max(estimate, EXACT_COUNT_LIMIT + 1), False


def extent(source: LayerSource) -> tuple[float, float, float, float] | None:
    where, params = where_sql(source, Query(), paging=False)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM ("  # noqa: S608 - names from the source (_meta), values are params
            f"SELECT ST_Extent(t.{source.geom_column}) AS e FROM {source.relation} t "
            f"WHERE {where}) x",
            params,
        )
        row = cursor.fetchone()
    return tuple(row) if row and row[0] is not None else None
