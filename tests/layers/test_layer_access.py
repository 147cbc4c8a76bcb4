"""Layer visibility: public for everyone, internal for staff, agency for its members."""

import pytest

from layers.models import Layer, Visibility
from tenancy.models import Agency, Role
from tests.factories import FeatureFactory, LayerFactory, MembershipFactory, UserFactory


@pytest.fixture
def private_layers(tangerang):
    dinkes = Agency.objects.get(city=tangerang, slug="dinkes")
    internal = LayerFactory(
        city=tangerang,
        agency=dinkes,
        slug="internal-layer",
        visibility=Visibility.INTERNAL,
    )
    agency_only = LayerFactory(
        city=tangerang, agency=dinkes, slug="dinkes-only", visibility=Visibility.AGENCY
    )
    return internal, agency_only


def _slugs(client) -> set[str]:
    return {
        x["slug"] for x in client.get("/api/kota-tangerang/layers/").json()["layers"]
    }


def test_public_sees_only_public_layers(client, private_layers):
    slugs = _slugs(client)
    assert "rumah-sakit" in slugs
    assert not {"internal-layer", "dinkes-only"} & slugs
    for slug in ("internal-layer", "dinkes-only"):
        url = f"/api/kota-tangerang/layers/{slug}/features"
        assert client.get(url).status_code == 404
    html = client.get("/kota-tangerang/").content.decode()
    assert "internal-layer" not in html


def test_staff_see_internal_but_not_other_agencies_layers(
    client, tangerang, private_layers
):
    disnaker = Agency.objects.get(city=tangerang, slug="disnaker")
    member = MembershipFactory(city=tangerang, agency=disnaker, role=Role.AGENCY_EDITOR)
    client.force_login(member.user)
    slugs = _slugs(client)
    assert "internal-layer" in slugs
    assert "dinkes-only" not in slugs


def test_agency_members_and_city_admins_see_agency_layers(
    client, tangerang, private_layers
):
    dinkes = Agency.objects.get(city=tangerang, slug="dinkes")
    member = MembershipFactory(city=tangerang, agency=dinkes, role=Role.AGENCY_EDITOR)
    client.force_login(member.user)
    assert "dinkes-only" in _slugs(client)
    admin = MembershipFactory(city=tangerang, role=Role.CITY_ADMIN)
    client.force_login(admin.user)
    assert {"internal-layer", "dinkes-only"} <= _slugs(client)


def test_membership_in_another_city_grants_nothing_here(
    client, tangerang, gorontalo, private_layers
):
    admin = MembershipFactory(city=gorontalo, role=Role.CITY_ADMIN)
    client.force_login(admin.user)
    assert not {"internal-layer", "dinkes-only"} & _slugs(client)


def test_features_api_rejects_bad_parameters(client, tangerang):
    url = "/api/kota-tangerang/layers/rumah-sakit/features"
    for query in (
        "bbox=1,2,3",
        "bbox=a,b,c,d",
        "bbox=0,10,1,5",
        "limit=-1",
        "limit=abc",
        "cursor=1;DROP TABLE",
        "bbox=nan,0,1,1",
    ):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400, query
        assert set(response.json()) <= {"detail", "errors"}, query
        assert response.json()["detail"]


def test_features_api_filters_by_bbox_and_pages_by_cursor(client, tangerang):
    layer = Layer.objects.get(city=tangerang, slug="rumah-sakit")
    url = "/api/kota-tangerang/layers/rumah-sakit/features"
    everything = client.get(url)
    assert everything["Content-Type"] == "application/geo+json"
    features = b"".join(everything.streaming_content)
    import json

    all_ids = [f["id"] for f in json.loads(features)["features"]]
    assert len(all_ids) == layer.features.count() == 21
    first = json.loads(b"".join(client.get(f"{url}?limit=10").streaming_content))
    ids = [f["id"] for f in first["features"]]
    assert ids == all_ids[:10]
    rest = json.loads(
        b"".join(client.get(f"{url}?limit=100&cursor={ids[-1]}").streaming_content)
    )
    assert [f["id"] for f in rest["features"]] == all_ids[10:]
    box = json.loads(
        b"".join(client.get(f"{url}?bbox=106.60,-6.20,106.64,-6.16").streaming_content)
    )
    for feature in box["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 106.60 <= lon <= 106.64
        assert -6.20 <= lat <= -6.16
    assert 0 < len(box["features"]) < 35


def test_feature_properties_follow_the_layer_schema(tangerang):
    from django.core.exceptions import ValidationError

    layer = LayerFactory(
        city=tangerang,
        schema=[
            {"name": "beds", "type": "integer"},
            {"name": "opened", "type": "date"},
        ],
    )
    good = FeatureFactory.build(
        layer=layer, city=tangerang, properties={"beds": 40, "opened": "2020-01-31"}
    )
    good.full_clean()
    for bad in ({"beds": "forty"}, {"opened": "yesterday"}, {"colour": "red"}):
        feature = FeatureFactory.build(layer=layer, city=tangerang, properties=bad)
        with pytest.raises(ValidationError):
            feature.full_clean()
    assert UserFactory()  # factories stay importable for other suites
