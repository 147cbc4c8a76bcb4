"""Hostile values at every reports edge become a 4xx with a message, never a 500
(issue 9 items 7, 8 and 10): NUL and control characters, JSON bodies that are not
objects, Unicode digits, impossible dates, coordinates out of range."""

from __future__ import annotations

import json
import uuid
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from reports.models import Category, Report
from reports.services import create_application
from tests.reports.conftest import INSIDE, submit

pytestmark = pytest.mark.django_db
O311 = "/open311/v2"
CITY = "kota-tangerang"
ARABIC_106 = "\u0661\u0660\u0666.\u0666"  # "106.6" in Arabic-Indic digits


def post_json(client: Client, url: str, payload: object):
    return client.post(url, json.dumps(payload), content_type="application/json")


# -- Submission ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"description": "Lubang\x00besar"}, "description"),
        ({"description": "Lubang \x01 besar"}, "description"),
        ({"contact_name": "Budi\x00"}, "contact_name"),
        ({"contact_phone": "0812\x00"}, "contact_phone"),
        ({"address": "Jl. \x1b Merdeka"}, "address"),
        ({"category": "jalan-rusak\x00"}, "category"),
        ({"lon": ARABIC_106}, "lon"),
        ({"lat": "\u0968"}, "lat"),  # Devanagari 2
        ({"lon": "1e308", "lat": "1e308"}, "lon"),
        ({"lon": "-1e308"}, "lon"),
        ({"accuracy_m": "\u0661\u0660"}, "accuracy_m"),
        ({"answers": '{"ukuran": "besar\\u0000"}'}, "answers.ukuran"),
    ],
)
def test_hostile_form_values_are_refused_by_field(city, fields, field):
    response = submit(Client(), city, **fields)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert not Report.objects.exists()


@pytest.mark.parametrize("payload", [[1, 2], "abc", 5, None])
def test_submit_body_that_is_not_an_object_is_a_400(city, payload):
    response = post_json(Client(), f"/api/{city.slug}/reports/", payload)
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("accuracy_m", [1]),
        ("accuracy_m", {"a": 1}),
        ("lon", [106.6]),
        ("category", ["jalan-rusak"]),
        ("description", {"x": 1}),
        ("contact_email", 5),
        ("answers", [1, 2]),
        ("client_uuid", 5),
    ],
)
def test_json_values_of_the_wrong_type_are_refused_by_field(city, key, value):
    payload = {
        "client_uuid": str(uuid.uuid4()),
        "category": "jalan-rusak",
        "lon": INSIDE[0],
        "lat": INSIDE[1],
        "description": "Lubang",
        "answers": {"ukuran": "besar"},
        key: value,
    }
    response = post_json(Client(), f"/api/{city.slug}/reports/", payload)
    assert response.status_code == 400, response.content
    assert key in response.json()["errors"]


def test_json_submission_with_numbers_works(city):
    payload = {
        "client_uuid": str(uuid.uuid4()),
        "category": "jalan-rusak",
        "lon": INSIDE[0],
        "lat": INSIDE[1],
        "accuracy_m": 7.5,
        "description": "Lubang",
        "answers": {"ukuran": "besar"},
    }
    response = post_json(Client(), f"/api/{city.slug}/reports/", payload)
    assert response.status_code == 201, response.content
    assert Report.objects.get().accuracy_m == 7.5


def test_answers_with_unicode_digits_or_impossible_dates_are_refused(city):
    Category.objects.filter(city=city, code="banjir").update(
        questions=[
            {"code": "kedalaman_cm", "datatype": "number", "description": "Dalam"},
            {"code": "sejak", "datatype": "datetime", "description": "Sejak"},
        ]
    )
    response = submit(
        Client(),
        city,
        category="banjir",
        answers=json.dumps(
            {"kedalaman_cm": "\u0665\u0660", "sejak": "2024-02-30T10:00"}
        ),
    )
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert set(errors) == {"answers.kedalaman_cm", "answers.sejak"}


@pytest.mark.parametrize(
    "params",
    [
        {"lon": ARABIC_106, "lat": str(INSIDE[1])},
        {"lon": "106.6\x00", "lat": str(INSIDE[1])},
        {"lon": "1e308", "lat": "1e308"},
        {"lon": "inf", "lat": "0"},
    ],
)
def test_locate_and_nearby_refuse_unreadable_points(city, params):
    c = Client()
    assert c.get(f"/api/{city.slug}/reports/locate", params).status_code == 400
    nearby = {"category": "jalan-rusak", **params}
    assert c.get(f"/api/{city.slug}/reports/nearby", nearby).status_code == 400
    bad_category = {"category": "jalan\x00rusak", "lon": INSIDE[0], "lat": INSIDE[1]}
    assert c.get(f"/api/{city.slug}/reports/nearby", bad_category).status_code == 400


@pytest.mark.parametrize("payload", [[1, 2], "abc", {"client_uuid": ["x"]}])
def test_support_body_that_is_not_an_object_is_a_400(city, payload):
    ticket = submit(Client(), city).json()["ticket"]
    response = post_json(
        Client(), f"/api/{city.slug}/reports/{ticket}/support", payload
    )
    assert response.status_code == 400


# -- Console ---------------------------------------------------------------------


def act(client: Client, city, ticket: str, payload: object):
    return post_json(
        client, f"/api/{city.slug}/reports/console/reports/{ticket}/action", payload
    )


@pytest.mark.parametrize(
    "payload",
    [
        [1, 2],
        "abc",
        {"action": "note", "note": "ada\x00nul"},
        {"action": "note", "note": ["a"]},
        {"action": "assign", "agency": "dinas-pu\x00"},
        {"action": "assign", "agency": ["dinas-pu"]},
        {"action": "merge", "into": "ABCD-EFGH\x00"},
        {"action": "transition", "status": "verified\x00"},
        {"action": ["note"]},
    ],
)
def test_console_actions_refuse_hostile_bodies(city, operator_client, payload):
    ticket = submit(Client(), city).json()["ticket"]
    response = act(operator_client, city, ticket, payload)
    assert response.status_code == 400, response.content
    assert Report.objects.get(ticket=ticket).events.count() == 1


@pytest.mark.parametrize(
    "payload",
    [[1], "abc", {"tickets": ["ABCD-EFGH\x00"], "action": "note", "note": "x"}],
)
def test_console_bulk_refuses_hostile_bodies(city, operator_client, payload):
    response = post_json(
        operator_client, f"/api/{city.slug}/reports/console/bulk", payload
    )
    assert response.status_code == 400


@pytest.mark.parametrize("name", ["status", "category", "agency", "area", "overdue"])
@pytest.mark.parametrize("path", ["console/reports", "console/reports.csv"])
def test_console_and_export_filters_with_nul_are_a_400(
    city, operator_client, name, path
):
    url = f"/api/{city.slug}/reports/{path}"
    assert operator_client.get(url, {name: "x\x00y"}).status_code == 400


# -- Open311 ---------------------------------------------------------------------


@pytest.fixture
def api_key(city) -> str:
    return create_application(city=city, name="Aplikasi Uji")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("services.json", {"jurisdiction_id": "kota\x00"}),
        ("services/jalan-rusak.xml", {"jurisdiction_id": "kota-tangerang\x00"}),
        (
            "requests.json",
            {"jurisdiction_id": "kota-tangerang", "service_code": "a\x00"},
        ),
        ("requests.json", {"jurisdiction_id": "kota-tangerang", "status": "open\x00"}),
        (
            "requests.xml",
            {"jurisdiction_id": "kota-tangerang", "service_request_id": "AB\x00"},
        ),
        (
            "requests.json",
            {"jurisdiction_id": "kota-tangerang", "start_date": "2024-02-30T00:00:00"},
        ),
        (
            "requests.json",
            {"jurisdiction_id": "kota-tangerang", "end_date": "2024-01-01T25:00:00"},
        ),
        (
            "requests.xml",
            {"jurisdiction_id": "kota-tangerang", "start_date": "2024-01-01\x00"},
        ),
    ],
)
def test_open311_hostile_queries_are_a_400(city, path, params):
    response = Client().get(f"{O311}/{path}", params)
    assert response.status_code == 400, (response.status_code, response.content)


@pytest.mark.parametrize(
    "extra",
    [
        {"service_code": "jalan-rusak\x00"},
        {"jurisdiction_id": "kota-tangerang\x00"},
        {"lat": "\u0968", "long": ARABIC_106},
        {"lat": "1e308", "long": "1e308"},
        {"lat": "nan", "long": "106.6"},
        {"description": "Lubang\x00besar"},
        {"description": "Lubang \x01 besar"},
        {"first_name": "Siti\x00"},
        {"email": "bukan email"},
        {"api_key": "abc\x00"},
    ],
)
def test_open311_hostile_posts_are_refused(city, api_key, extra):
    data = {
        "api_key": api_key,
        "jurisdiction_id": city.slug,
        "service_code": "jalan-rusak",
        "lat": INSIDE[1],
        "long": INSIDE[0],
        "description": "Lubang besar",
        "attribute[ukuran]": "besar",
        **extra,
    }
    response = Client().post(f"{O311}/requests.json", data)
    assert 400 <= response.status_code < 500, (response.status_code, response.content)
    assert not Report.objects.exists()


def test_open311_xml_stays_well_formed_with_stored_control_characters(city):
    ticket = submit(Client(), city).json()["ticket"]
    # A row stored before input was checked (or by another path).
    Report.objects.filter(ticket=ticket).update(description="Lubang \x01\x0b besar")
    for path in (f"requests/{ticket}.xml", "requests.xml"):
        response = Client().get(f"{O311}/{path}", {"jurisdiction_id": city.slug})
        assert response.status_code == 200
        root = ET.fromstring(response.content)  # noqa: S314 (our own output)
        assert root.find(".//description").text == "Lubang  besar"


def test_unreadable_json_keeps_the_error_contract(city):
    response = Client().post(
        f"/api/{city.slug}/reports/",
        '{"client_uuid": ',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="id",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Isi permintaan tidak dapat dibaca.",
        "errors": {},
    }
