"""Choices the layers app's querysets need as well as its models (kept apart so that
querysets do not import models)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal (city staff)")
    AGENCY = "agency", _("Agency only")
