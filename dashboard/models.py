"""The control room's targets: what a city promises per report category.

One row per city with no category is the city's default; a row per category
overrides it. Without any row the defaults are Jakarta's CRM promises: coordinate
(first response) within 6 hours, resolve within 7 days. The report's own SLA (its
`due_at`, from the category's `sla_hours`) stays what "overdue" and "within SLA"
are measured against; these targets colour the dashboard's indicators."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from reports.models import Category
from tenancy.models import City

DEFAULT_FIRST_RESPONSE_HOURS = 6
DEFAULT_RESOLUTION_HOURS = 7 * 24
DEFAULT_WITHIN_SLA_PCT = 80
DEFAULT_REOPEN_PCT = 5
HOURS_MAX = 24 * 365


class Target(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
        help_text=_("Empty: the city's default for every category."),
    )
    first_response_hours = models.PositiveIntegerField(
        _("first response within (hours)"),
        default=DEFAULT_FIRST_RESPONSE_HOURS,
        validators=[MinValueValidator(1), MaxValueValidator(HOURS_MAX)],
    )
    resolution_hours = models.PositiveIntegerField(
        _("resolution within (hours)"),
        default=DEFAULT_RESOLUTION_HOURS,
        validators=[MinValueValidator(1), MaxValueValidator(HOURS_MAX)],
    )
    within_sla_pct = models.PositiveSmallIntegerField(
        _("resolved within SLA, at least (%)"),
        default=DEFAULT_WITHIN_SLA_PCT,
        validators=[MaxValueValidator(100)],
    )
    reopen_pct = models.PositiveSmallIntegerField(
        _("reopened, at most (%)"),
        default=DEFAULT_REOPEN_PCT,
        validators=[MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("dashboard target")
        verbose_name_plural = _("dashboard targets")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "category"],
                name="target_city_category",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.city_id}/{self.category_id or '*'}"
