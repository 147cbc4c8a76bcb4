"""/<city>/people/: a city administrator adds, invites and removes the city's people."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from tenancy.models import Membership, Role
from tests.factories import AgencyFactory, CityFactory, MembershipFactory, UserFactory

User = get_user_model()


@pytest.fixture
def city(db):
    return CityFactory(slug="kota-orang", name="Kota Orang", time_zone="Asia/Makassar")


@pytest.fixture
def agency(city):
    return AgencyFactory(city=city, slug="dinas-pu", name="Dinas PU")


@pytest.fixture
def admin_client(city) -> Client:
    admin = MembershipFactory(city=city, role=Role.CITY_ADMIN, user__username="admin1")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin.user)
    return client


def url(city, suffix: str = "") -> str:
    return f"/{city.slug}/people/{suffix}"


def test_page_lists_members_with_role_agency_and_city_time(admin_client, city, agency):
    MembershipFactory(
        city=city, role=Role.AGENCY_EDITOR, agency=agency, user__username="budi"
    )
    response = admin_client.get(url(city))
    assert response.status_code == 200
    html = response.content.decode()
    row = re.search(r'<tr data-member="budi".*?</tr>', html, re.S).group(0)
    assert "Agency editor" in row
    assert "Dinas PU" in row
    assert "WITA" in row  # the city's zone (Asia/Makassar), not the server's


@pytest.mark.parametrize(
    "role", [Role.OPERATOR, Role.PLANNER, Role.AGENCY_EDITOR, Role.FIELD_OFFICER]
)
def test_other_roles_get_the_explaining_403(city, agency, role):
    member = MembershipFactory(
        city=city,
        role=role,
        agency=agency if role in (Role.AGENCY_EDITOR, Role.FIELD_OFFICER) else None,
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(member.user)
    response = client.get(url(city))
    assert response.status_code == 403
    assert b"Managing people is for the city&#x27;s administrators." in response.content
    assert client.post(url(city), {"username": "x"}).status_code == 403


def test_admin_of_another_city_is_refused(city):
    other = MembershipFactory(role=Role.CITY_ADMIN)
    client = Client()
    client.force_login(other.user)
    assert client.get(url(city)).status_code == 403
    mine = MembershipFactory(city=city, role=Role.PLANNER)
    assert client.post(url(city, f"{mine.pk}/remove")).status_code == 403
    assert Membership.objects.filter(pk=mine.pk).exists()


def test_anonymous_is_sent_to_sign_in(client, city):
    response = client.get(url(city))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_unknown_city_is_404(admin_client):
    assert admin_client.get("/kota-tiada/people/").status_code == 404


def test_superuser_may_manage_any_city(client, city):
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(url(city)).status_code == 200


def test_admin_adds_an_existing_user_with_a_role(admin_client, city, agency):
    existing = UserFactory(username="siti")
    response = admin_client.post(
        url(city),
        {"username": "siti", "role": Role.FIELD_OFFICER, "agency": agency.pk},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(
        city=city, user=existing, role=Role.FIELD_OFFICER, agency=agency
    ).exists()
    page = admin_client.get(url(city)).content.decode()
    assert "siti is now Field officer." in page
    assert 'id="invite"' not in page  # an existing account needs no link
    existing.refresh_from_db()
    assert existing.has_usable_password()


def test_inviting_a_new_user_shows_a_one_time_set_password_link(
    admin_client, city, settings
):
    # No mail server here (Django's default SMTP on localhost): the link is shown.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "localhost"
    response = admin_client.post(
        url(city),
        {"username": "rina", "email": "rina@example.org", "role": Role.PLANNER},
    )
    assert response.status_code == 302
    rina = User.objects.get(username="rina")
    assert rina.email == "rina@example.org"
    assert not rina.has_usable_password()
    assert Membership.objects.filter(city=city, user=rina, role=Role.PLANNER).exists()
    page = admin_client.get(url(city)).content.decode()
    link = re.search(r'id="invite-link" value="([^"]+)"', page).group(1)
    assert "No e-mail was sent" in page
    assert not mail.outbox
    # Shown once: the next visit no longer carries it.
    assert 'id="invite-link"' not in admin_client.get(url(city)).content.decode()

    invited = Client(HTTP_ACCEPT_LANGUAGE="en")
    form_page = invited.get(link, follow=True)
    assert b'id="set-password-form"' in form_page.content
    new_password = "Kota-Orang-2026!"
    done = invited.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302
    assert done["Location"] == "/accounts/login/"
    rina.refresh_from_db()
    assert rina.check_password(new_password)
    # The link is spent.
    again = Client().get(link, follow=True)
    assert b'id="set-password-form"' not in again.content


def test_invitation_is_mailed_when_mail_is_configured(admin_client, city, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    admin_client.post(
        url(city), {"username": "dewi", "email": "dewi@example.org", "role": "planner"}
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["dewi@example.org"]
    page = admin_client.get(url(city)).content.decode()
    link = re.search(r'id="invite-link" value="([^"]+)"', page).group(1)
    assert link in mail.outbox[0].body
    assert "The link was also sent by e-mail." in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"username": "baru", "role": Role.PLANNER},
            "email",
            "There is no account with this name: give an e-mail.",
        ),
        (
            {"username": "baru", "email": "bukan-email", "role": Role.PLANNER},
            "email",
            "Enter a valid email address.",
        ),
        (
            {"username": "baru", "email": "b@example.org", "role": Role.AGENCY_EDITOR},
            "agency",
            "This role works for one agency: choose it.",
        ),
        (
            {"username": "baru", "email": "b@example.org", "role": Role.OPERATOR},
            "agency",
            "This role works for the whole city: leave it empty.",
        ),
        (
            {"username": "a b/c", "email": "b@example.org", "role": Role.PLANNER},
            "username",
            "Enter a valid username.",
        ),
        (
            {"username": "baru", "email": "b@example.org", "role": "mayor"},
            "role",
            "Select a valid choice.",
        ),
    ],
)
def test_refused_input_is_explained_field_by_field(
    admin_client, city, agency, data, field, message
):
    if data.get("role") == Role.OPERATOR:
        data = {**data, "agency": agency.pk}
    response = admin_client.post(url(city), data)
    assert response.status_code == 200
    html = response.content.decode()
    error = re.search(rf'id="{field}-error"[^>]*>(.*?)</span>', html, re.S)
    assert error is not None, html
    assert message in error.group(1)
    assert f'aria-invalid="true" aria-describedby="{field}-error"' in html
    assert not User.objects.filter(username="baru").exists()


def test_agency_of_another_city_is_not_a_choice(admin_client, city):
    foreign = AgencyFactory()
    response = admin_client.post(
        url(city),
        {
            "username": "baru",
            "email": "b@example.org",
            "role": Role.AGENCY_EDITOR,
            "agency": foreign.pk,
        },
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(agency=foreign).exists()


def test_the_same_role_twice_is_refused(admin_client, city):
    member = MembershipFactory(city=city, role=Role.PLANNER, user__username="joko")
    response = admin_client.post(url(city), {"username": "joko", "role": Role.PLANNER})
    assert response.status_code == 200
    assert "This person already has this role here." in response.content.decode()
    assert Membership.objects.filter(user=member.user).count() == 1


def test_admin_removes_a_membership(admin_client, city):
    member = MembershipFactory(city=city, role=Role.OPERATOR, user__username="eko")
    assert admin_client.get(url(city, f"{member.pk}/remove")).status_code == 405
    response = admin_client.post(url(city, f"{member.pk}/remove"))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert User.objects.filter(username="eko").exists()  # the account stays
    assert "eko is no longer" in admin_client.get(url(city)).content.decode()


def test_membership_of_another_city_cannot_be_removed_here(admin_client, city):
    elsewhere = MembershipFactory(role=Role.OPERATOR)
    response = admin_client.post(url(city, f"{elsewhere.pk}/remove"))
    assert response.status_code == 404
    assert Membership.objects.filter(pk=elsewhere.pk).exists()


def test_admin_cannot_remove_their_own_admin_role(admin_client, city):
    own = Membership.objects.get(city=city, user__username="admin1")
    response = admin_client.post(url(city, f"{own.pk}/remove"))
    assert response.status_code == 403
    assert Membership.objects.filter(pk=own.pk).exists()


def test_posts_need_the_csrf_token(city):
    admin = MembershipFactory(city=city, role=Role.CITY_ADMIN)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin.user)
    response = client.post(
        url(city), {"username": "x", "email": "x@example.org", "role": "planner"}
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="x").exists()


def test_header_links_people_for_city_admins_only(admin_client, city):
    assert (
        f'href="/{city.slug}/people/"'.encode()
        in admin_client.get(f"/{city.slug}/").content
    )
    operator = MembershipFactory(city=city, role=Role.OPERATOR)
    client = Client()
    client.force_login(operator.user)
    assert b'data-nav="people"' not in client.get(f"/{city.slug}/").content


def test_page_speaks_indonesian(city):
    admin = MembershipFactory(city=city, role=Role.CITY_ADMIN)
    client = Client(HTTP_ACCEPT_LANGUAGE="id")
    client.force_login(admin.user)
    html = client.get(url(city)).content.decode()
    assert "Orang di Kota Orang" in html
    assert "Tambah orang" in html
    response = client.post(url(city), {"username": "baru", "role": Role.PLANNER})
    assert "Belum ada akun dengan nama ini: isi e-mail." in response.content.decode()
