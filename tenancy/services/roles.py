"""Give and take roles from the command line (manage.py grant_role / revoke_role).

Errors are `RoleError`s with a message meant for the person at the terminal; nothing
is written when one is raised."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from tenancy.access import AGENCY_ROLES
from tenancy.models import Agency, City, Membership, Role

log = logging.getLogger(__name__)


class RoleError(Exception):
    """A grant or revoke that cannot be done; the message says why."""


def find_city(slug: str) -> City:
    city = City.objects.filter(slug=slug).first()
    if city is None:
        known = ", ".join(City.objects.values_list("slug", flat=True)) or "none yet"
        raise RoleError(f"No city {slug!r} (cities: {known}).")
    return city


def find_role(value: str) -> Role:
    if value not in Role.values:
        raise RoleError(f"No role {value!r} (roles: {', '.join(Role.values)}).")
    return Role(value)


def find_agency(city: City, slug: str | None) -> Agency | None:
    if slug is None:
        return None
    agency = Agency.objects.filter(city=city, slug=slug).first()
    if agency is None:
        known = ", ".join(city.agencies.values_list("slug", flat=True)) or "none"
        raise RoleError(f"No agency {slug!r} in {city.slug} (agencies: {known}).")
    return agency


def find_user(username: str) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise RoleError(f"No user {username!r} (use --create to create one).")
    return user


def new_user(username: str, password: str) -> Any:
    """An unsaved user with `password`, checked by the configured validators."""
    user = get_user_model()(username=username)
    try:
        user.full_clean(exclude=["password"])
        validate_password(password, user)
    except ValidationError as exc:
        raise RoleError(" ".join(exc.messages)) from exc
    user.set_password(password)
    return user


@transaction.atomic
def grant_role(
    *, user: Any, city: City, role: Role, agency: Agency | None
) -> tuple[Membership, bool]:
    """(the membership, whether it is new). Saves `user` first when it is new."""
    if role in AGENCY_ROLES and agency is None:
        raise RoleError(f"The role {role.value} needs an agency (--agency).")
    if user.pk is None:
        user.save()
    membership, created = Membership.objects.get_or_create(
        city=city, user=user, role=role, agency=agency
    )
    if created:
        log.info(
            "tenancy.role_granted city=%s user=%s role=%s agency=%s",
            city.slug,
            user.pk,
            role.value,
            agency.slug if agency else "",
        )
    return membership, created


@transaction.atomic
def revoke_role(*, user: Any, city: City, role: Role, agency: Agency | None) -> int:
    """Remove the membership; the number removed (0 when there was none)."""
    removed, _ = Membership.objects.filter(
        city=city, user=user, role=role, agency=agency
    ).delete()
    if removed:
        log.info(
            "tenancy.role_revoked city=%s user=%s role=%s agency=%s",
            city.slug,
            user.pk,
            role.value,
            agency.slug if agency else "",
        )
    return removed
