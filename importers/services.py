"""Load a GIS file into a layer: read with pyogrio, COPY into a staging table, then
validate and upsert in set-based SQL inside one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyogrio
from django.db import connection, transaction

from layers.models import Feature, Layer
from layers.models.city import SRID

_PANDAS_TYPES = {
    "i": "integer",
    "u": "integer",
    "f": "number",
    "b": "boolean",
    "M": "date",
}


class ImportError_(Exception):
    """An import that cannot go ahead; nothing was changed."""


@dataclass
class ImportResult:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    repaired: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def infer_schema(frame: Any) -> list[dict[str, str]]:
    schema = []
    for column in frame.columns:
        if column == "geometry":
            continue
        kind = _PANDAS_TYPES.get(frame[column].dtype.kind, "text")
        schema.append({"name": str(column), "type": kind, "label": str(column)})
    return schema


def read_file(path: Path, *, where: str | None = None, srid: int | None = None) -> Any:
    try:
        frame = pyogrio.read_dataframe(path, where=where)
    except Exception as exc:
        raise ImportError_(f"Cannot read {path.name}: {exc}") from exc
    if frame.crs is None:
        if srid is None:
            raise ImportError_(
                f"{path.name} has no coordinate reference system; give its EPSG code."
            )
        frame = frame.set_crs(epsg=srid)
    if frame.crs.to_epsg() != SRID:
        frame = frame.to_crs(epsg=SRID)
    return frame


@transaction.atomic
def import_features(
    *,
    layer: Layer,
    frame: Any,
    key: str | None = None,
    replace: bool = False,
) -> ImportResult:
    """Upsert the frame's rows into `layer` (by `key` into external_id when given).
    With `replace`, features of the layer that are not in the file are deleted."""
    result = ImportResult(read=len(frame))
    if key is not None and key not in frame.columns:
        raise ImportError_(f"No column {key!r} to use as key.")
    properties = json.loads(
        frame.drop(columns="geometry").to_json(orient="records", date_format="iso")
    )
    wkbs = frame.geometry.to_wkb(hex=True)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_stage")
        cursor.execute(
            "CREATE TEMP TABLE import_stage (row_no int, external_id text, "
            "geom_wkb text, properties jsonb) ON COMMIT DROP"
        )
        with cursor.cursor.copy(
            "COPY import_stage (row_no, external_id, geom_wkb, properties) FROM STDIN"
        ) as copy:
            for number, (props, wkb) in enumerate(
                zip(properties, wkbs, strict=True), 1
            ):
                ext = None if key is None or props.get(key) is None else str(props[key])
                copy.write_row((number, ext, wkb, json.dumps(props)))
        # Reject empty or null geometries per row; repair invalid ones.
        cursor.execute(
            "DELETE FROM import_stage WHERE geom_wkb IS NULL "
            "OR ST_IsEmpty(ST_GeomFromWKB(decode(geom_wkb, 'hex'))) "
            "RETURNING row_no"
        )
        result.rejected = [(row, "empty or missing geometry") for (row,) in cursor]
        cursor.execute(
            "ALTER TABLE import_stage ADD COLUMN geom geometry(Geometry, %s)", [SRID]
        )
        cursor.execute(
            "UPDATE import_stage SET geom = ST_SetSRID(ST_GeomFromWKB("
            "decode(geom_wkb, 'hex')), %s)",
            [SRID],
        )
        cursor.execute(
            "UPDATE import_stage SET geom = ST_MakeValid(geom) "
            "WHERE NOT ST_IsValid(geom)"
        )
        result.repaired = cursor.rowcount
        table = Feature._meta.db_table
        if key is None:
            cursor.execute(
                f"INSERT INTO {table} (city_id, layer_id, geom, properties, "  # noqa: S608 - table name from _meta
                "external_id, created_at, updated_at, version) "
                "SELECT %s, %s, geom, properties, NULL, now(), now(), 1 "
                "FROM import_stage ORDER BY row_no",
                [layer.city_id, layer.pk],
            )
            result.inserted = cursor.rowcount
        else:
            # xmax = 0 tells an inserted row from an updated one.
            cursor.execute(
                f"INSERT INTO {table} AS f (city_id, layer_id, geom, properties, "  # noqa: S608 - table name from _meta
                "external_id, created_at, updated_at, version) "
                "SELECT %s, %s, geom, properties, external_id, now(), now(), 1 "
                "FROM import_stage ORDER BY row_no "
                "ON CONFLICT (city_id, layer_id, external_id) "
                "WHERE external_id IS NOT NULL DO UPDATE SET "
                "geom = EXCLUDED.geom, properties = EXCLUDED.properties, "
                "updated_at = now(), version = f.version + 1 "
                "WHERE NOT ST_OrderingEquals(f.geom, EXCLUDED.geom) "
                "OR f.properties IS DISTINCT FROM EXCLUDED.properties "
                "RETURNING (xmax = 0)",
                [layer.city_id, layer.pk],
            )
            flags = [inserted for (inserted,) in cursor]
            result.inserted = sum(flags)
            result.updated = len(flags) - result.inserted
            staged = result.read - len(result.rejected)
            result.unchanged = staged - len(flags)
        if replace and key is not None:
            cursor.execute(
                f"DELETE FROM {table} WHERE layer_id = %s AND city_id = %s "  # noqa: S608 - table name from _meta
                "AND (external_id IS NULL OR external_id NOT IN "
                "(SELECT external_id FROM import_stage WHERE external_id IS NOT NULL))",
                [layer.pk, layer.city_id],
            )
            result.deleted = cursor.rowcount
        cursor.execute("DROP TABLE import_stage")
    return result
