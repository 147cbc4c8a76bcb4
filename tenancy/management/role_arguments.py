"""The arguments grant_role and revoke_role share: USERNAME CITY ROLE [--agency]."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from tenancy.models import Agency, City, Role
from tenancy.services.roles import find_agency, find_city, find_role


def add_role_arguments(parser: CommandParser) -> None:
    parser.add_argument("username")
    parser.add_argument("city", help="city slug, e.g. kota-tangerang")
    parser.add_argument("role", help=f"one of: {', '.join(Role.values)}")
    parser.add_argument("--agency", help="agency slug, e.g. dinas-pu")


def role_arguments(opts: dict[str, Any]) -> tuple[City, Role, Agency | None]:
    """(city, role, agency) named by the options; RoleError when one is unknown."""
    city = find_city(opts["city"])
    return city, find_role(opts["role"]), find_agency(city, opts["agency"])
