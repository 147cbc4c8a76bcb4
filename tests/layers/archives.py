"""Small basemap archives the tests build: an MBTiles (SQLite, TMS rows) of PNG or
vector tiles, and a PMTiles v3 file written with the pmtiles package."""

from __future__ import annotations

import gzip
import io
import math
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import mapbox_vector_tile
from PIL import Image
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer


def png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(out, "PNG")
    return out.getvalue()


def street_tile() -> bytes:
    """A gzip-compressed vector tile: a road across the tile and a block of water."""
    data = mapbox_vector_tile.encode(
        [
            {
                "name": "transportation",
                "features": [
                    {
                        "geometry": "LINESTRING (0 2048, 4096 2048)",
                        "properties": {"class": "primary"},
                    }
                ],
            },
            {
                "name": "water",
                "features": [
                    {
                        "geometry": "POLYGON ((0 0, 1500 0, 1500 1500, 0 1500, 0 0))",
                        "properties": {},
                    }
                ],
            },
        ]
    )
    return gzip.compress(data, mtime=0)


def tile_range(
    bbox: tuple[float, float, float, float], zoom: int
) -> Iterable[tuple[int, int]]:
    """(x, y) of the XYZ tiles covering a lon/lat bbox at one zoom."""
    n = 1 << zoom

    def xy(lon: float, lat: float) -> tuple[int, int]:
        x = int((lon + 180) / 360 * n)
        r = math.radians(lat)
        y = int((1 - math.asinh(math.tan(r)) / math.pi) / 2 * n)
        return x, y

    x0, y0 = xy(bbox[0], bbox[3])
    x1, y1 = xy(bbox[2], bbox[1])
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            yield x, y


def write_mbtiles(
    path: Path,
    tiles: dict[tuple[int, int, int], bytes],
    fmt: str = "png",
    bounds: tuple[float, float, float, float] | None = None,
) -> Path:
    """tiles by XYZ (z, x, y); stored with TMS rows as the MBTiles spec says."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    db.execute(
        "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER,"
        " tile_row INTEGER, tile_data BLOB)"
    )
    zooms = [z for z, _, _ in tiles]
    meta = {
        "name": "test city",
        "format": fmt,
        "minzoom": str(min(zooms)),
        "maxzoom": str(max(zooms)),
        "attribution": "© Test streets",
    }
    if bounds:
        meta["bounds"] = ",".join(str(v) for v in bounds)
    db.executemany("INSERT INTO metadata VALUES (?, ?)", meta.items())
    db.executemany(
        "INSERT INTO tiles VALUES (?, ?, ?, ?)",
        [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()],
    )
    db.commit()
    db.close()
    return path


def write_pmtiles(
    path: Path,
    tiles: dict[tuple[int, int, int], bytes],
    tile_type: TileType,
    bounds: tuple[float, float, float, float],
    compression: Compression = Compression.NONE,
) -> Path:
    with path.open("wb") as f:
        writer = Writer(f)
        for tile_id, data in sorted(
            (zxy_to_tileid(z, x, y), data) for (z, x, y), data in tiles.items()
        ):
            writer.write_tile(tile_id, data)
        writer.finalize(
            {
                "tile_type": tile_type,
                "tile_compression": compression,
                "min_lon_e7": int(bounds[0] * 1e7),
                "min_lat_e7": int(bounds[1] * 1e7),
                "max_lon_e7": int(bounds[2] * 1e7),
                "max_lat_e7": int(bounds[3] * 1e7),
                "center_zoom": 12,
                "center_lon_e7": int((bounds[0] + bounds[2]) / 2 * 1e7),
                "center_lat_e7": int((bounds[1] + bounds[3]) / 2 * 1e7),
            },
            {"attribution": "© Test vector streets"},
        )
    return path
