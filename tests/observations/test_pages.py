"""Pages render in both languages, with the city's times, stale marks and the
simulated-data label; the import page previews then writes, all or nothing; the
demo loads markets from the OSM places and simulated series."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from observations.models import Observation, Thing, ThingKind, ThingStatus
from observations.services import ingest_rows
from tenancy.models import Role
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def readings(city, station, pm25, market, rice):
    rows = [
        {
            "thing": "aqm-1",
            "property": "pm25",
            "time": (timezone.now() - timedelta(hours=h + 3)).isoformat(),
            "value": 20 + h % 4,
            "unit": "µg/m³",
        }
        for h in range(24)
    ] + [
        {
            "thing": "pasar-uji",
            "property": "beras-medium",
            "time": (timezone.now() - timedelta(days=d)).isoformat(),
            "value": 13000 + 100 * d,
            "unit": "Rp/kg",
        }
        for d in range(8)
    ]
    assert ingest_rows(city, rows).written


@pytest.mark.django_db
def test_environment_page_marks_stale_stations_in_both_languages(
    client, city, readings
):
    page = client.get(f"/{city.slug}/environment/").content.decode()
    assert "Stasiun Uji" in page
    assert "WIB" in page
    assert "is-stale" in page  # three hours old, expected hourly
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(f"/{city.slug}/environment/").content.decode()
    assert "Air quality" in english
    client.post("/i18n/setlang/", {"language": "id", "next": "/"})
    indonesian = client.get(f"/{city.slug}/environment/").content.decode()
    assert "Kualitas udara" in indonesian
    assert "basi" in indonesian


@pytest.mark.django_db
def test_station_market_and_prices_pages(client, city, readings):
    station = client.get(f"/{city.slug}/stations/aqm-1/").content.decode()
    assert 'id="ispu-value"' in station
    assert "uPlot.iife.min.js" in station
    market = client.get(f"/{city.slug}/markets/pasar-uji/").content.decode()
    assert 'data-property="beras-medium"' in market
    prices = client.get(f"/{city.slug}/prices/").content.decode()
    assert 'id="price-matrix"' in prices
    assert "13.000" in prices or "13,000" in prices
    assert client.get(f"/{city.slug}/stations/nope/").status_code == 404
    assert client.get(f"/{city.slug}/markets/aqm-1/").status_code == 404


CSV = (
    "station,property,time,value,unit\n"
    "aqm-1,pm25,2026-11-20T08:00:00+07:00,12.5,µg/m³\n"
)


@pytest.mark.django_db
def test_import_page_previews_then_imports(client, city, station, pm25, agency):
    url = f"/{city.slug}/environment/import/"
    assert client.get(url).status_code == 302  # sign in first
    user = UserFactory()
    MembershipFactory(user=user, city=city, agency=agency, role=Role.AGENCY_EDITOR)
    client.force_login(user)
    bad = io.BytesIO((CSV + "aqm-1,pm25,2026-11-20T09:00:00,3,µg/m³\n").encode())
    bad.name = "bad.csv"
    page = client.post(url, {"action": "preview", "file": bad}).content.decode()
    assert 'id="import-errors"' in page
    assert "no time zone" in page
    good = io.BytesIO(CSV.encode())
    good.name = "good.csv"
    page = client.post(url, {"action": "preview", "file": good}).content.decode()
    assert 'id="confirm-form"' in page
    assert not Observation.objects.exists()
    client.post(url, {"action": "import"})
    assert Observation.objects.count() == 1


@pytest.mark.django_db
def test_demo_loads_markets_from_osm_places_and_simulated_series(tangerang):
    markets = Thing.objects.filter(city=tangerang, kind=ThingKind.MARKET)
    assert markets.count() >= 5
    assert all(m.simulated and m.feature_id for m in markets)
    stations = Thing.objects.filter(city=tangerang, kind=ThingKind.STATION)
    assert stations.count() == 5
    assert all("simulasi" in s.name for s in stations)
    statuses = ThingStatus.objects.filter(thing__in=stations)
    assert {s.category for s in statuses} >= {"baik", "tidak-sehat"}
    count = Observation.objects.count()
    call_command("load_demo", stdout=io.StringIO())
    assert Observation.objects.count() == count
