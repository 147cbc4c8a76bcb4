"""The Django admin, city by city: staff who are not superusers see, and may pick,
only the records of the cities they administer (tenancy.access.admin_cities).

Without this, `is_staff` plus a model permission showed every city's records: a
city administrator of one city could read another city's private reports and give
themselves a membership there."""

from __future__ import annotations

from typing import Any

from django.db.models import ForeignKey, Model, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest

from tenancy.access import admin_cities
from tenancy.models import City


class CityScoped:
    """Mix into a ModelAdmin or an inline, before the admin class. `city_field` is
    the path from the model to its City ("" for City itself)."""

    city_field = "city"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        cities = admin_cities(request.user)
        if cities is None:
            return qs
        lookup = f"{self.city_field}__in" if self.city_field else "pk__in"
        return qs.filter(**{lookup: cities})

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        cities = admin_cities(request.user)
        if cities is not None:
            related: type[Model] = db_field.related_model  # type: ignore[assignment]
            if related is City:
                kwargs["queryset"] = cities
            elif any(f.name == "city" for f in related._meta.get_fields()):
                # Areas, agencies, layers, categories, reports: this city's only
                # (raw-id fields too: another city's id is refused as invalid).
                kwargs["queryset"] = related._default_manager.filter(city__in=cities)
        return super().formfield_for_foreignkey(  # type: ignore[misc]
            db_field, request, **kwargs
        )
