"""Writes and side effects of reports: submit, support, transition, assign, merge.

Each service checks everything first and changes nothing when it refuses (a
ReportError with a message a person can act on); each change leaves a timeline event.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from layers.models import Agency, City
from layers.models.city import SRID
from reports.models import (
    Category,
    Channel,
    Open311Application,
    Photo,
    Report,
    ReportEvent,
    Status,
    Support,
)
from reports.permissions import Scope
from reports.photos import MAX_PHOTOS, PhotoError, ProcessedPhoto, process_photo
from reports.questions import clean_answers
from reports.routing import OutsideCity, locate, route

TICKET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
MAX_DESCRIPTION = 4000
EARTH_M_PER_DEG = 111_320.0

# status -> statuses an operator may move it to. Reopening: resolved/closed go back to
# in progress, rejected back to submitted. A duplicate is reopened by un-merging it,
# which is not offered: its support has moved to the report it joined.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.SUBMITTED: (Status.VERIFIED, Status.REJECTED, Status.DUPLICATE),
    Status.VERIFIED: (Status.REJECTED, Status.DUPLICATE),
    Status.ASSIGNED: (Status.IN_PROGRESS, Status.RESOLVED, Status.DUPLICATE),
    Status.IN_PROGRESS: (Status.RESOLVED,),
    Status.RESOLVED: (Status.CLOSED, Status.IN_PROGRESS),
    Status.CLOSED: (Status.IN_PROGRESS,),
    Status.REJECTED: (Status.SUBMITTED,),
    Status.DUPLICATE: (),
}
# What an agency's own staff may do with their queue (the rest is the control room's).
AGENCY_TRANSITIONS = {
    (Status.ASSIGNED, Status.IN_PROGRESS),
    (Status.ASSIGNED, Status.RESOLVED),
    (Status.IN_PROGRESS, Status.RESOLVED),
}


class ReportError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class Submission:
    """What a reporter sends, whatever the channel."""

    category: Category
    lon: float | None
    lat: float | None
    description: str
    client_uuid: uuid.UUID
    accuracy_m: float | None = None
    address: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    photos: Sequence[UploadedFile] = ()
    channel: str = Channel.WEB
    user: AbstractBaseUser | None = None
    application: Open311Application | None = None


def submit_report(*, city: City, submission: Submission) -> tuple[Report, bool]:
    """Create a report, or return the one already made from the same client id.

    Returns (report, created). A replay (an offline queue resending, a double tap)
    answers the existing report and changes nothing."""
    existing = Report.objects.filter(city=city, client_uuid=submission.client_uuid)
    if (found := existing.first()) is not None:
        return found, False
    s = submission
    if s.category.city_id != city.pk or not s.category.active:
        raise ReportError(_("Unknown category."), "category")
    description = (s.description or "").strip()
    if not description:
        raise ReportError(_("Please describe the problem."), "description")
    if len(description) > MAX_DESCRIPTION:
        raise ReportError(_("The description is too long."), "description")
    try:
        answers = clean_answers(s.category.questions, s.answers)
    except ValueError as exc:
        raise ReportError(str(exc), "answers") from None
    if len(s.photos) > MAX_PHOTOS:
        raise ReportError(_("At most %(n)d photos.") % {"n": MAX_PHOTOS}, "photos")
    processed: list[ProcessedPhoto] = []
    for upload in s.photos:
        try:
            processed.append(process_photo(upload))
        except PhotoError as exc:
            raise ReportError(str(exc), "photos") from None
    lon, lat, source = s.lon, s.lat, "gps"
    if lon is None or lat is None:
        # No fix from the phone: the first photo that knows where it was taken.
        located = next((p for p in processed if p.lon is not None), None)
        if located is None:
            raise ReportError(_("Please set the location on the map."), "location")
        lon, lat, source = located.lon, located.lat, "photo"
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ReportError(_("The location is not a valid coordinate."), "location")
    point = Point(lon, lat, srid=SRID)
    try:
        where = locate(city, point)
    except OutsideCity as exc:
        raise ReportError(str(exc), "location") from None
    now = timezone.now()
    report = Report(
        city=city,
        category=s.category,
        client_uuid=s.client_uuid,
        geom=point,
        public_geom=fuzzed(point, s.category.fuzz_m) if s.category.sensitive else point,
        accuracy_m=s.accuracy_m,
        location_source=source,
        kelurahan=where.kelurahan,
        kecamatan=where.kecamatan,
        agency=route(s.category, where),
        description=description,
        address=(s.address or "").strip()[:300],
        answers=answers,
        contact_name=(s.contact_name or "").strip()[:120],
        contact_email=(s.contact_email or "").strip()[:254],
        contact_phone=(s.contact_phone or "").strip()[:40],
        channel=s.channel,
        submitted_by=s.user if s.user and s.user.is_authenticated else None,
        application=s.application,
        due_at=now + timedelta(hours=s.category.sla_hours),
        created_at=now,
    )
    try:
        with transaction.atomic():
            report.ticket = _free_ticket(city)
            report.save()
            ReportEvent.objects.create(
                city=city,
                report=report,
                kind=ReportEvent.Kind.CREATED,
                to_status=report.status,
                agency=report.agency,
                actor=report.submitted_by,
                public=True,
                at=now,
            )
            for photo in processed:
                _save_photo(report, photo)
    except IntegrityError:
        # The same client id won a race with us: answer its report.
        if (found := existing.first()) is not None:
            return found, False
        raise
    return report, True


def _free_ticket(city: City) -> str:
    for _attempt in range(8):
        raw = "".join(secrets.choice(TICKET_ALPHABET) for _ in range(8))
        ticket = f"{raw[:4]}-{raw[4:]}"
        if not Report.objects.filter(city=city, ticket=ticket).exists():
            return ticket
    raise RuntimeError("No free ticket code after 8 draws.")


def _save_photo(report: Report, photo: ProcessedPhoto) -> None:
    digest = hashlib.sha256(photo.original).hexdigest()[:16]
    ext = photo.content_type.split("/")[1].replace("jpeg", "jpg")
    row = Photo(
        city_id=report.city_id,
        report=report,
        content_type=photo.content_type,
        width=photo.width,
        height=photo.height,
        exif_lon=photo.lon,
        exif_lat=photo.lat,
    )
    row.original.save(f"{digest}.{ext}", ContentFile(photo.original), save=False)
    row.image.save(f"{digest}.jpg", ContentFile(photo.public_jpeg), save=False)
    row.thumbnail.save(f"{digest}.jpg", ContentFile(photo.thumb_jpeg), save=False)
    row.save()


def fuzzed(point: Point, distance_m: int) -> Point:
    """`point` moved by between half and all of `distance_m` in a random direction."""
    rng = secrets.SystemRandom()
    d = distance_m * rng.uniform(0.5, 1.0)
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = d * math.cos(bearing) / EARTH_M_PER_DEG
    dlon = d * math.sin(bearing) / (EARTH_M_PER_DEG * math.cos(math.radians(point.y)))
    return Point(point.x + dlon, point.y + dlat, srid=SRID)


@transaction.atomic
def support_report(*, report: Report, client_uuid: uuid.UUID) -> Report:
    """A citizen's "me too". The same client id supports once."""
    if not report.is_open:
        raise ReportError(_("This report is no longer open."))
    _support, created = Support.objects.get_or_create(
        city_id=report.city_id,
        client_uuid=client_uuid,
        defaults={"report": report},
    )
    if created:
        Report.objects.filter(pk=report.pk).update(
            supporter_count=F("supporter_count") + 1, updated_at=timezone.now()
        )
        ReportEvent.objects.create(
            city_id=report.city_id,
            report=report,
            kind=ReportEvent.Kind.SUPPORTED,
            public=True,
        )
    report.refresh_from_db()
    return report


def _check_scope(report: Report, scope: Scope) -> None:
    if report.city_id != scope.city_id or not scope.covers(report.agency_id):
        raise PermissionDenied(_("This report is not in your queue."))


def _set_status(report: Report, to_status: str, now: Any) -> None:
    report.status = to_status
    if to_status == Status.RESOLVED:
        report.resolved_at = now
    elif to_status in (Status.IN_PROGRESS, Status.SUBMITTED):
        report.resolved_at = None


@transaction.atomic
def transition(
    *,
    report: Report,
    to_status: str,
    actor: AbstractBaseUser,
    scope: Scope,
    note: str = "",
    public: bool = False,
) -> Report:
    report = Report.objects.select_for_update().get(pk=report.pk)
    _check_scope(report, scope)
    if to_status == Status.DUPLICATE:
        raise ReportError(_("Use merge to mark a duplicate."), "status")
    if to_status == Status.ASSIGNED:
        raise ReportError(_("Use assign to give a report to an agency."), "status")
    if to_status not in TRANSITIONS.get(report.status, ()):
        raise ReportError(
            _("A %(from)s report cannot become %(to)s.")
            % {"from": report.get_status_display(), "to": to_status},
            "status",
        )
    if not scope.all_agencies and (report.status, to_status) not in AGENCY_TRANSITIONS:
        raise PermissionDenied(_("Only the control room may do this."))
    if to_status == Status.IN_PROGRESS and report.agency_id is None:
        raise ReportError(_("Assign the report to an agency first."), "status")
    now = timezone.now()
    old = report.status
    _set_status(report, to_status, now)
    report.save(update_fields=["status", "resolved_at", "updated_at"])
    ReportEvent.objects.create(
        city_id=report.city_id,
        report=report,
        kind=ReportEvent.Kind.STATUS,
        from_status=old,
        to_status=to_status,
        actor=actor,
        note=note.strip(),
        public=public,
        at=now,
    )
    return report


@transaction.atomic
def assign(
    *,
    report: Report,
    agency: Agency,
    actor: AbstractBaseUser,
    scope: Scope,
    note: str = "",
    public: bool = False,
) -> Report:
    report = Report.objects.select_for_update().get(pk=report.pk)
    _check_scope(report, scope)
    if not scope.all_agencies:
        raise PermissionDenied(_("Only the control room may assign reports."))
    if agency.city_id != report.city_id:
        raise ReportError(_("Unknown agency."), "agency")
    if report.status not in (
        Status.SUBMITTED,
        Status.VERIFIED,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
    ):
        raise ReportError(_("Only an open report can be assigned."), "status")
    old = report.status
    report.agency = agency
    report.status = Status.ASSIGNED
    report.save(update_fields=["agency", "status", "updated_at"])
    ReportEvent.objects.create(
        city_id=report.city_id,
        report=report,
        kind=ReportEvent.Kind.ASSIGNED,
        from_status=old,
        to_status=Status.ASSIGNED,
        agency=agency,
        actor=actor,
        note=note.strip(),
        public=public,
    )
    return report


@transaction.atomic
def merge_duplicate(
    *,
    report: Report,
    into: Report,
    actor: AbstractBaseUser,
    scope: Scope,
    note: str = "",
) -> Report:
    """Mark `report` a duplicate of `into`; its reporter and supporters now count as
    supporters of `into`."""
    report, into = (
        Report.objects.select_for_update().get(pk=report.pk),
        Report.objects.select_for_update().get(pk=into.pk),
    )
    _check_scope(report, scope)
    if not scope.all_agencies:
        raise PermissionDenied(_("Only the control room may merge reports."))
    if into.city_id != report.city_id or into.pk == report.pk:
        raise ReportError(_("Unknown report to merge into."), "into")
    if into.status in (Status.DUPLICATE, Status.REJECTED):
        raise ReportError(_("Merge into the original report."), "into")
    if Status.DUPLICATE not in TRANSITIONS[report.status]:
        raise ReportError(_("This report cannot be merged now."), "status")
    old = report.status
    report.status = Status.DUPLICATE
    report.duplicate_of = into
    report.save(update_fields=["status", "duplicate_of", "updated_at"])
    Report.objects.filter(pk=into.pk).update(
        supporter_count=F("supporter_count") + report.supporter_count + 1,
        updated_at=timezone.now(),
    )
    Support.objects.filter(city_id=report.city_id, report=report).update(report=into)
    text = note.strip() or _("Same problem as %(ticket)s.") % {"ticket": into.ticket}
    ReportEvent.objects.create(
        city_id=report.city_id,
        report=report,
        kind=ReportEvent.Kind.MERGED,
        from_status=old,
        to_status=Status.DUPLICATE,
        actor=actor,
        note=text,
        public=True,
    )
    ReportEvent.objects.create(
        city_id=report.city_id,
        report=into,
        kind=ReportEvent.Kind.MERGED,
        actor=actor,
        note=_("%(ticket)s merged into this report.") % {"ticket": report.ticket},
        public=True,
    )
    report.refresh_from_db()
    return report


@transaction.atomic
def add_note(
    *, report: Report, actor: AbstractBaseUser, scope: Scope, note: str, public: bool
) -> ReportEvent:
    _check_scope(report, scope)
    if not note.strip():
        raise ReportError(_("The note is empty."), "note")
    Report.objects.filter(pk=report.pk).update(updated_at=timezone.now())
    return ReportEvent.objects.create(
        city_id=report.city_id,
        report=report,
        kind=ReportEvent.Kind.NOTE,
        actor=actor,
        note=note.strip(),
        public=public,
    )


def create_application(*, city: City, name: str, contact_email: str = "") -> str:
    """Register an Open311 client; returns its api_key (stored only as a hash)."""
    key = new_key()
    Open311Application.objects.create(
        city=city, name=name, contact_email=contact_email, key_hash=hash_key(key)
    )
    return key


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return secrets.token_urlsafe(24)


@transaction.atomic
def refuzz_category(category: Category) -> int:
    """A category just became sensitive: move its reports' public points."""
    n = 0
    for report in Report.objects.filter(city_id=category.city_id, category=category):
        report.public_geom = fuzzed(report.geom, category.fuzz_m)
        report.save(update_fields=["public_geom", "updated_at"])
        n += 1
    return n


@transaction.atomic
def escalate_overdue(*, now: Any = None, batch: int = 500) -> int:
    """Record, once per report, that an open report passed its target time: an
    operator-only `overdue` timeline event (with the agency it sits with) and
    `escalated_at`. Run every 10 minutes by the worker (reports/tasks.py); rows
    another run is handling are skipped, not waited for. Returns how many."""
    now = now or timezone.now()
    reports = list(
        Report.objects.open()
        .filter(due_at__lt=now, escalated_at__isnull=True)
        .order_by("due_at", "id")
        .select_for_update(skip_locked=True)[:batch]
    )
    ReportEvent.objects.bulk_create(
        ReportEvent(
            city_id=r.city_id,
            report=r,
            kind=ReportEvent.Kind.OVERDUE,
            to_status="",
            agency_id=r.agency_id,
            at=now,
        )
        for r in reports
    )
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(escalated_at=now)
    return len(reports)
