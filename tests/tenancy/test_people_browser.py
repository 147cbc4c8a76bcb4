"""A city administrator gives someone a role and takes it away, in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tenancy.models import Membership, Role
from tests.factories import AgencyFactory, CityFactory, MembershipFactory, UserFactory
from tests.reports.test_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_city_admin_adds_a_user_with_a_role_and_removes_it(
    page, live_server, console_errors
):
    city = CityFactory(slug="kota-orang", name="Kota Orang")
    agency = AgencyFactory(city=city, slug="dinas-pu", name="Dinas PU")
    admin = MembershipFactory(city=city, role=Role.CITY_ADMIN).user
    UserFactory(username="siti")
    login(page, live_server, admin)
    page.context.add_cookies(
        [{"name": "django_language", "value": "en", "url": live_server.url}]
    )

    # The header of the city map leads the administrator to the people page.
    page.goto(f"{live_server.url}/{city.slug}/")
    page.locator("a[data-nav='people']").click()
    expect(page.locator("h1")).to_have_text("People of Kota Orang")

    # An agency role without its agency is explained next to the field.
    page.fill("#id_username", "siti")
    page.select_option("#id_role", Role.AGENCY_EDITOR)
    page.click("#add-person-submit")
    expect(page.locator("#agency-error")).to_contain_text("choose it")
    expect(page.locator("#id_agency")).to_have_attribute("aria-invalid", "true")

    page.select_option("#id_agency", str(agency.pk))
    page.click("#add-person-submit")
    row = page.locator("tr[data-member='siti']")
    expect(row).to_contain_text("Agency editor")
    expect(row).to_contain_text("Dinas PU")
    expect(page.locator("#messages")).to_contain_text("siti is now Agency editor.")
    assert Membership.objects.filter(
        city=city, user__username="siti", role=Role.AGENCY_EDITOR, agency=agency
    ).exists()

    row.get_by_role("button", name="Remove").click()
    expect(page.locator("tr[data-member='siti']")).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text("siti is no longer")
    assert not Membership.objects.filter(user__username="siti").exists()
    assert console_errors == []
