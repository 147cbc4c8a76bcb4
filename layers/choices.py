"""Choices the layers app's querysets need as well as its models (kept apart so that
querysets do not import models)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal (city staff)")
    AGENCY = "agency", _("Agency only")
    # A new upload's state until its agency publishes it: seen like AGENCY.
    DRAFT = "draft", _("Draft (its agency only)")


class UpdateFrequency(models.TextChoices):
    """How often a layer's data is updated (ISO 19115 MD_MaintenanceFrequencyCode)."""

    CONTINUAL = "continual", _("Continually")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    ANNUALLY = "annually", _("Annually")
    AS_NEEDED = "asNeeded", _("As needed")
    IRREGULAR = "irregular", _("Irregularly")
    NOT_PLANNED = "notPlanned", _("Not planned")
