"""Set-based validation and loading: COPY into a temporary staging table, check and
transform every row in SQL, then write the layer's features in one statement. A
whole-layer load of a file already in the layer's form skips the staging table: COPY
fills the layer's new partition (create_load_table), the same checks run there.

Staging column names are generated here (`c0`, `c1`, ...) and the feature table comes
from `_meta`; file column names and values only ever travel as bound parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO, TypedDict

from psycopg import sql

from importers.reader import Column
from importers.spreadsheet import safe_cell_sql
from layers import partitions
from layers.models import Feature
from tenancy.models import SRID, City

STAGE = "import_stage"
REJECTS = "import_rejects"
KEYS = "import_keys"
# Margin around the city's bounding box (degrees, about 5.5 km) still "plausible".
EXTENT_MARGIN_DEG = 0.05
_PAIRS_PER_CALL = 45  # jsonb_build_object takes at most 100 arguments

# Text values that convert cleanly into a schema type, and the SQL doing it.
_TEXT_CHECKS = {
    "integer": (r"^\s*[+-]?\d+\s*$", "btrim({v})::bigint", "a whole number"),
    "number": (
        r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$",
        "btrim({v})::double precision",
        "a number",
    ),
    "boolean": (
        r"^\s*(?i:true|false|t|f|yes|no|y|n|ya|tidak|1|0)\s*$",
        "lower(btrim({v})) IN ('true','t','yes','y','ya','1')",
        "true or false",
    ),
    "date": (
        r"^\s*\d{4}-\d{2}-\d{2}([T ][0-9:.+-Z]*)?\s*$",
        "left(btrim({v}), 10)::date",
        "a date (YYYY-MM-DD)",
    ),
}


@dataclass(frozen=True)
class Mapping:
    """How one staging column becomes one property of the layer."""

    column: Column
    target: str  # property name in the layer's schema
    kind: str  # the layer schema's type


def create_tables(cursor: Any, columns: list[Column]) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}, {REJECTS}, {KEYS}")
    defs = "".join(f", {c.staging} {c.pg_type}" for c in columns)
    cursor.execute(
        f"CREATE TEMP TABLE {STAGE} (row_no bigint PRIMARY KEY, geom geometry, "
        f"valid boolean{defs}) "
        "ON COMMIT DROP"
    )
    _create_rejects(cursor)


def _create_rejects(cursor: Any) -> None:
    cursor.execute(
        f"CREATE TEMP TABLE {REJECTS} (row_no bigint, reason text, key text) "
        "ON COMMIT DROP"
    )


def copy_rows(
    cursor: Any,
    columns: list[Column],
    batches: Iterable[tuple[int, bytes]],
    on_batch: Callable[[int], None],
    table: str = STAGE,
    names: list[str] | None = None,
    analyze: bool = True,
) -> int:
    names = names or ["row_no", "geom", "valid", *(c.staging for c in columns)]
    total = 0
    copy_sql = f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT csv)"
    with cursor.cursor.copy(copy_sql) as copy:
        for rows, data in batches:
            copy.write(data)
            total += rows
            on_batch(total)
    if analyze:
        cursor.execute(f"ANALYZE {table}")
    return total


def snapshot_keys(cursor: Any, key: Column) -> None:
    """Every key in the file, taken before any row is rejected."""
    cursor.execute(
        f"CREATE TEMP TABLE {KEYS} ON COMMIT DROP AS SELECT DISTINCT "  # noqa: S608 - generated names
        f"{key.staging}::text AS k FROM {STAGE} WHERE {key.staging} IS NOT NULL"
    )
    cursor.execute(f"CREATE INDEX ON {KEYS} (k)")


def _reject(
    cursor: Any,
    condition: str,
    reason: str,
    params: list[Any] | None = None,
    reason_params: list[Any] | None = None,
    table: str = STAGE,
) -> None:
    """Copy rows matching `condition` into the rejects table, with `reason`."""
    cursor.execute(
        f"INSERT INTO {REJECTS} (row_no, reason) "  # noqa: S608 - generated names
        f"SELECT row_no, {reason} FROM {table} WHERE {condition}",
        [*(reason_params or []), *(params or [])],
    )


def reject_bad_geometries(
    cursor: Any, max_vertices: int, geometry_types: list[str], table: str = STAGE
) -> None:
    """One pass over the staging table: each bad row gets its first problem."""
    type_check = ""
    params: list[Any] = [max_vertices, max_vertices]
    if geometry_types:
        type_check = (
            "WHEN GeometryType(geom) <> ALL(%s) THEN 'a ' || GeometryType(geom) || "
            "' geometry cannot go into a ' || %s || ' layer'"
        )
        params += [geometry_types, geometry_types[0].capitalize()]
    cursor.execute(
        f"INSERT INTO {REJECTS} (row_no, reason) "  # noqa: S608 - generated names
        "SELECT row_no, reason FROM (SELECT row_no, CASE "
        "WHEN geom IS NULL THEN 'missing geometry' "
        "WHEN ST_IsEmpty(geom) THEN 'empty geometry' "
        "WHEN ST_NPoints(geom) > %s THEN 'too many vertices: ' || ST_NPoints(geom) "
        "|| ' (at most ' || %s || ' are accepted)' "
        f"{type_check} END AS reason FROM {table}) checked WHERE reason IS NOT NULL",
        params,
    )
    if cursor.rowcount:
        _drop_rejected(cursor, table)


def reject_out_of_range(
    cursor: Any,
    bounds: tuple[float, float, float, float],
    crs: str,
    table: str = STAGE,
) -> None:
    """Reject rows with a coordinate outside `bounds` (min x, min y, max x, max y of
    the coordinate system `crs`), NaN or infinite. Run before any GEOS function
    (validity, repair, reprojection): GEOS 3.11 aborts the process on some huge
    values. The bounding box is read from the coordinates, without GEOS."""
    xmin, ymin, xmax, ymax = bounds
    reason = (
        f"coordinates outside the valid range of {crs} (x {xmin:g} to {xmax:g}, "
        f"y {ymin:g} to {ymax:g})"
    )
    cursor.execute(
        f"INSERT INTO {REJECTS} (row_no, reason) "  # noqa: S608 - generated names
        f"SELECT row_no, %s FROM {table} WHERE geom IS NOT NULL AND NOT ("
        "ST_XMin(geom) BETWEEN %s AND %s AND ST_XMax(geom) BETWEEN %s AND %s "
        "AND ST_YMin(geom) BETWEEN %s AND %s AND ST_YMax(geom) BETWEEN %s AND %s)",
        [reason, xmin, xmax, xmin, xmax, ymin, ymax, ymin, ymax],
    )
    if cursor.rowcount:
        _drop_rejected(cursor, table)


def reject_bad_keys(cursor: Any, key: Column) -> None:
    _reject(
        cursor,
        f"{key.staging} IS NULL",
        "%s",
        reason_params=[f"no value in the key column {key.name!r}"],
    )
    cursor.execute(
        f"INSERT INTO {REJECTS} (row_no, reason, key) "  # noqa: S608 - generated names
        "SELECT row_no, %s || quote_literal(k) || ' (first at row ' || first || ')', k "
        f"FROM (SELECT row_no, {key.staging}::text AS k, "
        f"min(row_no) OVER (PARTITION BY {key.staging}) AS first FROM {STAGE} "
        f"WHERE {key.staging} IS NOT NULL) d WHERE row_no <> first",
        [f"key column {key.name!r}: duplicate value "],
    )
    _drop_rejected(cursor)


def value_sql(mapping: Mapping) -> str:
    """SQL turning the staging column into the schema type (NULL when it cannot)."""
    col, kind = mapping.column, mapping.kind
    v = col.staging
    if kind == col.kind or (kind == "number" and col.kind == "integer"):
        return v
    if kind == "text":
        return f"{v}::text"
    if col.kind == "text":
        pattern, convert, _ = _TEXT_CHECKS[kind]
        return f"CASE WHEN {v} ~ '{pattern}' THEN {convert.format(v=v)} END"
    if kind == "integer" and col.kind == "number":
        return f"CASE WHEN {v} = trunc({v}) THEN {v}::bigint END"
    if kind == "date" and col.kind == "date":
        return v
    raise ValueError(f"cannot map {col.kind} onto {kind}")


def compatible(file_kind: str, schema_kind: str) -> bool:
    return (
        file_kind == schema_kind
        or schema_kind == "text"
        or file_kind == "text"
        or (file_kind, schema_kind) in {("integer", "number"), ("number", "integer")}
    )


def reject_bad_values(cursor: Any, mappings: list[Mapping]) -> None:
    """Reject rows whose text cannot become the schema's type, naming the value.

    One pass over the staging table; a row gets one reason per bad column."""
    checks: list[str] = []
    params: list[Any] = []
    for m in mappings:
        v = m.column.staging
        if m.column.kind == "text" and m.kind in _TEXT_CHECKS:
            pattern, _, expected = _TEXT_CHECKS[m.kind]
            checks.append(
                f"CASE WHEN {v} IS NOT NULL AND btrim({v}) <> '' "
                f"AND {v} !~ '{pattern}' THEN %s || quote_literal({v}) || %s END"
            )
        elif m.column.kind == "number" and m.kind == "integer":
            checks.append(
                f"CASE WHEN {v} IS NOT NULL AND {v} <> trunc({v}) "
                f"THEN %s || {v} || %s END"
            )
            expected = "a whole number"
        else:
            continue
        params += [f"column {m.target!r}: ", f" is not {expected}"]
    if not checks:
        return
    values = ", ".join(f"({c})" for c in checks)
    cursor.execute(
        f"INSERT INTO {REJECTS} (row_no, reason) "  # noqa: S608 - generated names
        f"SELECT s.row_no, v.reason FROM {STAGE} s, LATERAL (VALUES {values}) "
        "AS v(reason) WHERE v.reason IS NOT NULL",
        params,
    )
    if cursor.rowcount:
        _drop_rejected(cursor)


def _drop_rejected(cursor: Any, table: str = STAGE) -> None:
    cursor.execute(
        f"DELETE FROM {table} s USING {REJECTS} r WHERE s.row_no = r.row_no"  # noqa: S608 - generated names
    )


def transform(cursor: Any, source_srid: int | None, source_proj: str | None) -> int:
    """Reproject staged geometries to SRID 4326; return the SRID they now carry
    (0 when they were already in 4326: hex WKB from the file has none)."""
    if source_srid == SRID:
        return 0
    if source_srid is not None:
        cursor.execute(
            f"UPDATE {STAGE} SET geom = ST_Transform(ST_SetSRID(geom, %s), %s)",  # noqa: S608 - generated names
            [source_srid, SRID],
        )
    else:
        cursor.execute(
            f"UPDATE {STAGE} SET geom = ST_Transform(geom, %s, %s)",  # noqa: S608 - generated names
            [source_proj, SRID],
        )
    return SRID


def repair(cursor: Any, *, trust_reader: bool, table: str = STAGE) -> int:
    """ST_MakeValid every invalid geometry; reject what nothing is left of.

    With `trust_reader` (the geometries were not reprojected), rows the reader found
    valid (`valid`, GEOS's own check) are not checked again."""
    skip = "valid IS NOT TRUE AND " if trust_reader else ""
    cursor.execute(
        f"UPDATE {table} SET geom = ST_MakeValid(geom) "  # noqa: S608 - generated names
        f"WHERE {skip}NOT ST_IsValid(geom)"
    )
    repaired = cursor.rowcount
    if repaired:
        _reject(
            cursor,
            "ST_IsEmpty(geom)",
            "'invalid geometry that cannot be repaired'",
            table=table,
        )
        _drop_rejected(cursor, table)
    return repaired


def extent_check(
    cursor: Any, city_id: int, staged_srid: int, table: str = STAGE
) -> tuple[int, int, list[int], Any]:
    """(rows, rows outside the city's extent, first such rows, data extent).

    The city's envelope is computed once (MATERIALIZED: inlined, PostgreSQL would
    read the boundary again for every staged row) and given the staged SRID, so
    each row costs one bounding-box test.
    """
    outside = "NOT (s.geom && c.env)"
    # Table names generated here or from _meta; values are parameters.
    sql = (
        "WITH c AS MATERIALIZED ("  # noqa: S608
        "SELECT ST_SetSRID(ST_Expand(ST_Envelope(boundary), %s), %s) AS env "
        f"FROM {City._meta.db_table} WHERE id = %s) "
        f"SELECT count(*), count(*) FILTER (WHERE {outside}), "
        f"(array_agg(s.row_no ORDER BY s.row_no) FILTER (WHERE {outside}))[1:10], "
        f"ST_AsText(ST_Extent(s.geom)) FROM {table} s, c"
    )
    cursor.execute(sql, [EXTENT_MARGIN_DEG, staged_srid, city_id])
    total, outside, rows, extent = cursor.fetchone()
    return total, outside, rows or [], extent


def properties_sql(mappings: list[Mapping]) -> tuple[str, list[Any]]:
    if not mappings:
        return "'{}'::jsonb", []
    parts: list[str] = []
    params: list[Any] = []
    for start in range(0, len(mappings), _PAIRS_PER_CALL):
        chunk = mappings[start : start + _PAIRS_PER_CALL]
        parts.append(
            "jsonb_build_object("
            + ", ".join(f"%s::text, {value_sql(m)}" for m in chunk)
            + ")"
        )
        params.extend(m.target for m in chunk)
    return " || ".join(parts), params


@dataclass
class WriteCounts:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0


_COLUMNS = (
    "(city_id, layer_id, geom, properties, external_id, created_at, updated_at, "
    "version)"
)


def _feature_select(
    city_id: int, layer_id: int, mappings: list[Mapping], key: Column | None
) -> tuple[str, list[Any]]:
    """SELECT of the staged rows as `_COLUMNS`, in file order."""
    props, props_params = properties_sql(mappings)
    ext = f"s.{key.staging}::text" if key else "NULL"
    geom = "ST_SetSRID(ST_Force2D(s.geom), %s)"
    # Staging names generated here; property names and values are parameters.
    select = (
        f"SELECT %s, %s, {geom}, {props}, {ext}, now(), now(), 1 "  # noqa: S608
        f"FROM {STAGE} s ORDER BY s.row_no"
    )
    return select, [city_id, layer_id, SRID, *props_params]


class WriteTarget(TypedDict):
    """The keyword arguments write_partition and write_features share."""

    city_id: int
    layer_id: int
    mappings: list[Mapping]
    key: Column | None


def write_partition(
    cursor: Any,
    *,
    city_id: int,
    layer_id: int,
    mappings: list[Mapping],
    key: Column | None,
) -> WriteCounts:
    """Replace the layer's features with the staged rows through a partition of its
    own, indexed after the load (see layers/partitions.py)."""
    select, params = _feature_select(city_id, layer_id, mappings, key)
    table = partitions.new_table(cursor, layer_id)
    # Ids come from the feature table's own sequence, so they stay unique across it.
    cursor.execute(
        f"INSERT INTO {table} (id, {_COLUMNS[1:]} "  # noqa: S608 - generated names
        f"SELECT nextval(%s), * FROM ({select}) s",
        [partitions.id_sequence(cursor), *params],
    )
    counts = WriteCounts(inserted=cursor.rowcount)
    counts.deleted = partitions.attach(cursor, table, layer_id)
    return counts


# What COPY writes into a load table; the other columns take defaults.
LOAD_COLUMNS = ["row_no", "geom", "valid", "properties"]


def create_load_table(cursor: Any, *, city_id: int, layer_id: int) -> str:
    """A new partition for the layer that COPY fills straight from the file
    (row_no, geom, valid, properties as JSON): the other columns take defaults, and
    row_no and valid are dropped once the checks are done (see finish_load_table).
    No second write of every row, as a staging table would need."""
    cursor.execute(f"DROP TABLE IF EXISTS {REJECTS}")
    _create_rejects(cursor)
    table = partitions.new_table(cursor, layer_id)
    sequence = partitions.id_sequence(cursor)
    # DDL takes no parameters: integers from the database and a quoted literal.
    cursor.execute(
        f"ALTER TABLE {table} ADD COLUMN row_no bigint, ADD COLUMN valid boolean, "
        "ALTER COLUMN geom DROP NOT NULL, "
        f"ALTER COLUMN id SET DEFAULT nextval({_literal(cursor, sequence)}), "
        f"ALTER COLUMN city_id SET DEFAULT {int(city_id)}, "
        f"ALTER COLUMN layer_id SET DEFAULT {int(layer_id)}, "
        "ALTER COLUMN created_at SET DEFAULT now(), "
        "ALTER COLUMN updated_at SET DEFAULT now(), ALTER COLUMN version SET DEFAULT 1"
    )
    return table


def _literal(cursor: Any, value: str) -> str:
    cursor.execute("SELECT quote_literal(%s)", [value])
    return str(cursor.fetchone()[0])


def finish_load_table(cursor: Any, table: str, layer_id: int, rows: int) -> WriteCounts:
    """Give the checked load table the exact shape of a feature partition and swap it
    in for the layer's features (partitions.attach)."""
    cursor.execute(
        f"ALTER TABLE {table} DROP COLUMN row_no, DROP COLUMN valid, "
        "ALTER COLUMN geom SET NOT NULL, ALTER COLUMN id DROP DEFAULT, "
        "ALTER COLUMN city_id DROP DEFAULT, ALTER COLUMN layer_id DROP DEFAULT, "
        "ALTER COLUMN created_at DROP DEFAULT, ALTER COLUMN updated_at DROP DEFAULT, "
        "ALTER COLUMN version DROP DEFAULT"
    )
    counts = WriteCounts(inserted=rows)
    counts.deleted = partitions.attach(cursor, table, layer_id)
    return counts


def write_features(
    cursor: Any,
    *,
    city_id: int,
    layer_id: int,
    mappings: list[Mapping],
    key: Column | None,
    replace: bool,
) -> WriteCounts:
    table = Feature._meta.db_table
    select, params = _feature_select(city_id, layer_id, mappings, key)
    columns = _COLUMNS
    counts = WriteCounts()
    if replace and key is None:
        cursor.execute(
            f"DELETE FROM {table} WHERE city_id = %s AND layer_id = %s",  # noqa: S608 - table from _meta
            [city_id, layer_id],
        )
        counts.deleted = cursor.rowcount
    if key is None:
        # Table from _meta; staging names generated; values are parameters.
        cursor.execute(f"INSERT INTO {table} {columns} {select}", params)
        counts.inserted = cursor.rowcount
        return counts
    # An inserted row has version 1, an updated one at least 2 (xmax = 0 cannot tell
    # them apart on a partitioned table); unchanged rows are skipped.
    cursor.execute(
        f"WITH up AS (INSERT INTO {table} AS f {columns} {select} "  # noqa: S608 - see above
        "ON CONFLICT (city_id, layer_id, external_id) "
        "WHERE external_id IS NOT NULL DO UPDATE SET "
        "geom = EXCLUDED.geom, properties = EXCLUDED.properties, "
        "updated_at = now(), version = f.version + 1 "
        "WHERE NOT ST_OrderingEquals(f.geom, EXCLUDED.geom) "
        "OR f.properties IS DISTINCT FROM EXCLUDED.properties "
        "RETURNING (f.version = 1) AS inserted) "
        "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
        "FROM up",
        params,
    )
    counts.inserted, counts.updated = cursor.fetchone()
    if replace:
        # The file is the new truth, except keys it holds on rows that were rejected:
        # those keep their current feature rather than vanish (see snapshot_keys).
        cursor.execute(
            f"DELETE FROM {table} f WHERE f.city_id = %s AND f.layer_id = %s "  # noqa: S608 - see above
            f"AND (f.external_id IS NULL OR NOT EXISTS (SELECT 1 FROM {KEYS} k "
            "WHERE k.k = f.external_id))",
            [city_id, layer_id],
        )
        counts.deleted = cursor.rowcount
    return counts


def rejected_count(cursor: Any) -> int:
    cursor.execute(f"SELECT count(*) FROM {REJECTS}")  # noqa: S608 - generated name
    return int(cursor.fetchone()[0])


def rejected_rows(cursor: Any, limit: int) -> list[tuple[int, str]]:
    """The first `limit` rejected rows (row number, reason)."""
    cursor.execute(
        f"SELECT row_no, reason FROM {REJECTS} ORDER BY row_no, reason LIMIT %s",  # noqa: S608 - generated name
        [limit],
    )
    return [(int(r), str(why)) for r, why in cursor.fetchall()]


def write_rejected_csv(cursor: Any, target: BinaryIO) -> None:
    """Stream every rejected row into `target` as CSV (header: row,reason)."""
    with cursor.cursor.copy(
        sql.SQL(
            "COPY (SELECT row_no AS row, {reason} AS reason FROM {rejects} "
            "ORDER BY row_no, reason) TO STDOUT (FORMAT csv, HEADER)"
        ).format(
            reason=safe_cell_sql(sql.SQL("reason"), numeric=False),
            rejects=sql.SQL(REJECTS),  # a generated name, not user input
        )
    ) as copy:
        for chunk in copy:
            target.write(chunk)


def drop_tables(cursor: Any) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}, {REJECTS}, {KEYS}")
