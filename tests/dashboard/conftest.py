"""A seeded month of reports with known timestamps: submissions, staff responses,
resolutions, closures, reopenings (by the control room and by the reporter),
rejections, supporters and escalations, spread over categories, agencies and areas."""

from __future__ import annotations

import os
import random
import uuid
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from reports.models import Category, Channel, Report, ReportEvent, Status
from tenancy.models import AdminArea, Agency, City, Role
from tests.conftest import BOUNDARIES
from tests.factories import MembershipFactory, UserFactory

K = ReportEvent.Kind


@pytest.fixture
def city(db):
    """Kota Tangerang onboarded from its boundaries, with the starter kit's
    agencies, categories and routing (no demo layers: the figures need none)."""
    quiet = open(os.devnull, "w")  # noqa: SIM115
    call_command(
        "onboard_city",
        "kota-tangerang",
        "--city",
        str(BOUNDARIES / "kota_tangerang_city.geojson"),
        "--kecamatan",
        str(BOUNDARIES / "kota_tangerang_kecamatan.geojson"),
        "--kelurahan",
        str(BOUNDARIES / "kota_tangerang_kelurahan.geojson"),
        stdout=quiet,
    )
    call_command("seed_report_categories", stdout=quiet)
    return City.objects.get(slug="kota-tangerang")


def staff(city, role: str, agency_slug: str | None = None):
    agency = Agency.objects.get(city=city, slug=agency_slug) if agency_slug else None
    return MembershipFactory(city=city, role=role, agency=agency).user


@pytest.fixture
def operator(city):
    return staff(city, Role.OPERATOR)


def _event(
    report: Report, at: datetime, kind: str, actor=None, **fields
) -> ReportEvent:
    return ReportEvent(
        city_id=report.city_id, report=report, kind=kind, at=at, actor=actor, **fields
    )


def _ticket(i: int) -> str:
    """DASH-xxxx in the ticket alphabet (the console's addresses accept no other)."""
    a = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return f"DASH-{a[i // 1024 % 32]}{a[i // 32 % 32]}{a[i % 32]}Z"


def seed(city, *, n: int = 240, now: datetime | None = None, seed_value: int = 15):
    """`n` reports over the last 30 days, every lifecycle the figures tell apart.
    Returns `now`, the instant every timestamp is before."""
    now = now or timezone.now()
    rng = random.Random(seed_value)  # noqa: S311 (test data)
    categories = list(Category.objects.filter(city=city))
    agencies = list(Agency.objects.filter(city=city))
    kelurahan = list(
        AdminArea.objects.filter(city=city, level=AdminArea.Level.KELURAHAN)[:30]
    )
    points = {k.pk: k.geom.point_on_surface for k in kelurahan}
    worker = UserFactory()
    reporter = UserFactory(username="pelapor@example.org")
    reports: list[Report] = []
    histories: list[list[tuple]] = []
    for i in range(n):
        category = rng.choice(categories)
        area = rng.choice(kelurahan)
        created = now - timedelta(hours=rng.uniform(0.2, 30 * 24))
        report = Report(
            city=city,
            category=category,
            ticket=_ticket(i),
            client_uuid=uuid.uuid4(),
            geom=points[area.pk],
            public_geom=points[area.pk],
            kelurahan=area,
            kecamatan_id=area.parent_id,
            agency=rng.choice([*agencies, None]),
            description=rng.choice(["Lubang", '=HYPERLINK("x")', "Sampah"]),
            contact_name="Budi Rahasia",
            contact_email="budi.rahasia@example.org",
            contact_phone="+6281234567890",
            channel=Channel.WEB,
            submitted_by=reporter if i % 7 == 0 else None,
            due_at=created + timedelta(hours=category.sla_hours),
            created_at=created,
            status=Status.SUBMITTED,
        )
        events = [(created, K.CREATED, report.submitted_by, "", Status.SUBMITTED)]
        status, t = Status.SUBMITTED, created
        fate = rng.random()
        if rng.random() < 0.15:
            events.append((created + timedelta(minutes=5), K.SUPPORTED, None, "", ""))
        if fate < 0.1:
            t = created + timedelta(hours=rng.uniform(0.1, 2))
            status = Status.REJECTED
            events.append((t, K.STATUS, worker, Status.SUBMITTED, Status.REJECTED))
        elif fate < 0.85:
            t = created + timedelta(hours=rng.uniform(0.1, 30))
            kind = rng.choice([K.STATUS, K.ASSIGNED, K.NOTE])
            to = {K.STATUS: Status.VERIFIED, K.ASSIGNED: Status.ASSIGNED}.get(kind, "")
            events.append((t, kind, worker, Status.SUBMITTED if to else "", to))
            status = to or Status.SUBMITTED
            if rng.random() < 0.6:
                t = t + timedelta(hours=rng.uniform(1, 12 * 24))
                events.append((t, K.STATUS, worker, status, Status.RESOLVED))
                status = Status.RESOLVED
                roll = rng.random()
                if roll < 0.2:
                    t = t + timedelta(hours=rng.uniform(1, 48))
                    kind = rng.choice([K.STATUS, K.REOPENED])
                    actor = worker if kind == K.STATUS else None
                    events.append((t, kind, actor, Status.RESOLVED, Status.IN_PROGRESS))
                    status = Status.IN_PROGRESS
                elif roll < 0.5:
                    t = t + timedelta(hours=rng.uniform(1, 48))
                    events.append((t, K.STATUS, worker, Status.RESOLVED, Status.CLOSED))
                    status = Status.CLOSED
        if status in (Status.SUBMITTED, Status.VERIFIED, Status.ASSIGNED) and (
            report.due_at < now and rng.random() < 0.5
        ):
            events.append(
                (report.due_at + timedelta(minutes=7), K.OVERDUE, None, "", "")
            )
        # Nothing happens after now.
        events = [e for e in events if e[0] <= now]
        last_status = [e[4] for e in events if e[4]]
        report.status = last_status[-1] if last_status else Status.SUBMITTED
        report.resolved_at = (
            max((e[0] for e in events if e[4] == Status.RESOLVED), default=None)
            if report.status in (Status.RESOLVED, Status.CLOSED)
            else None
        )
        reports.append(report)
        histories.append(events)
    Report.objects.bulk_create(reports)
    rows = []
    for report, events in zip(reports, histories, strict=True):
        for at, kind, actor, frm, to in events:
            rows.append(
                _event(report, at, kind, actor, from_status=frm, to_status=to, note="")
            )
    ReportEvent.objects.bulk_create(rows)
    # updated_at is auto_now: set it to the last event, as the services would.
    for report, events in zip(reports, histories, strict=True):
        Report.objects.filter(pk=report.pk).update(updated_at=max(e[0] for e in events))
    return now


@pytest.fixture
def seeded(city):
    return seed(city)
