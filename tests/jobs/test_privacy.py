"""Privacy sweep: drafts, vacancies waiting for moderation, rejected, closed and
expired ones, and every employer's private contact, never appear in any public
output — OGC API Features (collections, items, queryables, an item by id, CQL2),
vector tiles and TileJSON, the JSON API (list, one, figures, estates), the layers
API's spatial queries, the whole-collection export, the city map and the pages."""

from __future__ import annotations

import json
import math
from datetime import timedelta

import mapbox_vector_tile
import pytest
from django.test import Client

from jobs.dates import city_today
from jobs.models import Occupation, Vacancy
from jobs.sources import KEY
from jobs.workflow import Status
from tests.jobs.conftest import CITY, INSIDE, SECRET_CONTACT

pytestmark = pytest.mark.django_db

HIDDEN = {
    "draft": "Rahasia-draf",
    "submitted": "Rahasia-menunggu",
    "rejected": "Rahasia-ditolak",
    "closed": "Rahasia-ditutup",
    "expired": "Rahasia-kedaluwarsa",
    "future": "Rahasia-belum-tayang",
}
PUBLIC_TITLE = "Lowongan-terbuka-uji"
# A spot with no demo vacancy within a few hundred metres.
AT = INSIDE


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


@pytest.fixture
def vacancies(city, employer) -> dict[str, Vacancy]:
    today = city_today(city)
    occupation = Occupation.objects.get(city=city, code="8142")

    def make(title: str, status: str, **dates) -> Vacancy:
        values = {
            "posted_on": today - timedelta(days=2),
            "closes_on": today + timedelta(days=20),
            **dates,
        }
        return Vacancy.objects.create(
            city=city,
            employer=employer,
            title=title,
            description=f"{title} description",
            occupation=occupation,
            sector="C",
            geom=f"SRID=4326;POINT({AT[0]} {AT[1]})",
            status=status,
            rejection_reason="alasan" if status == Status.REJECTED else "",
            apply_address=f"{title} alamat",
            **values,
        )

    made = {
        "draft": make(HIDDEN["draft"], Status.DRAFT),
        "submitted": make(HIDDEN["submitted"], Status.SUBMITTED),
        "rejected": make(HIDDEN["rejected"], Status.REJECTED),
        "closed": make(HIDDEN["closed"], Status.CLOSED),
        "expired": make(
            HIDDEN["expired"],
            Status.PUBLISHED,
            posted_on=today - timedelta(days=30),
            closes_on=today - timedelta(days=1),
        ),
        "future": make(
            HIDDEN["future"],
            Status.PUBLISHED,
            posted_on=today + timedelta(days=3),
            closes_on=today + timedelta(days=30),
        ),
        "public": make(PUBLIC_TITLE, Status.PUBLISHED),
    }
    return made


def assert_private(text: str, where: str) -> None:
    for secret in (*HIDDEN.values(), *SECRET_CONTACT.values(), "alasan"):
        assert secret not in text, (where, secret)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_ogc_serves_only_published_open_vacancies(vacancies):
    c = Client()
    collections = c.get(f"/ogc/{CITY}/collections")
    assert KEY in [col["id"] for col in collections.json()["collections"]]
    items = c.get(f"/ogc/{CITY}/collections/{KEY}/items", {"limit": 1000})
    assert items.status_code == 200
    text = body(items)
    assert_private(text, "items")
    features = json.loads(text)["features"]
    assert vacancies["public"].pk in [f["id"] for f in features]
    assert "contact_email" not in features[0]["properties"]
    for key, vacancy in vacancies.items():
        one = c.get(f"/ogc/{CITY}/collections/{KEY}/items/{vacancy.pk}")
        assert one.status_code == (200 if key == "public" else 404), key
        assert_private(body(one), f"item {key}")
    queryables = c.get(f"/ogc/{CITY}/collections/{KEY}/queryables").json()
    assert not {"contact_email", "contact_phone", "status", "rejection_reason"} & set(
        queryables["properties"]
    )
    # CQL2 works on the public columns and cannot reach the hidden rows.
    cql = c.get(
        f"/ogc/{CITY}/collections/{KEY}/items",
        {"filter": "title LIKE 'Rahasia%'", "filter-lang": "cql2-text"},
    )
    assert cql.status_code == 200
    assert json.loads(body(cql))["features"] == []
    cql = c.get(
        f"/ogc/{CITY}/collections/{KEY}/items",
        {
            "filter": f"occupation = '8142' AND title = '{PUBLIC_TITLE}'",
            "filter-lang": "cql2-text",
        },
    )
    assert [f["id"] for f in json.loads(body(cql))["features"]] == [
        vacancies["public"].pk
    ]
    # The whole-collection download (the enclosure link) too.
    doc = c.get(f"/ogc/{CITY}/collections/{KEY}").json()
    enclosure = next(link for link in doc["links"] if link["rel"] == "enclosure")
    whole = c.get(enclosure["href"].removeprefix("http://testserver"))
    assert whole.status_code == 200
    text = body(whole)
    assert_private(text, "enclosure")
    assert PUBLIC_TITLE in text


def test_tiles_and_tilejson_carry_no_hidden_vacancy(vacancies):
    c = Client()
    z = 15
    x, y = tile_of(AT[0], AT[1], z)
    tile = c.get(f"/tiles/{CITY}/{KEY}/{z}/{x}/{y}.mvt")
    assert tile.status_code == 200
    assert_private(tile.content.decode(errors="replace"), "tile")
    decoded = mapbox_vector_tile.decode(tile.content)[KEY]["features"]
    titles = {f["properties"]["title"] for f in decoded}
    assert PUBLIC_TITLE in titles
    assert not titles & set(HIDDEN.values())
    tilejson = c.get(f"/tiles/{CITY}/{KEY}.json")
    assert tilejson.status_code == 200
    assert_private(body(tilejson), "tilejson")


def test_json_api_pages_and_spatial_queries_hide_them(vacancies):
    c = Client()
    outputs = {
        "list": c.get(f"/api/{CITY}/jobs/vacancies", {"limit": 200}),
        "near": c.get(
            f"/api/{CITY}/jobs/vacancies", {"lon": AT[0], "lat": AT[1], "limit": 200}
        ),
        "figures": c.get(f"/api/{CITY}/jobs/figures"),
        "estates": c.get(f"/api/{CITY}/jobs/estates"),
        "layers-near": c.get(
            f"/api/{CITY}/layers/{KEY}/near",
            {"lon": AT[0], "lat": AT[1], "radius_m": 500},
        ),
        "layers-features": c.get(f"/api/{CITY}/layers/{KEY}/features"),
        "list-page": c.get(f"/{CITY}/jobs/"),
        "near-page": c.get(f"/{CITY}/jobs/", {"lon": AT[0], "lat": AT[1]}),
        "city-map": c.get(f"/{CITY}/"),
        "public-page": c.get(f"/{CITY}/jobs/{vacancies['public'].pk}/"),
    }
    texts = {}
    for where, response in outputs.items():
        assert response.status_code == 200, (where, response.status_code)
        texts[where] = body(response)
        assert_private(texts[where], where)
    assert PUBLIC_TITLE in texts["near"]
    assert PUBLIC_TITLE in texts["near-page"]
    assert f'data-layer="{KEY}"' in texts["city-map"]
    for key, vacancy in vacancies.items():
        if key == "public":
            continue
        assert c.get(f"/api/{CITY}/jobs/vacancies/{vacancy.pk}").status_code == 404
        page = c.get(f"/{CITY}/jobs/{vacancy.pk}/")
        assert page.status_code == 404, key
        assert_private(body(page), f"page {key}")


def test_the_employer_previews_its_own_hidden_vacancy(vacancies, employer, client):
    client.force_login(employer.members.get())
    page = client.get(f"/{CITY}/jobs/{vacancies['rejected'].pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="preview"' in html
    assert "application/ld+json" not in html
