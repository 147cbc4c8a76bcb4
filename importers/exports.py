"""Export a layer, or a filtered query of it, as GeoJSON, CSV, GeoPackage, zipped
Shapefile or KML.

Every format selects the same rows with the same parameters as the layer's GeoJSON
items: the query is parsed by the engine (`query_from_params`) and its WHERE clause
is the engine's (`where_sql`). GeoJSON goes through the serving engine (built inside
PostGIS, streamed). CSV is
PostgreSQL's own COPY TO, streamed. The GDAL formats are written chunk by chunk into a
temporary file (memory stays flat whatever the layer size) and then streamed.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from django.db import connection
from psycopg import sql

from importers.spreadsheet import neutralise_formula, safe_cell_sql
from layers.engine.geojson import stream_feature_collection
from layers.engine.params import parse_int
from layers.engine.requests import RESERVED, query_from_params
from layers.engine.sql import Query, where_sql
from layers.models import Feature, Layer
from layers.schema import public_fields
from layers.sources import feature_layer_source
from tenancy.models import SRID


@dataclass(frozen=True)
class ExportFormat:
    key: str
    extension: str
    content_type: str
    driver: str | None = None


FORMATS = {
    f.key: f
    for f in (
        ExportFormat("geojson", ".geojson", "application/geo+json"),
        ExportFormat("csv", ".csv", "text/csv; charset=utf-8"),
        ExportFormat("gpkg", ".gpkg", "application/geopackage+sqlite3", "GPKG"),
        ExportFormat("shp", ".zip", "application/zip", "ESRI Shapefile"),
        ExportFormat("kml", ".kml", "application/vnd.google-earth.kml+xml", "KML"),
    )
}
CHUNK_ROWS = 20000


class ExportError(ValueError):
    pass


# Parameters of an export that are not part of the engine's query.
EXPORT_ONLY = {"format", "coords", "limit", "f"}
# Items parameters an export has no use for: it is always the whole result, in
# CRS84 at full precision, with every property.
NOT_FOR_EXPORTS = {"cursor", "crs", "precision", "properties"}


def export_query(layer: Layer, params: Mapping[str, str]) -> Query:
    """The engine Query of an export: the same parameters, parsed by the same code
    (`query_from_params`), as the layer's items endpoint — bbox (+ bbox-crs),
    datetime, CQL2 `filter`, `?name=value` on the layer's typed attributes — plus an
    optional `limit` (none: every row). Unknown names are refused, not ignored."""
    source = feature_layer_source(layer)
    for name in params:
        if name in NOT_FOR_EXPORTS:
            raise ExportError(f"{name!r} does not apply to exports.")
        if (
            name not in EXPORT_ONLY
            and name not in RESERVED
            and name not in source.queryables
        ):
            raise ExportError(f"{name!r} is not an attribute of this layer.")
    engine_params = {k: v for k, v in params.items() if k not in EXPORT_ONLY}
    query = query_from_params(source, engine_params)
    query.limit = parse_int(params.get("limit"), "limit", minimum=1)
    return query


def filename(layer: Layer, fmt: ExportFormat) -> str:
    return f"{layer.city.slug}-{layer.slug}-{date.today():%Y%m%d}{fmt.extension}"


def geojson_chunks(layer: Layer, query: Query) -> Iterator[str]:
    source = feature_layer_source(layer)
    return stream_feature_collection(source, query)


def _select(
    layer: Layer,
    query: Query,
    geometry: sql.Composable,
    *,
    csv_safe: bool = False,
) -> tuple[sql.Composed, list[Any]]:
    """SELECT id, external_id, each schema property as text, then `geometry`, of the
    rows the GeoJSON endpoint returns for `query` (the engine's WHERE clause: tenant,
    layer, not expired unless a datetime asks, ST_Intersects bbox, typed filters).
    With `csv_safe`, no text cell or column name can start a spreadsheet formula."""
    source = feature_layer_source(layer)
    where, params = where_sql(source, query, paging=False)
    props = []
    for f in public_fields(layer.schema):  # private attributes never leave
        value: sql.Composable = sql.SQL("t.properties->>{}").format(
            sql.Literal(f["name"])
        )
        name = f["name"]
        if csv_safe:
            value = safe_cell_sql(value, numeric=f["type"] in ("integer", "number"))
            name = neutralise_formula(name)
        props.append(sql.SQL("{} AS {}").format(value, sql.Identifier(name)))
    external_id: sql.Composable = sql.SQL("t.external_id")
    if csv_safe:
        external_id = safe_cell_sql(external_id, numeric=False)
    all_params: list[Any] = list(params)
    statement = sql.SQL(
        "SELECT t.id AS fid, {external_id} AS external_id, {props}{geometry} "
        "FROM {table} t WHERE {where} ORDER BY t.id"
    ).format(
        external_id=external_id,
        props=sql.SQL("").join(p + sql.SQL(", ") for p in props),
        geometry=geometry,
        table=sql.Identifier(Feature._meta.db_table),
        # The engine's clause: names from _meta and the layer's schema, values are
        # the parameters.
        where=sql.SQL(where),
    )
    if query.limit is not None:
        statement += sql.SQL(" LIMIT %s")
        all_params.append(query.limit)
    return statement, all_params


def csv_chunks(layer: Layer, query: Query, *, coords: str = "wkt") -> Iterator[bytes]:
    """CSV with a WKT column, or lat/lon columns (a point on each geometry)."""
    if coords == "latlon":
        geometry = sql.SQL(
            "ST_Y(ST_PointOnSurface(t.geom)) AS lat, "
            "ST_X(ST_PointOnSurface(t.geom)) AS lon"
        )
    else:
        geometry = sql.SQL("ST_AsText(t.geom) AS wkt")
    statement, params = _select(layer, query, geometry, csv_safe=True)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        # COPY cannot take server-side parameters: bind them client-side.
        bound = raw.mogrify(statement, params)
        copy_sql = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER)").format(
            sql.SQL(bound)
        )
        with raw.copy(copy_sql) as copy:
            for data in copy:
                yield bytes(data)


def _convert(frame: pd.DataFrame, layer: Layer) -> pd.DataFrame:
    """Text from jsonb back to the schema's types."""
    for spec in layer.schema:
        name, kind = spec["name"], spec["type"]
        if name not in frame:
            continue
        if kind == "integer":
            frame[name] = pd.to_numeric(frame[name]).astype("Int64")
        elif kind == "number":
            frame[name] = pd.to_numeric(frame[name]).astype("float64")
        elif kind == "boolean":
            frame[name] = (
                frame[name].map({"true": True, "false": False}).astype("boolean")
            )
    return frame


def write_gdal(layer: Layer, query: Query, fmt: ExportFormat, folder: Path) -> Path:
    """Write the layer into `folder` with GDAL, CHUNK_ROWS features at a time."""
    target = folder / (
        f"{layer.slug}.shp" if fmt.key == "shp" else f"{layer.slug}{fmt.extension}"
    )
    statement, params = _select(layer, query, sql.SQL("ST_AsBinary(t.geom) AS geom"))
    columns = [
        "fid",
        "external_id",
        *(f["name"] for f in public_fields(layer.schema)),
        "geom",
    ]
    written = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        # A named (server-side) cursor needs a transaction: fall back to a plain one.
        raw.execute(statement, params)
        while rows := raw.fetchmany(CHUNK_ROWS):
            frame = pd.DataFrame(rows, columns=columns)
            geoms = shapely.from_wkb([bytes(g) for g in frame.pop("geom")])
            frame = _convert(frame.drop(columns=["fid"]), layer)
            gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=f"EPSG:{SRID}")
            if fmt.key == "shp":
                # One geometry type per Shapefile: promote to the multi type.
                gdf = gdf.set_geometry(_promote(gdf.geometry))
            pyogrio.write_dataframe(
                gdf,
                target,
                driver=fmt.driver,
                layer=layer.slug,
                append=written > 0,
                **({"encoding": "UTF-8"} if fmt.key == "shp" else {}),
            )
            written += len(rows)
    if written == 0:
        empty = gpd.GeoDataFrame(
            {c: [] for c in columns[1:-1]}, geometry=[], crs=f"EPSG:{SRID}"
        )
        pyogrio.write_dataframe(empty, target, driver=fmt.driver, layer=layer.slug)
    if fmt.key != "shp":
        return target
    archive = folder / f"{layer.slug}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(folder.iterdir()):
            if part.stem == layer.slug and part.suffix != ".zip":
                zf.write(part, part.name)
    return archive


def _promote(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    kinds = set(geometry.geom_type)
    if kinds <= {"Polygon", "MultiPolygon"} and len(kinds) > 1:
        return geometry.apply(
            lambda g: shapely.MultiPolygon([g]) if g.geom_type == "Polygon" else g
        )
    if kinds <= {"LineString", "MultiLineString"} and len(kinds) > 1:
        return geometry.apply(
            lambda g: shapely.MultiLineString([g]) if g.geom_type == "LineString" else g
        )
    return geometry


class TemporaryExport:
    """A file written into a private temporary folder, removed when closed."""

    def __init__(self, layer: Layer, query: Query, fmt: ExportFormat) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="petakota-export-"))
        try:
            self.path = write_gdal(layer, query, fmt, self.folder)
        except Exception:
            self.cleanup()
            raise

    def open(self) -> Any:
        handle = self.path.open("rb")
        # POSIX keeps the open file readable after its folder is removed.
        self.cleanup()
        return handle

    def cleanup(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
