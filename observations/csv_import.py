"""Long-format CSV of observations: one reading per row.

    station,property,time,value,unit
    aqm-cikokol,pm25,2026-11-27T10:00:00+07:00,23.5,µg/m³
    pasar-anyar,beras-medium,2026-11-27T08:00:00+07:00,13500,Rp/kg

Header names are matched case-insensitively with a few aliases (thing, station,
market, code / property, parameter, commodity / time, phenomenon_time, timestamp
/ value, result / unit); the delimiter is ',' or ';' (read from the header);
UTF-8 with or without a BOM. The file goes through `services.ingest_rows`: any
bad row refuses the whole file, with a per-row report (line numbers as in the
file, the header being line 1).

The upload (web form with preview, `import_observations`, the token API) is built
here rather than in importers/: importers sits below observations in the import
levels, and it imports layers' features, not series. This module reuses nothing
of importers but the same edge helpers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import IO, Any

from observations.services import IngestReport, ingest_rows
from tenancy.models import City

ALIASES = {
    "thing": ("thing", "station", "market", "code", "stasiun", "pasar", "kode"),
    "property": (
        "property",
        "parameter",
        "commodity",
        "komoditas",
        "observed_property",
    ),
    "time": ("time", "phenomenon_time", "timestamp", "waktu", "datetime"),
    "value": ("value", "result", "nilai", "harga"),
    "unit": ("unit", "satuan"),
    "result_time": ("result_time",),
}
REQUIRED = ("thing", "property", "time", "value", "unit")
MAX_FIELD = 200


class CsvProblem(ValueError):
    """The file as a whole cannot be read (no header, missing columns...)."""


def _columns(header: list[str]) -> dict[str, int]:
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    found: dict[str, int] = {}
    for key, aliases in ALIASES.items():
        for alias in aliases:
            if alias in names:
                found[key] = names.index(alias)
                break
    missing = [k for k in REQUIRED if k not in found]
    if missing:
        raise CsvProblem(
            "missing column(s): "
            + ", ".join(missing)
            + "; expected station,property,time,value,unit."
        )
    return found


def read_rows(stream: IO[bytes]) -> Iterator[dict[str, Any]]:
    """Rows of a CSV file as mappings for `ingest_rows` (with their line)."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    try:
        yield from _rows(text)
    finally:
        # The caller owns the file: leave it open (a wrapper closes it when freed).
        text.detach()


def _rows(text: io.TextIOWrapper) -> Iterator[dict[str, Any]]:
    first = text.readline()
    if not first.strip():
        raise CsvProblem("the file is empty.")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = next(csv.reader([first], delimiter=delimiter))
    columns = _columns(header)
    reader = csv.reader(text, delimiter=delimiter)
    width = max(columns.values()) + 1
    for number, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue
        if len(fields) < width:
            fields = fields + [""] * (width - len(fields))
        row: dict[str, Any] = {"line": number}
        for key, index in columns.items():
            row[key] = fields[index][:MAX_FIELD]
        yield row


def import_csv(
    city: City,
    stream: IO[bytes],
    *,
    agency_ids: frozenset[int] | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Read and ingest a CSV file; unreadable files come back as a refused report
    with the problem on line 1."""
    report: IngestReport
    try:
        report = ingest_rows(
            city,
            read_rows(stream),
            agency_ids=agency_ids,
            dry_run=dry_run,
            progress=progress,
        )
    except CsvProblem as exc:
        report = IngestReport(dry_run=dry_run)
        report.error(1, "file", str(exc))
    except UnicodeDecodeError:
        report = IngestReport(dry_run=dry_run)
        report.error(1, "file", "the file is not UTF-8 text.")
    except csv.Error as exc:
        report = IngestReport(dry_run=dry_run)
        report.error(1, "file", f"not a readable CSV file: {exc}")
    return report
