"""Nearest N of each kind: one SQL statement, KNN on the geography GiST index, the
same answer as measuring every facility."""

from __future__ import annotations

import random

import pytest
from django.db import connection

from facilities.models import Facility, FacilityKind
from facilities.selectors import _nearest_sql, nearest, nearest_rows
from tests.facilities.conftest import INSIDE

pytestmark = pytest.mark.django_db


def brute_force(city, lon: float, lat: float, n: int) -> dict[str, list[int]]:
    """Every active facility measured (no index, no KNN), the n nearest per kind."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT k.code, f.id,
                   ST_Distance(f.geom::geography,
                               ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography,
                               false) AS d
            FROM facilities_facility f
            JOIN facilities_facilitykind k ON k.id = f.kind_id
            WHERE f.city_id = %s AND f.active
            """,
            [lon, lat, city.pk],
        )
        rows = cursor.fetchall()
    out: dict[str, list[tuple[float, int]]] = {}
    for code, fid, d in rows:
        out.setdefault(code, []).append((d, fid))
    return {code: [f for _d, f in sorted(v)[:n]] for code, v in out.items()}


def test_nearest_matches_brute_force_at_random_points(city):
    Facility.objects.filter(city=city, name__startswith="Polsek Cipondoh").update(
        active=False
    )
    rng = random.Random(15)  # noqa: S311 (reproducible points)
    for _ in range(25):
        lon = INSIDE[0] + rng.uniform(-0.08, 0.06)
        lat = INSIDE[1] + rng.uniform(-0.06, 0.04)
        got: dict[str, list[int]] = {}
        for row in nearest_rows(city.pk, lon, lat, per_kind=3):
            got.setdefault(row[0], []).append(row[1])
        assert got == brute_force(city, lon, lat, 3)


def test_one_query_per_kind_in_metres_on_the_knn_index(city, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = nearest_rows(city.pk, *INSIDE, per_kind=2)
    # The selector's beds come with the same statement.
    with django_assert_num_queries(1):
        found = nearest(city, *INSIDE, per_kind=2)
    assert any(f.beds for f in found)
    kinds = {r[0] for r in rows}
    assert kinds == set(
        FacilityKind.objects.filter(city=city).values_list("code", flat=True)
    )
    # The nearest hospital to Sukarasa is a few hundred metres to a few km away.
    hospital = next(r for r in rows if r[0] == "rumah-sakit")
    assert 10 < hospital[5] < 5000

    # One kind; an inactive facility is not offered.
    found = nearest(city, *INSIDE, per_kind=5, kinds=["puskesmas"])
    assert {f.kind for f in found} == {"puskesmas"}
    assert len(found) == 5
    assert [f.distance_m for f in found] == sorted(f.distance_m for f in found)
    Facility.objects.filter(pk=found[0].id).update(active=False)
    again = nearest(city, *INSIDE, per_kind=5, kinds=["puskesmas"])
    assert found[0].id not in {f.id for f in again}

    # A demo city is small enough to sort; with sorting priced out, the planner
    # must find the order in the KNN index (as it does on a big table: the bench).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(
            "EXPLAIN " + _nearest_sql(None),
            {
                "lon": INSIDE[0],
                "lat": INSIDE[1],
                "n": 3,
                "city": city.pk,
                "kinds": None,
            },
        )
        plan = "\n".join(r[0] for r in cursor.fetchall())
    assert "facility_geog_gist" in plan, plan
