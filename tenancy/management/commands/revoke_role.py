"""manage.py revoke_role USERNAME CITY ROLE [--agency SLUG]"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenancy.management.role_arguments import add_role_arguments, role_arguments
from tenancy.services.roles import RoleError, find_user, revoke_role


class Command(BaseCommand):
    help = (
        "Take a role in a city (and agency) away from a user. Unknown user, city, "
        "role or agency, or a role the user does not hold: an error and a non-zero "
        "exit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_role_arguments(parser)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            city, role, agency = role_arguments(opts)
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
