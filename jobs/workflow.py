"""The lifecycle of a vacancy, declared once with workflow.Workflow.

An employer (or Disnaker staff for them) writes a draft and submits it; Disnaker
moderates: publishes it or rejects it with a reason; a rejected vacancy may be
corrected and submitted again. A published vacancy is closed by its employer, by
Disnaker, or by the nightly task once its closing date has passed (jobs.tasks);
public outputs also filter on the closing date at query time, so an expired vacancy
leaves them at midnight even before that task runs.

Roles are the two jobs roles `jobs.policy` derives for a person and a vacancy:
EMPLOYER (a member of the vacancy's employer) and MODERATOR (Disnaker staff).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from workflow.definition import Transition, Workflow

EMPLOYER = "jobs_employer"
MODERATOR = "jobs_moderator"
BOTH = frozenset({EMPLOYER, MODERATOR})
ONLY_MODERATOR = frozenset({MODERATOR})


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting moderation")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed")


S = Status

VACANCY_WORKFLOW = Workflow(
    name="vacancy",
    states=tuple(Status.values),
    open_states=(S.SUBMITTED.value,),
    transitions=(
        Transition(S.DRAFT, S.SUBMITTED, BOTH),
        Transition(S.DRAFT, S.CLOSED, BOTH),
        Transition(S.SUBMITTED, S.PUBLISHED, ONLY_MODERATOR),
        Transition(S.SUBMITTED, S.REJECTED, ONLY_MODERATOR),
        Transition(S.SUBMITTED, S.CLOSED, BOTH),
        Transition(S.REJECTED, S.SUBMITTED, BOTH),
        Transition(S.REJECTED, S.CLOSED, BOTH),
        Transition(S.PUBLISHED, S.CLOSED, BOTH),
    ),
)
