"""Import jobs: one uploaded file on its way into a layer, with progress and report."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from layers.models import Layer
from tenancy.models import Agency, City


def upload_path(job: ImportJob, filename: str) -> str:
    return f"imports/{job.city_id}/{job.token}/{filename}"


class ImportJob(models.Model):
    class Status(models.TextChoices):
        # The upload is stored; the worker is unpacking and previewing it.
        CHECKING = "checking", _("Checking the file")
        PREVIEW = "preview", _("Waiting for confirmation")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Mode(models.TextChoices):
        CREATE = "create", _("Create a new layer")
        REPLACE = "replace", _("Replace the layer's features")
        APPEND = "append", _("Append features")
        UPSERT = "upsert", _("Update or insert by key")

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)
    # States in which a worker task is expected to move the job on.
    ACTIVE = (Status.CHECKING, Status.QUEUED, Status.RUNNING)

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    # A random token names the upload folder, so file paths cannot be guessed.
    token = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    layer = models.ForeignKey(
        Layer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # For a layer the import creates: slug and title.
    new_layer_slug = models.SlugField(_("new layer slug"), max_length=80, blank=True)
    new_layer_title = models.CharField(_("new layer title"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to=upload_path, max_length=500)
    original_name = models.CharField(_("file name"), max_length=255)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    key = models.CharField(_("key column"), max_length=200, blank=True)
    srid = models.PositiveIntegerField(_("EPSG code"), null=True, blank=True)
    layer_name = models.CharField(_("layer in the file"), max_length=200, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    # Queue the import as soon as the file is checked (the API's confirm=true).
    confirm_when_checked = models.BooleanField(default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PREVIEW
    )
    phase = models.CharField(_("phase"), max_length=20, blank=True)
    done = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    preview = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["city", "status"], name="importjob_city_status")
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        # Reading is most of the work; validating and writing take the last tenth.
        share = {"reading": 0.9, "validating": 0.92, "writing": 0.95}.get(self.phase, 0)
        if self.phase == "reading":
            return int(90 * min(self.done / self.total, 1))
        return int(100 * share)
