"""Abuse limits (issue 9 item 12): staff sign-in failures, "me too" supports, role-less
accounts and the submission rate limit, staff note length."""

from __future__ import annotations

import json
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection
from django.test import Client

from reports.models import Report
from tests.reports.conftest import submit

pytestmark = pytest.mark.django_db
LOGIN = "/kota-tangerang/reports/console/login/"
PASSWORD = "Benar-sekali-123"


@pytest.fixture
def operator_with_password(operator):
    operator.set_password(PASSWORD)
    operator.save()
    return operator


def sign_in(client: Client, username: str, password: str, **headers):
    return client.post(LOGIN, {"username": username, "password": password}, **headers)


def test_sign_in_pauses_after_five_failures_with_a_clear_message(
    city, operator_with_password, settings
):
    # A day-long window: a fixed window ending mid-test would reset the count.
    settings.PETAKOTA_LOGIN_RATE = "5/d"
    username = operator_with_password.get_username()
    c = Client()
    for _ in range(5):
        response = sign_in(c, username, "salah")
        assert response.status_code == 200  # the form again, "wrong password"
    # Now even the right password waits, with a message saying how long.
    locked = sign_in(c, username, PASSWORD, HTTP_ACCEPT_LANGUAGE="id")
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Terlalu banyak percobaan masuk yang gagal" in text
    assert "menit" in text
    assert "_auth_user_id" not in c.session
    english = sign_in(Client(), username, PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 429
    assert "Try again in" in english.content.decode()
    # The count lives in PostgreSQL (the default cache), so every gunicorn worker,
    # each with its own cache object, sees the same pause.
    other_worker = caches.create_connection("default")
    table = settings.CACHES["default"]["LOCATION"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {table}")
        keys = [
            row[0].split(":", 2)[2] for row in cursor.fetchall() if ":rl:" in row[0]
        ]
    assert any(other_worker.get(key) == 5 for key in keys)
    # Another account from the same place is not paused.
    other = get_user_model().objects.create_user("lain", password=PASSWORD)
    assert sign_in(Client(), other.get_username(), PASSWORD).status_code == 302


def test_a_correct_sign_in_before_the_limit_works(city, operator_with_password):
    username = operator_with_password.get_username()
    c = Client()
    for _ in range(3):
        sign_in(c, username, "salah")
    assert sign_in(c, username, PASSWORD).status_code == 302


def test_fifty_made_up_supporters_from_one_place_do_not_count(city, settings):
    settings.PETAKOTA_SUPPORT_RATE = "5/d"
    ticket = submit(Client(), city).json()["ticket"]
    url = f"/api/{city.slug}/reports/{ticket}/support"
    codes = [
        Client().post(url, {"client_uuid": str(uuid.uuid4())}).status_code
        for _ in range(50)
    ]
    assert codes.count(200) == 5
    assert codes.count(429) == 45
    assert Report.objects.get(ticket=ticket).supporter_count == 5


def test_one_client_supports_each_report_once_and_several_reports(city):
    first = submit(Client(), city).json()["ticket"]
    second = submit(Client(), city, lon=106.64, lat=-6.179).json()["ticket"]
    device = str(uuid.uuid4())
    for ticket in (first, first, second, second):
        response = Client().post(
            f"/api/{city.slug}/reports/{ticket}/support", {"client_uuid": device}
        )
        assert response.status_code == 200
    counts = dict(Report.objects.values_list("ticket", "supporter_count"))
    assert counts == {first: 1, second: 1}


def test_a_signed_in_account_with_no_role_is_rate_limited_like_anyone(
    city, settings, operator
):
    settings.PETAKOTA_REPORT_RATE = "2/h"
    nobody = get_user_model().objects.create_user("warga", password=PASSWORD)
    c = Client()
    c.force_login(nobody)
    assert [submit(c, city).status_code for _ in range(3)] == [201, 201, 429]
    assert Report.objects.filter(channel="web").count() == 2
    # City staff (field officers, operators) report from the field, unlimited.
    staff = Client()
    staff.force_login(operator)
    assert [submit(staff, city).status_code for _ in range(3)] == [201, 201, 201]


def test_staff_notes_have_a_length_limit(city, operator_client):
    ticket = submit(Client(), city).json()["ticket"]
    url = f"/api/{city.slug}/reports/console/reports/{ticket}/action"

    def note(text: str):
        return operator_client.post(
            url,
            json.dumps({"action": "note", "note": text}),
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )

    too_long = note("x" * 2001)
    assert too_long.status_code == 400
    assert "2000" in too_long.json()["detail"]
    assert note("x" * 2000).status_code == 200
    big = note("x" * 2_000_000)
    assert big.status_code == 400
    assert Report.objects.get(ticket=ticket).events.filter(kind="note").count() == 1
