"""Writes for the people page: give someone a role in a city (creating the account
when they have none yet), take a role away, and the one-time set-password link of an
invited person. Who may call these is decided by tenancy.access.may_manage_people."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from tenancy.models import Agency, City, Membership, Role

log = logging.getLogger(__name__)

# Roles that work for one agency, and so need one; the others work city-wide.
AGENCY_ROLES = (Role.AGENCY_EDITOR, Role.FIELD_OFFICER)


@dataclass(frozen=True)
class Added:
    membership: Membership
    # True when the account was created now (it has no usable password yet).
    invited: bool


@transaction.atomic
def add_member(
    *,
    city: City,
    username: str,
    email: str,
    role: str,
    agency: Agency | None,
) -> Added:
    """Give `username` the `role` in `city` (and `agency`). A user name with no
    account becomes a new account with `email` and an unusable password; the caller
    hands the person a set-password link (`set_password_path`). The form has
    validated the combination; the database constraint still refuses duplicates."""
    if agency is not None and agency.city_id != city.pk:
        raise ValueError("The agency belongs to another city.")
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    invited = user is None
    if user is None:
        user = user_model(username=username, email=email)
        user.set_unusable_password()
        user.save()
    membership = Membership.objects.create(
        city=city, user=user, role=role, agency=agency
    )
    log.info(
        "people.added city=%s user=%s role=%s agency=%s invited=%s",
        city.slug,
        user.pk,
        role,
        agency.slug if agency else "",
        invited,
    )
    return Added(membership=membership, invited=invited)


@transaction.atomic
def remove_member(*, city: City, membership_id: int, actor: Any) -> Membership:
    """Take one role away. A city administrator cannot remove their own
    administrator role (nobody would be left to give it back)."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "agency")
        .get(pk=membership_id, city=city)
    )
    if membership.user_id == actor.pk and membership.role == Role.CITY_ADMIN:
        raise PermissionDenied(_("You cannot remove your own administrator role."))
    membership.delete()
    log.info(
        "people.removed city=%s user=%s role=%s",
        city.slug,
        membership.user_id,
        membership.role,
    )
    return membership


def set_password_path(user: Any) -> str:
    """The one-time link an invited person sets their password with: Django's
    password-reset token, which stops working once a password is set (or after
    PASSWORD_RESET_TIMEOUT)."""
    return reverse(
        "tenancy:set-password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


def mail_configured() -> bool:
    """Whether this deployment can send mail: an e-mail backend other than SMTP on
    localhost (Django's default, which no server here listens on)."""
    return (
        settings.EMAIL_BACKEND != "django.core.mail.backends.smtp.EmailBackend"
        or settings.EMAIL_HOST != "localhost"
    )


def send_invitation(*, city: City, user: Any, link: str) -> bool:
    """E-mail the set-password link when mail is configured; False when not sent."""
    if not (mail_configured() and user.email):
        return False
    send_mail(
        _("Your PetaKota account for %(city)s") % {"city": city.name},
        _(
            "You have been given a role in %(city)s on PetaKota.\n"
            "Choose your password here (the link works once): %(link)s\n"
            "Your user name: %(username)s"
        )
        % {"city": city.name, "link": link, "username": user.get_username()},
        None,
        [user.email],
    )
    return True
