"""Who may do what with reports, from the foundation's roles.

Operators and city administrators work every report of their city; agency editors and
field officers work their agency's queue only; everyone else (planners, the public)
gets the public pages and nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from tenancy.models import City, Role

CITY_WIDE = (Role.OPERATOR, Role.CITY_ADMIN)
AGENCY_ROLES = (Role.AGENCY_EDITOR, Role.FIELD_OFFICER)


@dataclass(frozen=True)
class Scope:
    city_id: int
    all_agencies: bool
    agency_ids: frozenset[int] = field(default_factory=frozenset)

    def covers(self, agency_id: int | None) -> bool:
        return self.all_agencies or (
            agency_id is not None and agency_id in self.agency_ids
        )


def staff_scope(user: AbstractBaseUser | AnonymousUser, city: City) -> Scope | None:
    """The reports `user` may work in `city`, or None when they may work none."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Scope(city.pk, all_agencies=True)
    rows = list(
        user.memberships.filter(
            city=city, role__in=[*CITY_WIDE, *AGENCY_ROLES]
        ).values_list("role", "agency_id")
    )
    if any(role in CITY_WIDE for role, _ in rows):
        return Scope(city.pk, all_agencies=True)
    agencies = frozenset(agency for _, agency in rows if agency is not None)
    if not agencies:
        return None
    return Scope(city.pk, all_agencies=False, agency_ids=agencies)
