"""Nothing of one city appears in another city's pages or APIs."""

import pytest

from layers.models import Layer
from tenancy.models import AdminArea
from tests.http import body_json


@pytest.fixture
def two_cities(tangerang, gorontalo):
    return tangerang, gorontalo


def test_city_list_shows_both_cities(client, two_cities):
    html = client.get("/").content.decode()
    assert "Kota Tangerang" in html
    assert "Kota Gorontalo" in html
    assert 'href="/kota-gorontalo/"' in html


def test_gorontalo_map_shows_nothing_of_tangerang(client, two_cities):
    tangerang, _ = two_cities
    html = client.get("/kota-gorontalo/").content.decode()
    assert "Kota Gorontalo" in html
    for name in AdminArea.objects.filter(city=tangerang).values_list("name", flat=True):
        assert f'"{name}"' not in html
    for layer in Layer.objects.filter(city=tangerang):
        assert layer.title not in html
        assert layer.slug not in html


def test_gorontalo_boundaries_are_its_own(client, two_cities):
    kec = body_json(client.get("/api/kota-gorontalo/boundaries/kecamatan"))
    kel = body_json(client.get("/api/kota-gorontalo/boundaries/kelurahan"))
    assert len(kec["features"]) == 9
    assert len(kel["features"]) == 50
    codes = [f["properties"]["code"] for f in kec["features"] + kel["features"]]
    assert all(code.startswith("75.71") for code in codes)


def test_another_citys_layer_is_not_found(client, two_cities):
    assert (
        client.get("/api/kota-tangerang/layers/rumah-sakit/features").status_code == 200
    )
    assert (
        client.get("/api/kota-gorontalo/layers/rumah-sakit/features").status_code == 404
    )
    catalog = client.get("/api/kota-gorontalo/layers/").json()
    # No layer of Tangerang; the catalogue lists Gorontalo's own sources only (its
    # citizen reports).
    assert [entry["slug"] for entry in catalog["layers"]] == ["laporan"]


def test_unknown_city_is_404(client, db):
    assert client.get("/kota-entah/").status_code == 404
    assert client.get("/api/kota-entah/layers/").status_code == 404
    assert client.get("/api/kota-entah/boundaries/kecamatan").status_code == 404
