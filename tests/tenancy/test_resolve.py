"""An unknown city is one 404, the same on every surface that names a city."""

import pytest

from tenancy.resolve import NO_SUCH_CITY

PAGES = [
    "/kota-entah/",
    "/kota-entah/map.html",
    "/kota-entah/reports/",
]
JSON = [
    "/api/kota-entah/layers/",
    "/api/kota-entah/boundaries/kecamatan",
    "/api/kota-entah/reports/categories",
    "/api/kota-entah/reports/public.geojson",
    "/ogc/kota-entah/collections",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES + JSON)
def test_unknown_city_is_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/kota-entah/layers/",
        "/api/kota-entah/boundaries/kecamatan",
        "/api/kota-entah/reports/categories",
    ],
)
def test_unknown_city_says_no_such_city_in_the_json_api(client, url):
    response = client.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    # The body's shape is each API's own; the message is the same everywhere.
    assert NO_SUCH_CITY in response.json().values()


@pytest.mark.django_db
def test_unknown_city_import_page_is_404_for_an_editor(client, django_user_model):
    user = django_user_model.objects.create_user("editor", password="x")
    client.force_login(user)
    assert client.get("/kota-entah/imports/").status_code == 404
