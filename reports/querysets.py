"""Chainable filters for reports: public ones, open ones, late ones, someone's queue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone

from reports.choices import Publicity
from reports.workflow import HIDDEN_STATUSES, OPEN_STATUSES

if TYPE_CHECKING:
    from tenancy.access import Scope
    from tenancy.models import City


class ReportQuerySet(models.QuerySet):
    def in_city(self, city: City) -> ReportQuerySet:
        return self.filter(city=city)

    def public(self) -> ReportQuerySet:
        """Reports any public list may carry: not rejected, not of a private
        category."""
        return self.exclude(status__in=HIDDEN_STATUSES).exclude(
            category__publicity=Publicity.PRIVATE
        )

    def open(self) -> ReportQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self) -> ReportQuerySet:
        return self.open().filter(due_at__lt=timezone.now())

    def in_scope(self, scope: Scope) -> ReportQuerySet:
        """What a staff member may see: the whole city, or their agencies' queue."""
        qs = self.filter(city_id=scope.city_id)
        if scope.all_agencies:
            return qs
        return qs.filter(agency_id__in=scope.agency_ids)
