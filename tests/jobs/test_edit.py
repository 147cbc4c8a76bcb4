"""An employer (or Disnaker) corrects a draft or rejected vacancy on the posting
form and sends it again: the same checks as posting, CSRF, a timeline event naming
the changed fields; a waiting or published vacancy is not rewritten; a stranger
gets a 404."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from jobs.models import Vacancy, VacancyEvent
from jobs.workflow import Status
from tests.factories import UserFactory
from tests.jobs.conftest import CITY, client_for, newest, post, vacancy_fields

pytestmark = pytest.mark.django_db


def edit_url(vacancy: Vacancy) -> str:
    return f"/{CITY}/jobs/{vacancy.pk}/edit/"


def test_a_rejected_vacancy_is_corrected_and_sent_again(city, employer, moderator):
    owner_account = employer.members.get()
    owner = client_for(owner_account)
    post(owner, city, employer, salary_min="3000000", salary_max="3500000")
    vacancy = newest(city)
    # Waiting for Disnaker: not editable.
    assert owner.get(edit_url(vacancy)).status_code == 400
    client_for(moderator).post(
        f"/{CITY}/jobs/{vacancy.pk}/status",
        {"status": Status.REJECTED, "note": "Gaji di bawah UMK"},
    )
    # The list offers the edit; the form comes filled in with the vacancy.
    listing = owner.get(f"/{CITY}/jobs/post/").content.decode()
    assert f'href="{edit_url(vacancy)}"' in listing
    form = owner.get(edit_url(vacancy))
    assert form.status_code == 200
    html = form.content.decode()
    assert 'value="3000000"' in html
    assert "Gaji di bawah UMK" in html
    assert f'action="{edit_url(vacancy)}"' in html

    # Without the CSRF token: refused, nothing changed.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner_account)
    fixed = vacancy_fields(city, employer, salary_min="5000000", salary_max="6000000")
    assert strict.post(edit_url(vacancy), fixed).status_code == 403
    # The posting form's checks: salary min > max is refused, nothing changed.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    bad = {**fixed, "salary_min": "9000000", "csrfmiddlewaretoken": token[1]}
    refused = owner.post(edit_url(vacancy), bad)
    assert refused.status_code == 400
    assert 'data-field="salary_max"' in refused.content.decode()
    vacancy.refresh_from_db()
    assert vacancy.salary_min == 3_000_000
    assert not vacancy.events.filter(kind=VacancyEvent.Kind.EDITED).exists()

    # Corrected and sent to Disnaker again.
    sent = owner.post(edit_url(vacancy), {**fixed, "action": "submit"})
    assert sent.status_code == 302
    vacancy.refresh_from_db()
    assert (vacancy.salary_min, vacancy.salary_max) == (5_000_000, 6_000_000)
    assert vacancy.status == Status.SUBMITTED
    edited = vacancy.events.get(kind=VacancyEvent.Kind.EDITED)
    assert edited.actor == owner_account
    assert edited.note == "salary_max, salary_min"
    assert edited.to_status == Status.REJECTED
    last = vacancy.events.order_by("at", "id").last()
    assert (last.from_status, last.to_status) == ("rejected", "submitted")
    # Waiting again: no more edits.
    again = owner.post(edit_url(vacancy), {**fixed, "title": "Lain"})
    assert again.status_code == 400
    vacancy.refresh_from_db()
    assert vacancy.title == "Operator mesin"


def test_disnaker_edits_a_draft_and_strangers_cannot(city, employer, moderator):
    owner = client_for(employer.members.get())
    post(owner, city, employer, action="draft")
    vacancy = newest(city)
    assert vacancy.status == Status.DRAFT
    staff = client_for(moderator)
    changed = vacancy_fields(city, employer, title="Operator mesin CNC")
    assert staff.post(edit_url(vacancy), changed).status_code == 302
    vacancy.refresh_from_db()
    assert vacancy.title == "Operator mesin CNC"
    assert vacancy.status == Status.DRAFT
    assert vacancy.events.get(kind=VacancyEvent.Kind.EDITED).note == "title"
    stranger = client_for(UserFactory())
    assert stranger.get(edit_url(vacancy)).status_code == 404
    assert stranger.post(edit_url(vacancy), changed).status_code == 404
    assert Client().get(edit_url(vacancy)).status_code == 302
