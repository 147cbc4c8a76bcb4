"""Export an analysis result (or a filtered selection of it) as GeoJSON, CSV,
GeoPackage or a zipped Shapefile, with the formats' names and media types of the
layer exports (importers/exports.py)."""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from django.db import connection

from importers.exports import FORMATS, ExportFormat
from layers.engine.sources import LayerSource
from layers.engine.sql import Query, where_sql
from tenancy.models import SRID

RESULT_FORMATS = ("geojson", "csv", "gpkg", "shp")


def result_frame(source: LayerSource, query: Query) -> gpd.GeoDataFrame:
    where, params = where_sql(source, query, paging=False)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.id, t.properties, ST_AsBinary(t.geom) FROM {source.relation} t "  # noqa: S608 - names from _meta, values are params
            f"WHERE {where} ORDER BY t.id",
            params,
        )
        rows = cursor.fetchall()
    names = [f["name"] for f in source.fields]
    records = []
    for _id, props, _wkb in rows:
        values = props if isinstance(props, dict) else json.loads(props)
        extra = [k for k in values if k not in names]
        names.extend(extra)
        records.append(values)
    frame = pd.DataFrame.from_records(records, columns=names or None)
    geoms = shapely.from_wkb([bytes(r[2]) for r in rows]) if rows else []
    return gpd.GeoDataFrame(frame, geometry=list(geoms), crs=f"EPSG:{SRID}")


def write_result(
    source: LayerSource, query: Query, key: str, folder: Path
) -> tuple[Path, ExportFormat]:
    """Write the result into `folder`; returns the file and its format."""
    fmt = FORMATS[key]
    frame = result_frame(source, query)
    name = source.key
    if key == "csv":
        target = folder / f"{name}.csv"
        out = pd.DataFrame(frame.drop(columns="geometry"))
        out["wkt"] = frame.geometry.to_wkt() if len(frame) else []
        out.to_csv(target, index=False)
        return target, fmt
    if key == "geojson":
        target = folder / f"{name}.geojson"
        target.write_text(frame.to_json(drop_id=True), encoding="utf-8")
        return target, fmt
    if key == "shp":
        kinds = set(frame.geom_type)
        if kinds & {"Polygon", "MultiPolygon"}:
            frame = frame.set_geometry(
                [
                    shapely.MultiPolygon([g]) if g.geom_type == "Polygon" else g
                    for g in frame.geometry
                ]
            )
        target = folder / f"{name}.shp"
        frame.to_file(target, driver=fmt.driver, engine="pyogrio", encoding="UTF-8")
        archive = folder / f"{name}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for part in sorted(folder.iterdir()):
                if part.stem == name and part.suffix != ".zip":
                    zf.write(part, part.name)
        return archive, fmt
    target = folder / f"{name}.gpkg"
    frame.to_file(target, driver=fmt.driver, layer=name, engine="pyogrio")
    return target, fmt


def temporary_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="petakota-analysis-"))
