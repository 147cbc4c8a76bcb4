"""`{% load city_time %}` then `{{ report.created_at|city_time:city }}`: a time in the
city's zone with its label (WIB/WITA/WIT), in the page's language."""

from __future__ import annotations

from datetime import datetime

from django import template

from layers.local_time import format_local
from tenancy.models import City

register = template.Library()


@register.filter
def city_time(value: datetime | str | None, city: City) -> str:
    return format_local(value, city)
