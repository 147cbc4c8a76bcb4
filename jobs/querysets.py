"""Chainable filters of vacancies."""

from __future__ import annotations

from datetime import date

from django.contrib.gis.db import models

from jobs.workflow import Status


class VacancyQuerySet(models.QuerySet):
    def public(self, city_id: int, today: date) -> VacancyQuerySet:
        """What the public sees: published, posted by `today` and not past its
        closing date (`today` in the city's zone; see jobs.selectors.city_today)."""
        return self.filter(
            city_id=city_id,
            status=Status.PUBLISHED,
            closes_on__gte=today,
            posted_on__lte=today,
        )
