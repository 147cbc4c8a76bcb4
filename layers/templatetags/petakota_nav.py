"""`{% staff_links as links %}`: the staff pages the signed-in person may open, for
the header of the page's city (`city` in the context), from gis_platform.navigation."""

from __future__ import annotations

from typing import Any

from django import template

from gis_platform.navigation import NavLink
from gis_platform.navigation import staff_links as _staff_links
from tenancy.models import City

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_links(context: template.Context) -> list[NavLink]:
    request = context.get("request")
    if request is None:
        return []
    city: Any = context.get("city")
    return _staff_links(request.user, city if isinstance(city, City) else None)
