"""Fixtures for jobs: the demo city (with its occupation list and demo vacancies),
a Disnaker moderator, an employer with its own account, and a helper that posts a
vacancy through the employers' page."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from demo.jobs import POIS, load_demo_jobs
from jobs.dates import city_today
from jobs.models import Employer, Vacancy
from jobs.selectors import ESTATE_LAYER
from layers.models import Feature
from tenancy.models import Agency, City, Role
from tests.conftest import BOUNDARIES
from tests.factories import AgencyFactory, LayerFactory, MembershipFactory, UserFactory

CITY = "kota-tangerang"
# A point inside Kota Tangerang (Kelurahan Sukarasa) and one in the Java Sea.
INSIDE = (106.6318, -6.1729)
OUTSIDE = (106.3000, -5.9000)
SECRET_CONTACT = {
    "contact_name": "Ibu Rahasia Kontak",
    "contact_email": "rahasia.hrd@private.invalid",
    "contact_phone": "+62 811 0000 4242",
}


def build_city() -> City:
    """Kota Tangerang onboarded, its Disnaker, the OSM industrial estates as a
    public layer, and the jobs demo (occupations + demo vacancies). Built here
    rather than with the whole load_demo: the jobs tests need nothing else."""
    call_command(
        "onboard_city",
        CITY,
        "--city",
        str(BOUNDARIES / "kota_tangerang_city.geojson"),
        "--kecamatan",
        str(BOUNDARIES / "kota_tangerang_kecamatan.geojson"),
        "--kelurahan",
        str(BOUNDARIES / "kota_tangerang_kelurahan.geojson"),
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )
    city = City.objects.get(slug=CITY)
    disnaker = AgencyFactory(city=city, slug="disnaker", name="Dinas Ketenagakerjaan")
    estates = LayerFactory(
        city=city,
        agency=disnaker,
        slug=ESTATE_LAYER,
        visibility="public",
        geometry_type="Point",
    )
    places = json.loads(POIS.read_text(encoding="utf-8"))["features"]
    Feature.objects.bulk_create(
        Feature(
            city=city,
            layer=estates,
            geom=GEOSGeometry(json.dumps(f["geometry"]), srid=4326),
            properties=f["properties"],
        )
        for f in places
        if f["properties"]["category"] == "industrial"
    )
    load_demo_jobs(city)
    return city


@pytest.fixture(scope="module")
def _module_city(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The city built once per test module (2-3 s each time), inside a transaction
    that is rolled back when the module ends: every test still runs in its own
    savepoint (pytest-django's non-transactional `db`), so what a test changes is
    undone after it, and nothing is left for other apps' tests. Transactional tests
    (the Chromium walk) must not use it: they override `city` (test_browser.py)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            build_city()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def city(_module_city: None, db: None) -> City:
    return City.objects.get(slug=CITY)


@pytest.fixture
def moderator(city):
    disnaker = Agency.objects.get(city=city, slug="disnaker")
    return MembershipFactory(city=city, role=Role.AGENCY_EDITOR, agency=disnaker).user


@pytest.fixture
def employer(city) -> Employer:
    company = Employer.objects.create(
        city=city, name="PT Uji Lowongan", nib="1234567890123", **SECRET_CONTACT
    )
    company.members.add(UserFactory())
    return company


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def vacancy_fields(city, company: Employer, **overrides: Any) -> dict[str, Any]:
    today = city_today(city)
    fields = {
        "employer": str(company.pk),
        "title": "Operator mesin",
        "description": "Kerja shift, sehat jasmani.",
        "occupation": "8142",
        "sector": "C",
        "openings": "3",
        "education": "SMK",
        "experience_years": "1",
        "salary_min": "5000000",
        "salary_max": "6000000",
        "employment_type": "FULL_TIME",
        "lon": str(INSIDE[0]),
        "lat": str(INSIDE[1]),
        "address": "Jl. Uji No. 1",
        "apply_url": "https://example.com/apply",
        "apply_address": "HRD PT Uji",
        "posted_on": today.isoformat(),
        "closes_on": (today + timedelta(days=30)).isoformat(),
    }
    fields.update(overrides)
    return fields


def post(client: Client, city, company: Employer, **overrides: Any):
    return client.post(
        f"/{CITY}/jobs/post/", vacancy_fields(city, company, **overrides)
    )


def newest(city) -> Vacancy:
    return Vacancy.objects.filter(city=city, demo=False).latest("id")
