"""What every format reader produces: a path GDAL opens, the layer, and options."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyogrio

from importers.errors import ImportFailed


@dataclass
class ReadOptions:
    """What the user told us about the file."""

    layer_name: str | None = None
    srid: int | None = None
    # CSV only: explicit coordinate or WKT columns.
    x_column: str | None = None
    y_column: str | None = None
    wkt_column: str | None = None
    # An attribute filter in OGR SQL, for callers in code (load_demo), never users.
    where: str | None = None


@dataclass
class Dataset:
    path: Path
    format: str
    layer: str | None = None
    open_options: dict[str, Any] = field(default_factory=dict)
    encoding: str | None = None
    # SRID the format implies when the file states none (GeoJSON, KML, GPX: 4326).
    implied_srid: int | None = None
    warnings: list[str] = field(default_factory=list)
    # GDAL connection prefix forcing a driver, e.g. "GeoJSONSeq:".
    prefix: str = ""
    where: str | None = None

    @property
    def source(self) -> str:
        return f"{self.prefix}{self.path}"


def layers_of(path: Path) -> list[tuple[str, str]]:
    """(name, geometry type) of every layer in a file."""
    try:
        return [(str(n), str(g)) for n, g in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises several GDAL-derived types
        raise ImportFailed(f"Cannot read {path.name}: {exc}") from exc


def feature_count(path: Path, layer: str | None, **open_options: Any) -> int:
    try:
        info = pyogrio.read_info(
            path, layer=layer, force_feature_count=True, **open_options
        )
    except Exception as exc:
        raise ImportFailed(f"Cannot read {path.name}: {exc}") from exc
    return int(info["features"])


def choose_layer(
    path: Path,
    requested: str | None,
    *,
    candidates: list[str] | None = None,
    **open_options: Any,
) -> str | None:
    """The layer to read: the requested one, or the only layer with features."""
    names = [name for name, _ in layers_of(path)]
    if requested:
        if requested not in names:
            raise ImportFailed(
                f"{path.name} has no layer {requested!r}; its layers are: "
                f"{', '.join(names) or '(none)'}."
            )
        return requested
    pool = [n for n in names if candidates is None or n in candidates]
    if len(pool) > 1:
        pool = [n for n in pool if feature_count(path, n, **open_options) > 0]
    if not pool:
        raise ImportFailed(f"{path.name} holds no features.")
    if len(pool) > 1:
        raise ImportFailed(
            f"{path.name} has several layers ({', '.join(pool)}); choose one "
            "with the layer name option."
        )
    return pool[0]
