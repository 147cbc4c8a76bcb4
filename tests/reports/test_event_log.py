"""The reports app logs what it does: one structured line per submission and per
status change (gis_platform/log.py), with ids and no personal data."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from gis_platform.log import KeyValueFormatter
from tests.reports.conftest import submit

pytestmark = pytest.mark.django_db


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    formatter = KeyValueFormatter()
    return [formatter.format(r) for r in caplog.records if r.name == "reports.services"]


def test_submission_and_transition_each_log_one_key_value_line(
    city, operator_client, caplog
):
    caplog.set_level(logging.INFO, logger="reports.services")
    ticket = submit(Client(), city, contact_name="Siti Aminah").json()["ticket"]
    response = operator_client.post(
        f"/api/{city.slug}/reports/console/reports/{ticket}/action",
        json.dumps({"action": "transition", "status": "verified"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    lines = _lines(caplog)
    assert len(lines) == 2
    submitted, moved = lines
    assert " event=report.submitted " in submitted
    assert f"ticket={ticket}" in submitted
    assert f"city={city.slug}" in submitted
    assert "Siti" not in submitted
    assert " event=report.transitioned " in moved
    assert "from_status=submitted to_status=verified" in moved
    assert "\n" not in submitted + moved


def test_a_value_cannot_forge_a_second_log_line() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "e", (), None)
    record.event = "import.failed"
    record.fields = {"error": 'bad\nts=0 level=INFO event=forged "x"'}
    line = KeyValueFormatter().format(record)
    assert "\n" not in line
    assert line.endswith('error="bad\\nts=0 level=INFO event=forged \\"x\\""')
