"""GeoJSON (RFC 7946, always WGS 84) and GeoJSON text sequences (RFC 8142, ndjson)."""

from __future__ import annotations

from pathlib import Path

from importers.formats.base import Dataset, ReadOptions
from importers.formats.encoding import to_utf8

_SEQ_EXTS = {".geojsonl", ".geojsons", ".geojsonseq", ".ndjson"}


def _is_sequence(path: Path) -> bool:
    if path.suffix.lower() in _SEQ_EXTS:
        return True
    with path.open("rb") as handle:
        head = handle.read(65536).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"\x1e"):
        return True
    # One Feature per line: the first line is a complete object of type Feature.
    first, _, rest = head.partition(b"\n")
    return (
        first.rstrip().endswith(b"}")
        and b'"Feature"' in first
        and rest.lstrip().startswith((b"{", b"\x1e"))
    )


def prepare(path: Path, options: ReadOptions, workdir: Path) -> Dataset:
    warnings: list[str] = []
    path = to_utf8(path, workdir, warnings)
    sequence = _is_sequence(path)
    return Dataset(
        path=path,
        format="GeoJSONSeq" if sequence else "GeoJSON",
        prefix="GeoJSONSeq:" if sequence else "",
        implied_srid=4326,
        warnings=warnings,
    )
