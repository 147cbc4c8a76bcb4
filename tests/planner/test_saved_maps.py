"""Saved maps (city staff only) and the life of temporary results."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from planner.models import AnalysisResult, SavedMap
from tests.factories import CityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_only_city_staff_save_maps_and_saving_keeps_the_analyses(client):
    city = CityFactory()
    result = AnalysisResult.objects.create(
        city=city, kind="hexbins", title="x", expires_at=timezone.now() + timedelta(1)
    )
    url = reverse("planner-api:maps", kwargs={"city_slug": city.slug})
    state = f"v=-4.9,120.1,13&analysis={result.pk}&f.sekolah=name%20LIKE%20'%25SMK%25'"
    body = json.dumps({"title": "Rapat Bappeda", "state": "#" + state})
    assert client.post(url, body, content_type="application/json").status_code == 403
    outsider = UserFactory()
    MembershipFactory(user=outsider)  # staff of another city
    client.force_login(outsider)
    assert client.post(url, body, content_type="application/json").status_code == 403
    member = MembershipFactory(city=city).user
    client.force_login(member)
    page = client.get(reverse("layers:city-map", kwargs={"city_slug": city.slug}))
    assert b'id="save-map"' in page.content
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 201
    saved = SavedMap.objects.get(pk=response.json()["id"])
    assert saved.state == state
    result.refresh_from_db()
    assert result.expires_at is None
    bad = json.dumps({"title": "", "state": "x"})
    assert client.post(url, bad, content_type="application/json").status_code == 400
    client.logout()
    listing = client.get(reverse("planner:maps", kwargs={"city_slug": city.slug}))
    assert "Rapat Bappeda" in listing.content.decode()
    page = client.get(reverse("layers:city-map", kwargs={"city_slug": city.slug}))
    assert b'id="save-map"' not in page.content
    opened = client.get(
        reverse("planner:map", kwargs={"city_slug": city.slug, "map_id": saved.pk})
    )
    assert opened.status_code == 302
    assert opened["Location"].endswith(f"/{city.slug}/#{state}")


def test_expired_results_are_gone_and_purged(client):
    city = CityFactory()
    old = AnalysisResult.objects.create(
        city=city, kind="hexbins", title="old", expires_at=timezone.now() - timedelta(1)
    )
    kept = AnalysisResult.objects.create(city=city, kind="hexbins", title="kept")
    detail = "planner-api:analysis"
    for result, status in ((old, 404), (kept, 200)):
        url = reverse(detail, kwargs={"city_slug": city.slug, "result_id": result.pk})
        assert client.get(url).status_code == status
    features = reverse(
        "api:layer-features", kwargs={"city_slug": city.slug, "layer_slug": old.key}
    )
    assert client.get(features).status_code == 404
    call_command("purge_analysis_results", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(AnalysisResult.objects.values_list("title", flat=True)) == ["kept"]
