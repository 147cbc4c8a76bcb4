"""KML and KMZ (zipped KML). Always WGS 84; folders are layers."""

from __future__ import annotations

from pathlib import Path

from importers import safety
from importers.errors import ImportFailed
from importers.formats.base import Dataset, ReadOptions, choose_layer


def prepare(path: Path, options: ReadOptions, workdir: Path) -> Dataset:
    if path.suffix.lower() == ".kmz":
        target = workdir / "kmz"
        target.mkdir(parents=True, exist_ok=True)
        files = safety.extract_archive(path, target)
        kmls = sorted(p for p in files if p.suffix.lower() == ".kml")
        if not kmls:
            raise ImportFailed(f"{path.name} holds no .kml document.")
        # The main document is doc.kml by convention, else the first one.
        path = next((p for p in kmls if p.name.lower() == "doc.kml"), kmls[0])
        safety.check_content(path)
    layer = choose_layer(path, options.layer_name)
    return Dataset(path=path, format="KML", layer=layer, implied_srid=4326)
