"""manage.py grant_role USERNAME CITY ROLE [--agency SLUG] [--create]"""

import os
import sys
from getpass import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenancy.management.role_arguments import add_role_arguments, role_arguments
from tenancy.services.roles import RoleError, find_user, grant_role, new_user

NEW_USER_ENV = "PETAKOTA_NEW_USER_PASSWORD"


class Command(BaseCommand):
    help = (
        "Give a user a role in a city (and agency). With --create a missing user is "
        f"created, with the password from ${NEW_USER_ENV} or asked for at the "
        "terminal. Unknown city, role, agency or user: an error and a non-zero exit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_role_arguments(parser)
        parser.add_argument(
            "--create", action="store_true", help="create the user when missing"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            city, role, agency = role_arguments(opts)
            try:
                user = find_user(opts["username"])
            except RoleError:
                if not opts["create"]:
                    raise
                user = new_user(opts["username"], self._password())
            membership, created = grant_role(
                user=user, city=city, role=role, agency=agency
            )
        except RoleError as exc:
            raise CommandError(str(exc)) from exc
        if created:
            self.stdout.write(f"Granted: {membership}")
        else:
            self.stdout.write(f"Already held: {membership}")

    def _password(self) -> str:
        password = os.environ.get(NEW_USER_ENV, "")
        if password:
            return password
        if not sys.stdin.isatty():
            raise RoleError(
                f"A new user needs a password: set {NEW_USER_ENV} or run the "
                "command at a terminal."
            )
        password = getpass("Password for the new user: ")
        if password != getpass("Password (again): "):
            raise RoleError("The passwords differ.")
        if not password:
            raise RoleError("The password is empty.")
        return password
