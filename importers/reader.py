"""Stream a Dataset as Arrow record batches and describe its columns.

GDAL decodes the file (pyogrio's Arrow stream, so no Python object per feature); each
batch becomes CSV bytes written straight into PostgreSQL's COPY.
"""

from __future__ import annotations

import io
import json
import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyogrio
import shapely
from pyogrio.raw import open_arrow

from importers.errors import ImportFailed
from importers.formats import Dataset

BATCH_SIZE = 32768
T = TypeVar("T")


@dataclass(frozen=True)
class Column:
    """An attribute of the file: its name there, its staging column and types."""

    name: str
    staging: str
    kind: str  # schema type: integer, number, text, date, boolean
    pg_type: str


@dataclass
class FileInfo:
    count: int
    crs: str | None
    geometry_type: str
    columns: list[Column]
    warnings: list[str]
    # False when `count` is an upper bound (a CSV file's lines, see inspect).
    count_exact: bool = True
    # The file declares one 2D geometry type (no Z or M, not "Unknown").
    flat: bool = False


def _kind(dtype: pa.DataType) -> tuple[str, str] | None:
    if pa.types.is_boolean(dtype):
        return "boolean", "boolean"
    if pa.types.is_unsigned_integer(dtype) and dtype.bit_width == 64:
        return "integer", "numeric"
    if pa.types.is_integer(dtype):
        return "integer", "bigint"
    if pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return "number", "double precision"
    if pa.types.is_date(dtype):
        return "date", "date"
    if pa.types.is_timestamp(dtype):
        return "date", "timestamptz" if dtype.tz else "timestamp"
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return "text", "text"
    if pa.types.is_time(dtype) or pa.types.is_dictionary(dtype):
        return "text", "text"
    return None


@contextmanager
def arrow_stream(dataset: Dataset, **kwargs: Any) -> Iterator[tuple[dict, Any]]:
    try:
        with open_arrow(
            dataset.source,
            layer=dataset.layer,
            encoding=dataset.encoding,
            where=dataset.where,
            use_pyarrow=True,
            **dataset.open_options,
            **kwargs,
        ) as (meta, reader):
            yield meta, reader
    except ImportFailed:
        raise
    except Exception as exc:  # GDAL errors arrive as several pyogrio types
        raise ImportFailed(f"Cannot read {dataset.path.name}: {exc}") from exc


def _count_lines(path: Path) -> int:
    """Records in a CSV file, at most: its lines but the header (a quoted value
    spanning lines makes it an overestimate)."""
    lines, last = 0, b"\n"
    with path.open("rb") as f:
        while chunk := f.read(1 << 23):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return max(lines + (last != b"\n") - 1, 0)


def inspect(dataset: Dataset, *, exact_count: bool = True) -> FileInfo:
    """Count features, read the CRS and map every attribute to a schema type.

    Counting a CSV file's features means parsing all of it; without `exact_count`
    its lines are counted instead (the import checks the real number as it reads)."""
    estimate = not exact_count and dataset.format == "CSV"
    try:
        info = pyogrio.read_info(
            dataset.source,
            layer=dataset.layer,
            encoding=dataset.encoding,
            force_feature_count=not estimate,
            **dataset.open_options,
        )
        if estimate:
            info["features"] = _count_lines(dataset.path)
    except Exception as exc:
        raise ImportFailed(f"Cannot read {dataset.path.name}: {exc}") from exc
    warnings: list[str] = []
    columns: list[Column] = []
    with arrow_stream(dataset, batch_size=1) as (meta, reader):
        geometry_name = meta.get("geometry_name") or "wkb_geometry"
        skip = {geometry_name, meta.get("fid_column") or "OGC_FID"}
        for field in reader.schema:
            if field.name in skip:
                continue
            kind = _kind(field.type)
            if kind is None:
                warnings.append(
                    f"Column {field.name!r} ({field.type}) cannot be stored and "
                    "was left out."
                )
                continue
            columns.append(Column(field.name, f"c{len(columns)}", *kind))
    geometry_type = str(info.get("geometry_type") or "Unknown")
    return FileInfo(
        count=max(int(info["features"]), 0),
        crs=info.get("crs"),
        geometry_type=geometry_type.replace(" Z", "").replace(" M", ""),
        columns=columns,
        warnings=warnings,
        count_exact=not estimate,
        flat=geometry_type in _FLAT_TYPES,
    )


def _hex_wkb(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Hex-encode a WKB column in one call on its data buffer, not per feature.

    PostgreSQL's geometry input reads hex WKB; every byte becomes two characters, so
    the string offsets are the binary offsets doubled.
    """
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_large_binary(column.type):
        column = column.cast(pa.binary())
    if column.offset:  # a slice: copy it so its buffers start at its first value
        column = pc.take(column, pa.array(np.arange(len(column))))
    validity, offset_buffer, data = column.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int32)[: len(column) + 1]
    start, end = int(offsets[0]), int(offsets[-1])
    text = b"" if data is None else memoryview(data)[start:end].hex().encode("ascii")
    return pa.StringArray.from_buffers(
        len(column),
        pa.py_buffer(((offsets - start) * 2).astype(np.int32).tobytes()),
        pa.py_buffer(text),
        validity,
        column.null_count,
    )


def _known_valid(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """True where GEOS finds the geometry valid, NULL where it cannot tell (WKB that
    shapely does not read: curves, M values, broken rings).

    This is GEOS's IsValid, the one PostGIS's ST_IsValid runs; doing it here, in the
    reading thread, overlaps it with the COPY instead of adding a pass in the
    database (1M polygons: about 1.5 s). Only worth trusting while the coordinates
    are the final ones, i.e. the file is in EPSG:4326 (see staging.repair)."""
    geoms = shapely.from_wkb(
        np.asarray(column.to_numpy(zero_copy_only=False), dtype=object),
        on_invalid="ignore",
    )
    valid = shapely.is_valid(geoms)
    # True where valid, NULL elsewhere.
    return pa.array(valid, type=pa.bool_(), mask=~valid)


# Types whose JSON text the reader writes exactly as jsonb_build_object would store
# them (see staging.write_features); dates and times take the staging path.
JSON_KINDS = frozenset({"text", "integer", "number", "boolean"})
_FLAT_TYPES = frozenset(
    {"Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"}
)


def _json_values(array: pa.Array | pa.ChunkedArray, kind: str) -> pa.Array:
    """Each value as JSON text (`null` when missing), equal once parsed to what
    PostgreSQL's jsonb_build_object makes of the same value."""
    if kind == "text":
        if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
            array = pc.cast(array, pa.string())
        text = pc.replace_substring(array, "\\", "\\\\")
        text = pc.replace_substring(text, '"', '\\"')
        if pc.any(pc.match_substring_regex(text, r"[\x00-\x1f]")).as_py():
            for code in range(32):
                text = pc.replace_substring(text, chr(code), f"\\u{code:04x}")
        out = pc.binary_join_element_wise('"', text, '"', "")
    elif kind == "boolean":
        out = pc.if_else(array, "true", "false")
    elif kind == "integer":
        out = pc.cast(array, pa.string())
    else:
        numbers = pc.cast(array, pa.float64())
        out = pc.cast(numbers, pa.string())  # shortest round-trip digits, as PG's
        # Not JSON numbers: to_jsonb stores them as strings.
        for special, text in (
            (pc.is_nan(numbers), '"NaN"'),
            (pc.equal(numbers, float("inf")), '"Infinity"'),
            (pc.equal(numbers, float("-inf")), '"-Infinity"'),
        ):
            out = pc.if_else(special, text, out)
    return pc.fill_null(out, "null")


def properties_json(
    batch: pa.RecordBatch, properties: list[tuple[Column, str]]
) -> pa.Array:
    """The `properties` object of every row as JSON text: (file column, key) pairs."""
    if not properties:
        return pa.array(["{}"] * batch.num_rows, type=pa.string())
    parts: list[Any] = []
    for i, (column, key) in enumerate(properties):
        parts.append(("{" if i == 0 else ",") + json.dumps(key) + ":")
        parts.append(_json_values(batch.column(column.name), column.kind))
    parts.append("}")
    return pc.binary_join_element_wise(*parts, "")


def csv_batches(
    dataset: Dataset,
    columns: list[Column],
    batch_size: int = BATCH_SIZE,
    max_rows: int | None = None,
    check_validity: bool = True,
    properties: list[tuple[Column, str]] | None = None,
) -> Iterator[tuple[int, bytes]]:
    """Yield (rows in batch, CSV bytes) with columns row_no, geom (hex WKB), valid
    (see _known_valid), c0..cN.

    Past `max_rows` features the file is refused (ImportFailed). Without
    `check_validity`, `valid` is left NULL (the database checks every row). With
    `properties`, the attribute columns are replaced by one JSON `properties`
    column (see properties_json)."""
    offset = 0
    options = pacsv.WriteOptions(include_header=False)
    with arrow_stream(dataset, batch_size=batch_size) as (meta, reader):
        geometry_name = meta.get("geometry_name") or "wkb_geometry"
        for batch in reader:
            n = batch.num_rows
            if not n:
                continue
            if max_rows is not None and offset + n > max_rows:
                raise ImportFailed(
                    f"{dataset.path.name} holds more than {max_rows:,} features; at "
                    f"most {max_rows:,} are accepted."
                )
            wkb = batch.column(geometry_name)
            arrays: list[pa.Array] = [
                pa.array(np.arange(offset + 1, offset + n + 1, dtype=np.int64)),
                _hex_wkb(wkb),
                _known_valid(wkb) if check_validity else pa.nulls(n, pa.bool_()),
            ]
            if properties is not None:
                arrays.append(properties_json(batch, properties))
                names = ["row_no", "geom", "valid", "properties"]
                columns = []
            else:
                names = ["row_no", "geom", "valid", *(c.staging for c in columns)]
            for col in columns:
                array = batch.column(col.name)
                if col.pg_type == "text" and not (
                    pa.types.is_string(array.type)
                    or pa.types.is_large_string(array.type)
                ):
                    array = pc.cast(array, pa.string())
                arrays.append(array)
            buffer = io.BytesIO()
            pacsv.write_csv(pa.Table.from_arrays(arrays, names=names), buffer, options)
            offset += n
            yield n, buffer.getvalue()


_DONE = object()


def prefetch(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """Iterate `items` in a thread, at most `depth` ahead of the consumer.

    The next batches are read and encoded (GDAL and Arrow release the GIL) while the
    current one is sent to PostgreSQL, and memory stays bounded by `depth` batches.
    An error in the thread is raised here; stopping early stops the thread."""
    slots: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                slots.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # handed over to the consumer
            put(exc)
            return
        put(_DONE)

    worker = threading.Thread(target=produce, name="import-reader", daemon=True)
    worker.start()
    try:
        while (item := slots.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()
