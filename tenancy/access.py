"""The one access policy: what a user may see and do in a city or an agency.

Every "may this user ..." question is answered here, from the user's memberships
(`tenancy.models.Membership`); layers, imports, reports and every new app ask this
module and never read memberships themselves.

| role          | sees layers                     | imports into | works reports |
|---------------|---------------------------------|--------------|---------------|
| anonymous     | public                          | -            | -             |
| (any member)  | public, internal, own agencies' | -            | -             |
| city_admin    | all of the city                 | every agency | every agency  |
| operator      | public, internal, own agencies' | -            | every agency  |
| planner       | public, internal, own agencies' | -            | -             |
| agency_editor | public, internal, own agencies' | its agency   | its agency    |
| field_officer | public, internal, own agencies' | -            | its agency    |
| superuser     | everything in every city        | every agency | every agency  |

Membership of another city gives nothing in this one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from tenancy.models import Agency, City, Membership, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser

# Roles that work every report of their city, and those that work their agency's.
CITY_WIDE = (Role.OPERATOR, Role.CITY_ADMIN)
AGENCY_ROLES = (Role.AGENCY_EDITOR, Role.FIELD_OFFICER)


@dataclass(frozen=True)
class Scope:
    """The agencies whose records a user works (reports) in one city."""

    city_id: int
    all_agencies: bool
    agency_ids: frozenset[int] = field(default_factory=frozenset)

    def covers(self, agency_id: int | None) -> bool:
        return self.all_agencies or (
            agency_id is not None and agency_id in self.agency_ids
        )


@dataclass(frozen=True)
class ReadScope:
    """What a user may read in one city: public records always; internal records
    when they are city staff; agency-only records of `agency_ids`, or of every
    agency when `all_agencies`."""

    city_id: int
    internal: bool = False
    all_agencies: bool = False
    agency_ids: frozenset[int] = field(default_factory=frozenset)


def _is_superuser(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


def read_scope(user: User, city: City) -> ReadScope:
    """Public layers for everyone; internal layers for the city's staff (anyone
    with a membership there); agency layers for that agency's members and the
    city's administrators."""
    if not user.is_authenticated:
        return ReadScope(city.pk)
    if _is_superuser(user):
        return ReadScope(city.pk, internal=True, all_agencies=True)
    rows = list(
        Membership.objects.filter(user_id=user.pk, city=city).values_list(
            "role", "agency_id"
        )
    )
    if not rows:
        return ReadScope(city.pk)
    if any(role == Role.CITY_ADMIN for role, _ in rows):
        return ReadScope(city.pk, internal=True, all_agencies=True)
    agencies = frozenset(agency for _, agency in rows if agency is not None)
    return ReadScope(city.pk, internal=True, agency_ids=agencies)


def import_agencies(user: User, city: City) -> QuerySet[Agency]:
    """The agencies `user` may import layers for in `city`: agency editors their
    agency's, city administrators (and superusers) every agency of the city."""
    if not user.is_authenticated:
        return Agency.objects.none()
    agencies = Agency.objects.filter(city=city)
    if _is_superuser(user):
        return agencies
    memberships = Membership.objects.filter(user_id=user.pk, city=city)
    if memberships.filter(role=Role.CITY_ADMIN).exists():
        return agencies
    return agencies.filter(
        pk__in=memberships.filter(role=Role.AGENCY_EDITOR).values("agency_id")
    )


def may_import(user: User, city: City) -> bool:
    return import_agencies(user, city).exists()


def staff_scope(user: User, city: City) -> Scope | None:
    """The reports `user` may work in `city`, or None when they may work none.

    Operators and city administrators work every report of their city; agency
    editors and field officers their agency's queue only; everyone else (planners,
    the public) gets the public pages and nothing more."""
    if not user.is_authenticated:
        return None
    if _is_superuser(user):
        return Scope(city.pk, all_agencies=True)
    rows = list(
        Membership.objects.filter(
            user_id=user.pk, city=city, role__in=[*CITY_WIDE, *AGENCY_ROLES]
        ).values_list("role", "agency_id")
    )
    if any(role in CITY_WIDE for role, _ in rows):
        return Scope(city.pk, all_agencies=True)
    agencies = frozenset(agency for _, agency in rows if agency is not None)
    if not agencies:
        return None
    return Scope(city.pk, all_agencies=False, agency_ids=agencies)


def agency_work_scope(user: User, city: City) -> Scope | None:
    """The agencies whose own records (permits, vacancies...) `user` works in
    `city`: every agency for city administrators and superusers; their agencies
    for agency editors and field officers; None for everyone else (operators work
    reports, not other agencies' licensing)."""
    if not user.is_authenticated:
        return None
    if _is_superuser(user):
        return Scope(city.pk, all_agencies=True)
    rows = list(
        Membership.objects.filter(
            user_id=user.pk, city=city, role__in=[Role.CITY_ADMIN, *AGENCY_ROLES]
        ).values_list("role", "agency_id")
    )
    if any(role == Role.CITY_ADMIN for role, _ in rows):
        return Scope(city.pk, all_agencies=True)
    agencies = frozenset(agency for _, agency in rows if agency is not None)
    if not agencies:
        return None
    return Scope(city.pk, all_agencies=False, agency_ids=agencies)


def agency_roles(user: User, city: City, agency_id: int | None) -> frozenset[str]:
    """The roles `user` acts with on a record of agency `agency_id` in `city` (for
    a workflow's role check): city administrators and superusers act as
    city_admin; agency members with their roles in that agency."""
    if not user.is_authenticated:
        return frozenset()
    if _is_superuser(user):
        return frozenset({Role.CITY_ADMIN.value})
    rows = Membership.objects.filter(user_id=user.pk, city=city).values_list(
        "role", "agency_id"
    )
    roles = set()
    for role, agency in rows:
        own_agency = agency is not None and agency == agency_id
        if role == Role.CITY_ADMIN or (role in AGENCY_ROLES and own_agency):
            roles.add(role)
    return frozenset(roles)


def memberships_of(user: User) -> list[Membership]:
    """Every membership of a signed-in user, with its city, by city name."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user_id=user.pk)
        .select_related("city")
        .order_by("city__name")
    )


def may_manage_people(user: User, city: City) -> bool:
    """Who may add, invite and remove the city's people (/<city>/people/): its
    administrators and superusers."""
    if not user.is_authenticated:
        return False
    if _is_superuser(user):
        return True
    return Membership.objects.filter(
        user_id=user.pk, city=city, role=Role.CITY_ADMIN
    ).exists()


def admin_cities(user: User) -> QuerySet[City] | None:
    """The cities whose records `user` may see and edit in the Django admin: every
    city for superusers (None), else the cities they administer (the admin's own
    model permissions still decide which kinds of record)."""
    if _is_superuser(user):
        return None
    if not user.is_authenticated:
        return City.objects.none()
    return City.objects.filter(
        pk__in=Membership.objects.filter(user_id=user.pk, role=Role.CITY_ADMIN).values(
            "city_id"
        )
    )


def works_for_agency(user: User, city: City, agency_slug: str) -> bool:
    """Whether `user` works the records of the agency `agency_slug` of `city` (e.g.
    Disnaker moderating job vacancies): its editors and field officers, the city's
    administrators, superusers."""
    if not user.is_authenticated:
        return False
    if _is_superuser(user):
        return True
    memberships = Membership.objects.filter(user_id=user.pk, city=city)
    return memberships.filter(
        Q(role=Role.CITY_ADMIN) | Q(role__in=AGENCY_ROLES, agency__slug=agency_slug)
    ).exists()


def may_watch_control_room(user: User, city: City) -> bool:
    """Who sees the control-room dashboard (/<city>/dashboard/) and its exports:
    the city's operators and administrators, and superusers."""
    if not user.is_authenticated:
        return False
    if _is_superuser(user):
        return True
    return Membership.objects.filter(
        user_id=user.pk, city=city, role__in=CITY_WIDE
    ).exists()


def may_set_targets(user: User, city: City) -> bool:
    """Who edits the dashboard's targets: the city's administrators (and
    superusers)."""
    return may_manage_people(user, city)


def facility_agencies(user: User, city: City) -> QuerySet[Agency]:
    """The agencies whose facilities (beds, phones, hours) `user` may update in
    `city`: agency editors and field officers their agency's, city administrators
    (and superusers) every agency's."""
    if not user.is_authenticated:
        return Agency.objects.none()
    agencies = Agency.objects.filter(city=city)
    if _is_superuser(user):
        return agencies
    memberships = Membership.objects.filter(user_id=user.pk, city=city)
    if memberships.filter(role=Role.CITY_ADMIN).exists():
        return agencies
    return agencies.filter(
        pk__in=memberships.filter(role__in=AGENCY_ROLES).values("agency_id")
    )


def may_edit_layer(user: User, city: City, agency_id: int | None) -> bool:
    """Who may change a layer of `city` owned by `agency_id` (its metadata, style,
    visibility and features): the owner agency's editors, the city's
    administrators and superusers. A layer without an owner agency: administrators
    only."""
    if not user.is_authenticated:
        return False
    if _is_superuser(user):
        return True
    rows = Membership.objects.filter(user_id=user.pk, city=city).values_list(
        "role", "agency_id"
    )
    return any(
        role == Role.CITY_ADMIN
        or (role == Role.AGENCY_EDITOR and agency is not None and agency == agency_id)
        for role, agency in rows
    )


def editable_agencies(user: User, city: City) -> QuerySet[Agency] | None:
    """The agencies whose layers `user` may manage in `city` (None: every agency
    and the layers without one, for administrators and superusers)."""
    if _is_superuser(user):
        return None
    if not user.is_authenticated:
        return Agency.objects.none()
    memberships = Membership.objects.filter(user_id=user.pk, city=city)
    if memberships.filter(role=Role.CITY_ADMIN).exists():
        return None
    return Agency.objects.filter(
        city=city,
        pk__in=memberships.filter(role=Role.AGENCY_EDITOR).values("agency_id"),
    )


def may_capture_features(user: User, city: City, agency_id: int | None) -> bool:
    """Who may add and update (not delete) features of a layer of `city` owned by
    `agency_id`, e.g. from the field-capture page: everyone may_edit_layer allows,
    and the owner agency's field officers (a layer without an owner agency:
    administrators only)."""
    if may_edit_layer(user, city, agency_id):
        return True
    if agency_id is None or not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user_id=user.pk, city=city, agency_id=agency_id, role=Role.FIELD_OFFICER
    ).exists()
