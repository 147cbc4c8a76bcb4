"""Ingest: the one path every observation takes into the database.

CSV files (web upload, `import_observations`, the token API), the JSON push API and
SensorThings POSTs all call `ingest_rows(city, rows, ...)`. A row is a mapping with
`thing` (station or market code) and `property` (observed property code) — or
`datastream` (an id) — plus `time` (ISO 8601 with an offset), `value`, `unit` and
optionally `result_time`.

All or nothing: a batch (one file, one push) with any bad row writes nothing and
comes back with every row's errors (up to OBSERVATIONS_MAX_ERRORS of them); a clean
batch is written in one transaction. Within it:

1. rows are validated in Python (codes, permission, time zone, number, unit) and
   converted to the datastream's unit; the negative / out-of-range flags are set;
2. they are COPYed into a temporary table;
3. the stuck and spike flags are computed there by window functions, with the
   stored readings just before the batch as context (not for prices: a price that
   holds for days is normal, and its jumps are what price alerts are for);
4. one INSERT ... ON CONFLICT (datastream, phenomenon_time) DO NOTHING stores the
   new rows (the same observation twice is stored once), and from exactly the rows
   it inserted the same statement upserts the touched hourly and daily buckets
   (unflagged values only) and moves each datastream's extents and latest value.

`dry_run=True` does all of it and rolls back: the web preview shows the counts
the real import will have.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from gis_platform.edges import EdgeError, has_control_chars, parse_float
from observations import conf, partitions, status
from observations.models import (
    DailyAggregate,
    Datastream,
    Flag,
    HourlyAggregate,
    Observation,
    ObservedProperty,
    PropertyKind,
    Sensor,
    SensorClass,
    Thing,
)
from observations.units import UnitError, converter
from tenancy.models import City

COPY_CHUNK = 20_000
FUTURE_TOLERANCE = timedelta(hours=1)


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass
class IngestReport:
    rows: int = 0
    inserted: int = 0
    duplicates: int = 0
    flagged: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False

    @property
    def refused(self) -> bool:
        return self.error_count > 0

    def error(self, line: int, field_name: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < conf.get_int("OBSERVATIONS_MAX_ERRORS"):
            self.errors.append(RowError(line, field_name, message))

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "inserted": self.inserted,
            "duplicates": self.duplicates,
            "flagged": self.flagged,
            "written": self.written,
            "dry_run": self.dry_run,
            "error_count": self.error_count,
            "errors": [e.as_dict() for e in self.errors],
        }


class IngestRefused(Exception):
    """Raised inside the transaction to roll it back; carries the report."""

    def __init__(self, report: IngestReport) -> None:
        super().__init__("ingest refused")
        self.report = report


def parse_time(value: Any, field_name: str) -> datetime:
    """An aware datetime from ISO 8601 text; a time without a zone is refused."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip() and not has_control_chars(value):
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise EdgeError(
                field_name, "must be an ISO 8601 time, e.g. 2026-11-27T10:00+07:00."
            ) from None
    else:
        raise EdgeError(field_name, "is required (ISO 8601 with a zone offset).")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise EdgeError(
            field_name, "has no time zone; add an offset such as +07:00 or Z."
        )
    return moment


class _Context:
    """What validating a city's rows needs, loaded once per batch."""

    def __init__(
        self, city: City, agency_ids: frozenset[int] | None, create_streams: bool
    ) -> None:
        self.city = city
        self.agency_ids = agency_ids
        self.create_streams = create_streams
        self.things = {t.code: t for t in Thing.objects.filter(city=city)}
        self.props = {p.code: p for p in ObservedProperty.objects.filter(city=city)}
        self.props_by_id = {p.pk: p for p in self.props.values()}
        self.streams: dict[tuple[int, int], Datastream] = {
            (d.thing_id, d.observed_property_id): d
            for d in Datastream.objects.filter(city=city)
        }
        self.streams_by_id = {d.pk: d for d in self.streams.values()}
        self.elsewhere: dict[str, bool] = {}
        self.converters: dict[tuple[str, int], Callable[[float], float]] = {}
        self.sensors: dict[str, Sensor] = {}
        # (thing, property, unit) as written -> what a valid row of it needs:
        # (datastream id, property, converter, stuck/spike checks apply).
        self.fast: dict[
            tuple[Any, Any, Any], tuple[int, ObservedProperty, Any, bool]
        ] = {}

    def other_city_has(self, code: str) -> bool:
        if code not in self.elsewhere:
            self.elsewhere[code] = (
                Thing.objects.filter(code=code).exclude(city=self.city).exists()
            )
        return self.elsewhere[code]

    def convert(self, unit: str, stream: Datastream) -> Callable[[float], float]:
        key = (unit, stream.pk)
        if key not in self.converters:
            prop = self.props_by_id[stream.observed_property_id]
            self.converters[key] = converter(
                unit, stream.unit_code or stream.unit_symbol, prop.ispu_parameter
            )
        return self.converters[key]

    def stream_for(self, thing: Thing, prop: ObservedProperty) -> Datastream | None:
        stream = self.streams.get((thing.pk, prop.pk))
        if stream is None and self.create_streams:
            stream = Datastream.objects.create(
                city=self.city,
                thing=thing,
                observed_property=prop,
                sensor=self.default_sensor(prop),
                name=f"{prop.name} — {thing.name}",
                unit_symbol=prop.unit_symbol,
                unit_code=prop.unit_code,
                unit_name=prop.unit_name,
            )
            self.streams[(thing.pk, prop.pk)] = stream
            self.streams_by_id[stream.pk] = stream
        return stream

    def default_sensor(self, prop: ObservedProperty) -> Sensor:
        survey = prop.kind == PropertyKind.PRICE
        code = "survey" if survey else "unspecified"
        if code not in self.sensors:
            self.sensors[code], _ = Sensor.objects.get_or_create(
                city=self.city,
                code=code,
                defaults={
                    "name": "Survei harga" if survey else "Sensor (unspecified)",
                    "sensor_class": SensorClass.SURVEY
                    if survey
                    else SensorClass.REFERENCE,
                },
            )
        return self.sensors[code]


def _resolve(
    ctx: _Context, row: Mapping[str, Any], line: int, report: IngestReport
) -> Datastream | None:
    if row.get("datastream") is not None:
        stream = ctx.streams_by_id.get(row["datastream"])
        if stream is None:
            report.error(line, "datastream", "no such datastream in this city.")
        return stream
    code = str(row.get("thing") or row.get("station") or row.get("market") or "")
    code = code.strip()
    prop_code = str(row.get("property") or "").strip()
    thing = ctx.things.get(code)
    ok = True
    if not code:
        report.error(line, "thing", "station or market code is required.")
        ok = False
    elif thing is None:
        if ctx.other_city_has(code):
            report.error(
                line, "thing", f"{code!r} is a station of another city, not this one."
            )
        else:
            report.error(line, "thing", f"unknown station or market {code!r}.")
        ok = False
    elif ctx.agency_ids is not None and thing.agency_id not in ctx.agency_ids:
        report.error(
            line, "thing", f"{code!r} belongs to an agency you may not import for."
        )
        ok = False
    prop = ctx.props.get(prop_code)
    if prop is None:
        report.error(
            line,
            "property",
            f"unknown observed property {prop_code!r}."
            if prop_code
            else "observed property is required.",
        )
        ok = False
    if not ok or thing is None or prop is None:
        return None
    stream = ctx.stream_for(thing, prop)
    if stream is None:
        report.error(line, "property", f"{code} has no datastream for {prop_code}.")
    return stream


def _quality(value: float, prop: ObservedProperty) -> int:
    flags = 0
    if value < 0 and (prop.valid_min is None or prop.valid_min >= 0):
        flags |= Flag.NEGATIVE
    if (prop.valid_min is not None and value < prop.valid_min) or (
        prop.valid_max is not None and value > prop.valid_max
    ):
        flags |= Flag.OUT_OF_RANGE
    return flags


_TEMP = "_obs_in"


def ingest_rows(
    city: City,
    rows: Iterable[Mapping[str, Any]],
    *,
    agency_ids: frozenset[int] | None = None,
    dry_run: bool = False,
    create_streams: bool = True,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Validate and store `rows` (see the module docstring); `agency_ids` limits
    the things written to those agencies' (None: any thing of the city)."""
    report = IngestReport(dry_run=dry_run)
    try:
        with transaction.atomic():
            _ingest(city, rows, agency_ids, create_streams, report, progress)
            if report.refused or dry_run:
                raise IngestRefused(report)
            report.written = True
    except IngestRefused:
        report.written = False
    return report


def _ingest(
    city: City,
    rows: Iterable[Mapping[str, Any]],
    agency_ids: frozenset[int] | None,
    create_streams: bool,
    report: IngestReport,
    progress: Callable[[int], None] | None,
) -> None:
    ctx = _Context(city, agency_ids, create_streams)
    now = timezone.now()
    months: set[Any] = set()
    buffer: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        # Inside an outer transaction (a caller's atomic block) ON COMMIT has not
        # come yet for an earlier batch.
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{_TEMP}")
        cursor.execute(
            f"CREATE TEMP TABLE {_TEMP} (line integer, datastream_id bigint, "
            "phenomenon_time timestamptz, result double precision, "
            "result_time timestamptz, flags smallint, checks boolean) ON COMMIT DROP"
        )
        for index, row in enumerate(rows):
            line = int(row.get("line", index + 1))
            report.rows += 1
            values = _validate(ctx, row, line, report, now)
            if values is not None and not report.refused:
                buffer.append(values)
                if len(buffer) >= COPY_CHUNK:
                    _copy(cursor, buffer)
                    buffer.clear()
            if progress is not None and report.rows % COPY_CHUNK == 0:
                progress(report.rows)
        if report.refused:
            return
        _copy(cursor, buffer)
        if progress is not None:
            progress(report.rows)
        if report.rows == 0:
            return
        _conflicting_duplicates(cursor, report)
        if report.refused:
            return
        _flag_series(cursor)
        span = f"SELECT min(phenomenon_time), max(phenomenon_time) FROM {_TEMP}"  # noqa: S608
        cursor.execute(span)
        first, last = cursor.fetchone()
        month = partitions.month_start(first)
        while month <= partitions.month_start(last):
            months.add(month)
            month = partitions.next_month(month)
        partitions.ensure_partitions(months)
        inserted, flagged = _store(cursor, city)
        report.inserted, report.flagged = inserted, flagged
        report.duplicates = report.rows - inserted
        if inserted:
            cursor.execute(f"SELECT DISTINCT datastream_id FROM {_TEMP}")  # noqa: S608
            touched = {ctx.streams_by_id[ds_id].thing_id for (ds_id,) in cursor}
            status.refresh(city, touched)


def _validate(
    ctx: _Context,
    row: Mapping[str, Any],
    line: int,
    report: IngestReport,
    now: datetime,
) -> tuple[Any, ...] | None:
    key = (row.get("thing"), row.get("property"), row.get("unit"))
    known = ctx.fast.get(key) if row.get("datastream") is None else None
    if known is not None and not row.get("result_time"):
        # A row like an earlier valid one: only its time and value to check.
        stream_id, prop, convert_fast, checks = known
        try:
            fast_moment = parse_time(row.get("time"), "time")
            if fast_moment > now + FUTURE_TOLERANCE:
                raise EdgeError("time", "is in the future.")
            number = convert_fast(parse_float(row.get("value"), "value"))
        except EdgeError:
            pass  # the full path below reports it
        else:
            if math.isfinite(number):
                return (
                    line,
                    stream_id,
                    fast_moment,
                    number,
                    None,
                    _quality(number, prop),
                    checks,
                )
    before = report.error_count
    stream = _resolve(ctx, row, line, report)
    moment: datetime | None
    try:
        moment = parse_time(row.get("time"), "time")
        if moment > now + FUTURE_TOLERANCE:
            raise EdgeError("time", "is in the future.")
    except EdgeError as exc:
        report.error(line, "time", exc.message)
        moment = None
    result_time = None
    if row.get("result_time") not in (None, ""):
        try:
            result_time = parse_time(row.get("result_time"), "result_time")
        except EdgeError as exc:
            report.error(line, "result_time", exc.message)
    raw = row.get("value")
    try:
        value = parse_float(raw, "value")
    except EdgeError as exc:
        shown = str(raw)[:40] if raw is not None else ""
        report.error(
            line, "value", f"{exc.message} (got {shown!r})" if shown else exc.message
        )
        value = None
    unit = str(row.get("unit") or "").strip()
    convert = None
    if stream is not None:
        if not unit:
            report.error(line, "unit", f"unit is required ({stream.unit_symbol}).")
        else:
            try:
                convert = ctx.convert(unit, stream)
            except UnitError as exc:
                report.error(line, "unit", str(exc))
    if report.error_count > before or stream is None or moment is None:
        return None
    if value is None or convert is None:
        return None
    converted = convert(value)
    if not math.isfinite(converted):
        report.error(line, "value", "is too large.")
        return None
    prop = ctx.props_by_id[stream.observed_property_id]
    if row.get("datastream") is None:
        ctx.fast[key] = (stream.pk, prop, convert, prop.kind != PropertyKind.PRICE)
    return (
        line,
        stream.pk,
        moment,
        converted,
        result_time,
        _quality(converted, prop),
        prop.kind != PropertyKind.PRICE,
    )


def _copy(cursor: Any, buffer: list[tuple[Any, ...]]) -> None:
    if not buffer:
        return
    with cursor.cursor.copy(
        f"COPY {_TEMP} (line, datastream_id, phenomenon_time, result, result_time, "
        "flags, checks) FROM STDIN"
    ) as copy:
        for values in buffer:
            copy.write_row(values)


def _conflicting_duplicates(cursor: Any, report: IngestReport) -> None:
    """The same (datastream, time) twice in one batch with different values."""
    cursor.execute(
        f"SELECT array_agg(line ORDER BY line) FROM {_TEMP} "  # noqa: S608
        "GROUP BY datastream_id, phenomenon_time "
        "HAVING min(result) <> max(result) LIMIT %s",
        [conf.get_int("OBSERVATIONS_MAX_ERRORS")],
    )
    for (lines,) in cursor.fetchall():
        others = ", ".join(str(n) for n in lines[:-1])
        report.error(
            lines[-1],
            "value",
            f"same station, property and time as line(s) {others} "
            "with a different value.",
        )


def _flag_series(cursor: Any) -> None:
    """Stuck (the same value N readings running) and spike (far from the mean of
    the previous readings), with the stored readings before the batch as context."""
    n = conf.get_int("OBSERVATIONS_STUCK_READINGS")
    factor = conf.get("OBSERVATIONS_SPIKE_FACTOR")
    table = Observation._meta.db_table
    # Window frame offsets must be constants: two settings integers.
    cursor.execute(
        f"""
        WITH firsts AS (
            SELECT datastream_id, min(phenomenon_time) AS t0
            FROM {_TEMP} WHERE checks GROUP BY datastream_id
        ), ctx AS (
            SELECT line, datastream_id, phenomenon_time, result
            FROM {_TEMP} WHERE checks
            UNION ALL
            SELECT NULL, p.datastream_id, p.phenomenon_time, p.result
            FROM firsts f CROSS JOIN LATERAL (
                SELECT o.datastream_id, o.phenomenon_time, o.result FROM {table} o
                WHERE o.datastream_id = f.datastream_id AND o.phenomenon_time < f.t0
                ORDER BY o.phenomenon_time DESC LIMIT {max(n, 5)}
            ) p
        ), w AS (
            SELECT line, result,
                count(*) OVER s AS n_run, min(result) OVER s AS lo,
                max(result) OVER s AS hi,
                avg(result) OVER b AS base, count(*) OVER b AS n_base
            FROM ctx
            WINDOW s AS (PARTITION BY datastream_id ORDER BY phenomenon_time
                         ROWS BETWEEN {n - 1} PRECEDING AND CURRENT ROW),
                   b AS (PARTITION BY datastream_id ORDER BY phenomenon_time
                         ROWS BETWEEN 5 PRECEDING AND 1 PRECEDING)
        )
        UPDATE {_TEMP} i SET flags = i.flags
            | CASE WHEN w.n_run = {n} AND w.lo = w.hi THEN {Flag.STUCK} ELSE 0 END
            | CASE WHEN w.n_base >= 3
                    AND abs(w.result - w.base) > %s * greatest(abs(w.base), %s)
                   THEN {Flag.SPIKE} ELSE 0 END
        FROM w WHERE w.line = i.line AND i.checks
        """,  # noqa: S608 (table names from _meta, numbers from settings)
        [factor, conf.get("OBSERVATIONS_SPIKE_FLOOR")],
    )


def _store(cursor: Any, city: City) -> tuple[int, int]:
    obs = Observation._meta.db_table
    hourly = HourlyAggregate._meta.db_table
    daily = DailyAggregate._meta.db_table
    streams = Datastream._meta.db_table
    upsert = (
        "ON CONFLICT (datastream_id, bucket) DO UPDATE SET "
        "count = a.count + excluded.count, total = a.total + excluded.total, "
        "minimum = least(a.minimum, excluded.minimum), "
        "maximum = greatest(a.maximum, excluded.maximum)"
    )
    cursor.execute(
        f"""
        WITH ins AS (
            INSERT INTO {obs} (datastream_id, phenomenon_time, result, result_time,
                               flags)
            SELECT datastream_id, phenomenon_time, result, result_time, flags
            FROM {_TEMP} ORDER BY datastream_id, phenomenon_time
            ON CONFLICT (datastream_id, phenomenon_time) DO NOTHING
            RETURNING datastream_id, phenomenon_time, result, result_time, flags
        ), h AS (
            INSERT INTO {hourly} AS a (datastream_id, bucket, count, total, minimum,
                                       maximum)
            SELECT datastream_id, date_trunc('hour', phenomenon_time), count(*),
                   sum(result), min(result), max(result)
            FROM ins WHERE flags = 0 GROUP BY 1, 2
            {upsert}
            RETURNING 1
        ), d AS (
            INSERT INTO {daily} AS a (datastream_id, bucket, count, total, minimum,
                                      maximum)
            SELECT datastream_id, date_trunc('day', phenomenon_time, %s), count(*),
                   sum(result), min(result), max(result)
            FROM ins WHERE flags = 0 GROUP BY 1, 2
            {upsert}
            RETURNING 1
        ), s AS (
            UPDATE {streams} ds SET
                phenomenon_start = least(ds.phenomenon_start, x.t0),
                phenomenon_end = greatest(ds.phenomenon_end, x.t1),
                result_start = least(ds.result_start, x.r0),
                result_end = greatest(ds.result_end, x.r1),
                latest_value = CASE WHEN x.lt IS NOT NULL AND
                    (ds.latest_time IS NULL OR x.lt > ds.latest_time)
                    THEN x.lv ELSE ds.latest_value END,
                latest_time = CASE WHEN x.lt IS NOT NULL AND
                    (ds.latest_time IS NULL OR x.lt > ds.latest_time)
                    THEN x.lt ELSE ds.latest_time END
            FROM (
                SELECT datastream_id, min(phenomenon_time) AS t0,
                       max(phenomenon_time) AS t1, min(result_time) AS r0,
                       max(result_time) AS r1,
                       max(phenomenon_time) FILTER (WHERE flags = 0) AS lt,
                       (array_agg(result ORDER BY phenomenon_time DESC)
                           FILTER (WHERE flags = 0))[1] AS lv
                FROM ins GROUP BY datastream_id
            ) x
            WHERE ds.id = x.datastream_id
            RETURNING 1
        )
        SELECT count(*), count(*) FILTER (WHERE flags <> 0),
               (SELECT count(*) FROM h) + (SELECT count(*) FROM d)
               + (SELECT count(*) FROM s)
        FROM ins
        """,  # noqa: S608 (table names from _meta)
        [city.time_zone],
    )
    inserted, flagged, _touched = cursor.fetchone()
    return int(inserted), int(flagged)
