"""The lifecycle of a report, declared once with workflow.Workflow.

Control room = operators and city administrators; agency = the editors and field
officers of the agency the report is routed to. The role x transition table is in
docs/architecture.md ("Who may move a report"). Reopening: resolved/closed go back to
in progress, rejected back to submitted. A duplicate is reopened by un-merging it,
which is not offered: its support has moved to the report it joined. Moving to
"duplicate" (merge) and assigning to a chosen agency have their own services.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from tenancy.models import Role
from workflow.definition import Transition, Workflow

if TYPE_CHECKING:
    from reports.models import Report


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Verified")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate")


# Statuses in which the city still owes the reporter something (SLA clock runs).
OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.VERIFIED,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
)
# Never listed publicly (spam, abuse); the ticket holder still sees the outcome.
HIDDEN_STATUSES = (Status.REJECTED,)

CONTROL_ROOM = frozenset({Role.OPERATOR.value, Role.CITY_ADMIN.value})
AGENCY = frozenset({Role.AGENCY_EDITOR.value, Role.FIELD_OFFICER.value})
BOTH = CONTROL_ROOM | AGENCY
# The person who reported it, through a signed link (reports/notifications/verdict.py):
# confirms a resolution (closed) or says it is not fixed (back in progress).
REPORTER = frozenset({"reporter"})
S = Status

REPORT_WORKFLOW = Workflow(
    name="report",
    states=tuple(Status.values),
    open_states=tuple(s.value for s in OPEN_STATUSES),
    transitions=(
        Transition(S.SUBMITTED, S.VERIFIED, CONTROL_ROOM),
        Transition(S.SUBMITTED, S.REJECTED, CONTROL_ROOM),
        Transition(S.SUBMITTED, S.DUPLICATE, CONTROL_ROOM),
        Transition(S.VERIFIED, S.REJECTED, CONTROL_ROOM),
        Transition(S.VERIFIED, S.DUPLICATE, CONTROL_ROOM),
        # The routed agency accepts a verified report (no operator in between); the
        # control room assigns with `assign`, choosing the agency.
        Transition(S.VERIFIED, S.ASSIGNED, AGENCY),
        Transition(S.ASSIGNED, S.IN_PROGRESS, BOTH),
        Transition(S.ASSIGNED, S.RESOLVED, BOTH),
        Transition(S.ASSIGNED, S.DUPLICATE, CONTROL_ROOM),
        Transition(S.IN_PROGRESS, S.RESOLVED, BOTH),
        Transition(S.RESOLVED, S.CLOSED, CONTROL_ROOM | REPORTER),
        Transition(S.RESOLVED, S.IN_PROGRESS, CONTROL_ROOM | REPORTER),
        Transition(S.CLOSED, S.IN_PROGRESS, CONTROL_ROOM),
        Transition(S.REJECTED, S.SUBMITTED, CONTROL_ROOM),
    ),
)


@REPORT_WORKFLOW.on_enter(S.RESOLVED)
def _stamp_resolved(report: Report, now: datetime) -> None:
    report.resolved_at = now


@REPORT_WORKFLOW.on_enter(S.IN_PROGRESS, S.SUBMITTED)
def _reopen(report: Report, now: datetime) -> None:
    report.resolved_at = None
