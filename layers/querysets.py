"""Chainable filters for layers: who may see what."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from layers.choices import Visibility
from tenancy.access import read_scope

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from tenancy.models import City


class LayerQuerySet(models.QuerySet):
    def in_city(self, city: City) -> LayerQuerySet:
        return self.filter(city=city)

    def visible_to(
        self, user: AbstractBaseUser | AnonymousUser, city: City
    ) -> LayerQuerySet:
        """The city's layers `user` may see; tenancy.access.read_scope decides."""
        scope = read_scope(user, city)
        qs = self.filter(city=city)
        if not scope.internal:
            return qs.filter(visibility=Visibility.PUBLIC)
        if scope.all_agencies:
            return qs
        return qs.filter(
            models.Q(visibility__in=[Visibility.PUBLIC, Visibility.INTERNAL])
            | models.Q(
                visibility__in=[Visibility.AGENCY, Visibility.DRAFT],
                agency_id__in=scope.agency_ids,
            )
        )
