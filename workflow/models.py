"""The timeline of a record with a workflow: one row per thing that happened to it.

`TimelineEvent` is abstract: each app keeps its own table (with the foreign key to its
record, its `kind` choices and whatever else it needs, such as a city) and inherits
who, when, the status change and the note from here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimelineEvent(models.Model):
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    public = models.BooleanField(_("public note"), default=False)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    @property
    def changes_status(self) -> bool:
        return bool(self.to_status) and self.to_status != self.from_status
