"""File formats in: each module turns an uploaded path into a `Dataset` GDAL can read.

`open_dataset` picks the module from the extension (after `safety.check_content` has
checked the bytes match it), unpacks archives safely, and resolves which layer to read.
"""

from __future__ import annotations

from pathlib import Path

from importers import safety
from importers.errors import ImportFailed
from importers.formats import (
    csv,
    flatgeobuf,
    geojson,
    geopackage,
    gpx,
    kml,
    shapefile,
)
from importers.formats.base import Dataset, ReadOptions

__all__ = ["SUPPORTED", "Dataset", "ReadOptions", "open_dataset"]

_BY_EXT = {
    ".geojson": geojson,
    ".json": geojson,
    ".geojsonl": geojson,
    ".geojsons": geojson,
    ".geojsonseq": geojson,
    ".ndjson": geojson,
    ".shp": shapefile,
    ".gpkg": geopackage,
    ".kml": kml,
    ".kmz": kml,
    ".csv": csv,
    ".tsv": csv,
    ".txt": csv,
    ".fgb": flatgeobuf,
    ".gpx": gpx,
}
SUPPORTED = (*sorted(_BY_EXT), ".zip")
# Inside a zip, the first of these found is the data file.
_ZIP_PREFERENCE = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".fgb", ".gpx", ".csv")


def _data_file_in(folder: Path, archive_name: str) -> Path:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    files = [p for p in files if "__MACOSX" not in p.parts]
    for ext in _ZIP_PREFERENCE:
        found = sorted(p for p in files if p.suffix.lower() == ext)
        if len(found) > 1 and ext == ".shp":
            names = ", ".join(p.name for p in found)
            raise ImportFailed(
                f"{archive_name} holds several Shapefiles ({names}); upload one."
            )
        if found:
            return found[0]
    raise ImportFailed(
        f"{archive_name} holds no file PetaKota can read "
        f"(looked for {', '.join(_ZIP_PREFERENCE)})."
    )


def open_dataset(path: Path, options: ReadOptions, workdir: Path) -> Dataset:
    """Resolve `path` (a file, a zip, or a Shapefile folder) into a readable Dataset.
    Temporary files go into `workdir`, which the caller removes."""
    if not path.exists():
        raise ImportFailed(f"File not found: {path}")
    if path.is_dir():
        safety.check_folder(path)
        path = _data_file_in(path, path.name)
    else:
        safety.check_size(path.stat().st_size, path.name)
        safety.check_content(path)
        if path.suffix.lower() == ".zip":
            target = workdir / "unzipped"
            target.mkdir(parents=True, exist_ok=True)
            safety.extract_archive(path, target)
            inner = _data_file_in(target, path.name)
            safety.check_content(inner)
            path = inner
    module = _BY_EXT.get(path.suffix.lower())
    if module is None:
        raise ImportFailed(
            f"{path.name}: unsupported file type {path.suffix or '(none)'}; "
            f"PetaKota reads {', '.join(SUPPORTED)}."
        )
    dataset = module.prepare(path, options, workdir)
    dataset.where = options.where
    return dataset
