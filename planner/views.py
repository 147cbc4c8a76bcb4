"""The planner's pages: the city's saved maps, each opening the city map in its
saved state."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from planner.models import SavedMap
from planner.services import staff_may_save
from tenancy.resolve import city_or_404


def saved_maps(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = city_or_404(city_slug)
    maps = SavedMap.objects.filter(city=city).select_related("owner")[:500]
    return render(
        request,
        "planner/saved_maps.html",
        {"city": city, "maps": maps, "can_save": staff_may_save(request.user, city)},
    )


def open_map(request: HttpRequest, city_slug: str, map_id: int) -> HttpResponse:
    city = city_or_404(city_slug)
    saved = get_object_or_404(SavedMap, city=city, pk=map_id)
    url = reverse("layers:city-map", kwargs={"city_slug": city.slug})
    return HttpResponseRedirect(f"{url}#{saved.state}")
