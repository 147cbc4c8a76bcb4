"""The basemap under every map: a self-hosted tile archive of the city (MBTiles or
PMTiles v3, raster or vector, configured by path and served by the platform itself at
/basemap/{z}/{x}/{y}.{ext}), or an XYZ URL, or none (the city's own boundaries stay the
only basemap). Also the small script that tells every Leaflet map where its basemap
and its marker icons are (icon files have hashed names in production)."""

from __future__ import annotations

import gzip
import json
import mmap
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_safe
from pmtiles.reader import Reader
from pmtiles.tile import Compression, TileType

from gis_platform.http import cache_control, etag_matches, set_cache

# Extension in the URL -> content type. "pbf" tiles are Mapbox vector tiles.
CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "pbf": "application/x-protobuf",
}
_PMTILES_TYPES = {
    TileType.PNG: "png",
    TileType.JPEG: "jpg",
    TileType.WEBP: "webp",
    TileType.MVT: "pbf",
}
_MBTILES_FORMATS = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp"}
_MBTILES_FORMATS["pbf"] = _MBTILES_FORMATS["mvt"] = "pbf"
_GZIP_MAGIC = b"\x1f\x8b"
# A 1x1 transparent PNG: what a raster map shows where the archive has no tile.
_EMPTY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)
MAX_ZOOM = 24
VECTORGRID = "vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js"


@dataclass(frozen=True)
class Archive:
    """What the maps need to know about the configured archive."""

    path: Path
    kind: str  # "mbtiles" or "pmtiles"
    ext: str  # png, jpg, webp or pbf
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float] | None  # min_lon, min_lat, max_lon, ...
    attribution: str
    version: str  # changes whenever the file does: part of every ETag

    @property
    def vector(self) -> bool:
        return self.ext == "pbf"


def _connect(path: Path) -> sqlite3.Connection:
    # Read-only: the platform never writes the archive.
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def _mbtiles_info(path: Path, version: str) -> Archive:
    with closing(_connect(path)) as db:
        meta = dict(db.execute("SELECT name, value FROM metadata").fetchall())
        zooms = db.execute(
            "SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles"
        ).fetchone()
    fmt = str(meta.get("format", "png")).lower()
    if fmt not in _MBTILES_FORMATS:
        raise ValueError(f"MBTiles format {fmt!r} is not served (png, jpg, webp, pbf).")
    bounds = None
    if meta.get("bounds"):
        parts = [float(v) for v in str(meta["bounds"]).split(",")]
        if len(parts) == 4:
            bounds = (parts[0], parts[1], parts[2], parts[3])
    return Archive(
        path=path,
        kind="mbtiles",
        ext=_MBTILES_FORMATS[fmt],
        min_zoom=int(meta.get("minzoom", zooms[0] or 0)),
        max_zoom=int(meta.get("maxzoom", zooms[1] or 0)),
        bounds=bounds,
        attribution=str(meta.get("attribution", "")),
        version=version,
    )


def _pmtiles_info(path: Path, version: str) -> Archive:
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        reader = Reader(lambda offset, length: m[offset : offset + length])
        header = reader.header()
        try:
            meta = reader.metadata()
        except ValueError:
            meta = {}
    if header["tile_type"] not in _PMTILES_TYPES:
        raise ValueError(f"PMTiles tile type {header['tile_type']} is not served.")
    return Archive(
        path=path,
        kind="pmtiles",
        ext=_PMTILES_TYPES[header["tile_type"]],
        min_zoom=header["min_zoom"],
        max_zoom=header["max_zoom"],
        bounds=(
            header["min_lon_e7"] / 1e7,
            header["min_lat_e7"] / 1e7,
            header["max_lon_e7"] / 1e7,
            header["max_lat_e7"] / 1e7,
        ),
        attribution=str(meta.get("attribution", "")) if isinstance(meta, dict) else "",
        version=version,
    )


@lru_cache(maxsize=4)
def _archive_info(path: str, version: str) -> Archive:
    p = Path(path)
    if p.suffix.lower() == ".pmtiles":
        return _pmtiles_info(p, version)
    return _mbtiles_info(p, version)


def configured_archive() -> Archive | None:
    """The archive named by PETAKOTA_BASEMAP_ARCHIVE, read again when the file
    changes; None when none is configured or the file is missing."""
    path = settings.BASEMAP_ARCHIVE
    if not path:
        return None
    try:
        stat = Path(path).stat()
    except OSError:
        return None
    return _archive_info(path, f"{stat.st_mtime_ns:x}-{stat.st_size:x}")


def _mbtiles_tile(archive: Archive, z: int, x: int, y: int) -> bytes | None:
    # MBTiles rows count from the south (TMS): flip the XYZ row.
    tms_y = (1 << z) - 1 - y
    with closing(_connect(archive.path)) as db:
        row = db.execute(
            "SELECT tile_data FROM tiles"
            " WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, tms_y),
        ).fetchone()
    return bytes(row[0]) if row else None


def _pmtiles_tile(archive: Archive, z: int, x: int, y: int) -> bytes | None:
    with (
        archive.path.open("rb") as f,
        mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m,
    ):
        reader = Reader(lambda offset, length: m[offset : offset + length])
        if reader.header()["tile_compression"] not in (
            Compression.NONE,
            Compression.GZIP,
            Compression.UNKNOWN,
        ):
            raise ValueError("Only uncompressed or gzip PMTiles tiles are served.")
        data = reader.get(z, x, y)
        return None if data is None else bytes(data)


def tile_bytes(archive: Archive, z: int, x: int, y: int) -> bytes | None:
    """One tile's bytes as stored (vector tiles may be gzip-compressed), or None."""
    if archive.kind == "pmtiles":
        return _pmtiles_tile(archive, z, x, y)
    return _mbtiles_tile(archive, z, x, y)


@require_safe
def basemap_tile(
    request: HttpRequest, z: int, x: int, y: int, ext: str
) -> HttpResponse:
    archive = configured_archive()
    if archive is None or ext != archive.ext:
        raise Http404
    if z > MAX_ZOOM or x >= (1 << z) or y >= (1 << z):
        raise Http404
    etag = f'"{archive.version}-{z}-{x}-{y}"'
    cache = cache_control(
        public=True, max_age_s=settings.BASEMAP_MAX_AGE_S, revalidate=False
    )
    if etag_matches(request, etag):
        return set_cache(HttpResponse(status=304), value=cache, etag=etag)
    data = tile_bytes(archive, z, x, y)
    if data is None and archive.vector:
        # Not stored (sea, outside the city): an empty tile, not a console error.
        response = HttpResponse(status=204)
    elif data is None:
        # An image element takes a 204 for a broken image: a transparent one instead.
        response = HttpResponse(_EMPTY_PNG, content_type="image/png")
    else:
        response = HttpResponse(data, content_type=CONTENT_TYPES[ext])
        if data.startswith(_GZIP_MAGIC):
            if "gzip" in request.headers.get("Accept-Encoding", ""):
                response["Content-Encoding"] = "gzip"
            else:
                response.content = gzip.decompress(data)
        set_cache(response, vary=("Accept-Encoding",))
    set_cache(response, value=cache, etag=etag)
    response["X-Content-Type-Options"] = "nosniff"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def basemap_config() -> dict[str, Any]:
    """What basemap.js puts under every map (see there)."""
    archive = configured_archive()
    if archive is not None:
        url = reverse("basemap-tile", kwargs={"z": 0, "x": 0, "y": 0, "ext": "x"})
        url = url.replace("0/0/0.x", "{z}/{x}/{y}." + archive.ext)
        return {
            "kind": "vector" if archive.vector else "raster",
            "url": url,
            "attribution": archive.attribution or settings.BASEMAP_ATTRIBUTION,
            "minZoom": archive.min_zoom,
            "maxNativeZoom": archive.max_zoom,
            # Leaflet's order: [[south, west], [north, east]].
            "bounds": (
                [
                    [archive.bounds[1], archive.bounds[0]],
                    [archive.bounds[3], archive.bounds[2]],
                ]
                if archive.bounds
                else None
            ),
        }
    if settings.BASEMAP_URL:
        return {
            "kind": "raster",
            "url": settings.BASEMAP_URL,
            "attribution": settings.BASEMAP_ATTRIBUTION,
        }
    return {"kind": None}


def map_config() -> dict[str, Any]:
    return {
        "basemap": basemap_config(),
        "icons": {
            "iconUrl": static("leaflet/images/marker-icon.png"),
            "iconRetinaUrl": static("leaflet/images/marker-icon-2x.png"),
            "shadowUrl": static("leaflet/images/marker-shadow.png"),
        },
        "vectorGrid": static(
            "vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js"
        ),
    }


@require_safe
def map_config_js(request: HttpRequest) -> HttpResponse:
    """Loaded by {% leaflet_js %} before basemap.js (LEAFLET_CONFIG["PLUGINS"])."""
    body = "window.PetaKotaMapConfig = " + json.dumps(map_config()) + ";\n"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    # Names hashed static files of the running release: revalidate after a minute.
    set_cache(response, public=True, max_age_s=60, revalidate=False)
    response["X-Content-Type-Options"] = "nosniff"
    return response
