"""A vacancy's page carries a valid schema.org JobPosting: parsed from the page, with
every required field; HTML/JS in a title cannot leave its script element."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from django.test import Client

from jobs.models import Vacancy
from jobs.workflow import Status
from tests.jobs.conftest import CITY, newest, post

pytestmark = pytest.mark.django_db

HOSTILE = '</script><script>window.__pwned=1</script><!-- "quoted" & <b>bold</b>'


class Scripts(HTMLParser):
    """Every <script> element: its attributes and text."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "script":
            self._open = dict(attrs)
            self.scripts.append((self._open, ""))

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._open = None


def posting_of(html: str) -> list[dict]:
    parser = Scripts()
    parser.feed(html)
    return [
        json.loads(text)
        for attrs, text in parser.scripts
        if attrs.get("type") == "application/ld+json"
    ]


@pytest.fixture
def published(city, employer, client) -> Vacancy:
    client.force_login(employer.members.get())
    assert (
        post(client, city, employer, title=HOSTILE, description=HOSTILE).status_code
        == 302
    )
    vacancy = newest(city)
    Vacancy.objects.filter(pk=vacancy.pk).update(status=Status.PUBLISHED)
    return vacancy


def test_job_posting_has_the_required_fields(published, city):
    html = Client().get(f"/{CITY}/jobs/{published.pk}/").content.decode()
    [posting] = posting_of(html)
    assert posting["@context"] == "https://schema.org/"
    assert posting["@type"] == "JobPosting"
    for name in (
        "title",
        "description",
        "datePosted",
        "validThrough",
        "employmentType",
        "hiringOrganization",
        "jobLocation",
        "baseSalary",
    ):
        assert posting.get(name), name
    assert posting["title"] == HOSTILE
    assert posting["datePosted"] == published.posted_on.isoformat()
    assert posting["validThrough"].startswith(published.closes_on.isoformat())
    assert posting["validThrough"].endswith("+07:00")
    assert posting["employmentType"] == "FULL_TIME"
    assert posting["hiringOrganization"] == {
        "@type": "Organization",
        "name": "PT Uji Lowongan",
    }
    geo = posting["jobLocation"]["geo"]
    assert (geo["longitude"], geo["latitude"]) == pytest.approx(
        (published.geom.x, published.geom.y), abs=1e-6
    )
    assert posting["jobLocation"]["address"]["addressCountry"] == "ID"
    salary = posting["baseSalary"]
    assert salary["currency"] == "IDR"
    assert salary["value"]["minValue"] == 5_000_000
    assert salary["value"]["maxValue"] == 6_000_000
    assert salary["value"]["unitText"] == "MONTH"
    # The employer's private contact is not in the posting.
    assert "rahasia" not in json.dumps(posting).lower()


def test_a_hostile_title_stays_text(published):
    html = Client().get(f"/{CITY}/jobs/{published.pk}/").content.decode()
    parser = Scripts()
    parser.feed(html)
    # The page's own scripts only: JSON-LD, JSON config, and static files.
    for attrs, text in parser.scripts:
        assert "__pwned" not in text or attrs.get("type") in (
            "application/ld+json",
            "application/json",
        )
        if attrs.get("type") is None:
            assert attrs.get("src"), text
    assert "<script>window.__pwned" not in html
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned=1" in html


def test_a_vacancy_without_salary_has_no_base_salary(published, city):
    Vacancy.objects.filter(pk=published.pk).update(salary_min=None, salary_max=None)
    html = Client().get(f"/{CITY}/jobs/{published.pk}/").content.decode()
    [posting] = posting_of(html)
    assert "baseSalary" not in posting
