"""Writes and side effects of reports: submit, support, transition, assign, merge.

Each service checks everything first and changes nothing when it refuses (a
ReportError with a message a person can act on); each change leaves a timeline event.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gis_platform.edges import EdgeError, check_lon_lat, clean_text
from gis_platform.log import log_event
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
from reports.notifications.outbox import queue_event, subscribe_reporter
from reports.photos import MAX_PHOTOS, PhotoError, ProcessedPhoto, process_photo
from reports.questions import AnswerErrors, clean_answers
from reports.routing import OutsideCity, locate, route
from reports.workflow import AGENCY, CONTROL_ROOM, REPORT_WORKFLOW
from tenancy.access import Scope
from tenancy.models import SRID, Agency, City
from workflow.definition import TransitionForbidden, TransitionRefused

TICKET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
MAX_DESCRIPTION = 4000
MAX_NOTE = 2000

logger = logging.getLogger(__name__)

# The table lives in reports/workflow.py (REPORT_WORKFLOW); these two views of it
# are what the console and the checks below read.
TRANSITIONS: dict[str, tuple[str, ...]] = REPORT_WORKFLOW.table(CONTROL_ROOM)
AGENCY_TRANSITIONS = {
    (t.source, t.target) for t in REPORT_WORKFLOW.transitions if t.roles & AGENCY
}


def scope_roles(scope: Scope) -> frozenset[str]:
    """The workflow roles a console scope acts with."""
    return CONTROL_ROOM if scope.all_agencies else AGENCY


def transitions_for(scope: Scope) -> dict[str, tuple[str, ...]]:
    """status -> statuses this scope may move a report to with `transition()`."""
    return REPORT_WORKFLOW.table(scope_roles(scope))


class ReportError(ValueError):
    """A refused change. `errors` maps each field (as named in the request) to what
    it needs; `message` sums them up for channels that show one line."""

    def __init__(
        self,
        message: str,
        field: str | None = None,
        *,
        errors: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = (
            errors if errors is not None else ({field: message} if field else {})
        )

    @classmethod
    def of(cls, errors: dict[str, str]) -> ReportError:
        first = next(iter(errors))
        summary = errors[first] if len(errors) == 1 else " ".join(errors.values())
        return cls(summary, first, errors=dict(errors))


@dataclass
class Submission:
    """What a reporter sends, whatever the channel."""

    category: Category | None
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
    user: User | AnonymousUser | None = None
    application: Open311Application | None = None
    # For messages about the report: the page's language and the site's address.
    language: str = ""
    base_url: str = ""
    # Fields the channel could not read (a number that is not one, ...), by name.
    read_errors: dict[str, str] = field(default_factory=dict)


# field -> (max length, single line); control characters are refused in all of them.
TEXT_FIELDS: dict[str, tuple[int, bool]] = {
    "description": (MAX_DESCRIPTION, False),
    "address": (300, True),
    "contact_name": (120, True),
    "contact_email": (254, True),
    "contact_phone": (40, True),
}


def _text_errors(s: Submission) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, (max_length, single_line) in TEXT_FIELDS.items():
        value = getattr(s, name)
        try:
            clean_text(value, name, max_length=max_length, multiline=not single_line)
        except EdgeError as exc:
            if "longer than" in exc.message:
                errors[name] = _("At most %(n)d characters.") % {"n": max_length}
            elif "single line" in exc.message:
                errors[name] = _("Write this on one line.")
            elif "control characters" in exc.message:
                errors[name] = _("This contains characters that are not allowed.")
            else:
                errors[name] = _("This must be text.")
    if "description" not in errors and not (s.description or "").strip():
        errors["description"] = _("Please describe the problem.")
    email = (s.contact_email or "").strip()
    if "contact_email" not in errors and email:
        try:
            validate_email(email)
        except ValidationError:
            errors["contact_email"] = _("Enter a valid e-mail address.")
    return errors


def submit_report(*, city: City, submission: Submission) -> tuple[Report, bool]:
    """Create a report, or return the one already made from the same client id.

    Returns (report, created). A replay (an offline queue resending, a double tap)
    answers the existing report and changes nothing. Refusals name every field that
    needs something (ReportError.errors), not only the first."""
    existing = Report.objects.filter(city=city, client_uuid=submission.client_uuid)
    if (found := existing.first()) is not None:
        return found, False
    s = submission
    category = s.category
    if category is not None and (category.city_id != city.pk or not category.active):
        category = None
    errors: dict[str, str] = {}
    if category is None:
        errors["category"] = _("Choose a category.")
    errors.update(_text_errors(s))
    answers: dict[str, Any] = {}
    if category is not None:
        try:
            answers = clean_answers(category.questions, s.answers)
        except AnswerErrors as exc:
            errors.update({f"answers.{code}": m for code, m in exc.errors.items()})
    processed: list[ProcessedPhoto] = []
    if len(s.photos) > MAX_PHOTOS:
        errors["photos"] = _("At most %(n)d photos.") % {"n": MAX_PHOTOS}
    else:
        for upload in s.photos:
            try:
                processed.append(process_photo(upload))
            except PhotoError as exc:
                errors["photos"] = str(exc)
                break
    errors.update(s.read_errors)
    lon, lat, source = s.lon, s.lat, "gps"
    if lon is None or lat is None:
        # No fix from the phone: the first photo that knows where it was taken.
        located = next((p for p in processed if p.lon is not None), None)
        if located is not None:
            lon, lat, source = located.lon, located.lat, "photo"
    where, point = None, None
    if {"lon", "lat", "location"} & errors.keys():
        pass  # the place could not be read; said already
    elif lon is None or lat is None:
        if "photos" not in errors:
            errors["location"] = _("Please set the location on the map.")
    else:
        try:
            check_lon_lat(lon, lat, "location")
        except EdgeError:
            errors["location"] = _("The location is not a valid coordinate.")
        else:
            point = Point(lon, lat, srid=SRID)
            try:
                where = locate(city, point)
            except OutsideCity as exc:
                errors["location"] = str(exc)
    if errors or category is None or where is None or point is None:
        raise ReportError.of(errors)
    now = timezone.now()
    report = Report(
        city=city,
        category=category,
        client_uuid=s.client_uuid,
        geom=point,
        # The database derives the public point from the category (migration 0004).
        public_geom=point,
        accuracy_m=s.accuracy_m,
        location_source=source,
        kelurahan=where.kelurahan,
        kecamatan=where.kecamatan,
        agency=route(category, where),
        description=s.description.strip(),
        address=(s.address or "").strip(),
        answers=answers,
        contact_name=(s.contact_name or "").strip(),
        contact_email=(s.contact_email or "").strip(),
        contact_phone=(s.contact_phone or "").strip(),
        channel=s.channel,
        submitted_by=(
            s.user if isinstance(s.user, User) and s.user.is_authenticated else None
        ),
        application=s.application,
        due_at=now + timedelta(hours=category.sla_hours),
        created_at=now,
    )
    try:
        with transaction.atomic():
            report.ticket = _free_ticket(city)
            report.save()
            report.refresh_from_db(fields=["public_geom"])
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
            subscribe_reporter(
                report,
                language=s.language or settings.LANGUAGE_CODE,
                base_url=s.base_url,
            )
            for photo in processed:
                _save_photo(report, photo)
    except IntegrityError:
        # The same client id won a race with us: answer its report.
        if (found := existing.first()) is not None:
            return found, False
        raise
    log_event(
        logger,
        "report.submitted",
        city=city.slug,
        ticket=report.ticket,
        category=report.category_id,
        agency=report.agency_id,
        channel=report.channel,
    )
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


def has_supported(*, report: Report, client_uuid: uuid.UUID) -> bool:
    return Support.objects.filter(
        city_id=report.city_id, report=report, client_uuid=client_uuid
    ).exists()


@transaction.atomic
def support_report(*, report: Report, client_uuid: uuid.UUID) -> Report:
    """A citizen's "me too". The same client id supports a report once."""
    if not report.is_open:
        raise ReportError(_("This report is no longer open."))
    _support, created = Support.objects.get_or_create(
        city_id=report.city_id, report=report, client_uuid=client_uuid
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


def clean_note(note: Any) -> str:
    """A staff note: text, no control characters, at most MAX_NOTE characters."""
    try:
        return clean_text(note, "note", max_length=MAX_NOTE).strip()
    except EdgeError as exc:
        if "must be text" in exc.message:
            raise ReportError(_("The note must be text."), "note") from None
        if "longer than" in exc.message:
            raise ReportError(
                _("A note may be at most %(n)d characters long.") % {"n": MAX_NOTE},
                "note",
            ) from None
        raise ReportError(
            _("The note contains characters that are not allowed."), "note"
        ) from None


def _log_transition(
    report: Report, old: str, actor: User, into: str | None = None
) -> None:
    log_event(
        logger,
        "report.transitioned",
        city_id=report.city_id,
        ticket=report.ticket,
        from_status=old,
        to_status=report.status,
        agency=report.agency_id,
        actor=actor.pk,
        into=into,
    )


def _check_scope(report: Report, scope: Scope) -> None:
    if report.city_id != scope.city_id or not scope.covers(report.agency_id):
        raise PermissionDenied(_("This report is not in your queue."))


@transaction.atomic
def transition(
    *,
    report: Report,
    to_status: str,
    actor: User,
    scope: Scope,
    note: str = "",
    public: bool = False,
) -> Report:
    note = clean_note(note)
    report = Report.objects.select_for_update().get(pk=report.pk)
    _check_scope(report, scope)
    if to_status == Status.DUPLICATE:
        raise ReportError(_("Use merge to mark a duplicate."), "status")
    if to_status == Status.ASSIGNED and scope.all_agencies:
        raise ReportError(_("Use assign to give a report to an agency."), "status")
    try:
        REPORT_WORKFLOW.check(report.status, to_status, scope_roles(scope))
    except TransitionForbidden:
        raise PermissionDenied(_("Only the control room may do this.")) from None
    except TransitionRefused:
        raise ReportError(
            _("A %(from)s report cannot become %(to)s.")
            % {"from": report.get_status_display(), "to": to_status},
            "status",
        ) from None
    if to_status == Status.IN_PROGRESS and report.agency_id is None:
        raise ReportError(_("Assign the report to an agency first."), "status")
    now = timezone.now()
    old = REPORT_WORKFLOW.enter(report, to_status, now)
    report.save(update_fields=["status", "resolved_at", "updated_at"])
    accepted = to_status == Status.ASSIGNED  # the routed agency took it on
    event = ReportEvent.objects.create(
        city_id=report.city_id,
        report=report,
        kind=ReportEvent.Kind.ASSIGNED if accepted else ReportEvent.Kind.STATUS,
        from_status=old,
        to_status=to_status,
        agency_id=report.agency_id if accepted else None,
        actor=actor,
        note=note.strip(),
        public=public,
        at=now,
    )
    queue_event(event)
    _log_transition(report, old, actor)
    return report


@transaction.atomic
def assign(
    *,
    report: Report,
    agency: Agency,
    actor: User,
    scope: Scope,
    note: str = "",
    public: bool = False,
) -> Report:
    note = clean_note(note)
    report = Report.objects.select_for_update().get(pk=report.pk)
    _check_scope(report, scope)
    if not scope.all_agencies:
        raise PermissionDenied(_("Only the control room may assign reports."))
    if agency.city_id != report.city_id:
        raise ReportError(_("Unknown agency."), "agency")
    if report.status not in REPORT_WORKFLOW.open_states:
        raise ReportError(_("Only an open report can be assigned."), "status")
    old = report.status
    report.agency = agency
    report.status = Status.ASSIGNED
    report.save(update_fields=["agency", "status", "updated_at"])
    event = ReportEvent.objects.create(
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
    queue_event(event)
    _log_transition(report, old, actor)
    return report


@transaction.atomic
def merge_duplicate(
    *,
    report: Report,
    into: Report,
    actor: User,
    scope: Scope,
    note: str = "",
) -> Report:
    """Mark `report` a duplicate of `into`; its reporter and supporters now count as
    supporters of `into`."""
    note = clean_note(note)
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
    if into.category.private and not report.category.private:
        # The merged report's public page would link to (and name) a private one.
        raise ReportError(
            _("Only a report of a private category can join a private report."), "into"
        )
    if Status.DUPLICATE not in REPORT_WORKFLOW.targets(report.status):
        raise ReportError(_("This report cannot be merged now."), "status")
    old = report.status
    report.status = Status.DUPLICATE
    report.duplicate_of = into
    report.save(update_fields=["status", "duplicate_of", "updated_at"])
    Report.objects.filter(pk=into.pk).update(
        supporter_count=F("supporter_count") + report.supporter_count + 1,
        updated_at=timezone.now(),
    )
    # A client that supported both counts once for `into`.
    moving = Support.objects.filter(city_id=report.city_id, report=report)
    moving.filter(
        client_uuid__in=Support.objects.filter(
            city_id=into.city_id, report=into
        ).values("client_uuid")
    ).delete()
    moving.update(report=into)
    text = note.strip() or _("Same problem as %(ticket)s.") % {"ticket": into.ticket}
    merged = ReportEvent.objects.create(
        city_id=report.city_id,
        report=report,
        kind=ReportEvent.Kind.MERGED,
        from_status=old,
        to_status=Status.DUPLICATE,
        actor=actor,
        note=text,
        public=True,
    )
    queue_event(merged)
    ReportEvent.objects.create(
        city_id=report.city_id,
        report=into,
        kind=ReportEvent.Kind.MERGED,
        actor=actor,
        note=_("%(ticket)s merged into this report.") % {"ticket": report.ticket},
        public=True,
    )
    report.refresh_from_db()
    _log_transition(report, old, actor, into=into.ticket)
    return report


@transaction.atomic
def add_note(
    *, report: Report, actor: User, scope: Scope, note: str, public: bool
) -> ReportEvent:
    _check_scope(report, scope)
    note = clean_note(note)
    if not note:
        raise ReportError(_("The note is empty."), "note")
    Report.objects.filter(pk=report.pk).update(updated_at=timezone.now())
    event = ReportEvent.objects.create(
        city_id=report.city_id,
        report=report,
        kind=ReportEvent.Kind.NOTE,
        actor=actor,
        note=note.strip(),
        public=public,
    )
    queue_event(event)
    return event


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
    if reports:
        log_event(logger, "report.escalated", count=len(reports))
    return len(reports)
