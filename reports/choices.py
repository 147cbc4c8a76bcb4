"""Plain choices of the reports app that its querysets need as well as its models
(kept apart so that querysets do not import models). Statuses are the workflow's:
reports/workflow.py."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Publicity(models.TextChoices):
    """How much of a category's reports the public sees."""

    PUBLIC = "public", _("Public (exact location)")
    FUZZED = "fuzzed", _("Public, fuzzed location")
    PRIVATE = "private", _("Private (staff only)")
