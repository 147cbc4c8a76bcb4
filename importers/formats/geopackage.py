"""OGC GeoPackage: choose the layer when the file holds several."""

from __future__ import annotations

from pathlib import Path

from importers.formats.base import Dataset, ReadOptions, choose_layer


def prepare(path: Path, options: ReadOptions, workdir: Path) -> Dataset:
    layer = choose_layer(path, options.layer_name)
    return Dataset(path=path, format="GeoPackage", layer=layer)
