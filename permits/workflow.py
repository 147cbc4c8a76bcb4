"""The lifecycle of a permit, declared once with workflow.Workflow.

submitted → verification → technical review / site inspection → issued (approved) or
rejected; an issued permit is later revoked or completed by the licensing agency, or
expires. Nobody moves a permit to "expired" by hand: the transition has no role, only
the nightly task (permits.tasks.expire_permits) takes it, computing from the dates.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from tenancy.models import Role
from workflow.definition import Transition, Workflow

if TYPE_CHECKING:
    from permits.models import Permit


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    VERIFICATION = "verification", _("Verification")
    TECHNICAL_REVIEW = "technical_review", _("Technical review")
    SITE_INSPECTION = "site_inspection", _("Site inspection")
    ISSUED = "issued", _("Issued")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    COMPLETED = "completed", _("Completed")


# Still being worked by the licensing agency.
OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.VERIFICATION,
    Status.TECHNICAL_REVIEW,
    Status.SITE_INSPECTION,
)
# What the public sees: permits the city granted, whatever happened to them since.
# Applications (open or rejected) are the applicant's business until decided.
PUBLIC_STATUSES = (Status.ISSUED, Status.EXPIRED, Status.COMPLETED, Status.REVOKED)
# Statuses that need an issue date (the database checks it too).
GRANTED_STATUSES = PUBLIC_STATUSES

# Licensing agency (DPMPTSP) editors decide; field officers inspect; the city's
# administrators may do everything an editor may.
DECIDE = frozenset({Role.AGENCY_EDITOR.value, Role.CITY_ADMIN.value})
WORK = DECIDE | {Role.FIELD_OFFICER.value}
S = Status

PERMIT_WORKFLOW = Workflow(
    name="permit",
    states=tuple(Status.values),
    open_states=tuple(s.value for s in OPEN_STATUSES),
    transitions=(
        Transition(S.SUBMITTED, S.VERIFICATION, DECIDE),
        Transition(S.SUBMITTED, S.REJECTED, DECIDE),
        Transition(S.VERIFICATION, S.TECHNICAL_REVIEW, DECIDE),
        Transition(S.VERIFICATION, S.SITE_INSPECTION, DECIDE),
        Transition(S.VERIFICATION, S.REJECTED, DECIDE),
        Transition(S.TECHNICAL_REVIEW, S.SITE_INSPECTION, WORK),
        Transition(S.TECHNICAL_REVIEW, S.ISSUED, DECIDE),
        Transition(S.TECHNICAL_REVIEW, S.REJECTED, DECIDE),
        Transition(S.SITE_INSPECTION, S.TECHNICAL_REVIEW, WORK),
        Transition(S.SITE_INSPECTION, S.ISSUED, DECIDE),
        Transition(S.SITE_INSPECTION, S.REJECTED, DECIDE),
        Transition(S.ISSUED, S.REVOKED, DECIDE),
        Transition(S.ISSUED, S.COMPLETED, WORK),
        # No role: only the nightly expiry task (a service) takes it.
        Transition(S.ISSUED, S.EXPIRED),
    ),
)


@PERMIT_WORKFLOW.on_enter(S.ISSUED)
def _stamp_issued(permit: Permit, now: datetime) -> None:
    permit.stamp_issue(now)


@PERMIT_WORKFLOW.on_enter(S.COMPLETED)
def _stamp_completed(permit: Permit, now: datetime) -> None:
    if permit.completed_date is None:
        permit.completed_date = permit.local_date(now)
