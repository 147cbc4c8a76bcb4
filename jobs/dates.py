"""Today's date in a city's own zone: a vacancy "closes on" a local calendar day."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from layers.local_time import city_zone
from tenancy.models import City


def city_today(city: City, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(city_zone(city)).date()
