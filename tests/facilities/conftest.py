"""Fixtures for facilities: the demo city (its kinds, emergency numbers and demo
facilities come with load_demo) and agency members."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from facilities.models import Facility
from tenancy.models import Agency, Role
from tests.factories import MembershipFactory

# Kelurahan Sukarasa, Kecamatan Tangerang.
INSIDE = (106.6318, -6.1729)


@pytest.fixture
def city(tangerang):
    return tangerang


def member(city, role: str, agency_slug: str | None = None):
    agency = Agency.objects.get(city=city, slug=agency_slug) if agency_slug else None
    return MembershipFactory(city=city, role=role, agency=agency).user


@pytest.fixture
def dinkes_editor(city):
    return member(city, Role.AGENCY_EDITOR, "dinkes")


@pytest.fixture
def damkar_editor(city):
    return member(city, Role.AGENCY_EDITOR, "damkar")


@pytest.fixture
def hospital(city) -> Facility:
    return (
        Facility.objects.filter(city=city, kind__code="rumah-sakit")
        .order_by("name")
        .first()
    )


def token_for(user) -> str:
    return Token.objects.create(user=user).key
