"""CSV with coordinates: columns found by name in English and Indonesian, a WKT column,
or columns named by the user. Coordinates are WGS 84 unless an EPSG code is given."""

from __future__ import annotations

import csv as pycsv
from pathlib import Path

from importers.errors import ImportFailed
from importers.formats.base import Dataset, ReadOptions
from importers.formats.encoding import to_utf8

X_NAMES = ("lon", "lng", "long", "longitude", "bujur", "x")
Y_NAMES = ("lat", "latitude", "lintang", "y")
WKT_NAMES = ("wkt", "geom", "geometry", "the_geom", "geometri")


def _header(path: Path) -> tuple[list[str], str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(65536)
    try:
        dialect = pycsv.Sniffer().sniff(sample.splitlines()[0], delimiters=",;\t|")
        delimiter = dialect.delimiter
    except (pycsv.Error, IndexError):
        delimiter = ","
    reader = pycsv.reader(sample.splitlines()[:1], delimiter=delimiter)
    header = next(reader, [])
    return [h.strip() for h in header], delimiter


def _find(header: list[str], names: tuple[str, ...]) -> str | None:
    lower = {h.lower(): h for h in header}
    return next((lower[n] for n in names if n in lower), None)


def prepare(path: Path, options: ReadOptions, workdir: Path) -> Dataset:
    warnings: list[str] = []
    path = to_utf8(path, workdir, warnings)
    header, delimiter = _header(path)
    if not header:
        raise ImportFailed(f"{path.name} has no header row.")
    open_options = {
        "AUTODETECT_TYPE": "YES",
        "KEEP_GEOM_COLUMNS": "NO",
        "SEPARATOR": {",": "COMMA", ";": "SEMICOLON", "\t": "TAB", "|": "PIPE"}[
            delimiter
        ],
    }
    explicit = [
        c for c in (options.x_column, options.y_column, options.wkt_column) if c
    ]
    for column in explicit:
        if column not in header:
            raise ImportFailed(
                f"{path.name} has no column {column!r}; its columns are: "
                f"{', '.join(header)}."
            )
    wkt = options.wkt_column
    x = options.x_column
    y = options.y_column
    if not (wkt or (x and y)):
        x = x or _find(header, X_NAMES)
        y = y or _find(header, Y_NAMES)
        if not (x and y):
            wkt = _find(header, WKT_NAMES)
    if wkt:
        open_options["GEOM_POSSIBLE_NAMES"] = wkt
    elif x and y:
        open_options["X_POSSIBLE_NAMES"] = x
        open_options["Y_POSSIBLE_NAMES"] = y
    else:
        raise ImportFailed(
            f"{path.name}: no coordinate columns found. Name them lat/lon "
            "(latitude/longitude, lintang/bujur, y/x), add a WKT column, or name "
            "the columns explicitly."
        )
    return Dataset(
        path=path,
        format="CSV",
        open_options=open_options,
        implied_srid=4326,
        warnings=warnings,
    )
