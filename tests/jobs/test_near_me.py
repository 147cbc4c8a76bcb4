"""Jobs near me: within X km of a point or a kelurahan, nearest first, with the
distance; filters; bad parameters are a 400 naming each one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection
from django.test import Client
from django.utils import translation

from jobs.dates import city_today
from jobs.models import Occupation, Vacancy
from jobs.selectors import (
    near,
    parse_search,
    public_vacancies,
    public_vacancy,
    search_sql,
    vacancy_payload,
)
from jobs.workflow import Status
from tenancy.models import AdminArea
from tests.jobs.conftest import CITY

pytestmark = pytest.mark.django_db

# Somewhere with no demo vacancy within 1.5 km: the four below are all that is near.
HERE = (106.6600, -6.1500)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    pa = Point(*a, srid=4326).transform(32748, clone=True)
    return pa.distance(Point(*b, srid=4326).transform(32748, clone=True))


@pytest.fixture
def placed(city, employer) -> list[Vacancy]:
    Vacancy.objects.filter(city=city, demo=True).delete()
    today = city_today(city)
    occupations = {o.code: o for o in Occupation.objects.filter(city=city)}
    # East of HERE by ~1.1 km, ~110 m, ~550 m, ~3.3 km (0.001° lon ~ 110 m here).
    offsets = [
        (0.010, "8142", 7_000_000, "S1"),
        (0.001, "4321", None, "SMA"),
        (0.005, "8142", 5_000_000, "SMK"),
        (0.030, "8142", 9_000_000, "SD"),
    ]
    made = []
    for i, (dx, code, salary, education) in enumerate(offsets):
        made.append(
            Vacancy.objects.create(
                city=city,
                employer=employer,
                title=f"Dekat {i}",
                description="x",
                occupation=occupations[code],
                sector="C" if code == "8142" else "H",
                education=education,
                salary_min=salary,
                salary_max=salary,
                geom=Point(HERE[0] + dx, HERE[1], srid=4326),
                status=Status.PUBLISHED,
                posted_on=today - timedelta(days=1),
                closes_on=today + timedelta(days=10),
                apply_address="x",
            )
        )
    return made


def search(**params):
    return Client().get(f"/api/{CITY}/jobs/vacancies", params)


def test_nearest_first_within_the_radius_with_distances(placed):
    response = search(lon=HERE[0], lat=HERE[1], within_km=2)
    assert response.status_code == 200
    found = response.json()["vacancies"]
    assert [v["title"] for v in found] == ["Dekat 1", "Dekat 2", "Dekat 0"]
    for v in found:
        true_m = metres(HERE, (v["lon"], v["lat"]))
        assert abs(v["distance_m"] - true_m) < 0.01 * true_m + 1
    assert [v["distance_m"] for v in found] == sorted(v["distance_m"] for v in found)
    wider = search(lon=HERE[0], lat=HERE[1], within_km=5).json()["vacancies"]
    assert [v["title"] for v in wider] == ["Dekat 1", "Dekat 2", "Dekat 0", "Dekat 3"]


def test_filters_combine_with_near(placed):
    params = {"lon": HERE[0], "lat": HERE[1], "within_km": 5}
    titles = lambda **more: [  # noqa: E731
        v["title"] for v in search(**params, **more).json()["vacancies"]
    ]
    assert titles(occupation="8142") == ["Dekat 2", "Dekat 0", "Dekat 3"]
    assert titles(sector="H") == ["Dekat 1"]
    assert titles(salary=6_000_000) == ["Dekat 0", "Dekat 3"]
    # "My education is SMK": vacancies asking for SMK or less.
    assert titles(education="SMK") == ["Dekat 1", "Dekat 2", "Dekat 3"]
    assert titles(employment_type="INTERN") == []


def test_near_a_chosen_kelurahan(placed, city):
    area = AdminArea.objects.filter(
        city=city, level="kelurahan", geom__intersects=placed[1].geom
    ).first()
    response = search(kelurahan=area.code, within_km=3)
    assert response.status_code == 200
    found = response.json()["vacancies"]
    assert "Dekat 1" in [v["title"] for v in found]
    assert [v["distance_m"] for v in found] == sorted(v["distance_m"] for v in found)
    page = Client().get(f"/{CITY}/jobs/", {"kelurahan": area.code, "within_km": 3})
    assert page.status_code == 200
    assert (
        "nearest first" in page.content.decode() or "terdekat" in page.content.decode()
    )


def test_the_page_lists_nearest_first_with_distances(placed):
    page = Client().get(
        f"/{CITY}/jobs/", {"lon": HERE[0], "lat": HERE[1], "within_km": 2}
    )
    html = page.content.decode()
    positions = [html.index(f"Dekat {i}") for i in (1, 2, 0)]
    assert positions == sorted(positions)
    assert "Dekat 3" not in html
    assert html.count("data-distance-m=") == 3


BAD = [
    ({"lon": "abc", "lat": "-6.1"}, "location"),
    ({"lon": "1e308", "lat": "-6.1"}, "location"),
    ({"lon": "106.6", "lat": "-6.1", "within_km": "500"}, "within_km"),
    ({"kelurahan": "99.99.99.9999"}, "kelurahan"),
    ({"occupation": "0000"}, "occupation"),
    ({"sector": "Z"}, "sector"),
    ({"education": "PhD"}, "education"),
    ({"employment_type": "full"}, "employment_type"),
    ({"salary": "\u0661\u0660\u0660"}, "salary"),  # Arabic-Indic digits
]


def test_bad_search_parameters_are_named(city):
    for params, field in BAD:
        response = search(**params)
        assert response.status_code == 400, params
        assert field in response.json()["errors"], params
        page = Client().get(f"/{CITY}/jobs/", params)
        assert page.status_code == 400
        assert f'data-field="{field}"' in page.content.decode()


def test_near_me_uses_the_knn_index(placed, city):
    """Both the ORM's `near` (the page) and the API's one statement order by `<->`
    on the geography cast the vacancy_geog_gist index covers (a plan with the index
    when sequential scans are off)."""
    qs = near(Vacancy.objects.all(), Point(*HERE, srid=4326), 2000)
    orm_sql, orm_params = qs.query.sql_with_params()
    api_search = parse_search(
        city, {"lon": HERE[0], "lat": HERE[1], "within_km": 2, "sector": "C"}
    )
    api_sql, api_params = search_sql(city, api_search)
    for sql, params in ((orm_sql, orm_params), (api_sql, api_params)):
        assert "<->" in sql
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "vacancy_geog_gist" in plan, plan
        assert "Sort" not in plan.split("vacancy_geog_gist")[0], plan


def test_the_api_rows_are_the_vacancy_payloads(placed, city):
    """The body PostgreSQL writes holds, key for key, what `vacancy_payload` gives
    for the same vacancies (distances aside, checked above), in both orders."""
    near_body = search(lon=HERE[0], lat=HERE[1], within_km=5).json()
    assert near_body["near"] == [HERE[0], HERE[1]]
    assert near_body["within_km"] == 5
    assert near_body["count"] == 4
    newest_body = search(limit=3).json()
    assert newest_body["near"] is None
    assert newest_body["within_km"] is None
    assert newest_body["count"] == len(newest_body["vacancies"]) == 3
    expected_ids = list(
        public_vacancies(city)
        .order_by("-posted_on", "-id")
        .values_list("id", flat=True)[:3]
    )
    assert [v["id"] for v in newest_body["vacancies"]] == expected_ids
    for body in (near_body, newest_body):
        for row in body["vacancies"]:
            with translation.override(settings.LANGUAGE_CODE):
                expected = vacancy_payload(public_vacancy(city, row["id"]))
            if body is near_body:
                assert row.pop("distance_m") > 0
                expected.pop("distance_m")
            assert row == expected
    # Labels in the request's language.
    english = Client().get(
        f"/api/{CITY}/jobs/vacancies",
        {"lon": HERE[0], "lat": HERE[1], "within_km": 5, "sector": "H"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    row = english.json()["vacancies"][0]
    assert row["education_name"] == "Senior high school (SMA)"
