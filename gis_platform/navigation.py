"""Where each person starts and which staff pages the header offers them.

The answers come from the one access policy (tenancy.access: the console for
`staff_scope`, imports for `may_import`, the people page for `may_manage_people`;
Django's is_staff for the admin): a link is shown only when following it would not end
on a 403."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from tenancy.access import (
    agency_work_scope,
    may_import,
    may_manage_people,
    may_watch_control_room,
    memberships_of,
    staff_scope,
    works_for_agency,
)
from tenancy.models import City, Role

# When a person holds several roles, the first one here decides their home.
HOME_ORDER = (
    Role.CITY_ADMIN,
    Role.OPERATOR,
    Role.AGENCY_EDITOR,
    Role.FIELD_OFFICER,
    Role.PLANNER,
)


@dataclass(frozen=True)
class NavLink:
    key: str
    label: str
    url: str


def _console(city: City) -> str:
    return reverse("reports:console", kwargs={"city_slug": city.slug})


def role_home(user: Any) -> str:
    """The page a signed-in person lands on when nothing else was asked for:
    operators and agency staff their console (the agency's queue), planners the
    city map, city administrators the city's settings in the admin (or the console
    when the admin is closed to them)."""
    if not user.is_authenticated:
        return reverse("layers:city-list")
    memberships = memberships_of(user)
    for role in HOME_ORDER:
        membership = next((m for m in memberships if m.role == role), None)
        if membership is None:
            continue
        city = membership.city
        if role == Role.CITY_ADMIN:
            if user.is_staff and user.has_perm("tenancy.change_city"):
                return reverse("admin:tenancy_city_change", args=[city.pk])
            return _console(city)
        if role == Role.PLANNER:
            return reverse("layers:city-map", kwargs={"city_slug": city.slug})
        return _console(city)
    if user.is_staff:
        return reverse("admin:index")
    return reverse("layers:city-list")


def staff_links(user: Any, city: City | None) -> list[NavLink]:
    """The staff pages `user` may open, for the header of a page about `city`."""

    if not user.is_authenticated:
        return []
    links: list[NavLink] = []
    if city is not None:
        if staff_scope(user, city) is not None:
            links.append(NavLink("console", _("Control room"), _console(city)))
        if may_watch_control_room(user, city):
            links.append(
                NavLink(
                    "dashboard",
                    _("Dashboard"),
                    reverse("dashboard:dashboard", kwargs={"city_slug": city.slug}),
                )
            )
        if may_import(user, city):
            links.append(
                NavLink(
                    "import",
                    _("Import"),
                    reverse("importers:upload", kwargs={"city_slug": city.slug}),
                )
            )
            links.append(
                NavLink(
                    "layers",
                    _("Manage layers"),
                    reverse("layers:manage", kwargs={"city_slug": city.slug}),
                )
            )
        if any(
            m.city_id == city.pk and m.role in (Role.FIELD_OFFICER, Role.AGENCY_EDITOR)
            for m in memberships_of(user)
        ):
            links.append(
                NavLink(
                    "capture",
                    _("Field capture"),
                    reverse("layers:capture-index", kwargs={"city_slug": city.slug}),
                )
            )
        work = agency_work_scope(user, city)
        if work is not None:
            links.append(
                NavLink(
                    "permits",
                    _("Permit desk"),
                    reverse("permits:staff-queue", kwargs={"city_slug": city.slug}),
                )
            )
        # Disnaker moderates vacancies (jobs.policy.MODERATING_AGENCY).
        if works_for_agency(user, city, "disnaker"):
            links.append(
                NavLink(
                    "jobs",
                    _("Vacancy moderation"),
                    reverse("jobs:moderate", kwargs={"city_slug": city.slug}),
                )
            )
        if may_manage_people(user, city):
            links.append(
                NavLink(
                    "people",
                    _("People"),
                    reverse("tenancy:people", kwargs={"city_slug": city.slug}),
                )
            )
    if user.is_staff:
        links.append(NavLink("admin", _("Admin"), reverse("admin:index")))
    return links
