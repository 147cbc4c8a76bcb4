"""Import a GIS file into a layer: the one public entry point, `import_file`.

Read with pyogrio as Arrow batches, COPY into a staging table, validate and transform
in set-based SQL, write the layer's features in one statement. Everything happens in
one transaction: a failed, cancelled or dry-run import changes nothing.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from pyproj import CRS
from pyproj.exceptions import CRSError

from gis_platform.edges import LAT_RANGE, LON_RANGE, PROJECTED_LIMIT_M
from importers import staging
from importers.errors import ImportFailed, LayerConflict
from importers.formats import Dataset, ReadOptions, open_dataset
from importers.reader import (
    JSON_KINDS,
    Column,
    FileInfo,
    csv_batches,
    inspect,
    prefetch,
)
from importers.report import MAX_REPORTED_REJECTS, ImportReport
from importers.safety import check_feature_count
from layers import history, partitions
from layers.models import Dimension, Feature, Layer, Visibility
from layers.models.layer import (
    GeometryType,
    generated_slug,
    slug_from_title,
    slug_problem,
)
from tenancy.models import SRID, Agency, City

__all__ = [
    "MODES",
    "ImportFailed",
    "LayerConflict",
    "NewLayer",
    "Progress",
    "ReadOptions",
    "check_new_layer_slug",
    "import_file",
    "infer_schema",
    "new_layer_slug",
]

MODES = ("create", "replace", "append", "upsert")
# Our exports write each feature's identity as `external_id`; Shapefile's 10-character
# field names turn it into `external_i`.
RESERVED_KEYS = frozenset({"external_id", "external_i"})
# progress(phase, done, total): phases "reading", "validating", "writing".
Progress = Callable[[str, int, int], None]

_GEOMETRY_TYPES = {g.value.upper(): g for g in GeometryType}


@dataclass
class NewLayer:
    """What a layer created by an import is made of."""

    city: City
    slug: str
    title: str
    agency: Agency | None = None
    dimension: str = Dimension.GOVERNANCE
    visibility: str = Visibility.PUBLIC
    description: str = ""
    # Any other Layer fields (style, license, attribution, ...).
    extra: dict[str, Any] = field(default_factory=dict)


def check_new_layer_slug(city: City, slug: str) -> None:
    """Raise LayerConflict unless `slug` can name a new layer of `city`: URL-safe,
    not reserved, and not taken — an import never writes into an existing layer it
    was not explicitly given (that goes through the import permission check)."""
    problem = slug_problem(city, slug)
    if problem:
        raise LayerConflict(problem)
    if Layer.objects.filter(city=city, slug=slug).exists():
        raise LayerConflict(
            f"A layer with the slug {slug!r} already exists in {city}: give the new "
            "layer another title, or choose the existing layer to import into it."
        )


def new_layer_slug(city: City, title: str) -> str:
    """The slug of a new layer titled `title`, checked (see check_new_layer_slug). A
    title with nothing to transliterate ('!!!', '测试数据') gets `layer-<n>`."""
    slug = slug_from_title(title) or generated_slug(city)
    check_new_layer_slug(city, slug)
    return slug


def infer_schema(columns: list[Column]) -> list[dict[str, str]]:
    return [{"name": c.name, "type": c.kind, "label": c.name} for c in columns]


def _attributes(info: FileInfo) -> list[Column]:
    """The file's columns that become properties: `external_id` (written by our own
    exports) is the feature's identity, usable as the key, never a property."""
    return [c for c in info.columns if c.name not in RESERVED_KEYS]


def _source_crs(
    info: FileInfo, dataset: Dataset, srid: int | None, report: ImportReport
) -> tuple[int | None, str | None]:
    """(EPSG code, or a PROJ definition when the CRS has no EPSG code)."""
    if srid is not None:
        if info.crs and CRS.from_user_input(info.crs).to_epsg() not in (srid, None):
            report.warnings.append(
                f"The file says its CRS is {info.crs}; EPSG:{srid} was used as asked."
            )
        return srid, None
    if not info.crs:
        if dataset.implied_srid is not None:
            return dataset.implied_srid, None
        raise ImportFailed(
            f"{dataset.path.name} has no coordinate reference system (no .prj?); "
            "give its EPSG code, e.g. 32748 for UTM 48S or 4326 for longitude/latitude."
        )
    try:
        crs = CRS.from_user_input(info.crs)
    except CRSError as exc:
        raise ImportFailed(f"Unknown coordinate reference system: {exc}") from exc
    epsg = crs.to_epsg(min_confidence=70)
    if epsg is not None:
        return epsg, None
    return None, crs.to_proj4()


# Coordinate ranges checked before any GEOS call (gis_platform/edges.py's limits).
GEOGRAPHIC_BOUNDS = (LON_RANGE[0], LAT_RANGE[0], LON_RANGE[1], LAT_RANGE[1])
PROJECTED_BOUNDS = (
    -PROJECTED_LIMIT_M,
    -PROJECTED_LIMIT_M,
    PROJECTED_LIMIT_M,
    PROJECTED_LIMIT_M,
)


def _crs_bounds(
    srid: int | None, proj: str | None
) -> tuple[float, float, float, float]:
    """The range a coordinate of this CRS may take: longitude/latitude for a
    geographic CRS, the projected limit (metres) otherwise."""
    try:
        crs = CRS.from_epsg(srid) if srid is not None else CRS.from_user_input(proj)
    except CRSError:
        return PROJECTED_BOUNDS
    return GEOGRAPHIC_BOUNDS if crs.is_geographic else PROJECTED_BOUNDS


def _check_srid(srid: int | None) -> None:
    if srid is None:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM spatial_ref_sys WHERE srid = %s", [srid])
        if cursor.fetchone() is None:
            raise ImportFailed(f"EPSG:{srid} is not a coordinate system PostGIS knows.")


def _allowed_types(geometry_type: str) -> list[str]:
    if geometry_type == GeometryType.GEOMETRY:
        return []
    base = geometry_type.upper().removeprefix("MULTI")
    return [base, f"MULTI{base}"]


def _mappings(
    layer: Layer, columns: list[Column], use_file_schema: bool
) -> list[staging.Mapping]:
    if use_file_schema:
        return [staging.Mapping(c, c.name, c.kind) for c in columns]
    types = {f["name"]: f["type"] for f in layer.schema}
    unknown = [c.name for c in columns if c.name not in types]
    if unknown:
        raise ImportFailed(
            f"Columns not in the layer's schema: {', '.join(unknown)}. The layer "
            f"{layer.slug!r} has: {', '.join(types) or '(no attributes)'}."
        )
    mappings = []
    problems = []
    for c in columns:
        if not staging.compatible(c.kind, types[c.name]):
            problems.append(
                f"column {c.name!r} holds {c.kind} values but the layer expects "
                f"{types[c.name]}"
            )
        mappings.append(staging.Mapping(c, c.name, types[c.name]))
    if problems:
        raise ImportFailed("Attribute types do not match: " + "; ".join(problems) + ".")
    return mappings


def _resolve_layer(
    layer: Layer | None, new_layer: NewLayer | None, mode: str, report: ImportReport
) -> tuple[Layer | None, bool]:
    """(existing layer locked for this import, or None when it is to be created)."""
    if layer is not None:
        if mode == "create":
            raise ImportFailed(
                f"The layer {layer.slug!r} already exists; choose replace, append "
                "or upsert."
            )
        locked = Layer.objects.select_for_update().filter(pk=layer.pk).first()
        if locked is None:
            raise ImportFailed("The layer was deleted; nothing was imported.")
        return locked, False
    if new_layer is None:
        raise ImportFailed("No layer given to import into.")
    # A new layer is created new, whatever the mode: writing into an existing layer
    # needs that layer passed explicitly, after the caller's permission check.
    check_new_layer_slug(new_layer.city, new_layer.slug)
    return None, True


def import_file(
    path: Path | str,
    *,
    layer: Layer | None = None,
    new_layer: NewLayer | None = None,
    mode: str = "append",
    key: str | None = None,
    options: ReadOptions | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    rejected_csv: Path | None = None,
) -> ImportReport:
    """Import the file at `path` into `layer` (or a layer made from `new_layer`).

    Modes: create (a new layer), replace (the file replaces the layer's features;
    with `key`, features keep their identity), append, upsert (by `key`, stored as
    `external_id`). Raises ImportFailed with a clear message and changes nothing
    when the file cannot be imported; rows that cannot be loaded are listed in the
    report's `rejected` with their number (1 = first feature) and reason: the first
    MAX_REPORTED_REJECTS of them, and all of them in the CSV file `rejected_csv`
    when given (written even when the import fails on rejected rows).
    """
    if mode not in MODES:
        raise ImportFailed(f"Unknown mode {mode!r}; use one of {', '.join(MODES)}.")
    if mode == "upsert" and not key:
        raise ImportFailed("Upsert needs a key column.")
    path = Path(path)
    options = options or ReadOptions()
    _check_srid(options.srid)
    progress = progress or (lambda phase, done, total: None)
    started = time.monotonic()
    report = ImportReport(file=path.name, mode=mode, dry_run=dry_run)
    workdir = Path(tempfile.mkdtemp(prefix="petakota-import-"))
    try:
        dataset = open_dataset(path, options, workdir)
        report.format = dataset.format
        report.file_layer = dataset.layer
        report.warnings.extend(dataset.warnings)
        info = inspect(dataset, exact_count=False)
        report.warnings.extend(info.warnings)
        if info.count_exact:  # otherwise checked as the file is read
            check_feature_count(info.count, path.name)
        if info.count == 0:
            raise ImportFailed(f"{path.name} holds no features.")
        source_srid, source_proj = _source_crs(info, dataset, options.srid, report)
        report.crs = f"EPSG:{source_srid}" if source_srid else source_proj
        _check_srid(source_srid)
        key_column = None
        if key:
            key_column = next((c for c in info.columns if c.name == key), None)
            if key_column is None:
                raise ImportFailed(
                    f"No column {key!r} to use as key; the file has: "
                    f"{', '.join(c.name for c in info.columns)}."
                )
        report.schema = infer_schema(_attributes(info))
        with transaction.atomic():
            _run(
                dataset,
                info,
                report,
                layer=layer,
                new_layer=new_layer,
                key_column=key_column,
                srid=(source_srid, source_proj),
                progress=progress,
                rejected_csv=rejected_csv,
            )
            if dry_run:
                transaction.set_rollback(True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _run(
    dataset: Dataset,
    info: FileInfo,
    report: ImportReport,
    *,
    layer: Layer | None,
    new_layer: NewLayer | None,
    key_column: Column | None,
    srid: tuple[int | None, str | None],
    progress: Progress,
    rejected_csv: Path | None,
) -> None:
    mode = report.mode
    target, create = _resolve_layer(layer, new_layer, mode, report)
    if create and new_layer is not None:
        fields: dict[str, Any] = {
            "geometry_type": _GEOMETRY_TYPES.get(
                info.geometry_type.upper(), GeometryType.GEOMETRY
            ),
            **new_layer.extra,
        }
        try:
            with transaction.atomic():
                target = Layer.objects.create(
                    city=new_layer.city,
                    slug=new_layer.slug,
                    title=new_layer.title,
                    agency=new_layer.agency,
                    dimension=new_layer.dimension,
                    visibility=new_layer.visibility,
                    description=new_layer.description,
                    schema=report.schema,
                    **fields,
                )
        except IntegrityError as exc:  # created meanwhile by another import
            raise LayerConflict(
                f"A layer with the slug {new_layer.slug!r} was just created in "
                f"{new_layer.city}; give the new layer another title."
            ) from exc
        report.layer_created = True
    if target is None:
        raise ImportFailed("No layer given to import into.")
    report.layer = target.slug
    use_file_schema = not target.schema
    mappings = _mappings(target, _attributes(info), use_file_schema)
    if use_file_schema:
        target.schema = report.schema
        if target.geometry_type == GeometryType.GEOMETRY:
            target.geometry_type = _GEOMETRY_TYPES.get(
                info.geometry_type.upper(), GeometryType.GEOMETRY
            )
        target.save(update_fields=["schema", "geometry_type", "updated_at"])

    total = info.count
    points = info.geometry_type.upper() in ("POINT", "MULTIPOINT")
    in_4326 = srid[0] == SRID
    # A big load that replaces the whole layer gets a partition of its own, indexed
    # after the load; other writes go row by row into the shared table. When the file
    # is already what the layer stores (EPSG:4326, 2D, attributes of the layer's own
    # types), COPY fills that partition directly: no staging table, no second write.
    # (Appending to a layer with no features, e.g. one this import created, is the
    # same as replacing them.)
    whole_layer = mode == "create" or (
        key_column is None
        and (
            mode == "replace"
            or (mode == "append" and not Feature.objects.filter(layer=target).exists())
        )
    )
    big = settings.PETAKOTA_IMPORT_PARTITION_ROWS
    direct = (
        whole_layer
        and key_column is None
        and info.count >= big
        and in_4326
        and info.flat
        and all(m.kind == m.column.kind and m.kind in JSON_KINDS for m in mappings)
    )
    with connection.cursor() as cursor:
        if direct:
            table = staging.create_load_table(
                cursor, city_id=target.city_id, layer_id=target.pk
            )
            properties = [(m.column, m.target) for m in mappings]
            names = staging.LOAD_COLUMNS
        else:
            staging.create_tables(cursor, info.columns)
            table, properties, names = staging.STAGE, None, None
        report.read = staging.copy_rows(
            cursor,
            info.columns,
            prefetch(
                csv_batches(
                    dataset,
                    info.columns,
                    max_rows=settings.PETAKOTA_IMPORT_MAX_FEATURES,
                    # Worth it where validity is costly and the coordinates are final.
                    check_validity=in_4326 and not points,
                    properties=properties,
                )
            ),
            lambda done: progress("reading", done, total),
            table=table,
            names=names,
            analyze=not direct,
        )
        if not report.read:
            raise ImportFailed(f"{dataset.path.name} holds no features.")
        progress("validating", report.read, total)
        if key_column is not None and mode == "replace":
            staging.snapshot_keys(cursor, key_column)
        staging.reject_out_of_range(
            cursor, _crs_bounds(*srid), report.crs or "the file's CRS", table=table
        )
        staging.reject_bad_geometries(
            cursor,
            settings.PETAKOTA_IMPORT_MAX_VERTICES,
            _allowed_types(target.geometry_type),
            table=table,
        )
        if key_column is not None:
            staging.reject_bad_keys(cursor, key_column)
        if not direct:
            staging.reject_bad_values(cursor, mappings)
        # Staged WKB carries no SRID (0) until reprojected; the load table's column
        # gives every geometry 4326.
        if direct:
            staged_srid = SRID
        else:
            try:
                with transaction.atomic():
                    staged_srid = staging.transform(cursor, *srid)
            except DatabaseError as exc:  # e.g. "Point outside of projection domain"
                raise ImportFailed(
                    f"Coordinates of {dataset.path.name} cannot be converted from "
                    f"{report.crs} to longitude/latitude: {exc}".strip()
                ) from exc
            if staged_srid == SRID:  # reprojected: check what came out
                staging.reject_out_of_range(
                    cursor, GEOGRAPHIC_BOUNDS, "EPSG:4326 after reprojection"
                )
        report.repaired = staging.repair(cursor, trust_reader=in_4326, table=table)
        staged, outside, rows, extent = staging.extent_check(
            cursor, target.city_id, staged_srid, table=table
        )
        if staged and outside == staged:
            raise ImportFailed(
                f"No feature lies in or near {target.city}: the data covers {extent}. "
                "Is the coordinate system right (latitude and longitude swapped, or "
                "projected coordinates without a .prj)?"
            )
        if outside:
            report.warnings.append(
                f"{outside} of {staged} features lie outside {target.city}'s extent "
                "and were imported anyway (rows "
                f"{', '.join(map(str, rows))}{', …' if outside > len(rows) else ''})."
            )
        progress("writing", report.read, total)
        write: staging.WriteTarget = {
            "city_id": target.city_id,
            "layer_id": target.pk,
            "mappings": mappings,
            "key": key_column,
        }
        # A big load is one history event, not one per feature (layers/history.py);
        # a partition swap fires no feature trigger anyway.
        bulk = (
            direct
            or (whole_layer and staged >= big)
            or staged >= settings.PETAKOTA_HISTORY_BULK_ROWS
        )
        try:
            with history.bulk_write() if bulk else nullcontext():
                if direct:
                    counts = staging.finish_load_table(cursor, table, target.pk, staged)
                elif whole_layer and staged >= big:
                    counts = staging.write_partition(cursor, **write)
                else:
                    counts = staging.write_features(
                        cursor, **write, replace=mode == "replace"
                    )
        except partitions.PartitionBusy as exc:
            raise ImportFailed(str(exc)) from exc
        report.rejected_count = staging.rejected_count(cursor)
        report.rejected = staging.rejected_rows(cursor, MAX_REPORTED_REJECTS)
        if rejected_csv is not None:
            with rejected_csv.open("wb") as out:
                staging.write_rejected_csv(cursor, out)
        staging.drop_tables(cursor)
    report.inserted = counts.inserted
    report.updated = counts.updated
    report.deleted = counts.deleted
    if bulk:
        history.record_bulk_load(
            target,
            mode=mode,
            inserted=counts.inserted,
            updated=counts.updated,
            deleted=counts.deleted,
        )
    report.unchanged = (
        report.read - report.rejected_count - counts.inserted - counts.updated
    )
    if report.rejected_count and not report.loaded:
        raise ImportFailed(
            f"Every row was rejected ({report.rejected_count:,} rows; the first, row "
            f"{report.rejected[0][0]}: {report.rejected[0][1]}); nothing was imported."
        )
