"""manage.py revoke_role USERNAME CITY ROLE [--agency SLUG]"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenancy.models import Role
from tenancy.services.roles import (
    RoleError,
    find_agency,
    find_city,
    find_role,
    find_user,
    revoke_role,
)


class Command(BaseCommand):
    help = (
        "Take a role in a city (and agency) away from a user. Unknown user, city, "
        "role or agency, or a role the user does not hold: an error and a non-zero "
        "exit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("city", help="city slug, e.g. kota-tangerang")
        parser.add_argument("role", help=f"one of: {', '.join(Role.values)}")
        parser.add_argument("--agency", help="agency slug, e.g. dinas-pupr")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            city = find_city(opts["city"])
            role = find_role(opts["role"])
            agency = find_agency(city, opts["agency"])
            user = find_user(opts["username"])
            removed = revoke_role(user=user, city=city, role=role, agency=agency)
        except RoleError as exc:
            raise CommandError(str(exc)) from exc
        where = city.slug + (f" / {agency.slug}" if agency else "")
        if not removed:
            raise CommandError(
                f"{user.username} does not hold {role.value} in {where}; "
                "nothing changed."
            )
        self.stdout.write(f"Revoked: {user.username} — {role.value} @ {where}")
