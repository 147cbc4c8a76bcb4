"""The Django admin, city by city: a city administrator with admin access (is_staff and
model permissions) cannot reach another city's records, nor give themselves a role
there. (What each identity sees in the admin is in test_access_matrix.py.)"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from tenancy.models import Membership, Role
from tests.factories import AgencyFactory, CityFactory, MembershipFactory


@pytest.fixture
def b_admin_client(db) -> tuple[Client, object, object]:
    city_a, city_b = CityFactory(), CityFactory()
    admin = MembershipFactory(city=city_b, role=Role.CITY_ADMIN).user
    admin.is_staff = True
    admin.save()
    admin.user_permissions.set(
        Permission.objects.filter(
            codename__in=["add_membership", "view_membership", "change_membership"]
        )
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    return client, city_a, city_b


def test_admin_of_one_city_cannot_give_themselves_a_role_in_another(b_admin_client):
    client, city_a, city_b = b_admin_client
    me = Membership.objects.get(city=city_b).user
    response = client.post(
        "/admin/tenancy/membership/add/",
        {"city": city_a.pk, "user": me.pk, "role": Role.CITY_ADMIN, "agency": ""},
    )
    assert response.status_code == 200  # the form again, with its error
    assert b"Select a valid choice" in response.content
    assert not Membership.objects.filter(city=city_a).exists()


def test_agency_of_another_city_is_not_offered(b_admin_client):
    client, city_a, city_b = b_admin_client
    AgencyFactory(city=city_a, name="Dinas Kota A")
    AgencyFactory(city=city_b, name="Dinas Kota B")
    html = client.get("/admin/tenancy/membership/add/").content.decode()
    assert "Dinas Kota B" in html
    assert "Dinas Kota A" not in html
    assert city_a.name not in html
