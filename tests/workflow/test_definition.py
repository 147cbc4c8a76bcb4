"""The declarative workflow that reports (and later permits) declare their lifecycle
with: who may take which transition, and what entering a state does."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from reports.models import Status
from reports.workflow import AGENCY, CONTROL_ROOM, REPORT_WORKFLOW
from workflow.definition import (
    Transition,
    TransitionForbidden,
    TransitionRefused,
    Workflow,
)


def test_agency_may_not_take_a_control_room_transition() -> None:
    with pytest.raises(TransitionForbidden):
        REPORT_WORKFLOW.check(Status.SUBMITTED, Status.VERIFIED, AGENCY)
    REPORT_WORKFLOW.check(Status.SUBMITTED, Status.VERIFIED, CONTROL_ROOM)


def test_a_transition_nobody_declared_is_refused() -> None:
    with pytest.raises(TransitionRefused):
        REPORT_WORKFLOW.check(Status.DUPLICATE, Status.SUBMITTED, CONTROL_ROOM)


def test_entering_resolved_stamps_and_reopening_clears_resolved_at() -> None:
    now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    report = SimpleNamespace(status=Status.IN_PROGRESS.value, resolved_at=None)
    assert REPORT_WORKFLOW.enter(report, Status.RESOLVED, now) == "in_progress"
    assert report.resolved_at == now
    REPORT_WORKFLOW.enter(report, Status.IN_PROGRESS, now)
    assert report.resolved_at is None


def test_a_workflow_refuses_transitions_between_unknown_states() -> None:
    with pytest.raises(ValueError, match="unknown state"):
        Workflow(name="x", states=("a",), transitions=(Transition("a", "b"),))


def test_open_states_are_the_reports_sla_states() -> None:
    assert set(REPORT_WORKFLOW.open_states) == {
        "submitted",
        "verified",
        "assigned",
        "in_progress",
    }
