"""Chainable filters for layers: who may see what."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from tenancy.models import City


class LayerQuerySet(models.QuerySet):
    def in_city(self, city: City) -> LayerQuerySet:
        return self.filter(city=city)

    def visible_to(
        self, user: AbstractBaseUser | AnonymousUser, city: City
    ) -> LayerQuerySet:
        """Public layers for everyone; internal layers for the city's staff; agency
        layers for that agency's members and the city's administrators."""
        from layers.models import Visibility
        from tenancy.models import Role

        qs = self.filter(city=city)
        if not user.is_authenticated:
            return qs.filter(visibility=Visibility.PUBLIC)
        if user.is_superuser:
            return qs
        memberships = user.memberships.filter(city=city)
        if not memberships.exists():
            return qs.filter(visibility=Visibility.PUBLIC)
        if memberships.filter(role=Role.CITY_ADMIN).exists():
            return qs
        agency_ids = memberships.exclude(agency=None).values("agency_id")
        return qs.filter(
            models.Q(visibility__in=[Visibility.PUBLIC, Visibility.INTERNAL])
            | models.Q(visibility=Visibility.AGENCY, agency_id__in=agency_ids)
        )
