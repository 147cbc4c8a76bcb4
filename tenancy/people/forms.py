"""The people page's form: a user name (existing account or a new one to invite),
an e-mail for a new account, a role, and the agency when the role needs one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from tenancy.models import Agency, City, Membership, Role
from tenancy.people.selectors import city_agencies
from tenancy.people.services import AGENCY_ROLES


class AddPersonForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("An existing account, or a new one to invite."),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("Needed only for a new account."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    agency: forms.ModelChoiceField[Agency] = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=None,
        required=False,
        empty_label=_("— whole city —"),
        help_text=_("Agency editors and field officers work for one agency."),
    )

    def __init__(self, city: City, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.city = city
        self.fields["agency"].queryset = city_agencies(city)  # type: ignore[attr-defined]

    def full_clean(self) -> None:
        super().full_clean()
        # Each refused field says so to assistive technology, next to its message.
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"{name}-error"}
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username, role = data.get("username"), data.get("role")
        agency = data.get("agency")
        if role in AGENCY_ROLES and agency is None:
            self.add_error("agency", _("This role works for one agency: choose it."))
        elif role and role not in AGENCY_ROLES and agency is not None:
            self.add_error(
                "agency", _("This role works for the whole city: leave it empty.")
            )
        if not username:
            return data
        user = get_user_model().objects.filter(username=username).first()
        if user is None and not data.get("email") and "email" not in self.errors:
            self.add_error(
                "email", _("There is no account with this name: give an e-mail.")
            )
        if (
            user is not None
            and role
            and Membership.objects.filter(
                city=self.city, user=user, role=role, agency=agency
            ).exists()
        ):
            self.add_error("role", _("This person already has this role here."))
        return data
