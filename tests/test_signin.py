"""Staff sign-in and sign-out from every page's header; each role lands on its home;
the header offers only pages the role may open; a 403 explains itself and links home."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from playwright.sync_api import expect

from tenancy.models import Agency, Role
from tests.factories import MembershipFactory

PASSWORD = "pw-Secret-123"  # tests.factories.UserFactory


def member(city, role: str, agency: str | None = None):
    agency_row = Agency.objects.get(city=city, slug=agency) if agency else None
    return MembershipFactory(city=city, role=role, agency=agency_row).user


def sign_in(user, **extra) -> tuple[Client, object]:
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"username": user.get_username(), "password": PASSWORD, **extra},
    )
    return client, response


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "agency", "home"),
    [
        (Role.OPERATOR, None, "/kota-tangerang/reports/console/"),
        (Role.AGENCY_EDITOR, "dinas-pu", "/kota-tangerang/reports/console/"),
        (Role.FIELD_OFFICER, "dlh", "/kota-tangerang/reports/console/"),
        (Role.PLANNER, None, "/kota-tangerang/"),
        (Role.CITY_ADMIN, None, "/kota-tangerang/reports/console/"),
    ],
)
def test_signing_in_without_next_lands_on_the_roles_home(tangerang, role, agency, home):
    user = member(tangerang, role, agency)
    client, response = sign_in(user)
    assert response.status_code == 302
    assert response["Location"] == home
    # Django's default landing page is no longer a 404.
    profile = client.get("/accounts/profile/")
    assert profile.status_code == 302
    assert profile["Location"] == home
    assert client.get(home).status_code == 200


@pytest.mark.django_db
def test_a_city_admin_with_admin_access_lands_on_the_city_settings(tangerang):
    user = member(tangerang, Role.CITY_ADMIN)
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="change_city"))
    _client, response = sign_in(user)
    assert response["Location"] == f"/admin/tenancy/city/{tangerang.pk}/change/"


@pytest.mark.django_db
def test_next_still_wins_and_anonymous_profile_asks_to_sign_in(tangerang):
    user = member(tangerang, Role.PLANNER)
    _client, response = sign_in(user, next="/kota-tangerang/reports/")
    assert response["Location"] == "/kota-tangerang/reports/"
    anonymous = Client().get("/accounts/profile/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_every_page_offers_sign_in_and_signed_in_pages_offer_sign_out(tangerang):
    pages = [
        "/",
        "/kota-tangerang/",
        "/kota-tangerang/reports/",
        "/ogc/kota-tangerang/?f=html",
    ]
    for url in pages:
        html = Client().get(url).content.decode()
        assert 'id="sign-in"' in html, url
        assert 'href="/accounts/login/"' in html, url
    client, _ = sign_in(member(tangerang, Role.OPERATOR))
    for url in [*pages, "/kota-tangerang/reports/console/"]:
        html = client.get(url).content.decode()
        assert 'id="sign-out"' in html, url
        assert 'id="sign-in"' not in html, url


@pytest.mark.django_db
def test_header_shows_only_links_the_role_can_use(tangerang):
    operator, _ = sign_in(member(tangerang, Role.OPERATOR))
    html = operator.get("/kota-tangerang/").content.decode()
    assert 'data-nav="console"' in html
    assert 'data-nav="import"' not in html  # operators cannot import
    editor, _ = sign_in(member(tangerang, Role.AGENCY_EDITOR, "dinas-pu"))
    html = editor.get("/kota-tangerang/reports/console/").content.decode()
    assert 'data-nav="console"' in html
    assert 'data-nav="import"' in html  # its queue and its layers
    planner, _ = sign_in(member(tangerang, Role.PLANNER))
    html = planner.get("/kota-tangerang/").content.decode()
    assert 'data-nav="console"' not in html
    assert 'data-nav="import"' not in html


@pytest.mark.django_db
def test_a_forbidden_page_explains_and_links_home(tangerang):
    operator, _ = sign_in(member(tangerang, Role.OPERATOR))
    response = operator.get("/kota-tangerang/imports/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    html = response.content.decode()
    assert "This page is not open to you" in html
    assert 'href="/accounts/profile/"' in html
    assert 'id="sign-out"' in html
    indonesian = operator.get("/kota-tangerang/imports/", HTTP_ACCEPT_LANGUAGE="id")
    assert "Halaman ini tidak terbuka untuk Anda" in indonesian.content.decode()


@pytest.mark.django_db
def test_sign_out_is_a_post_with_csrf(tangerang):
    user = member(tangerang, Role.OPERATOR)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post("/accounts/logout/").status_code == 403  # no token
    assert client.get("/kota-tangerang/reports/console/").status_code == 200
    page = client.get("/kota-tangerang/").content.decode()
    token = client.cookies["csrftoken"].value
    assert 'name="csrfmiddlewaretoken"' in page
    response = client.post(
        "/accounts/logout/",
        {"csrfmiddlewaretoken": token, "next": "/kota-tangerang/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/kota-tangerang/"
    assert client.get("/kota-tangerang/reports/console/").status_code == 302


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_operator_signs_in_from_the_map_header_and_out_again(
    page, live_server, tangerang, console_errors
):
    user = member(tangerang, Role.OPERATOR)
    page.goto(f"{live_server.url}/kota-tangerang/")
    page.click("#sign-in")
    page.fill("input[name=username]", user.get_username())
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/kota-tangerang/reports/console/")
    expect(page.locator("[data-nav=import]")).to_have_count(0)
    page.click("#sign-out")
    expect(page).to_have_url(f"{live_server.url}/kota-tangerang/")
    expect(page.locator("#sign-in")).to_be_visible()
    page.goto(f"{live_server.url}/kota-tangerang/reports/console/")
    expect(page.locator("#login-form")).to_be_visible()
    assert console_errors == []
