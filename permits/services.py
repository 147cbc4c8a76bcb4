"""Writes of permits: record an application (or an imported permit), move it
through its workflow, add notes and documents, and expire permits at night.

Each service checks everything first and changes nothing when it refuses (a
PermitError naming each field and what it needs); each change leaves a timeline
event with who, when and the note."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.gis.geos import GEOSException, GEOSGeometry, Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gis_platform.edges import EdgeError, check_coordinates, clean_text
from permits.models import (
    GRANTED_STATUSES,
    NIK_PATTERN,
    Kbli,
    Permit,
    PermitDocument,
    PermitEvent,
    PermitType,
    RiskLevel,
    Status,
)
from permits.workflow import PERMIT_WORKFLOW
from tenancy.access import Scope, agency_roles
from tenancy.models import SRID, AdminArea, City
from workflow.definition import TransitionForbidden, TransitionRefused

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./_-]{0,59}$")
# An HTML tag, comment or entity-free markup start: refused in every text field.
MARKUP = re.compile(r"<\s*[A-Za-z/!?]")
MAX_TEXT = 4000
MAX_NOTE = 2000
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
_ONE_DAY = timedelta(days=1)
DOCUMENT_TYPES = {
    "application/pdf": b"%PDF",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG",
}
# Statuses an import may carry: "expired" is computed from ExpiresDate at night.
IMPORT_STATUSES = tuple(s.value for s in Status if s != Status.EXPIRED)


class PermitError(ValueError):
    """A refused change; `errors` maps each field to what it needs."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        first = next(iter(self.errors))
        self.field = first
        self.message = (
            self.errors[first]
            if len(self.errors) == 1
            else " ".join(f"{k}: {v}" for k, v in self.errors.items())
        )
        super().__init__(self.message)


@dataclass
class PermitInput:
    """A permit as a person or a spreadsheet row gives it (raw values; checked by
    `clean_input`)."""

    permit_type: str
    business_name: str
    applicant_name: str
    applied_date: Any
    lon: Any = None
    lat: Any = None
    geometry: Any = None  # GeoJSON Point / Polygon / MultiPolygon (a dict)
    number: str = ""
    description: str = ""
    applicant_nik: str = ""
    applicant_phone: str = ""
    applicant_email: str = ""
    address: str = ""
    conditions: str = ""
    kbli: str = ""
    risk_level: str = ""
    fee: Any = None
    status: str = Status.SUBMITTED
    issued_date: Any = None
    expires_date: Any = None
    completed_date: Any = None


def _text(
    value: Any,
    name: str,
    errors: dict[str, str],
    *,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
) -> str:
    try:
        text = clean_text(
            "" if value is None else str(value) if isinstance(value, int) else value,
            name,
            max_length=max_length,
            multiline=multiline,
            required=required,
        ).strip()
    except EdgeError as exc:
        errors[name] = exc.message
        return ""
    if MARKUP.search(text):
        errors[name] = _("must be plain text (no HTML or scripts).")
        return ""
    return text


def _date(value: Any, name: str, errors: dict[str, str]) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        errors[name] = _("must be a date (YYYY-MM-DD).")
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        errors[name] = _("must be a date (YYYY-MM-DD).")
        return None


def _location(
    data: PermitInput, city: City, errors: dict[str, str]
) -> tuple[GEOSGeometry, Point] | None:
    try:
        if data.geometry not in (None, ""):
            geometry = data.geometry
            if not isinstance(geometry, dict):
                raise EdgeError("geometry", _("must be a GeoJSON geometry object."))
            if geometry.get("type") not in ("Point", "Polygon", "MultiPolygon"):
                raise EdgeError(
                    "geometry", _("must be a Point, Polygon or MultiPolygon.")
                )
            check_coordinates(geometry.get("coordinates"), "geometry")
            import json

            geom = GEOSGeometry(json.dumps(geometry), srid=SRID)
            if not geom.valid:
                raise EdgeError("geometry", _("is not a valid geometry."))
        else:
            from gis_platform.edges import check_lon_lat, parse_float

            if data.lon in (None, "") or data.lat in (None, ""):
                raise EdgeError("location", _("give a point (lon, lat) or a parcel."))
            lon = parse_float(data.lon, "lon")
            lat = parse_float(data.lat, "lat")
            check_lon_lat(lon, lat, "location")
            geom = Point(lon, lat, srid=SRID)
    except EdgeError as exc:
        errors[
            exc.field if exc.field != "lon" and exc.field != "lat" else "location"
        ] = exc.message
        return None
    except (GEOSException, ValueError, TypeError):
        errors["geometry"] = _("is not a valid geometry.")
        return None
    point = geom if isinstance(geom, Point) else geom.point_on_surface
    if not City.objects.filter(pk=city.pk, boundary__covers=point).exists():
        errors["location"] = _("is outside %(city)s.") % {"city": city.name}
        return None
    return geom, point


@dataclass
class Cleaned:
    values: dict[str, Any]
    permit_type: PermitType


def clean_input(city: City, data: PermitInput, *, imported: bool = False) -> Cleaned:
    """Every value checked, or a PermitError listing every problem."""
    errors: dict[str, str] = {}
    code = _text(data.permit_type, "permit_type", errors, max_length=40, required=True)
    permit_type = None
    if code:
        permit_type = PermitType.objects.filter(city=city, code=code).first()
        if permit_type is None or not (permit_type.active or imported):
            errors["permit_type"] = _("unknown permit type %(code)s.") % {"code": code}
    values: dict[str, Any] = {
        "business_name": _text(
            data.business_name, "business_name", errors, max_length=200, required=True
        ),
        "description": _text(
            data.description, "description", errors, max_length=MAX_TEXT, multiline=True
        ),
        "applicant_name": _text(
            data.applicant_name, "applicant_name", errors, max_length=200, required=True
        ),
        "applicant_phone": _text(
            data.applicant_phone, "applicant_phone", errors, max_length=40
        ),
        "address": _text(data.address, "address", errors, max_length=300),
        "conditions": _text(
            data.conditions, "conditions", errors, max_length=MAX_TEXT, multiline=True
        ),
    }
    nik = _text(data.applicant_nik, "applicant_nik", errors, max_length=40)
    if nik and not re.fullmatch(NIK_PATTERN, nik):
        errors["applicant_nik"] = _("A NIK is 16 digits.")
    values["applicant_nik"] = nik
    email = _text(data.applicant_email, "applicant_email", errors, max_length=254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["applicant_email"] = _("Enter a valid e-mail address.")
    values["applicant_email"] = email
    number = _text(data.number, "number", errors, max_length=60)
    if number and not NUMBER.match(number):
        errors["number"] = _(
            "letters, digits and . / _ - only (at most 60), starting with a letter "
            "or digit."
        )
    values["number"] = number
    kbli_code = _text(data.kbli, "kbli", errors, max_length=10)
    kbli = None
    if kbli_code:
        kbli = Kbli.objects.filter(city=city, code=kbli_code).first()
        if kbli is None:
            errors["kbli"] = _("unknown KBLI code %(code)s.") % {"code": kbli_code}
    elif permit_type is not None and permit_type.requires_kbli:
        errors["kbli"] = _("this permit type needs a KBLI code.")
    values["kbli"] = kbli
    risk = _text(data.risk_level, "risk_level", errors, max_length=2).upper()
    if risk and risk not in RiskLevel.values:
        errors["risk_level"] = _("one of R, MR, MT, T.")
    values["risk_level"] = risk or (kbli.risk if kbli else "")
    fee = None
    if data.fee not in (None, ""):
        try:
            fee = Decimal(str(data.fee).strip())
            if not fee.is_finite() or fee < 0 or fee >= Decimal(10) ** 14:
                raise InvalidOperation
            fee = fee.quantize(Decimal(1))
        except (InvalidOperation, ValueError):
            errors["fee"] = _("must be an amount in rupiah (0 or more).")
            fee = None
    values["fee"] = fee
    status = _text(data.status, "status", errors, max_length=20) or Status.SUBMITTED
    allowed = IMPORT_STATUSES if imported else (Status.SUBMITTED.value,)
    if status not in allowed:
        errors["status"] = (
            _("expired is computed from the expiry date; import it as issued.")
            if status == Status.EXPIRED
            else _("unknown status %(status)s.") % {"status": status}
        )
    values["status"] = status
    applied = _date(data.applied_date, "applied_date", errors)
    if applied is None and "applied_date" not in errors:
        errors["applied_date"] = _("is required.")
    issued = _date(data.issued_date, "issued_date", errors)
    expires = _date(data.expires_date, "expires_date", errors)
    completed = _date(data.completed_date, "completed_date", errors)
    if applied and issued and issued < applied:
        errors["issued_date"] = _("cannot be before the application date.")
    if expires and (issued is None or expires <= issued):
        errors["expires_date"] = _("must be after the issue date.")
    if completed and (issued is None or completed < issued):
        errors["completed_date"] = _("cannot be before the issue date.")
    if status in GRANTED_STATUSES and issued is None:
        errors["issued_date"] = _("a granted permit needs its issue date.")
    values.update(
        applied_date=applied,
        issued_date=issued,
        expires_date=expires,
        completed_date=completed,
    )
    located = _location(data, city, errors)
    if errors or permit_type is None or located is None:
        raise PermitError(errors or {"location": _("is required.")})
    values["geom"], values["point"] = located
    return Cleaned(values=values, permit_type=permit_type)


def _areas(city: City, point: Point) -> tuple[AdminArea | None, AdminArea | None]:
    kelurahan = (
        AdminArea.objects.filter(
            city=city, level=AdminArea.Level.KELURAHAN, geom__intersects=point
        )
        .select_related("parent")
        .first()
    )
    kecamatan = kelurahan.parent if kelurahan else None
    if kecamatan is None:
        kecamatan = AdminArea.objects.filter(
            city=city, level=AdminArea.Level.KECAMATAN, geom__intersects=point
        ).first()
    return kelurahan, kecamatan


def tracking_hash(permit: Permit, code: str) -> str:
    raw = f"{permit.city_id}:{permit.number}:{code.strip().upper()}"
    return hashlib.sha256(raw.encode()).hexdigest()


def new_tracking_code() -> str:
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def code_matches(permit: Permit, code: str) -> bool:
    return hmac.compare_digest(permit.tracking_hash, tracking_hash(permit, code))


def _new_number(permit_type: PermitType, applied: date) -> str:
    tail = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
    return f"{permit_type.code.upper()}-{applied.year}-{tail}"


def build_permit(city: City, cleaned: Cleaned, *, demo: bool = False) -> Permit:
    """An unsaved permit from checked values (the importer and the demo save many)."""
    values = dict(cleaned.values)
    permit_type = cleaned.permit_type
    number = values.pop("number") or _new_number(permit_type, values["applied_date"])
    kelurahan, kecamatan = _areas(city, values["point"])
    return Permit(
        city=city,
        number=number,
        permit_type=permit_type,
        agency_id=permit_type.agency_id,
        kelurahan=kelurahan,
        kecamatan=kecamatan,
        demo=demo,
        **values,
    )


@transaction.atomic
def submit_permit(
    *,
    city: City,
    data: PermitInput,
    actor: Any,
    scope: Scope | None = None,
    imported: bool = False,
) -> tuple[Permit, str]:
    """Record an application (status submitted) or, `imported`, an existing permit
    with its status and dates. Returns the permit and its tracking code (shown
    once; only its hash is kept)."""
    cleaned = clean_input(city, data, imported=imported)
    if scope is not None and not scope.covers(cleaned.permit_type.agency_id):
        raise PermitError({"permit_type": _("issued by another agency.")})
    permit = build_permit(city, cleaned)
    if Permit.objects.filter(city=city, number=permit.number).exists():
        raise PermitError(
            {"number": _("permit number %(n)s exists.") % {"n": permit.number}}
        )
    code = new_tracking_code()
    permit.tracking_hash = tracking_hash(permit, code)
    if permit.status == Status.ISSUED and permit.expires_date is None:
        permit.stamp_issue(timezone.now())
    try:
        with transaction.atomic():
            permit.save()
    except IntegrityError:
        raise PermitError(
            {"number": _("permit number %(n)s exists.") % {"n": permit.number}}
        ) from None
    PermitEvent.objects.create(
        city=city,
        permit=permit,
        kind=PermitEvent.Kind.IMPORTED if imported else PermitEvent.Kind.CREATED,
        to_status=permit.status,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )
    return permit, code


def clean_note(note: Any) -> str:
    errors: dict[str, str] = {}
    text = _text(note, "note", errors, max_length=MAX_NOTE, multiline=True)
    if errors:
        raise PermitError(errors)
    return text


def _check_scope(permit: Permit, scope: Scope) -> None:
    if permit.city_id != scope.city_id or not scope.covers(permit.agency_id):
        raise PermissionDenied(_("This permit is another agency's."))


def transitions_for(user: Any, permit: Permit) -> tuple[str, ...]:
    roles = agency_roles(user, permit.city, permit.agency_id)
    return PERMIT_WORKFLOW.targets(permit.status, roles)


@transaction.atomic
def transition(
    *,
    permit: Permit,
    to_status: str,
    actor: Any,
    scope: Scope,
    note: str = "",
    public: bool = False,
) -> Permit:
    note = clean_note(note)
    permit = (
        Permit.objects.select_for_update(of=("self",))
        .select_related("city", "permit_type")
        .get(pk=permit.pk)
    )
    _check_scope(permit, scope)
    if to_status == Status.EXPIRED:
        raise PermitError(
            {"status": _("Permits expire by themselves, from their expiry date.")}
        )
    roles = agency_roles(actor, permit.city, permit.agency_id)
    try:
        PERMIT_WORKFLOW.check(permit.status, to_status, roles)
    except TransitionForbidden:
        raise PermissionDenied(_("Your role may not do this.")) from None
    except TransitionRefused:
        raise PermitError(
            {
                "status": _("A %(from)s permit cannot become %(to)s.")
                % {"from": permit.get_status_display(), "to": to_status}
            }
        ) from None
    if to_status == Status.REJECTED and not note:
        raise PermitError({"note": _("Say why the application is rejected.")})
    now = timezone.now()
    old = PERMIT_WORKFLOW.enter(permit, to_status, now)
    permit.save(
        update_fields=[
            "status",
            "issued_date",
            "expires_date",
            "completed_date",
            "updated_at",
        ]
    )
    PermitEvent.objects.create(
        city_id=permit.city_id,
        permit=permit,
        kind=PermitEvent.Kind.STATUS,
        from_status=old,
        to_status=to_status,
        actor=actor,
        note=note,
        public=public,
        at=now,
    )
    return permit


@transaction.atomic
def add_note(
    *, permit: Permit, actor: Any, scope: Scope, note: str, public: bool = False
) -> PermitEvent:
    _check_scope(permit, scope)
    text = clean_note(note)
    if not text:
        raise PermitError({"note": _("is required.")})
    return PermitEvent.objects.create(
        city_id=permit.city_id,
        permit=permit,
        kind=PermitEvent.Kind.NOTE,
        actor=actor,
        note=text,
        public=public,
    )


@transaction.atomic
def add_document(
    *, permit: Permit, actor: Any, scope: Scope, upload: UploadedFile
) -> PermitDocument:
    """A private file of the permit: PDF, JPEG or PNG, checked by its first bytes."""
    _check_scope(permit, scope)
    if upload.size is None or upload.size > MAX_DOCUMENT_BYTES:
        raise PermitError({"file": _("at most 10 MB.")})
    head = upload.read(8)
    upload.seek(0)
    content_type = next(
        (kind for kind, magic in DOCUMENT_TYPES.items() if head.startswith(magic)),
        None,
    )
    if content_type is None:
        raise PermitError({"file": _("PDF, JPEG or PNG only.")})
    errors: dict[str, str] = {}
    name = _text(upload.name or "document", "file", errors, max_length=200)
    if errors:
        raise PermitError(errors)
    document = PermitDocument(
        city_id=permit.city_id,
        permit=permit,
        name=name,
        content_type=content_type,
        uploaded_by=actor,
    )
    document.file.save(f"{secrets.token_hex(16)}", upload, save=False)
    document.save()
    PermitEvent.objects.create(
        city_id=permit.city_id,
        permit=permit,
        kind=PermitEvent.Kind.DOCUMENT,
        actor=actor,
        note=name,
    )
    return document


def expire_permits(*, today: date | None = None, batch: int = 500) -> int:
    """Issued permits whose expiry date has passed (in their city's time zone)
    become expired, each with a timeline event; one batch in one transaction.
    Returns how many expired (call again while it returns `batch`)."""
    now = timezone.now()
    count = 0
    with transaction.atomic():
        rows = (
            Permit.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=Status.ISSUED, expires_date__isnull=False)
            .select_related("city")
        )
        if today is not None:
            rows = rows.filter(expires_date__lt=today)
        else:
            # A generous first cut in SQL; each city's own date decides below.
            rows = rows.filter(expires_date__lt=now.date() + _ONE_DAY)
        events = []
        for permit in rows.order_by("expires_date", "id")[:batch]:
            local_today = today or permit.local_date(now)
            if permit.expires_date is None or permit.expires_date >= local_today:
                continue
            old = PERMIT_WORKFLOW.enter(permit, Status.EXPIRED, now)
            permit.save(update_fields=["status", "updated_at"])
            events.append(
                PermitEvent(
                    city_id=permit.city_id,
                    permit=permit,
                    kind=PermitEvent.Kind.STATUS,
                    from_status=old,
                    to_status=Status.EXPIRED,
                    note="Expired on its expiry date (nightly task).",
                    public=True,
                    at=now,
                )
            )
            count += 1
        PermitEvent.objects.bulk_create(events)
    return count
