"""Refuse hostile or absurd files before GDAL ever opens them.

Archives are unpacked by us, never by GDAL's /vsizip/: every member name is checked for
path traversal, links are refused, and the real decompressed size is counted while
reading so a zip bomb stops at the limit whatever its headers claim. A file whose bytes
do not match its extension is refused too.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

from django.conf import settings

from importers.errors import ImportFailed

MAX_ARCHIVE_MEMBERS = 2000
# Decompressed/compressed ratio above which a member is treated as a zip bomb; real
# GIS data compresses 3-20x, a bomb 1000x.
MAX_COMPRESSION_RATIO = 200
_CHUNK = 1 << 20

# Leading bytes of each binary format, and what a text format starts with.
_MAGIC: dict[str, tuple[bytes, ...]] = {
    ".zip": (b"PK\x03\x04", b"PK\x05\x06"),
    ".kmz": (b"PK\x03\x04",),
    ".gpkg": (b"SQLite format 3\x00",),
    ".fgb": (b"fgb\x03",),
    ".shp": (b"\x00\x00\x27\x0a",),
}
_TEXT_STARTS: dict[str, tuple[bytes, ...]] = {
    ".geojson": (b"{", b"[", b"\x1e"),
    ".json": (b"{", b"["),
    ".geojsonl": (b"{", b"\x1e"),
    ".geojsons": (b"{", b"\x1e"),
    ".geojsonseq": (b"{", b"\x1e"),
    ".ndjson": (b"{",),
    ".kml": (b"<",),
    ".gpx": (b"<",),
}
_NAMES = {
    ".zip": "a zip archive",
    ".kmz": "a KMZ (zipped KML) file",
    ".gpkg": "a GeoPackage",
    ".fgb": "a FlatGeobuf file",
    ".shp": "a Shapefile",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".kml": "KML",
    ".gpx": "GPX",
    ".csv": "CSV text",
}


def max_upload_bytes() -> int:
    return settings.PETAKOTA_IMPORT_MAX_UPLOAD_MB * 1024 * 1024


def check_size(size: int, name: str) -> None:
    limit = max_upload_bytes()
    if size > limit:
        raise ImportFailed(
            f"{name} is {size / 1048576:.1f} MB; the limit is "
            f"{settings.PETAKOTA_IMPORT_MAX_UPLOAD_MB} MB."
        )


def _guess(head: bytes) -> str:
    for ext, starts in _MAGIC.items():
        if head.startswith(starts):
            return _NAMES[ext]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"{", b"[")):
        return "JSON"
    if stripped.startswith(b"<"):
        return "XML or HTML"
    if b"\x00" in head:
        return "binary data"
    return "text"


def check_content(path: Path) -> None:
    """Refuse a file whose first bytes do not match what its extension promises."""
    ext = path.suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(8192)
    if not head:
        raise ImportFailed(f"{path.name} is empty.")
    if ext in _MAGIC:
        ok = head.startswith(_MAGIC[ext])
    elif ext in _TEXT_STARTS:
        ok = head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_TEXT_STARTS[ext])
    elif ext in (".csv", ".txt", ".tsv"):
        ok = b"\x00" not in head
    else:
        return
    if not ok:
        raise ImportFailed(
            f"{path.name} is not {_NAMES.get(ext, ext)}: its content looks like "
            f"{_guess(head)}."
        )


def _safe_member_path(name: str, dest: Path) -> Path | None:
    """Where an archive member may be written, or an error for a hostile name."""
    if "\\" in name:
        name = name.replace("\\", "/")
    pure = PurePosixPath(name)
    if (
        pure.is_absolute()
        or ".." in pure.parts
        or (pure.parts and ":" in pure.parts[0])
    ):
        raise ImportFailed(f"The archive member {name!r} points outside the archive.")
    if not pure.parts or name.endswith("/"):
        return None
    target = (dest / pure).resolve()
    if not target.is_relative_to(dest.resolve()):
        raise ImportFailed(f"The archive member {name!r} points outside the archive.")
    return target


def extract_archive(archive: Path, dest: Path) -> list[Path]:
    """Unpack a zip (or KMZ) safely into `dest`; return the files written."""
    if not zipfile.is_zipfile(archive):
        raise ImportFailed(f"{archive.name} is not a valid zip archive.")
    limit = settings.PETAKOTA_IMPORT_MAX_UNZIPPED_MB * 1024 * 1024
    written: list[Path] = []
    total = 0
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            if len(members) > MAX_ARCHIVE_MEMBERS:
                raise ImportFailed(
                    f"{archive.name} holds {len(members)} files; at most "
                    f"{MAX_ARCHIVE_MEMBERS} are accepted."
                )
            for info in members:
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    raise ImportFailed(
                        f"The archive member {info.filename!r} is a link; links "
                        "are not accepted."
                    )
                if info.flag_bits & 0x1:
                    raise ImportFailed(f"{archive.name} is encrypted.")
                target = _safe_member_path(info.filename, dest)
                if target is None:
                    continue
                if info.file_size > limit - total:
                    raise ImportFailed(
                        f"{archive.name} unpacks to more than "
                        f"{settings.PETAKOTA_IMPORT_MAX_UNZIPPED_MB} MB."
                    )
                target.parent.mkdir(parents=True, exist_ok=True)
                size = 0
                # Count what really comes out: headers can lie.
                with zf.open(info) as src, target.open("wb") as out:
                    while chunk := src.read(_CHUNK):
                        size += len(chunk)
                        total += len(chunk)
                        if total > limit:
                            raise ImportFailed(
                                f"{archive.name} unpacks to more than "
                                f"{settings.PETAKOTA_IMPORT_MAX_UNZIPPED_MB} MB."
                            )
                        ratio = size / max(info.compress_size, 1)
                        if size > _CHUNK and ratio > MAX_COMPRESSION_RATIO:
                            raise ImportFailed(
                                f"{archive.name} looks like a zip bomb: "
                                f"{info.filename!r} expands more than "
                                f"{MAX_COMPRESSION_RATIO}x."
                            )
                        out.write(chunk)
                written.append(target)
    except ImportFailed:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        shutil.rmtree(dest, ignore_errors=True)
        raise ImportFailed(f"{archive.name} is a damaged archive: {exc}") from exc
    return written


def check_folder(folder: Path) -> None:
    """A Shapefile folder must not contain links that lead elsewhere."""
    for item in folder.rglob("*"):
        if item.is_symlink():
            raise ImportFailed(f"{item.name} is a link; links are not accepted.")


def check_feature_count(count: int, name: str) -> None:
    limit = settings.PETAKOTA_IMPORT_MAX_FEATURES
    if count > limit:
        raise ImportFailed(
            f"{name} holds {count:,} features; at most {limit:,} are accepted."
        )
