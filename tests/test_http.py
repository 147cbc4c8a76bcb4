"""One module for caching headers and one JSON error body (gis_platform/http.py)."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from gis_platform.http import (
    cache_control,
    etag_matches,
    json_error,
    set_versioned,
    weak_etag,
)


def test_cache_control_public_private_and_ages() -> None:
    assert cache_control(public=True) == "public, max-age=0, must-revalidate"
    assert cache_control(public=False) == "private, no-cache"
    assert cache_control(public=True, max_age_s=300, revalidate=False) == (
        "public, max-age=300"
    )
    assert cache_control(public=False, max_age_s=3600, revalidate=False) == (
        "private, max-age=3600"
    )


def test_a_private_versioned_response_varies_on_cookie() -> None:
    response = set_versioned(
        HttpResponse(), public=False, etag=weak_etag(1, "a", 2), updated=None
    )
    assert response["Cache-Control"] == "private, no-cache"
    assert response["Vary"] == "Cookie"
    assert response["ETag"].startswith('W/"')
    assert "Last-Modified" not in response


def test_if_none_match_lists_and_star_match() -> None:
    tag = weak_etag("x")
    rf = RequestFactory()
    assert etag_matches(rf.get("/", HTTP_IF_NONE_MATCH=f'"a", {tag}'), tag)
    assert etag_matches(rf.get("/", HTTP_IF_NONE_MATCH="*"), tag)
    assert not etag_matches(rf.get("/"), tag)


def test_json_error_names_fields_only_when_there_are_some() -> None:
    assert json_error("No.").content == b'{"detail": "No."}'
    body = json_error("Bad.", errors={"bbox": "Bad."})
    assert body.status_code == 400
    assert body.content == b'{"detail": "Bad.", "errors": {"bbox": "Bad."}}'


@pytest.mark.django_db
def test_public_reports_geojson_refuses_a_bad_bbox_with_the_api_error_body(
    tangerang,
) -> None:
    response = Client().get(
        f"/api/{tangerang.slug}/reports/public.geojson", {"bbox": "1,2,3"}
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert set(body["errors"]) == {"bbox"}


@pytest.mark.django_db
def test_the_map_file_is_private_and_answers_304_to_its_etag(tangerang) -> None:
    client = Client()
    first = client.get(f"/{tangerang.slug}/map.html")
    assert first.status_code == 200
    assert first["Cache-Control"] == "private, no-cache"
    assert "Cookie" in first["Vary"]
    again = client.get(f"/{tangerang.slug}/map.html", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]


@pytest.mark.django_db
def test_drf_field_errors_answer_the_one_error_body(tangerang) -> None:
    from rest_framework.test import APIClient

    from tenancy.models import Role
    from tests.factories import AgencyFactory, MembershipFactory, UserFactory

    user = UserFactory()
    agency = AgencyFactory(city=tangerang)
    MembershipFactory(user=user, city=tangerang, agency=agency, role=Role.AGENCY_EDITOR)
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(
        f"/api/{tangerang.slug}/imports/", {"title": "x"}, format="multipart"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert set(body["errors"]) == {"file"}
    assert body["detail"] == body["errors"]["file"]


APPS = ("gis_platform", "tenancy", "workflow", "layers", "importers", "reports", "demo")


def test_caching_headers_are_set_only_by_gis_platform_http() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    pattern = re.compile(r"""\[["'](Cache-Control|ETag|Last-Modified|Vary)["']\]\s*=""")
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for app in APPS
        for path in (root / app).rglob("*.py")
        if path.name != "http.py" or path.parent.name != "gis_platform"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not offenders, offenders
