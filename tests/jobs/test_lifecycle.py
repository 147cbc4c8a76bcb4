"""The moderation lifecycle: post → submitted → published or rejected (with a
reason) → closed, with the timeline; the closing date takes a vacancy off public
lists at once (query time) and the nightly task closes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client

from jobs.dates import city_today
from jobs.models import Vacancy, VacancyEvent
from jobs.services import close_expired
from jobs.workflow import Status
from tests.jobs.conftest import CITY, client_for, newest, post

pytestmark = pytest.mark.django_db


def public_ids(**params) -> set[int]:
    response = Client().get(f"/api/{CITY}/jobs/vacancies", {"limit": 200, **params})
    assert response.status_code == 200
    return {v["id"] for v in response.json()["vacancies"]}


def move(client: Client, vacancy: Vacancy, status: str, note: str = ""):
    return client.post(
        f"/{CITY}/jobs/{vacancy.pk}/status",
        {"status": status, "note": note, "from": "moderate"},
    )


def test_employer_posts_disnaker_publishes_and_the_timeline_keeps_who(
    city, employer, moderator
):
    owner = client_for(employer.members.get())
    assert post(owner, city, employer).status_code == 302
    vacancy = newest(city)
    assert vacancy.status == Status.SUBMITTED
    assert vacancy.kelurahan.name == "Sukarasa"
    assert vacancy.kecamatan is not None
    assert vacancy.pk not in public_ids()
    # The employer may not publish its own vacancy.
    assert move(owner, vacancy, Status.PUBLISHED).status_code == 403
    queue = client_for(moderator).get(f"/{CITY}/jobs/moderate/")
    assert f'data-id="{vacancy.pk}"' in queue.content.decode()
    assert move(client_for(moderator), vacancy, Status.PUBLISHED).status_code == 302
    vacancy.refresh_from_db()
    assert vacancy.status == Status.PUBLISHED
    assert vacancy.published_at is not None
    assert vacancy.pk in public_ids()
    # The employer closes it: it leaves the public list.
    assert move(owner, vacancy, Status.CLOSED).status_code == 302
    assert vacancy.pk not in public_ids()
    events = list(vacancy.events.order_by("at", "id"))
    assert [(e.from_status, e.to_status) for e in events] == [
        ("", "submitted"),
        ("submitted", "published"),
        ("published", "closed"),
    ]
    assert events[1].actor == moderator
    assert events[2].actor == employer.members.get()


def test_rejection_needs_a_reason_and_the_employer_sees_it(city, employer, moderator):
    owner = client_for(employer.members.get())
    post(owner, city, employer)
    vacancy = newest(city)
    staff = client_for(moderator)
    refused = move(staff, vacancy, Status.REJECTED, note="   ")
    assert refused.status_code == 400
    vacancy.refresh_from_db()
    assert vacancy.status == Status.SUBMITTED
    assert move(staff, vacancy, Status.REJECTED, "Gaji di bawah UMK").status_code == 302
    vacancy.refresh_from_db()
    assert vacancy.status == Status.REJECTED
    assert vacancy.rejection_reason == "Gaji di bawah UMK"
    assert vacancy.pk not in public_ids()
    mine = owner.get(f"/{CITY}/jobs/post/").content.decode()
    assert "Gaji di bawah UMK" in mine
    # Corrected and sent again: back in the queue.
    assert move(owner, vacancy, Status.SUBMITTED).status_code == 302
    vacancy.refresh_from_db()
    assert vacancy.status == Status.SUBMITTED


def test_a_vacancy_past_its_closing_date_leaves_public_lists_then_is_closed(
    city, employer, moderator
):
    post(client_for(employer.members.get()), city, employer)
    vacancy = newest(city)
    move(client_for(moderator), vacancy, Status.PUBLISHED)
    assert vacancy.pk in public_ids()
    today = city_today(city)
    Vacancy.objects.filter(pk=vacancy.pk).update(
        posted_on=today - timedelta(days=10), closes_on=today - timedelta(days=1)
    )
    # Gone at once, before the nightly task ran.
    assert vacancy.pk not in public_ids()
    assert Client().get(f"/api/{CITY}/jobs/vacancies/{vacancy.pk}").status_code == 404
    assert Client().get(f"/{CITY}/jobs/{vacancy.pk}/").status_code == 404
    vacancy.refresh_from_db()
    assert vacancy.status == Status.PUBLISHED
    closed = close_expired()
    assert closed >= 1
    vacancy.refresh_from_db()
    assert vacancy.status == Status.CLOSED
    assert vacancy.closed_at is not None
    event = vacancy.events.latest("id")
    assert event.kind == VacancyEvent.Kind.EXPIRED
    assert (event.from_status, event.to_status) == ("published", "closed")
    # A second run has nothing left to do; the command does the same.
    assert close_expired() == 0
    call_command("close_expired_vacancies", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_an_expired_vacancy_cannot_be_published(city, employer, moderator):
    post(client_for(employer.members.get()), city, employer)
    vacancy = newest(city)
    today = city_today(city)
    Vacancy.objects.filter(pk=vacancy.pk).update(
        posted_on=today - timedelta(days=10), closes_on=today - timedelta(days=1)
    )
    assert move(client_for(moderator), vacancy, Status.PUBLISHED).status_code == 400
    vacancy.refresh_from_db()
    assert vacancy.status == Status.SUBMITTED


def test_other_people_cannot_move_a_vacancy(city, employer):
    post(client_for(employer.members.get()), city, employer)
    vacancy = newest(city)
    from tests.factories import MembershipFactory

    stranger = MembershipFactory(city=city).user  # a planner, not Disnaker
    assert move(client_for(stranger), vacancy, Status.PUBLISHED).status_code == 404
    assert Client().post(
        f"/{CITY}/jobs/{vacancy.pk}/status", {"status": "published"}
    ).status_code in (302, 403)
    vacancy.refresh_from_db()
    assert vacancy.status == Status.SUBMITTED


def test_demo_vacancies_are_labelled_and_placed_at_industrial_estates(city):
    demo = Vacancy.objects.filter(city=city, demo=True)
    assert 100 <= demo.count() <= 200
    assert not demo.filter(kelurahan__isnull=True).exists()
    assert all("demo" in v.title for v in demo)
    estates = Client().get(f"/api/{CITY}/jobs/estates").json()["clusters"]
    assert any(c["estate"] and c["vacancies"] > 1 for c in estates)
    figures = Client().get(f"/api/{CITY}/jobs/figures").json()
    assert figures["vacancies"] == sum(k["vacancies"] for k in figures["per_kecamatan"])
    assert figures["openings"] == sum(o["openings"] for o in figures["per_occupation"])
