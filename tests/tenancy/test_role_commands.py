"""manage.py grant_role / revoke_role: what they change, and every refusal changes
nothing and exits non-zero with a message that says why."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tenancy.access import may_import, staff_scope
from tenancy.models import Membership, Role
from tests.factories import AgencyFactory, CityFactory, UserFactory

NEW_PASSWORD = "kata-Sandi-yang-panjang-42"


def run(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out, stderr=out)
    return out.getvalue()


def refused(name: str, *args: str) -> str:
    with pytest.raises(CommandError) as exc:
        run(name, *args)
    return str(exc.value)


@pytest.fixture
def city(db):
    return CityFactory(slug="kota-uji")


@pytest.fixture
def agency(city):
    return AgencyFactory(city=city, slug="dinas-pu")


def test_grant_gives_the_role_and_its_access(city, agency):
    user = UserFactory(username="siti")
    assert not may_import(user, city)
    out = run("grant_role", "siti", "kota-uji", "agency_editor", "--agency", "dinas-pu")
    assert "Granted" in out
    membership = Membership.objects.get(user=user)
    assert (membership.city, membership.role, membership.agency) == (
        city,
        Role.AGENCY_EDITOR,
        agency,
    )
    assert may_import(user, city)
    assert staff_scope(user, city).agency_ids == {agency.pk}


def test_grant_twice_keeps_one_membership(city):
    UserFactory(username="budi")
    run("grant_role", "budi", "kota-uji", "operator")
    assert "Already held" in run("grant_role", "budi", "kota-uji", "operator")
    assert Membership.objects.filter(user__username="budi").count() == 1


def test_create_takes_the_password_from_the_environment(city, monkeypatch):
    monkeypatch.setenv("PETAKOTA_NEW_USER_PASSWORD", NEW_PASSWORD)
    run("grant_role", "baru", "kota-uji", "planner", "--create")
    user = get_user_model().objects.get(username="baru")
    assert user.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=user).role == Role.PLANNER


def test_create_asks_at_a_terminal(city, monkeypatch):
    monkeypatch.delenv("PETAKOTA_NEW_USER_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr(
        "tenancy.management.commands.grant_role.getpass", lambda prompt: NEW_PASSWORD
    )
    run("grant_role", "tanya", "kota-uji", "operator", "--create")
    assert get_user_model().objects.get(username="tanya").check_password(NEW_PASSWORD)


def test_create_without_password_or_terminal_is_refused(city, monkeypatch):
    monkeypatch.delenv("PETAKOTA_NEW_USER_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    message = refused("grant_role", "tanpa", "kota-uji", "operator", "--create")
    assert "PETAKOTA_NEW_USER_PASSWORD" in message
    assert not get_user_model().objects.filter(username="tanpa").exists()


def test_create_refuses_a_weak_password(city, monkeypatch):
    monkeypatch.setenv("PETAKOTA_NEW_USER_PASSWORD", "123")
    refused("grant_role", "lemah", "kota-uji", "operator", "--create")
    assert not get_user_model().objects.filter(username="lemah").exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["nobody", "kota-uji", "operator"], "No user 'nobody'"),
        (["siti", "kota-entah", "operator"], "No city 'kota-entah'"),
        (["siti", "kota-uji", "walikota"], "No role 'walikota'"),
        (["siti", "kota-uji", "agency_editor", "--agency", "dinas-x"], "No agency"),
        (["siti", "kota-uji", "agency_editor"], "needs an agency"),
        (["siti", "kota-uji", "field_officer"], "needs an agency"),
    ],
)
def test_grant_refusals_change_nothing(city, agency, args, says):
    UserFactory(username="siti")
    assert says in refused("grant_role", *args)
    assert not Membership.objects.exists()


def test_an_agency_of_another_city_is_unknown_here(city, agency):
    UserFactory(username="siti")
    other = CityFactory(slug="kota-lain")
    AgencyFactory(city=other, slug="dinas-lain")
    message = refused(
        "grant_role", "siti", "kota-uji", "agency_editor", "--agency", "dinas-lain"
    )
    assert "No agency 'dinas-lain' in kota-uji" in message


def test_revoke_takes_the_role_away(city, agency):
    user = UserFactory(username="siti")
    editor = ["siti", "kota-uji", "agency_editor", "--agency", "dinas-pu"]
    run("grant_role", *editor)
    run("grant_role", "siti", "kota-uji", "planner")
    assert "Revoked" in run("revoke_role", *editor)
    roles = Membership.objects.filter(user=user).values_list("role", flat=True)
    assert list(roles) == [Role.PLANNER]
    assert not may_import(user, city)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["siti", "kota-uji", "operator"], "does not hold operator"),
        (["nobody", "kota-uji", "planner"], "No user 'nobody'"),
        (["siti", "kota-entah", "planner"], "No city 'kota-entah'"),
        (["siti", "kota-uji", "walikota"], "No role 'walikota'"),
        (["siti", "kota-uji", "planner", "--agency", "dinas-x"], "No agency"),
    ],
)
def test_revoke_refusals_change_nothing(city, agency, args, says):
    UserFactory(username="siti")
    run("grant_role", "siti", "kota-uji", "planner")
    assert says in refused("revoke_role", *args)
    assert Membership.objects.count() == 1
