"""An import job logs its start and its end, one key=value line each, and an
unexpected error as `import.crashed` with the traceback (gis_platform/log.py)."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from rest_framework.test import APIClient

from gis_platform.log import KeyValueFormatter
from importers import jobs
from importers.models import ImportJob
from tenancy.models import Role
from tests.factories import MembershipFactory, UserFactory
from tests.importers.test_recovery import _upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_queue(transactional_db):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
        cursor.execute("DELETE FROM procrastinate_workers")


@pytest.fixture
def api(city, agency):
    user = UserFactory()
    MembershipFactory(user=user, city=city, agency=agency, role=Role.AGENCY_EDITOR)
    client = APIClient()
    client.force_authenticate(user)
    return client


def _events(caplog: pytest.LogCaptureFixture) -> list[str]:
    formatter = KeyValueFormatter()
    return [formatter.format(r) for r in caplog.records if r.name == "importers.jobs"]


def test_a_job_logs_started_and_finished(
    api, city, layer, points, tmp_path, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="importers.jobs")
    job_id = _upload(api, city, layer, points, tmp_path)
    jobs.check_job(job_id)
    assert jobs.run_job(job_id).status == ImportJob.Status.SUCCEEDED
    started, finished = _events(caplog)
    assert f" event=import.started job={job_id} " in started
    assert f" event=import.finished job={job_id} status=succeeded" in finished


def test_an_unexpected_error_is_logged_and_fails_the_job(
    api, city, layer, points, tmp_path, caplog, monkeypatch
) -> None:
    caplog.set_level(logging.INFO, logger="importers.jobs")
    job_id = _upload(api, city, layer, points, tmp_path)
    jobs.check_job(job_id)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(jobs, "import_file", broken)
    assert jobs.run_job(job_id).status == ImportJob.Status.FAILED
    lines = _events(caplog)
    assert [line.split(" event=")[1].split(" ")[0] for line in lines] == [
        "import.started",
        "import.crashed",
        "import.failed",
    ]
    assert "RuntimeError: disk gone" in lines[1]
    assert "\n" not in "".join(lines)
