"""Who may import into which layer: agency editors into their agency's layers, city
administrators (and superusers) into any layer of their city."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from layers.models import Layer
from tenancy.models import Agency, City, Role


def import_agencies(user: Any, city: City) -> QuerySet[Agency]:
    if not user.is_authenticated:
        return Agency.objects.none()
    agencies = Agency.objects.filter(city=city)
    if user.is_superuser:
        return agencies
    memberships = user.memberships.filter(city=city)
    if memberships.filter(role=Role.CITY_ADMIN).exists():
        return agencies
    return agencies.filter(
        pk__in=memberships.filter(role=Role.AGENCY_EDITOR).values("agency_id")
    )


def importable_layers(user: Any, city: City) -> QuerySet[Layer]:
    return Layer.objects.filter(city=city, agency__in=import_agencies(user, city))


def can_import(user: Any, city: City) -> bool:
    return import_agencies(user, city).exists()
