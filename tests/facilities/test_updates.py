"""Agencies keep their own facilities current (token API and form); another
agency's facility, bad bed counts, phones and hours are refused and nothing
changes."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from facilities.models import BedAvailability, Facility
from tenancy.models import Role
from tests.facilities.conftest import member, token_for

pytestmark = pytest.mark.django_db


def snapshot(facility: Facility) -> tuple:
    facility.refresh_from_db()
    beds = sorted(
        BedAvailability.objects.filter(facility=facility).values_list(
            "bed_type", "available", "total", "updated_at"
        )
    )
    return (
        facility.phones,
        facility.opening_hours,
        facility.services,
        facility.website,
        facility.updated_at,
        beds,
    )


def patch(client: Client, facility: Facility, body, token: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    return client.patch(
        f"/api/{facility.city.slug}/facilities/{facility.pk}/",
        data=body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
        **headers,
    )


def test_agency_updates_its_facility_with_a_token_and_others_cannot(
    city, hospital, dinkes_editor, damkar_editor, gorontalo
):
    client = Client()
    body = {
        "phones": ["(021) 5527-1234", "0812 3456 7890"],
        "opening_hours": "Mo-Fr 08:00-16:00;  Sa 08:00-12:00",
        "beds": [{"type": "icu", "available": 2, "total": 10}],
        "services": ["IGD", "Hemodialisa"],
    }
    before = snapshot(hospital)
    # Anonymous, another agency (Damkar), a wrong token: refused, nothing changed.
    assert patch(client, hospital, body).status_code == 401
    assert patch(client, hospital, body, token_for(damkar_editor)).status_code == 403
    # DRF answers a bad token 403 when session auth comes first.
    assert patch(client, hospital, body, "0" * 40).status_code in (401, 403)
    field_officer_elsewhere = member(city, Role.FIELD_OFFICER, "dinas-pu")
    assert (
        patch(client, hospital, body, token_for(field_officer_elsewhere)).status_code
        == 403
    )
    assert snapshot(hospital) == before
    # The same facility id under another city is not found.
    token = token_for(dinkes_editor)
    response = client.patch(
        f"/api/{gorontalo.slug}/facilities/{hospital.pk}/",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 404
    assert snapshot(hospital) == before

    response = patch(client, hospital, body, token)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["phones"] == ["+622155271234", "+6281234567890"]
    assert data["opening_hours"] == "Mo-Fr 08:00-16:00; Sa 08:00-12:00"
    assert data["opening_hours_structured"]["intervals"][0] == [480, 960]
    icu = next(b for b in data["beds"] if b["type"] == "icu")
    assert (icu["available"], icu["total"], icu["stale"]) == (2, 10, False)
    # Public read of the same facility.
    assert Client().get(f"/api/{city.slug}/facilities/{hospital.pk}/").json()[
        "services"
    ] == ["IGD", "Hemodialisa"]


BAD = [
    ({"beds": [{"type": "icu", "available": 11, "total": 10}]}, "beds"),
    ({"beds": [{"type": "icu", "available": -1, "total": 10}]}, "beds"),
    ({"beds": [{"type": "icu", "available": "\uff11\uff12", "total": 20}]}, "beds"),
    ({"beds": [{"type": "icu", "available": 1.5, "total": 2}]}, "beds"),
    ({"beds": [{"type": "icu", "available": True, "total": 2}]}, "beds"),
    ({"beds": [{"type": "sofa", "available": 1, "total": 2}]}, "beds"),
    ({"beds": {"icu": 3}}, "beds"),
    ({"phones": ["12345"]}, "phones"),
    ({"phones": ["+1 202 555 0100"]}, "phones"),
    ({"phones": ["<script>alert(1)</script>"]}, "phones"),
    ({"phones": "0812\x003456789"}, "phones"),
    ({"opening_hours": "Mo-Fr 8-16"}, "opening_hours"),
    ({"opening_hours": "Mo-Fr 08:00-25:00"}, "opening_hours"),
    ({"opening_hours": "<img src=x onerror=alert(1)>"}, "opening_hours"),
    ({"website": "javascript:alert(1)"}, "website"),
    ({"owner": "dinas-pu"}, "owner"),
    ({"emergency_24h": "yes"}, "emergency_24h"),
]


def test_bad_input_is_refused_and_nothing_changes(city, hospital, dinkes_editor):
    # One city for every case (loading the demo is the slow part).
    before = snapshot(hospital)
    token = token_for(dinkes_editor)
    for body, field in BAD:
        response = patch(Client(), hospital, body, token)
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()["errors"], body
    for raw in ("[1, 2]", '"beds"', "{not json", "null"):
        assert patch(Client(), hospital, raw, token).status_code == 400, raw
    assert snapshot(hospital) == before


def test_the_form_updates_beds_and_refuses_another_agency(
    city, hospital, dinkes_editor, damkar_editor
):
    url = f"/{city.slug}/facilities/{hospital.pk}/edit/"
    other = Client()
    other.force_login(damkar_editor)
    before = snapshot(hospital)
    assert other.get(url).status_code == 403
    assert (
        other.post(url, {"beds-icu-available": "0", "beds-icu-total": "1"}).status_code
        == 403
    )
    assert snapshot(hospital) == before
    # Damkar's own list does not show Dinkes' hospital.
    assert hospital.name not in other.get(f"/{city.slug}/facilities/").content.decode()

    client = Client()
    client.force_login(dinkes_editor)
    page = client.get(url)
    assert page.status_code == 200
    form = {
        "phones": "021-5527-1234",
        "opening_hours": "24/7",
        "services": "IGD, <b>Bedah</b>",
        "website": "",
        "emergency_24h": "on",
        "beds-icu-available": "12",
        "beds-icu-total": "3",
    }
    refused = client.post(url, form)
    assert refused.status_code == 400
    assert "available cannot exceed total" in refused.content.decode()
    assert snapshot(hospital) == before

    form["beds-icu-available"] = "1"
    saved = client.post(url, form)
    assert saved.status_code == 302
    assert client.get(saved["Location"]).status_code == 200
    hospital.refresh_from_db()
    assert hospital.phones == ["+622155271234"]
    assert hospital.services == ["IGD", "<b>Bedah</b>"]
    icu = BedAvailability.objects.get(facility=hospital, bed_type="icu")
    assert (icu.available, icu.total) == (1, 3)
    # Text from an agency is shown as text, never as markup.
    html = client.get(url).content.decode()
    assert "&lt;b&gt;Bedah&lt;/b&gt;" in html
    assert "<b>Bedah</b>" not in html
