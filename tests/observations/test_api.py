"""The JSON API: push (per-agency tokens), the CSV token API and the command,
staleness, price alerts, aggregates and CSV downloads, and the engine source."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from observations.models import (
    Datastream,
    Observation,
    Thing,
    ThingStatus,
)
from observations.selectors import day_start, local_today
from observations.services import ingest_rows
from observations.tokens import create_push_token
from tenancy.models import Role
from tests.factories import AgencyFactory, MembershipFactory, UserFactory
from tests.http import body, body_json


def reading(hours_ago: float, value: float, thing: str = "aqm-1", **over):
    item = {
        "station": thing,
        "property": "pm25",
        # Timed from the call, not rounded to the hour: a fresh value never turns stale
        # in the middle of a test.
        "time": (timezone.now() - timedelta(hours=hours_ago)).isoformat(),
        "value": value,
        "unit": "ug/m3",
    }
    item.update(over)
    return item


@pytest.fixture
def token(agency):
    return create_push_token(agency, "dlh-stations")[1]


def push(client, city, token, items):
    return client.post(
        f"/api/{city.slug}/observations/push",
        data={"observations": items},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


@pytest.mark.django_db
def test_push_stores_a_batch_and_the_map_source_colours_the_station(
    client, city, station, pm25, token
):
    # 39, 40, 41, ...: a mean of 40 over the last 24 hours, never "stuck".
    items = [reading(h, 40 + h % 3 - 1) for h in range(24, -1, -1)]
    response = push(client, city, token, items)
    assert response.status_code == 201, body_json(response)
    assert body_json(response)["inserted"] == 25
    # The same batch again stores nothing new.
    again = body_json(push(client, city, token, items))
    assert (again["inserted"], again["duplicates"]) == (0, 25)
    status = ThingStatus.objects.get(thing=station)
    # 40 µg/m³ over 24 h: (100-50)/(55.4-15.5) * (40-15.5) + 50 = 80.7 -> 81
    assert (status.ispu, status.category, status.critical) == (81, "sedang", "pm25")
    items_url = f"/ogc/{city.slug}/collections/kualitas-udara/items"
    feature = body_json(client.get(items_url))["features"][0]
    props = feature["properties"]
    assert props["code"] == "aqm-1"
    assert (props["ispu"], props["category"], props["colour"]) == (
        81,
        "sedang",
        "#0066ff",
    )
    assert props["stale"] is False
    assert props["latest_value"] == 39
    assert props["map_class"] == "sedang"


@pytest.mark.django_db
def test_push_refuses_bad_tokens_and_other_agencies_stations(
    client, city, station, pm25, token
):
    assert push(client, city, "wrong", [reading(0, 1)]).status_code == 401
    other = AgencyFactory(city=city, slug="dishub")
    station.agency = other
    station.save()
    response = push(client, city, token, [reading(0, 1)])
    assert response.status_code == 400
    errors = body_json(response)["errors"]
    assert "agency you may not import for" in errors["observations[0].thing"]
    assert not Observation.objects.exists()


@pytest.mark.django_db
def test_push_reports_every_bad_row_and_writes_nothing(
    client, city, station, pm25, token
):
    items = [
        reading(2, 10),
        reading(1, "dua puluh"),
        {**reading(0, 5), "time": "2026-11-27 10:00"},
    ]
    response = push(client, city, token, items)
    assert response.status_code == 400
    data = body_json(response)
    assert set(data["errors"]) == {"observations[1].value", "observations[2].time"}
    assert "Nothing was written" in data["detail"]
    assert not Observation.objects.exists()
    bad = client.post(
        f"/api/{city.slug}/observations/push",
        data=b"[1, 2]",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert bad.status_code == 400


CSV = (
    "station,property,time,value,unit\n"
    "aqm-1,pm25,2026-11-20T08:00:00+07:00,12.5,µg/m³\n"
    "aqm-1,pm25,2026-11-20T09:00:00+07:00,0.0135,mg/m3\n"
)


@pytest.mark.django_db
def test_csv_token_api_imports_and_reports_bad_files(city, station, pm25, agency):
    user = UserFactory()
    MembershipFactory(user=user, city=city, agency=agency, role=Role.AGENCY_EDITOR)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    url = f"/api/{city.slug}/observations/import"
    dry = api.post(url + "?dry_run=1", data=CSV.encode(), content_type="text/csv")
    assert dry.status_code == 200
    assert (dry.json()["inserted"], dry.json()["written"]) == (2, False)
    ok = api.post(url, {"file": io.BytesIO(CSV.encode())}, format="multipart")
    assert ok.status_code == 201
    assert sorted(Observation.objects.values_list("result", flat=True)) == [12.5, 13.5]
    bad = CSV.replace("+07:00,12.5", ",12.5").replace("mg/m3", "Rp/kg")
    refused = api.post(url, data=bad.encode(), content_type="text/csv")
    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"line 2.time", "line 3.unit"}
    missing = api.post(url, data=b"a,b\n1,2\n", content_type="text/csv")
    assert "missing column" in missing.json()["errors"]["line 1.file"]
    assert APIClient().post(
        url, data=CSV.encode(), content_type="text/csv"
    ).status_code in (
        401,
        403,
    )


@pytest.mark.django_db
def test_import_command_is_all_or_nothing(city, station, pm25, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(CSV, encoding="utf-8")
    out = io.StringIO()
    call_command("import_observations", city.slug, str(good), stdout=out, stderr=out)
    assert "stored 2" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV + "aqm-1,pm25,2026-11-20T10:00:00+07:00,abc,µg/m³\n")
    with pytest.raises(CommandError, match="Nothing written"):
        call_command("import_observations", city.slug, str(bad), stdout=out, stderr=out)
    assert Observation.objects.count() == 2


@pytest.mark.django_db
def test_an_old_latest_value_is_stale(client, city, station, pm25):
    assert ingest_rows(city, [reading(5, 30)]).written
    status = ThingStatus.objects.get(thing=station)
    assert status.stale_after < timezone.now()
    data = body_json(client.get(f"/api/{city.slug}/observations/things?kind=station"))
    assert data["features"][0]["properties"]["stale"] is True
    items = body_json(client.get(f"/ogc/{city.slug}/collections/kualitas-udara/items"))
    assert items["features"][0]["properties"]["stale"] is True
    # The city map draws it grey ("stale" class of the source's categorized style).
    assert items["features"][0]["properties"]["map_class"] == "stale"
    ingest_rows(city, [reading(0, 30)])
    data = body_json(client.get(f"/api/{city.slug}/observations/things?kind=station"))
    assert data["features"][0]["properties"]["stale"] is False


def _price(city, market: str, days_ago: int, value: float):
    start = day_start(city, local_today(city) - timedelta(days=days_ago))
    return {
        "thing": market,
        "property": "beras-medium",
        "time": (start + timedelta(hours=8)).isoformat(),
        "value": value,
        "unit": "Rp/kg",
    }


@pytest.mark.django_db
def test_price_alerts_for_weekly_jumps_and_the_ceiling(client, city, market, rice):
    Thing.objects.create(
        city=city, code="pasar-dua", name="Pasar Dua", kind="market", geom=market.geom
    )
    rows = [
        _price(city, "pasar-uji", 7, 12000),
        _price(city, "pasar-uji", 0, 13500),  # +12.5 % week on week, under HET
        _price(city, "pasar-dua", 7, 14000),
        _price(city, "pasar-dua", 0, 14500),  # +3.6 %, above the 14000 ceiling
    ]
    assert ingest_rows(city, rows).written
    alerts = body_json(client.get(f"/api/{city.slug}/observations/alerts"))["alerts"]
    kinds = {(a["market"], a["kind"]) for a in alerts}
    assert kinds == {("pasar-uji", "jump"), ("pasar-dua", "ceiling")}
    jump = next(a for a in alerts if a["kind"] == "jump")
    assert jump["change_pct"] == 12.5
    rice.alert_change_pct = 15
    rice.save()
    alerts = body_json(client.get(f"/api/{city.slug}/observations/alerts"))["alerts"]
    assert {(a["market"], a["kind"]) for a in alerts} == {("pasar-dua", "ceiling")}
    table = body_json(client.get(f"/api/{city.slug}/observations/prices"))
    assert table["rows"][0]["prices"] == [14500, 13500]  # Pasar Dua, Pasar Uji
    market_source = body_json(
        client.get(f"/ogc/{city.slug}/collections/harga-pasar/items")
    )
    categories = {
        f["properties"]["code"]: f["properties"]["category"]
        for f in market_source["features"]
    }
    assert categories == {"pasar-uji": "average", "pasar-dua": "average"}


@pytest.mark.django_db
def test_aggregates_and_csv_downloads(client, city, station, pm25):
    ingest_rows(city, [reading(h, 10 + h) for h in range(3)])
    stream = Datastream.objects.get()
    base = f"/api/{city.slug}/observations/datastreams/{stream.pk}"
    data = body_json(client.get(base + "/aggregates?range=24h"))
    assert [p["mean"] for p in data["points"]] == [12, 11, 10]
    csv_text = body(client.get(base + "/aggregates?resolution=daily&format=csv"))
    assert csv_text.decode().startswith("bucket,mean,min,max,count,unit")
    raw = body(client.get(base + "/observations.csv")).decode().splitlines()
    assert raw[0] == "station,property,time,value,unit,result_time,flags"
    assert len(raw) == 4
    assert client.get(base + "/aggregates?range=2y").status_code == 400
    assert client.get(base + "/aggregates?start=kemarin").status_code == 400


@pytest.mark.django_db
def test_daily_series_between_local_days_matches_the_aggregate_table(
    client, city, station, pm25
):
    """start/end given as days are the city's midnights (taken by the database)."""
    from observations.selectors import aggregate_rows

    ingest_rows(city, [reading(h, 10 + h) for h in (1, 30, 54, 80)])
    stream = Datastream.objects.get()
    today = local_today(city)
    first, last = today - timedelta(days=3), today
    base = f"/api/{city.slug}/observations/datastreams/{stream.pk}/aggregates"
    data = body_json(client.get(f"{base}?resolution=daily&start={first}&end={last}"))
    expected = aggregate_rows(
        stream, "daily", day_start(city, first), day_start(city, last)
    )
    assert data["resolution"] == "daily"
    assert data["unit"] == stream.unit_symbol
    assert [(p["t"], p["mean"], p["count"]) for p in data["points"]] == [
        (b.isoformat(), mean, n) for b, mean, _lo, _hi, n in expected
    ]
    assert 1 <= len(data["points"]) <= 3
    # An exact time bound as well as a day.
    later = body_json(
        client.get(
            base,
            {"resolution": "daily", "start": day_start(city, today).isoformat()},
        )
    )
    since = aggregate_rows(stream, "daily", day_start(city, today), None)
    assert [p["t"] for p in later["points"]] == [b.isoformat() for b, *_ in since]


@pytest.mark.django_db
def test_unknown_city_or_series_is_404_and_a_series_stays_in_its_city(
    client, city, station, pm25
):
    ingest_rows(city, [reading(0, 10)])
    stream = Datastream.objects.get()
    other = AgencyFactory().city  # another city
    assert client.get("/api/nowhere/observations/things").status_code == 404
    assert client.get(f"/api/{other.slug}/observations/things").json() == {
        "type": "FeatureCollection",
        "features": [],
    }
    path = f"observations/datastreams/{stream.pk}/aggregates?range=24h"
    assert client.get(f"/api/{other.slug}/{path}").status_code == 404
    assert client.get(f"/api/nowhere/{path}").status_code == 404
    assert client.get(f"/api/{city.slug}/{path}").status_code == 200
