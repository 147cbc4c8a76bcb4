"""Permits (perizinan): the per-city code lists (permit types, KBLI business codes),
the permit with its private applicant, its timeline and its private documents.

Every table carries `city` and its unique constraints include it (Citus-ready).
Public columns are chosen in permits/sources.py; the applicant's name, NIK, phone,
e-mail, the documents, the address, conditions and fee never leave the staff pages."""

from __future__ import annotations

import calendar
import zoneinfo
from datetime import date, datetime

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.core.validators import RegexValidator
from django.db.models import F, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from permits.querysets import PermitQuerySet
from permits.workflow import (  # noqa: F401 (re-export)
    GRANTED_STATUSES,
    OPEN_STATUSES,
    PUBLIC_STATUSES,
    Status,
)
from tenancy.models import SRID, AdminArea, Agency, City
from workflow.models import TimelineEvent

NIK_PATTERN = r"^[0-9]{16}$"
KBLI_PATTERN = r"^[0-9]{5}$"
validate_nik = RegexValidator(NIK_PATTERN, _("A NIK is 16 digits."))
validate_kbli = RegexValidator(KBLI_PATTERN, _("A KBLI code is 5 digits."))


def add_months(day: date, months: int) -> date:
    """`day` plus whole months (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


class RiskLevel(models.TextChoices):
    """OSS-RBA (PP 5/2021) business risk levels."""

    LOW = "R", _("Low (R)")
    MEDIUM_LOW = "MR", _("Medium-low (MR)")
    MEDIUM_HIGH = "MT", _("Medium-high (MT)")
    HIGH = "T", _("High (T)")


class PermitGroup(models.TextChoices):
    BUILDING = "building", _("Building (PBG/SLF)")
    BUSINESS = "business", _("Business licence (OSS-RBA)")
    ADVERTISING = "advertising", _("Advertising (reklame)")
    EVENT = "event", _("Event")
    ROADWORKS = "roadworks", _("Road excavation")
    OTHER = "other", _("Other")


class PermitType(models.Model):
    """A kind of permit the city issues (a city kit part: permit_types.yaml)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    group = models.CharField(
        _("group"), max_length=16, choices=PermitGroup.choices, default="other"
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issuing agency"),
    )
    requires_kbli = models.BooleanField(_("needs a KBLI code"), default=False)
    # 0: does not expire (e.g. PBG).
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), default=0
    )
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("permit type")
        verbose_name_plural = _("permit types")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "code"], name="permittype_city_code"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Kbli(models.Model):
    """A KBLI 2020 business classification code (a city kit part: kbli.yaml)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("KBLI code"), max_length=5, validators=[validate_kbli])
    title = models.CharField(_("title"), max_length=300)
    risk = models.CharField(
        _("usual risk level"), max_length=2, choices=RiskLevel.choices, blank=True
    )

    class Meta:
        verbose_name = _("KBLI code")
        verbose_name_plural = _("KBLI codes")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="kbli_city_code"),
            models.CheckConstraint(
                condition=Q(code__regex=KBLI_PATTERN), name="kbli_code_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Permit(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(_("permit number"), max_length=60)
    permit_type = models.ForeignKey(
        PermitType,
        on_delete=models.PROTECT,
        related_name="permits",
        verbose_name=_("permit type"),
    )
    # The issuing agency (the type's, usually DPMPTSP): whose staff work it.
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    kbli = models.ForeignKey(
        Kbli,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("KBLI code"),
    )
    risk_level = models.CharField(
        _("risk level"), max_length=2, choices=RiskLevel.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    # Public.
    business_name = models.CharField(_("business / project name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Private: the applicant (a person), never in any public output.
    applicant_name = models.CharField(_("applicant name"), max_length=200)
    applicant_nik = models.CharField(
        _("applicant NIK"), max_length=16, blank=True, validators=[validate_nik]
    )
    applicant_phone = models.CharField(_("applicant phone"), max_length=40, blank=True)
    applicant_email = models.EmailField(_("applicant e-mail"), blank=True)
    # Staff only (a house's address names a person's home).
    address = models.CharField(_("address"), max_length=300, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    fee = models.DecimalField(
        _("fee (Rp)"), max_digits=14, decimal_places=0, null=True, blank=True
    )
    # The place as given (a point or a parcel polygon) and the point maps use (the
    # point itself, or a point on the parcel's surface).
    geom = models.GeometryField(_("location or parcel"), srid=SRID)
    point = models.PointField(_("map point"), srid=SRID)
    kelurahan = models.ForeignKey(
        AdminArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kelurahan"),
    )
    kecamatan = models.ForeignKey(
        AdminArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kecamatan"),
    )
    applied_date = models.DateField(_("applied"))
    issued_date = models.DateField(_("issued"), null=True, blank=True)
    expires_date = models.DateField(_("expires"), null=True, blank=True)
    completed_date = models.DateField(_("completed"), null=True, blank=True)
    # SHA-256 of the applicant's tracking code (the code is shown once).
    tracking_hash = models.CharField(max_length=64, editable=False)
    demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PermitQuerySet.as_manager()

    class Meta:
        verbose_name = _("permit")
        verbose_name_plural = _("permits")
        ordering = ["-applied_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "number"], name="permit_city_number"
            ),
            models.CheckConstraint(
                condition=Q(issued_date__isnull=True)
                | Q(issued_date__gte=F("applied_date")),
                name="permit_issued_after_applied",
            ),
            models.CheckConstraint(
                condition=Q(expires_date__isnull=True)
                | (Q(issued_date__isnull=False) & Q(expires_date__gt=F("issued_date"))),
                name="permit_expires_after_issued",
            ),
            models.CheckConstraint(
                condition=Q(completed_date__isnull=True)
                | (
                    Q(issued_date__isnull=False)
                    & Q(completed_date__gte=F("issued_date"))
                ),
                name="permit_completed_after_issued",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[s.value for s in GRANTED_STATUSES])
                | Q(issued_date__isnull=False),
                name="permit_granted_has_issue_date",
            ),
            models.CheckConstraint(
                condition=Q(applicant_nik="") | Q(applicant_nik__regex=NIK_PATTERN),
                name="permit_nik_16_digits",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="permit_status_known"
            ),
            models.CheckConstraint(
                condition=Q(risk_level="") | Q(risk_level__in=RiskLevel.values),
                name="permit_risk_known",
            ),
            models.CheckConstraint(
                condition=Q(fee__isnull=True) | Q(fee__gte=0),
                name="permit_fee_positive",
            ),
        ]
        indexes = [
            # The staff queue and "expiring within N days" by status.
            models.Index(
                fields=["city", "status", "expires_date"], name="permit_status_expires"
            ),
            models.Index(
                fields=["city", "permit_type", "status"], name="permit_type_status"
            ),
            models.Index(fields=["city", "updated_at"], name="permit_updated"),
            GistIndex(fields=["point"], name="permit_point_gist"),
            GistIndex(fields=["geom"], name="permit_geom_gist"),
            # Metre distances (within R m of a point) use this cast.
            GistIndex(
                Cast("point", models.PointField(geography=True, srid=SRID)),
                name="permit_point_geog_gist",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    def local_date(self, now: datetime) -> date:
        """`now` as a date in the city's time zone (permits are dated locally)."""
        return timezone.localtime(now, zoneinfo.ZoneInfo(self.city.time_zone)).date()

    def stamp_issue(self, now: datetime) -> None:
        """Issue date today (unless given) and the type's expiry (unless given)."""
        if self.issued_date is None:
            self.issued_date = self.local_date(now)
        months = self.permit_type.validity_months
        if self.expires_date is None and months:
            self.expires_date = add_months(self.issued_date, months)


class PermitEvent(TimelineEvent):
    """One line of a permit's timeline (who, when, status change, note)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Submitted")
        IMPORTED = "imported", _("Imported")
        STATUS = "status", _("Status changed")
        NOTE = "note", _("Note")
        DOCUMENT = "document", _("Document added")

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    permit = models.ForeignKey(Permit, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)

    class Meta(TimelineEvent.Meta):
        indexes = [
            models.Index(fields=["city", "permit", "at"], name="permitevent_permit")
        ]

    def __str__(self) -> str:
        return f"{self.permit_id} {self.kind} {self.to_status}"


class PermitDocument(models.Model):
    """A file of an application (drawings, a land certificate...): private, served
    only to the licensing agency's staff (permits.views.document)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    permit = models.ForeignKey(
        Permit, on_delete=models.CASCADE, related_name="documents"
    )
    file = models.FileField(upload_to="permits/documents/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
