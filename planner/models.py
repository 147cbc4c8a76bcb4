"""The planner's records: population per admin area, analysis results (temporary
layers) and saved maps."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from tenancy.models import SRID, AdminArea, City


class AreaPopulation(models.Model):
    """The population of one kecamatan/kelurahan (optional: loaded with the
    boundaries or from a CSV by `manage.py load_population`)."""

    area = models.OneToOneField(
        AdminArea, on_delete=models.CASCADE, related_name="population"
    )
    population = models.PositiveIntegerField(_("population"))
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("area population")
        verbose_name_plural = _("area populations")

    def __str__(self) -> str:
        return f"{self.area}: {self.population}"


class AnalysisResult(models.Model):
    """One answer of the analysis API, kept as a temporary layer (its features in
    AnalysisFeature) until `expires_at`; a saved map keeps it (expires_at NULL)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=32)
    title = models.CharField(_("title"), max_length=300)
    params = models.JSONField(_("parameters"), default=dict)
    summary = models.JSONField(_("summary"), default=dict)
    # Property descriptions ({"name", "type", "label"}) of the features.
    fields = models.JSONField(_("fields"), default=list)
    geometry_type = models.CharField(max_length=30, default="Geometry")
    # Only public inputs make a public result; otherwise only its owner sees it.
    public = models.BooleanField(default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("analysis result")
        verbose_name_plural = _("analysis results")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def key(self) -> str:
        return f"analysis-{self.pk}"


class AnalysisFeature(models.Model):
    result = models.ForeignKey(
        AnalysisResult, on_delete=models.CASCADE, related_name="features"
    )
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    geom = models.GeometryField(srid=SRID)
    properties = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["result"], name="analysisfeature_result")]

    def __str__(self) -> str:
        return f"{self.result_id}/{self.pk}"


class SavedMap(models.Model):
    """A map state (the URL hash) saved by city staff under a title."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    state = models.TextField(_("map state"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("saved map")
        verbose_name_plural = _("saved maps")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title
