"""A permit's lifecycle: application → verification → review → issued, the timeline,
roles, and the nightly expiry task (the only way to "expired")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from permits import tasks
from permits.models import Permit, PermitEvent, Status
from permits.services import PermitError, code_matches, expire_permits, transition
from tenancy.access import agency_work_scope
from tenancy.models import Role
from tests.permits.conftest import application, member

pytestmark = pytest.mark.django_db


def walk(permit, user, *statuses, note=""):
    scope = agency_work_scope(user, permit.city)
    for status in statuses:
        permit = transition(
            permit=permit, to_status=status, actor=user, scope=scope, note=note
        )
    return permit


def test_officer_issues_an_application_and_every_step_is_in_the_timeline(city, officer):
    permit, code = application(city)
    assert permit.status == Status.SUBMITTED
    assert permit.kecamatan.name == "Tangerang"
    assert permit.kelurahan is not None
    assert code_matches(permit, code)
    assert not code_matches(permit, "AAAA-BBBB")
    assert code not in permit.tracking_hash
    permit = walk(
        permit,
        officer,
        Status.VERIFICATION,
        Status.SITE_INSPECTION,
        Status.TECHNICAL_REVIEW,
        Status.ISSUED,
    )
    permit.refresh_from_db()
    assert permit.status == Status.ISSUED
    assert permit.issued_date is not None
    # Reklame is valid for 12 months (the kit's permit type).
    assert permit.expires_date.year == permit.issued_date.year + 1
    events = list(permit.events.order_by("at", "id"))
    assert [e.to_status for e in events] == [
        "submitted",
        "verification",
        "site_inspection",
        "technical_review",
        "issued",
    ]
    assert all(e.actor == officer for e in events[1:])


def test_nobody_types_expired_and_the_nightly_task_expires_from_dates(
    city, officer, monkeypatch
):
    permit, _code = application(city)
    permit = walk(permit, officer, Status.VERIFICATION, Status.TECHNICAL_REVIEW)
    permit = walk(permit, officer, Status.ISSUED)
    with pytest.raises(PermitError):
        walk(permit, officer, Status.EXPIRED)
    admin = member(city, Role.CITY_ADMIN)
    with pytest.raises(PermitError):
        walk(permit, admin, Status.EXPIRED)
    # Not yet: expiry is in a year.
    expire_permits(today=date.today())
    permit.refresh_from_db()
    assert permit.status == Status.ISSUED
    Permit.objects.filter(pk=permit.pk).update(
        issued_date=date.today() - timedelta(days=400),
        applied_date=date.today() - timedelta(days=410),
        expires_date=date.today() - timedelta(days=1),
    )
    # The worker closes stale connections around each task; not the test's own.
    import gis_platform.tasks

    monkeypatch.setattr(gis_platform.tasks, "close_old_connections", lambda: None)
    tasks.expire_permits(timestamp=0)  # the periodic task, as the worker runs it
    registry = tasks.expire_permits.blueprint.periodic_registry
    crons = {p.task.name: p.cron for p in registry.periodic_tasks.values()}
    assert crons["permits.expire_permits"] == "5 17 * * *"  # 00:05 WIB nightly
    permit.refresh_from_db()
    assert permit.status == Status.EXPIRED
    last = permit.events.order_by("-at", "-id").first()
    assert (last.from_status, last.to_status, last.actor) == ("issued", "expired", None)
    # Running again changes nothing.
    assert expire_permits(today=date.today()) == 0


def test_expiry_day_itself_is_still_valid(city, officer):
    permit, _code = application(city)
    permit = walk(permit, officer, Status.VERIFICATION, Status.TECHNICAL_REVIEW)
    permit = walk(permit, officer, Status.ISSUED)
    expire_permits(today=permit.expires_date)
    permit.refresh_from_db()
    assert permit.status == Status.ISSUED
    expire_permits(today=permit.expires_date + timedelta(days=1))
    permit.refresh_from_db()
    assert permit.status == Status.EXPIRED


def test_roles_and_agencies(city, officer):
    permit, _code = application(city)
    pu = member(city, Role.AGENCY_EDITOR, "dinas-pu")
    with pytest.raises(PermissionDenied):
        transition(
            permit=permit,
            to_status=Status.VERIFICATION,
            actor=pu,
            scope=agency_work_scope(pu, city)
            or pytest.fail("an agency editor has a scope"),
        )
    operator = member(city, Role.OPERATOR)
    assert agency_work_scope(operator, city) is None
    field = member(city, Role.FIELD_OFFICER, "dpmptsp")
    with pytest.raises(PermissionDenied):
        walk(permit, field, Status.VERIFICATION)
    permit = walk(permit, officer, Status.VERIFICATION, Status.TECHNICAL_REVIEW)
    # A field officer inspects, but does not issue.
    permit = walk(permit, field, Status.SITE_INSPECTION)
    with pytest.raises(PermissionDenied):
        walk(permit, field, Status.ISSUED)
    with pytest.raises(PermitError):
        walk(permit, officer, Status.REJECTED)  # a rejection needs its reason
    permit = walk(permit, officer, Status.REJECTED, note="Lokasi di jalur hijau")
    assert permit.status == Status.REJECTED
    with pytest.raises(PermitError):
        walk(permit, officer, Status.ISSUED)
    assert PermitEvent.objects.filter(permit=permit).count() == 5


def test_database_refuses_dates_out_of_order(city):
    permit, _code = application(city)
    for values in (
        {"issued_date": permit.applied_date - timedelta(days=1)},
        {"issued_date": permit.applied_date, "expires_date": permit.applied_date},
        {"status": Status.ISSUED},
        {"applicant_nik": "12345"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Permit.objects.filter(pk=permit.pk).update(**values)
