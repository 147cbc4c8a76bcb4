"""Reads for the people page."""

from __future__ import annotations

from django.db.models import QuerySet

from tenancy.models import Agency, City, Membership


def city_members(city: City) -> QuerySet[Membership]:
    """Every membership of `city`, with its user and agency, by user name."""
    return (
        Membership.objects.filter(city=city)
        .select_related("user", "agency")
        .order_by("user__username", "role", "agency__name")
    )


def city_agencies(city: City) -> QuerySet[Agency]:
    return Agency.objects.filter(city=city).order_by("name")
