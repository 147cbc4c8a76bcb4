"""/<city>/people/: the city's members, and the administrator's add / invite / remove.

Each view translates HTTP into one selector or service call; who may use the page is
tenancy.access.may_manage_people's answer (others get the explaining 403 page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import PasswordResetConfirmView, redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tenancy.access import may_manage_people
from tenancy.models import City, Membership
from tenancy.people import services
from tenancy.people.forms import AddPersonForm
from tenancy.people.selectors import city_members
from tenancy.resolve import city_or_404

# The set-password link of the person invited last, shown once on the next page.
INVITE_SESSION_KEY = "tenancy.people.invite"


def _city_for_admin(request: HttpRequest, city_slug: str) -> City | HttpResponse:
    city = city_or_404(city_slug, with_boundary=False)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not may_manage_people(request.user, city):
        raise PermissionDenied(_("Managing people is for the city's administrators."))
    return city


def _people_url(city: City) -> str:
    return reverse("tenancy:people", kwargs={"city_slug": city.slug})


def people_page(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = _city_for_admin(request, city_slug)
    if isinstance(city, HttpResponse):
        return city
    form = AddPersonForm(city, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        added = services.add_member(
            city=city,
            username=data["username"],
            email=data["email"],
            role=data["role"],
            agency=data["agency"],
        )
        user = added.membership.user
        if added.invited:
            link = request.build_absolute_uri(services.set_password_path(user))
            mailed = services.send_invitation(city=city, user=user, link=link)
            request.session[INVITE_SESSION_KEY] = {
                "username": user.get_username(),
                "link": link,
                "mailed": mailed,
            }
        messages.success(
            request,
            _("%(user)s is now %(role)s.")
            % {
                "user": user.get_username(),
                "role": added.membership.get_role_display(),
            },
        )
        return redirect(_people_url(city))
    # A refused form comes back as the page (200, as Django's own forms do), each
    # message next to its field.
    return render(
        request,
        "tenancy/people.html",
        {
            "city": city,
            "form": form,
            "members": city_members(city),
            "invite": request.session.pop(INVITE_SESSION_KEY, None),
        },
    )


@require_POST
def remove_member(
    request: HttpRequest, city_slug: str, membership_id: int
) -> HttpResponse:
    city = _city_for_admin(request, city_slug)
    if isinstance(city, HttpResponse):
        return city
    get_object_or_404(Membership, pk=membership_id, city=city)
    removed = services.remove_member(
        city=city, membership_id=membership_id, actor=request.user
    )
    messages.success(
        request,
        _("%(user)s is no longer %(role)s.")
        % {"user": removed.user.get_username(), "role": removed.get_role_display()},
    )
    return redirect(_people_url(city))


class SetPasswordView(PasswordResetConfirmView):
    """The invited person's one-time link: choose a password, then sign in."""

    template_name = "tenancy/set_password.html"
    success_url = reverse_lazy("accounts:login")
    title = gettext_lazy("Choose your password")
