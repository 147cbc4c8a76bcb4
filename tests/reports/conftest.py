"""Fixtures for reports: the demo city with its report categories, staff users, and
a photo generated with Pillow (with EXIF GPS tags)."""

from __future__ import annotations

import io
import os
import uuid

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from PIL import Image

from tenancy.models import Agency, Role
from tests.factories import MembershipFactory

# A point inside Kota Tangerang (Kecamatan Tangerang) and one in the Java Sea.
INSIDE = (106.6318, -6.1729)  # Kelurahan Sukarasa
OUTSIDE = (106.3000, -5.9000)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db, settings, tmp_path) -> None:
    # The cache is a database table that transaction=True tests (live server,
    # Chromium) do not roll back: start every test with no submissions counted.
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def city(tangerang):
    call_command("seed_report_categories", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return tangerang


def staff(city, role: str, agency_slug: str | None = None):
    agency = Agency.objects.get(city=city, slug=agency_slug) if agency_slug else None
    return MembershipFactory(city=city, role=role, agency=agency).user


@pytest.fixture
def operator(city):
    return staff(city, Role.OPERATOR)


@pytest.fixture
def operator_client(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def pu_editor(city):
    return staff(city, Role.AGENCY_EDITOR, "dinas-pu")


@pytest.fixture
def dlh_editor(city):
    return staff(city, Role.AGENCY_EDITOR, "dlh")


def photo_bytes(
    *, gps: tuple[float, float] | None = None, size=(64, 48), fmt: str = "JPEG"
) -> bytes:
    """A small photo; with `gps` (lon, lat) its EXIF carries a location, plus a
    camera model, an orientation tag and a comment that must not reach the public."""
    image = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[0x0110] = "SecretCam 3000"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° CW to display
    if gps is not None:
        lon, lat = gps

        def dms(v: float) -> tuple:
            v = abs(v)
            d = int(v)
            m = int((v - d) * 60)
            s = round(((v - d) * 60 - m) * 60, 4)
            return (d, m, s)

        exif.get_ifd(0x8825).update(
            {
                1: "S" if lat < 0 else "N",
                2: dms(lat),
                3: "E" if lon > 0 else "W",
                4: dms(lon),
            }
        )
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes() if fmt == "JPEG" else None)
    return out.getvalue()


def submit(client: Client, city, **fields):
    data = {
        "client_uuid": str(uuid.uuid4()),
        "category": "jalan-rusak",
        "lon": INSIDE[0],
        "lat": INSIDE[1],
        "accuracy_m": 8,
        "description": "Lubang besar di depan pasar",
        "answers": '{"ukuran": "besar"}',
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"/api/{city.slug}/reports/", data)
