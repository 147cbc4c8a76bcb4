"""Fixtures for permits: the demo city (with its demo permits, permit types and KBLI
codes from the starter kit), licensing-agency staff, and a permit helper."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from permits.models import Permit
from permits.services import PermitInput, submit_permit
from tenancy.models import Agency, Role
from tests.factories import MembershipFactory

# Kelurahan Sukarasa, Kecamatan Tangerang; and a point in the Java Sea.
INSIDE = (106.6318, -6.1729)
OUTSIDE = (106.3000, -5.9000)
APPLICANT = {
    "applicant_name": "Budi Rahasia Santoso",
    "applicant_nik": "3671012345678901",
    "applicant_phone": "081299887766",
    "applicant_email": "budi.rahasia@example.org",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def city(db):
    """Kota Tangerang's boundaries, the starter kit's agencies, permit types and KBLI
    codes, and the demo permits: what permits need, without the rest of load_demo
    (its layers and other apps' demo data), to keep these tests quick."""
    from demo.permits import load_demo_permits
    from tenancy.models import City
    from tenancy.services.onboarding import onboard_city
    from tests.conftest import BOUNDARIES

    onboard_city(
        slug="kota-tangerang",
        city_path=BOUNDARIES / "kota_tangerang_city.geojson",
        kecamatan_path=BOUNDARIES / "kota_tangerang_kecamatan.geojson",
        kelurahan_path=BOUNDARIES / "kota_tangerang_kelurahan.geojson",
    )
    city = City.objects.get(slug="kota-tangerang")
    load_demo_permits(city)
    return city


def member(city, role: str, agency_slug: str | None = None):
    agency = Agency.objects.get(city=city, slug=agency_slug) if agency_slug else None
    return MembershipFactory(city=city, role=role, agency=agency).user


@pytest.fixture
def officer(city):
    """A DPMPTSP (licensing agency) editor."""
    return member(city, Role.AGENCY_EDITOR, "dpmptsp")


@pytest.fixture
def officer_client(officer) -> Client:
    client = Client()
    client.force_login(officer)
    return client


def application(city, **overrides) -> tuple[Permit, str]:
    values = {
        "permit_type": "reklame",
        "business_name": "Billboard Simpang Cikokol",
        "description": "Papan reklame 4x8 m",
        "applied_date": date.today() - timedelta(days=10),
        "lon": INSIDE[0],
        "lat": INSIDE[1],
        **APPLICANT,
    }
    values.update(overrides)
    return submit_permit(city=city, data=PermitInput(**values), actor=None)
