"""Mapbox Vector Tiles from PostGIS (ST_AsMVT/ST_AsMVTGeom/ST_TileEnvelope), cached.

Only the source's tile properties go into a tile. Point sources switch to a grid
aggregate (one point per 64-pixel cell with `point_count`) when a tile would hold more
than CLUSTER_ABOVE points, so no tile grows without bound at low zoom. Rendered tiles
are kept in the registered TileStore (layers: `layers_tilecache`) keyed by the
source's `cache_id` (an id that never repeats, never a slug) and data version: a
feature edit bumps the version (DB trigger), so the next request renders afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import psycopg
from django.db import connection

from gis_platform import edges
from gis_platform.http import cache_control
from layers.engine.params import BadParameter
from layers.engine.sources import LayerSource, json_key
from layers.engine.sql import Query, where_sql

EXTENT = 4096
BUFFER = 64
CLUSTER_CELL = 64  # tile pixels (of EXTENT) per aggregate cell
CLUSTER_ABOVE = 2000
MAX_ZOOM = 22
# How long a browser or proxy may reuse a public tile without asking again.
PUBLIC_TILE_MAX_AGE_S = 60


@dataclass(frozen=True)
class TileId:
    z: int
    x: int
    y: int


def parse_tile(z: str | int, x: str | int, y: str | int) -> TileId:
    # ASCII digits only: int() also reads Arabic-Indic or fullwidth digits.
    try:
        tz, tx, ty = (edges.parse_int(v, "tile") for v in (z, x, y))
    except edges.EdgeError:
        raise BadParameter("tile", "z, x and y must be whole numbers.") from None
    if not 0 <= tz <= MAX_ZOOM:
        raise BadParameter("tileMatrix", f"zoom must be between 0 and {MAX_ZOOM}.")
    size = 1 << tz
    if not (0 <= tx < size and 0 <= ty < size):
        raise BadParameter("tile", f"x and y must be between 0 and {size - 1}.")
    return TileId(tz, tx, ty)


def tile_props_sql(source: LayerSource) -> str:
    pairs = []
    for name in source.tile_properties:
        pairs.append(f"{json_key(name)}, {source.queryables[name].sql}")
    return f"jsonb_build_object({', '.join(pairs)})" if pairs else "'{}'::jsonb"


def tile_sql(source: LayerSource, tile: TileId) -> tuple[str, list[Any]]:
    """One statement rendering the tile (bytea); the physical limit in the bench."""
    where, params = where_sql(source, Query(), paging=False)
    geom = f"t.{source.geom_column}"
    env = "ST_TileEnvelope(%s, %s, %s)"
    # The margin envelope selects features whose buffer reaches into the tile.
    margin = BUFFER / EXTENT
    env_params = [tile.z, tile.x, tile.y]
    select_pts = (
        f"SELECT t.{source.id_column} AS id, "  # noqa: S608 - names from the source (_meta), values are params
        f"ST_AsMVTGeom(ST_Transform({geom}, 3857), {env}, {EXTENT}, {BUFFER}, true) "
        f"AS g FROM {source.relation} t WHERE {where} AND {geom} && "
        f"ST_Transform(ST_TileEnvelope(%s, %s, %s, margin => {margin}), 4326)"
    )
    pts_params = [*env_params, *params, *env_params]
    props = tile_props_sql(source)
    detail = (
        f"SELECT ST_AsMVT(f, %s, {EXTENT}, 'geom', 'id') FROM ("  # noqa: S608 - names from the source (_meta), values are params
        f"SELECT pts.id, pts.g AS geom, {props} AS props FROM pts "
        f"JOIN {source.relation} t ON t.{source.id_column} = pts.id "
        "WHERE pts.g IS NOT NULL) f"
    )
    if not source.is_point:
        sql = f"WITH pts AS ({select_pts}) {detail}"
        return sql, [*pts_params, source.key]
    # Only constants are formatted in; the CTE is built above.
    clustered = (
        f"SELECT ST_AsMVT(c, %s, {EXTENT}, 'geom') FROM ("  # noqa: S608
        "SELECT ST_MakePoint(round(avg(ST_X(g))), round(avg(ST_Y(g)))) AS geom, "
        "count(*) AS point_count FROM pts WHERE g IS NOT NULL "
        f"GROUP BY floor(ST_X(g) / {CLUSTER_CELL}), floor(ST_Y(g) / {CLUSTER_CELL})) c"
    )
    sql = (
        f"WITH pts AS MATERIALIZED ({select_pts}) "  # noqa: S608 - built above from _meta names
        f"SELECT CASE WHEN (SELECT count(*) FROM pts) > %s "
        f"THEN ({clustered}) ELSE ({detail}) END"
    )
    return sql, [*pts_params, CLUSTER_ABOVE, source.key, source.key]


def bytea_cursor() -> psycopg.Cursor:
    """A cursor on Django's connection (same transaction) that binds parameters on the
    server and moves bytea in binary. Django's client-side binding writes a tile into
    the SQL as hex text and reads it back as hex: for a 1.7 MB tile that cost 30 ms
    on its way into the cache and 6 ms on its way out."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def render_tile(source: LayerSource, tile: TileId) -> bytes:
    sql, params = tile_sql(source, tile)
    with bytea_cursor() as cursor:
        cursor.execute(sql, params, binary=True)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


class TileStore(Protocol):
    """Where rendered tiles are kept, keyed by (city, source.cache_id, z, x, y) and
    stamped with the source's version; an app provides it (layers: its TileCache
    table) through `register_tile_store`."""

    def get(self, source: LayerSource, tile: TileId) -> bytes | None: ...

    def put(self, source: LayerSource, tile: TileId, data: bytes) -> None: ...


_store: list[TileStore] = []


def register_tile_store(store: TileStore) -> None:
    """Use `store` for every cacheable source (the last one registered wins)."""
    _store[:] = [store]


def cacheable(source: LayerSource) -> bool:
    """Only sources with a data version can be invalidated, so only they are cached."""
    return source.cacheable


def vector_tile(source: LayerSource, tile: TileId) -> tuple[bytes, bool]:
    """(tile bytes, served from cache)."""
    if not cacheable(source) or not _store:
        return render_tile(source, tile), False
    store = _store[0]
    cached = store.get(source, tile)
    if cached is not None:
        return cached, True
    data = render_tile(source, tile)
    store.put(source, tile, data)
    return data, False


def tile_etag(source: LayerSource, tile: TileId) -> str:
    return (
        f'"{source.city_id}-{source.cache_id}-{source.version}-'
        f'{tile.z}-{tile.x}-{tile.y}"'
    )


def tile_cache_control(source: LayerSource) -> str:
    """Cache-Control of a tile. Never `immutable` or long-lived: any layer can turn
    private, or be deleted and its slug re-used, so caches revalidate (ETag) after
    a short while for public tiles and every time for the others."""
    return cache_control(
        public=source.public, max_age_s=PUBLIC_TILE_MAX_AGE_S if source.public else 0
    )
