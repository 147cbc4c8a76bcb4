"""The reporter's word on a resolution (Jakarta's verification step): "fixed"
closes the report, "not fixed" sends it back to work and counts in the reopen rate
(the REOPENED timeline event the dashboard reads). Only the reporter may say it —
through a signed link in their resolution message or their "my reports" page — and
only within PETAKOTA_VERDICT_DAYS of the resolution."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gis_platform.edges import EdgeError, clean_text
from reports.models import Report, ReportEvent, Status
from reports.notifications.outbox import queue_event
from reports.workflow import REPORT_WORKFLOW, REPORTER

CONFIRM = "confirm"
REOPEN = "reopen"
MAX_REASON = 1000


class VerdictRefused(ValueError):
    pass


def can_give_verdict(report: Report) -> bool:
    if report.status != Status.RESOLVED or report.resolved_at is None:
        return False
    window = timedelta(days=settings.PETAKOTA_VERDICT_DAYS)
    return timezone.now() - report.resolved_at <= window


@transaction.atomic
def give_verdict(*, report: Report, decision: str, reason: str = "") -> ReportEvent:
    if decision not in (CONFIRM, REOPEN):
        raise VerdictRefused(_("Choose whether the problem is fixed."))
    try:
        reason = clean_text(reason or "", "reason", max_length=MAX_REASON).strip()
    except EdgeError:
        raise VerdictRefused(
            _("The reason may be at most %(n)d characters of plain text.")
            % {"n": MAX_REASON}
        ) from None
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not can_give_verdict(report):
        raise VerdictRefused(
            _("This report is not waiting for your confirmation any more.")
        )
    to_status = Status.CLOSED if decision == CONFIRM else Status.IN_PROGRESS
    REPORT_WORKFLOW.check(report.status, to_status, REPORTER)
    now = timezone.now()
    old = REPORT_WORKFLOW.enter(report, to_status, now)
    report.save(update_fields=["status", "resolved_at", "updated_at"])
    event = ReportEvent.objects.create(
        city_id=report.city_id,
        report=report,
        kind=(
            ReportEvent.Kind.CONFIRMED
            if decision == CONFIRM
            else ReportEvent.Kind.REOPENED
        ),
        from_status=old,
        to_status=to_status,
        agency_id=report.agency_id,
        public=True,
        at=now,
    )
    if reason:
        # The reporter's own words stay with staff: the public page shows the step.
        ReportEvent.objects.create(
            city_id=report.city_id,
            report=report,
            kind=ReportEvent.Kind.NOTE,
            note=_("The reporter wrote: %(reason)s") % {"reason": reason},
            public=False,
            at=now,
        )
    queue_event(event)
    return event
