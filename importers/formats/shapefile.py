"""ESRI Shapefile, zipped or as a folder: .shp + .shx + .dbf, optional .prj and .cpg."""

from __future__ import annotations

from pathlib import Path

from importers.errors import ImportFailed
from importers.formats.base import Dataset, ReadOptions
from importers.formats.encoding import is_utf8


def _sibling(path: Path, ext: str) -> Path | None:
    for candidate in path.parent.iterdir():
        if candidate.stem == path.stem and candidate.suffix.lower() == ext:
            return candidate
    return None


def prepare(path: Path, options: ReadOptions, workdir: Path) -> Dataset:
    missing = [ext for ext in (".shx", ".dbf") if _sibling(path, ext) is None]
    if missing:
        raise ImportFailed(
            f"The Shapefile {path.name} is incomplete: {' and '.join(missing)} "
            "missing. Upload all its files together in one zip."
        )
    warnings: list[str] = []
    encoding = None
    cpg = _sibling(path, ".cpg")
    if cpg is not None:
        declared = cpg.read_text(errors="replace").strip()
        encoding = "UTF-8" if declared.upper().replace("-", "") == "UTF8" else declared
    else:
        dbf = _sibling(path, ".dbf")
        if dbf is not None and is_utf8(dbf):
            encoding = "UTF-8"
        else:
            encoding = "cp1252"
            warnings.append(
                f"{path.name} has no .cpg and its attributes are not UTF-8; they were "
                "read as Windows-1252. Check accented names."
            )
    return Dataset(path=path, format="Shapefile", encoding=encoding, warnings=warnings)
