"""Writes of the jobs app: post (create) a vacancy, move it through its workflow,
close the expired ones (nightly). Each service checks everything first and changes
nothing when it refuses (JobError naming every field that needs something); each
change leaves a timeline event."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.models import User as Account
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gis_platform.edges import (
    EdgeError,
    check_lon_lat,
    clean_text,
    parse_float,
    parse_int,
)
from gis_platform.log import log_event
from jobs.choices import Education, EmploymentType, Sector
from jobs.dates import city_today
from jobs.models import Employer, Occupation, Vacancy, VacancyEvent
from jobs.policy import employers_for, vacancy_roles
from jobs.workflow import VACANCY_WORKFLOW, Status
from reports.routing import OutsideCity, locate
from tenancy.models import SRID, City
from workflow.definition import TransitionForbidden, TransitionRefused

logger = logging.getLogger(__name__)

User = AbstractBaseUser | AnonymousUser

MAX_DESCRIPTION = 5000
MAX_NOTE = 2000
MAX_OPENINGS = 10_000
MAX_EXPERIENCE = 50
MAX_SALARY = 2_000_000_000  # IDR per month; the column is a 32-bit integer
# A vacancy stays open at most this long after it is posted.
MAX_OPEN_DAYS = 366

# field -> (max length, single line, required)
TEXT_FIELDS: dict[str, tuple[int, bool, bool]] = {
    "title": (200, True, True),
    "description": (MAX_DESCRIPTION, False, True),
    "address": (300, True, False),
    "apply_url": (500, True, False),
    "apply_address": (300, True, False),
}


class JobError(ValueError):
    """A refused change; `errors` maps each field (as named in the request) to what
    it needs."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = dict(errors)


@dataclass
class CleanVacancy:
    employer: Employer
    occupation: Occupation
    values: dict[str, Any]
    point: Point


def _text(data: dict[str, Any], name: str, errors: dict[str, str]) -> str:
    max_length, single_line, required = TEXT_FIELDS[name]
    try:
        value = clean_text(
            data.get(name), name, max_length=max_length, multiline=not single_line
        ).strip()
    except EdgeError as exc:
        if "longer than" in exc.message:
            errors[name] = _("At most %(n)d characters.") % {"n": max_length}
        elif "single line" in exc.message:
            errors[name] = _("Write this on one line.")
        elif "control characters" in exc.message:
            errors[name] = _("This contains characters that are not allowed.")
        else:
            errors[name] = _("This must be text.")
        return ""
    if required and not value:
        errors[name] = _("This field is required.")
    return value


def _int(
    data: dict[str, Any],
    name: str,
    errors: dict[str, str],
    *,
    minimum: int,
    maximum: int,
    default: int | None = None,
) -> int | None:
    raw = data.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default
    try:
        return parse_int(raw, name, minimum=minimum, maximum=maximum)
    except EdgeError:
        errors[name] = _("A whole number from %(a)d to %(b)d.") % {
            "a": minimum,
            "b": maximum,
        }
        return None


def _date(data: dict[str, Any], name: str, errors: dict[str, str]) -> date | None:
    raw = data.get(name)
    if isinstance(raw, date):
        return raw
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        if not isinstance(raw, str) or len(raw.strip()) != 10:
            raise ValueError
        return date.fromisoformat(raw.strip())
    except ValueError:
        errors[name] = _("A date written as YYYY-MM-DD.")
        return None


def _choice(
    data: dict[str, Any], name: str, choices: list[str], errors: dict[str, str]
) -> str:
    value = data.get(name)
    if not isinstance(value, str) or value not in choices:
        errors[name] = _("Choose one of the listed values.")
        return ""
    return value


def _apply_url(value: str, errors: dict[str, str]) -> str:
    if not value:
        return ""
    # Only web links: no javascript:, data: or mailto: in a public page's href.
    try:
        URLValidator(schemes=["http", "https"])(value)
        scheme = urlsplit(value).scheme.lower()
    except (ValidationError, ValueError):
        scheme = ""
    if scheme not in ("http", "https"):
        errors["apply_url"] = _("A web address starting with http:// or https://.")
        return ""
    return value


def clean_vacancy(
    *, city: City, user: User, data: dict[str, Any], today: date | None = None
) -> CleanVacancy:
    """Check a whole posting (form or JSON values); JobError lists every problem."""
    errors: dict[str, str] = {}
    today = today or city_today(city)
    employer = None
    employer_id = _int(data, "employer", errors, minimum=1, maximum=2**62)
    if employer_id is not None:
        # Another city's employer, or one this person does not post for, is unknown.
        employer = employers_for(user, city).filter(pk=employer_id).first()
    if employer is None and "employer" not in errors:
        errors["employer"] = _("Choose an employer you post for.")
    texts = {name: _text(data, name, errors) for name in TEXT_FIELDS}
    texts["apply_url"] = _apply_url(texts["apply_url"], errors)
    if (
        not texts["apply_url"]
        and not texts["apply_address"]
        and not ({"apply_url", "apply_address"} & errors.keys())
    ):
        errors["apply_url"] = _("Say how to apply: a web address or an address.")
    occupation = None
    code = data.get("occupation")
    if isinstance(code, str) and code.strip() and not any(c.isspace() for c in code):
        occupation = Occupation.objects.filter(
            city=city, code=code.strip(), active=True
        ).first()
    if occupation is None:
        errors["occupation"] = _("Choose an occupation from the KBJI list.")
    sector = _choice(data, "sector", Sector.values, errors)
    education = data.get("education") or Education.ANY
    education = _choice({"education": education}, "education", Education.values, errors)
    employment_type = data.get("employment_type") or EmploymentType.FULL_TIME
    employment_type = _choice(
        {"employment_type": employment_type},
        "employment_type",
        EmploymentType.values,
        errors,
    )
    openings = _int(
        data, "openings", errors, minimum=1, maximum=MAX_OPENINGS, default=1
    )
    experience = _int(
        data, "experience_years", errors, minimum=0, maximum=MAX_EXPERIENCE, default=0
    )
    salary_min = _int(data, "salary_min", errors, minimum=0, maximum=MAX_SALARY)
    salary_max = _int(data, "salary_max", errors, minimum=0, maximum=MAX_SALARY)
    if salary_min is not None and salary_max is not None and salary_min > salary_max:
        errors["salary_max"] = _("The highest salary is below the lowest.")
    posted_on = _date(data, "posted_on", errors) or (
        None if "posted_on" in errors else today
    )
    closes_on = _date(data, "closes_on", errors)
    if closes_on is None and "closes_on" not in errors:
        errors["closes_on"] = _("Give the closing date.")
    if posted_on is not None and closes_on is not None:
        if closes_on < posted_on:
            errors["closes_on"] = _("The closing date is before the posting date.")
        elif closes_on < today:
            errors["closes_on"] = _("The closing date has passed.")
        elif closes_on > posted_on + timedelta(days=MAX_OPEN_DAYS):
            errors["closes_on"] = _("A vacancy stays open at most a year.")
    if posted_on is not None and posted_on > today + timedelta(days=MAX_OPEN_DAYS):
        errors["posted_on"] = _("The posting date is too far ahead.")
    point = None
    try:
        lon = parse_float(data.get("lon"), "lon")
        lat = parse_float(data.get("lat"), "lat")
        check_lon_lat(lon, lat, "location")
        point = Point(lon, lat, srid=SRID)
    except EdgeError:
        errors["location"] = _("Set the workplace on the map.")
    where = None
    if point is not None:
        try:
            where = locate(city, point)
        except OutsideCity as exc:
            errors["location"] = str(exc)
    if errors or employer is None or occupation is None or where is None:
        raise JobError(errors)
    assert point is not None  # noqa: S101 (where is set only from a point)
    values = {
        **texts,
        "sector": sector,
        "education": education,
        "employment_type": employment_type,
        "openings": openings,
        "experience_years": experience,
        "salary_min": salary_min,
        "salary_max": salary_max,
        "posted_on": posted_on,
        "closes_on": closes_on,
        "kelurahan": where.kelurahan,
        "kecamatan": where.kecamatan,
    }
    return CleanVacancy(employer, occupation, values, point)


@transaction.atomic
def post_vacancy(
    *, city: City, user: User, data: dict[str, Any], submit: bool = True
) -> Vacancy:
    """Create a vacancy as a draft, or submitted for moderation (`submit`)."""
    clean = clean_vacancy(city=city, user=user, data=data)
    now = timezone.now()
    actor = _account(user)
    vacancy = Vacancy.objects.create(
        city=city,
        employer=clean.employer,
        occupation=clean.occupation,
        geom=clean.point,
        status=Status.SUBMITTED if submit else Status.DRAFT,
        created_by=actor,
        created_at=now,
        **clean.values,
    )
    VacancyEvent.objects.create(
        city=city,
        vacancy=vacancy,
        kind=VacancyEvent.Kind.CREATED,
        to_status=vacancy.status,
        actor=actor,
        at=now,
    )
    log_event(
        logger,
        "vacancy.posted",
        city=city.slug,
        vacancy=vacancy.pk,
        employer=vacancy.employer_id,
        status=vacancy.status,
    )
    return vacancy


# A vacancy's content may be edited while it is one of these (before it is sent
# to Disnaker again); a waiting, published or closed vacancy is not rewritten.
EDITABLE = (Status.DRAFT, Status.REJECTED)


@transaction.atomic
def edit_vacancy(
    *, vacancy: Vacancy, user: User, data: dict[str, Any], submit: bool = False
) -> Vacancy:
    """Rewrite a draft or rejected vacancy's content with the posting form's checks
    (`clean_vacancy`); an "edited" timeline event names the changed fields. With
    `submit`, it is then sent to Disnaker (a status event of its own)."""
    vacancy = Vacancy.objects.select_for_update().get(pk=vacancy.pk)
    if not vacancy_roles(user, vacancy):
        raise PermissionDenied(_("This vacancy is not yours to change."))
    if vacancy.status not in EDITABLE:
        raise JobError(
            {"status": _("Only a draft or a rejected vacancy can be edited.")}
        )
    city = City.objects.get(pk=vacancy.city_id)
    clean = clean_vacancy(city=city, user=user, data=data)
    new = {
        **clean.values,
        "employer": clean.employer,
        "occupation": clean.occupation,
        "geom": clean.point,
    }
    changed = sorted(
        name
        for name, value in new.items()
        if (
            not value.equals_exact(vacancy.geom, 1e-9)
            if name == "geom"
            else getattr(vacancy, name) != value
        )
    )
    for name, value in new.items():
        setattr(vacancy, name, value)
    vacancy.save()
    now = timezone.now()
    VacancyEvent.objects.create(
        city_id=vacancy.city_id,
        vacancy=vacancy,
        kind=VacancyEvent.Kind.EDITED,
        from_status=vacancy.status,
        to_status=vacancy.status,
        actor=_account(user),
        note=", ".join(changed),
        at=now,
    )
    log_event(
        logger,
        "vacancy.edited",
        city_id=vacancy.city_id,
        vacancy=vacancy.pk,
        fields=len(changed),
        actor=user.pk,
    )
    if submit:
        vacancy = transition(vacancy=vacancy, to_status=Status.SUBMITTED, actor=user)
    return vacancy


def _account(user: User) -> Account | None:
    """The signed-in account to record as the actor (None for anyone else)."""
    return user if isinstance(user, Account) and user.is_authenticated else None


def clean_note(note: Any) -> str:
    try:
        return clean_text(note, "note", max_length=MAX_NOTE).strip()
    except EdgeError:
        raise JobError(
            {
                "note": _("At most %(n)d characters, no control characters.")
                % {"n": MAX_NOTE}
            }
        ) from None


@VACANCY_WORKFLOW.on_enter(Status.PUBLISHED)
def _stamp_published(vacancy: Vacancy, now: datetime) -> None:
    vacancy.published_at = now
    vacancy.rejection_reason = ""


@VACANCY_WORKFLOW.on_enter(Status.CLOSED)
def _stamp_closed(vacancy: Vacancy, now: datetime) -> None:
    vacancy.closed_at = now


@VACANCY_WORKFLOW.on_enter(Status.SUBMITTED, Status.DRAFT)
def _reopen(vacancy: Vacancy, now: datetime) -> None:
    vacancy.published_at = None


@transaction.atomic
def transition(
    *, vacancy: Vacancy, to_status: str, actor: User, note: Any = ""
) -> Vacancy:
    """Move a vacancy (publish, reject with a reason, submit, close)."""
    note = clean_note(note)
    vacancy = Vacancy.objects.select_for_update().get(pk=vacancy.pk)
    roles = vacancy_roles(actor, vacancy)
    if not roles:
        raise PermissionDenied(_("This vacancy is not yours to change."))
    try:
        VACANCY_WORKFLOW.check(vacancy.status, to_status, roles)
    except TransitionForbidden:
        raise PermissionDenied(_("Only Disnaker may do this.")) from None
    except TransitionRefused:
        raise JobError(
            {
                "status": _("A vacancy that is %(from)s cannot become %(to)s.")
                % {"from": vacancy.get_status_display(), "to": to_status}
            }
        ) from None
    today = city_today(City.objects.only("time_zone").get(pk=vacancy.city_id))
    if to_status == Status.REJECTED and not note:
        raise JobError({"note": _("Say why the vacancy is rejected.")})
    if to_status == Status.PUBLISHED and vacancy.closes_on < today:
        raise JobError({"status": _("The closing date has passed.")})
    now = timezone.now()
    old = VACANCY_WORKFLOW.enter(vacancy, to_status, now)
    if to_status == Status.REJECTED:
        vacancy.rejection_reason = note
    vacancy.save()
    VacancyEvent.objects.create(
        city_id=vacancy.city_id,
        vacancy=vacancy,
        kind=VacancyEvent.Kind.STATUS,
        from_status=old,
        to_status=to_status,
        actor=_account(actor),
        note=note,
        at=now,
    )
    log_event(
        logger,
        "vacancy.transitioned",
        city_id=vacancy.city_id,
        vacancy=vacancy.pk,
        from_status=old,
        to_status=to_status,
        actor=actor.pk,
    )
    return vacancy


def close_expired(*, now: datetime | None = None, batch: int = 500) -> int:
    """Close published (and waiting) vacancies whose closing date has passed in their
    city's zone; one timeline event each. Returns how many were closed (at most
    `batch`: call again while it returns `batch`)."""
    now = now or timezone.now()
    closed = 0
    for city in City.objects.only("pk", "time_zone"):
        today = city_today(city, now)
        with transaction.atomic():
            rows = list(
                Vacancy.objects.select_for_update(skip_locked=True)
                .filter(
                    city=city,
                    status__in=[Status.PUBLISHED, Status.SUBMITTED],
                    closes_on__lt=today,
                )
                .order_by("id")[: batch - closed]
            )
            for vacancy in rows:
                old = VACANCY_WORKFLOW.enter(vacancy, Status.CLOSED, now)
                vacancy.save(update_fields=["status", "closed_at", "updated_at"])
                VacancyEvent.objects.create(
                    city_id=vacancy.city_id,
                    vacancy=vacancy,
                    kind=VacancyEvent.Kind.EXPIRED,
                    from_status=old,
                    to_status=Status.CLOSED,
                    at=now,
                )
            closed += len(rows)
        if rows:
            log_event(logger, "vacancy.expired", city_id=city.pk, closed=len(rows))
        if closed >= batch:
            break
    return closed
