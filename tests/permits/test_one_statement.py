"""The permits list API's hot paths (kecamatan + status + expiring within N days;
within R m nearest first) are ONE SQL statement for the public: the city, its local
date and the kecamatan are looked up inside it and PostgreSQL builds the GeoJSON,
which is the same as the Python-built FeatureCollection."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client

from permits.api_views import parse_filter
from permits.models import Permit
from permits.selectors import (
    city_today,
    feature_collection,
    filtered,
    visible_permits,
)
from tenancy.access import agency_work_scope
from tests.permits.conftest import INSIDE

pytestmark = pytest.mark.django_db
API = "/api/kota-tangerang/permits/"


def python_built(city, params: dict[str, str], scope=None) -> dict:
    f = parse_filter(params, city)
    rows = filtered(visible_permits(city, scope), f, city_today(city))
    return json.loads(json.dumps(feature_collection(rows, f.limit)))


def test_hot_paths_are_one_statement_with_the_same_body(
    city, officer, django_assert_num_queries
):
    today = city_today(city)
    Permit.objects.filter(city=city, status="issued", issued_date__lt=today).update(
        expires_date=today + timedelta(days=30)
    )  # issued demo permits expiring within the window
    c = Client()
    cases = (
        {"kecamatan": "36.71.01", "status": "issued", "expiring_days": "90"},
        {"kecamatan": "tangerang", "status": "issued", "expiring_days": "90"},
        {"lon": str(INSIDE[0]), "lat": str(INSIDE[1]), "radius_m": "1500"},
        {"type": "reklame", "limit": "5"},
    )
    for params in cases:
        c.get(API, params)  # Django reads SRID 4326's facts once per process
        with django_assert_num_queries(1):
            response = c.get(API, params)
        assert response.status_code == 200, params
        assert response["Content-Type"] == "application/geo+json"
        got = json.loads(response.content)
        assert got == python_built(city, params), params
        assert list(got) == ["type", "numberReturned", "features"]
        assert got["numberReturned"] == len(got["features"])
    assert len(json.loads(c.get(API, cases[0]).content)["features"]) > 0
    near = json.loads(c.get(API, cases[2]).content)["features"]
    assert near
    assert list(near[0]["properties"])[-1] == "distance_m"
    # An unknown kecamatan is still a 400 naming it; an unknown city still a 404.
    with django_assert_num_queries(1):
        bad = c.get(API, {"kecamatan": "Atlantis"})
    assert bad.status_code == 400
    assert "kecamatan" in bad.json()["errors"]
    assert c.get("/api/atlantis/permits/", {"status": "issued"}).status_code == 404
    assert c.get("/api/atlantis/permits/", {"status": "bogus"}).status_code == 404
    # Staff (their agency's applications too) get the same shape, one main statement.
    staff = Client()
    staff.force_login(officer)
    scope = agency_work_scope(officer, city)
    for params in ({"kecamatan": "36.71.01"}, cases[2]):
        got = staff.get(API, params)
        assert got.status_code == 200
        assert json.loads(got.content) == python_built(city, params, scope)
    statuses = {
        f["properties"]["StatusCurrent"]
        for f in json.loads(staff.get(API, {"limit": "10000"}).content)["features"]
    }
    assert "submitted" in statuses or "verification" in statuses
