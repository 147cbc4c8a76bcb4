"""GPX from GPS receivers and phone apps: waypoints, routes or tracks (WGS 84)."""

from __future__ import annotations

from pathlib import Path

from importers.formats.base import Dataset, ReadOptions, choose_layer

# The point-per-vertex layers (route_points, track_points) are chosen only by name.
_DEFAULT_LAYERS = ["waypoints", "routes", "tracks"]


def prepare(path: Path, options: ReadOptions, workdir: Path) -> Dataset:
    layer = choose_layer(path, options.layer_name, candidates=_DEFAULT_LAYERS)
    return Dataset(path=path, format="GPX", layer=layer, implied_srid=4326)
