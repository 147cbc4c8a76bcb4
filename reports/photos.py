"""Report photos: type and size checks, EXIF location and orientation, public copies
without metadata, thumbnails. Pillow does the decoding; nothing is trusted from the
file name or the browser's content type."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PHOTOS = 3
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
PUBLIC_MAX_SIDE = 1600
THUMB_SIDE = 320
GPS_IFD = 0x8825


class PhotoError(ValueError):
    pass


@dataclass
class ProcessedPhoto:
    original: bytes
    content_type: str
    public_jpeg: bytes
    thumb_jpeg: bytes
    width: int
    height: int
    lon: float | None
    lat: float | None


def process_photo(upload: UploadedFile) -> ProcessedPhoto:
    if (
        upload.size is not None
        and upload.size > settings.PETAKOTA_REPORT_MAX_PHOTO_BYTES
    ):
        raise PhotoError(
            _("%(name)s is larger than %(mb)d MB.")
            % {
                "name": upload.name,
                "mb": settings.PETAKOTA_REPORT_MAX_PHOTO_BYTES // 1_000_000,
            }
        )
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            if fmt not in ALLOWED_FORMATS:
                raise PhotoError(_("Only JPEG, PNG or WebP photos are accepted."))
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoError(_("This photo has too many pixels."))
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise PhotoError(_("This file is not a readable photo.")) from None
    lon, lat = exif_location(image)
    upright = ImageOps.exif_transpose(image).convert("RGB")
    # A fresh image from the pixels alone: no EXIF, ICC, XMP or text chunks survive.
    clean = Image.frombytes("RGB", upright.size, upright.tobytes())
    clean.thumbnail((PUBLIC_MAX_SIDE, PUBLIC_MAX_SIDE))
    public = _jpeg(clean, 85)
    clean.thumbnail((THUMB_SIDE, THUMB_SIDE))
    thumb = _jpeg(clean, 75)
    return ProcessedPhoto(
        original=data,
        content_type=ALLOWED_FORMATS[fmt],
        public_jpeg=public,
        thumb_jpeg=thumb,
        width=upright.width,
        height=upright.height,
        lon=lon,
        lat=lat,
    )


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def exif_location(image: Image.Image) -> tuple[float | None, float | None]:
    """(lon, lat) from the photo's EXIF GPS tags, or (None, None)."""
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
    except Exception:
        return None, None
    try:
        lat = _degrees(gps[2], gps.get(1, "N"), "S")
        lon = _degrees(gps[4], gps.get(3, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None, None
    return lon, lat


def _degrees(dms: tuple, ref: str | bytes, negative: str) -> float:
    d, m, s = (float(x) for x in dms)
    value = d + m / 60 + s / 3600
    if isinstance(ref, bytes):
        ref = ref.decode(errors="ignore")
    return -value if ref.strip().upper() == negative else value
