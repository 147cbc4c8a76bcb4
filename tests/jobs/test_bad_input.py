"""Bad postings: each is refused with a message naming the field, and nothing is
written. Ids of another city's or another employer's records are unknown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from jobs.dates import city_today
from jobs.models import Employer, Vacancy
from jobs.workflow import Status
from tests.jobs.conftest import CITY, OUTSIDE, client_for, newest, post

pytestmark = pytest.mark.django_db


def count(city) -> int:
    return Vacancy.objects.filter(city=city).count()


BAD = [
    ({"salary_min": "9000000", "salary_max": "5000000"}, "salary_max"),
    ({"salary_min": "-1"}, "salary_min"),
    ({"openings": "0"}, "openings"),
    ({"openings": "\uff13"}, "openings"),  # a full-width digit
    ({"occupation": "9999"}, "occupation"),
    ({"occupation": ""}, "occupation"),
    ({"sector": "Z"}, "sector"),
    ({"education": "PhD"}, "education"),
    ({"employment_type": "SOMETIMES"}, "employment_type"),
    ({"lon": str(OUTSIDE[0]), "lat": str(OUTSIDE[1])}, "location"),
    ({"lon": "1e308"}, "location"),
    ({"lon": ""}, "location"),
    ({"closes_on": "2020-01-01"}, "closes_on"),
    ({"closes_on": "31/12/2099"}, "closes_on"),
    ({"closes_on": ""}, "closes_on"),
    ({"title": ""}, "title"),
    ({"title": "a\x00b"}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"apply_url": "javascript:alert(1)"}, "apply_url"),
    ({"apply_url": "ftp://example.com/x"}, "apply_url"),
    ({"apply_url": "", "apply_address": ""}, "apply_url"),
    ({"employer": "999999"}, "employer"),
]


def test_bad_posting_is_refused_and_nothing_is_written(city, employer):
    # One city for every case (each would otherwise build the city again).
    owner = client_for(employer.members.get())
    before = count(city)
    for change, field in BAD:
        response = post(owner, city, employer, **change)
        assert response.status_code == 400, change
        assert f'data-field="{field}"' in response.content.decode(), change
    assert count(city) == before


def test_closing_before_posting_is_refused(city, employer):
    today = city_today(city)
    response = post(
        client_for(employer.members.get()),
        city,
        employer,
        posted_on=(today + timedelta(days=10)).isoformat(),
        closes_on=(today + timedelta(days=5)).isoformat(),
    )
    assert response.status_code == 400
    assert 'data-field="closes_on"' in response.content.decode()


def test_another_employers_or_citys_ids_are_unknown(city, employer, gorontalo):
    other = Employer.objects.create(city=city, name="PT Lain")
    elsewhere = Employer.objects.create(city=gorontalo, name="PT Gorontalo")
    owner = client_for(employer.members.get())
    before = count(city)
    for foreign in (other, elsewhere):
        response = post(owner, city, employer, employer=str(foreign.pk))
        assert response.status_code == 400
        assert 'data-field="employer"' in response.content.decode()
    assert count(city) == before
    # Another city's vacancy through this city's address: 404, unchanged.
    post(owner, city, employer)
    mine = newest(city)
    staff_elsewhere = client_for(
        __import__("tests.factories", fromlist=["x"])
        .MembershipFactory(city=gorontalo, role="city_admin")
        .user
    )
    moved = staff_elsewhere.post(
        f"/kota-gorontalo/jobs/{mine.pk}/status", {"status": "published"}
    )
    assert moved.status_code == 404
    mine.refresh_from_db()
    assert mine.status == Status.SUBMITTED


def test_posting_needs_an_employer_account_and_csrf(city, employer):
    assert Client().get(f"/{CITY}/jobs/post/").status_code == 302
    nobody = client_for(__import__("tests.factories", fromlist=["x"]).UserFactory())
    assert nobody.get(f"/{CITY}/jobs/post/").status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(employer.members.get())
    before = count(city)
    assert post(strict, city, employer).status_code == 403
    assert count(city) == before


def test_database_refuses_min_above_max(city, employer):
    from django.db import IntegrityError, transaction

    post(client_for(employer.members.get()), city, employer)
    vacancy = newest(city)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vacancy.objects.filter(pk=vacancy.pk).update(salary_min=10, salary_max=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vacancy.objects.filter(pk=vacancy.pk).update(
            closes_on=vacancy.posted_on - timedelta(days=1)
        )
