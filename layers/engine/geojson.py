"""GeoJSON FeatureCollections built inside PostGIS and streamed in chunks.

PostgreSQL serialises each feature (ST_AsGeoJSON) and glues chunks of them together
(string_agg); Python only forwards text, so no per-feature object is built here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection

from layers.engine.sources import LayerSource

CHUNK_ROWS = 2000


@dataclass
class Query:
    """What to select from a source. bbox is (min_lon, min_lat, max_lon, max_lat)."""

    bbox: tuple[float, float, float, float] | None = None
    limit: int | None = None
    after_id: int | None = None
    precision: int = 7
    # Extra WHERE clauses over alias `t` (already validated SQL) and their params.
    where: tuple[str, ...] = ()
    params: tuple[Any, ...] = ()


def _where(source: LayerSource, query: Query) -> tuple[str, list[Any]]:
    clauses = [f"t.{source.tenant_column} = %s", *source.where, *query.where]
    params: list[Any] = [source.city_id, *source.params, *query.params]
    if query.bbox is not None:
        clauses.append(
            f"t.{source.geom_column} && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
        )
        params.extend(query.bbox)
    if query.after_id is not None:
        clauses.append(f"t.{source.id_column} > %s")
        params.append(query.after_id)
    return " AND ".join(f"({c})" for c in clauses), params


def feature_rows_sql(source: LayerSource, query: Query) -> tuple[str, list[Any]]:
    """SQL yielding (id, feature json text) in id order — the one inner query."""
    where, params = _where(source, query)
    sql = (
        f"SELECT t.{source.id_column} AS id, json_build_object("  # noqa: S608 - names from _meta, values are params
        f"'type', 'Feature', 'id', t.{source.id_column}, "
        f"'geometry', ST_AsGeoJSON(t.{source.geom_column}, %s)::json, "
        f"'properties', {source.properties_sql})::text AS feature "
        f"FROM {source.table} t WHERE {where} ORDER BY t.{source.id_column}"
    )
    params = [query.precision, *params]
    if query.limit is not None:
        sql += " LIMIT %s"
        params.append(query.limit)
    return sql, params


def stream_feature_collection(
    source: LayerSource, query: Query, *, extra_members: str = ""
) -> Iterator[str]:
    """Yield a FeatureCollection as text. `extra_members` is pre-serialised JSON
    members (e.g. `"numberReturned": 3`) placed after the features array."""
    inner, params = feature_rows_sql(source, query)
    sql = (
        "SELECT string_agg(feature, ',' ORDER BY id) FROM ("  # noqa: S608 - inner query is built above
        f"SELECT id, feature, (row_number() OVER (ORDER BY id) - 1) / %s AS chunk "
        f"FROM ({inner}) rows) c GROUP BY chunk ORDER BY chunk"
    )
    yield '{"type":"FeatureCollection","features":['
    first = True
    with connection.cursor() as cursor:
        cursor.execute(sql, [CHUNK_ROWS, *params])
        while batch := cursor.fetchmany(8):
            for (text,) in batch:
                yield text if first else "," + text
                first = False
    yield "]" + ("," + extra_members if extra_members else "") + "}"
