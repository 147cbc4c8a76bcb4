"""FlatGeobuf: one layer, CRS in the header."""

from __future__ import annotations

from pathlib import Path

from importers.formats.base import Dataset, ReadOptions


def prepare(path: Path, options: ReadOptions, workdir: Path) -> Dataset:
    return Dataset(path=path, format="FlatGeobuf")
