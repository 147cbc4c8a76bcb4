"""The submit API says which field needs what, in the page's language (issue 10):
`{"detail": summary, "errors": {field as in the request: message}}`."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from reports.models import Report
from tests.reports.conftest import INSIDE, OUTSIDE

pytestmark = pytest.mark.django_db


def post(city, data: dict, lang: str):
    return Client().post(f"/api/{city.slug}/reports/", data, HTTP_ACCEPT_LANGUAGE=lang)


def empty_form() -> dict:
    # What the page sends when nothing was filled in.
    return {
        "client_uuid": str(uuid.uuid4()),
        "category": "",
        "description": "",
        "answers": "{}",
        "contact_name": "",
        "contact_phone": "",
        "contact_email": "",
    }


def test_an_empty_form_names_every_field_that_needs_something(city):
    response = post(city, empty_form(), "id")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert body["errors"] == {
        "category": "Pilih kategori.",
        "description": "Mohon jelaskan masalahnya.",
        "location": "Mohon tentukan lokasi di peta.",
    }
    assert body["detail"] == "Mohon periksa 3 isian yang ditandai."
    assert "Kategori tidak dikenal" not in response.content.decode()
    assert not Report.objects.exists()


def test_the_same_form_in_english(city):
    body = post(city, empty_form(), "en").json()
    assert body["errors"]["category"] == "Choose a category."
    assert body["detail"] == "Please check the 3 fields marked."


def test_the_page_language_cookie_wins(city):
    c = Client()
    c.cookies["django_language"] = "en"
    body = c.post(
        f"/api/{city.slug}/reports/", empty_form(), HTTP_ACCEPT_LANGUAGE="id"
    ).json()
    assert body["errors"]["description"] == "Please describe the problem."


def test_a_missing_answer_is_named_by_its_question_in_indonesian(city):
    data = {
        **empty_form(),
        "category": "jalan-rusak",
        "description": "Lubang",
        "lon": INSIDE[0],
        "lat": INSIDE[1],
    }
    body = post(city, data, "id").json()
    assert body["errors"] == {
        "answers.ukuran": "Perkiraan ukuran lubang: jawaban diperlukan."
    }
    assert body["detail"] == "Perkiraan ukuran lubang: jawaban diperlukan."


BAD_FORMS = [
    {"category": "tidak-ada"},
    {"description": "x" * 4001},
    {"description": "a\x01b"},
    {"contact_email": "bukan-email"},
    {"contact_phone": "1" * 41},
    {"contact_name": "a\nb"},
    {"answers": "{rusak"},
    {"answers": '{"ukuran": "raksasa"}'},
    {"lon": "abc", "lat": "-6.17"},
    {"lon": "200", "lat": "-6.17"},
    {"lon": str(INSIDE[0])},
    {"lon": str(OUTSIDE[0]), "lat": str(OUTSIDE[1])},
    {"accuracy_m": "-3"},
    {"client_uuid": "bukan-uuid"},
]


@pytest.mark.parametrize("fields", BAD_FORMS)
def test_every_message_has_an_indonesian_translation(city, fields):
    data = {
        **empty_form(),
        "category": "jalan-rusak",
        "description": "Lubang",
        "answers": '{"ukuran": "besar"}',
        "lon": INSIDE[0],
        "lat": INSIDE[1],
        **fields,
    }
    data = {k: v for k, v in data.items() if v is not None}
    if "lon" in fields and "lat" not in fields:
        del data["lat"]
    indonesian = post(city, data, "id").json()
    english = post(city, {**data}, "en").json()
    assert indonesian["errors"], indonesian
    assert indonesian["errors"].keys() == english["errors"].keys()
    for field, message in indonesian["errors"].items():
        assert message != english["errors"][field], (field, message)
    assert indonesian["detail"] != english["detail"]


def test_console_filter_errors_are_in_the_page_language(city, operator_client):
    url = f"/api/{city.slug}/reports/console/reports"
    for params, expected in (
        ({"category": "tidak-ada"}, "Kategori 'tidak-ada' tidak dikenal."),
        ({"status": "hilang"}, "Status 'hilang' tidak dikenal."),
        ({"agency": "x\x00"}, "Filter agency tidak dapat dibaca."),
    ):
        response = operator_client.get(url, params, HTTP_ACCEPT_LANGUAGE="id")
        assert response.status_code == 400
        assert response.json()["detail"] == expected
