"""Job vacancies (lowongan kerja): employers, the city's occupation code list, the
vacancies with their moderation lifecycle, and each vacancy's timeline.

Every table carries `city` and its unique constraints include it (Citus-ready).
Employers' contact details are private: no engine source, page or API for the
public names them (jobs/sources.py, jobs/selectors.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jobs.choices import Education, EmploymentType, Sector
from jobs.querysets import VacancyQuerySet
from jobs.workflow import Status
from tenancy.models import SRID, AdminArea, Agency, City
from workflow.models import TimelineEvent


class Occupation(models.Model):
    """One entry of the city's occupation list: a KBJI 2014 code (the Indonesian
    classification, aligned with ISCO-08 unit groups). A kit part."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("KBJI 2014 code"), max_length=10)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    isco = models.CharField(_("ISCO-08 code"), max_length=10, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "code"], name="occupation_city_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Employer(models.Model):
    """A company (or public body) that posts vacancies. Its people post for it:
    `members` are the accounts that act as this employer (the jobs "employer role";
    tenancy's roles are for city staff). Contact details are for Disnaker only."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("company name"), max_length=200)
    # Nomor Induk Berusaha from OSS-RBA: 13 digits, when known.
    nib = models.CharField(_("NIB"), max_length=13, blank=True)
    verified = models.BooleanField(_("verified by Disnaker"), default=False)
    website = models.URLField(_("website"), blank=True)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agency (a public employer)"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="employers",
        verbose_name=_("accounts that post for it"),
    )
    # Private: never in any public output.
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "nib"],
                condition=~Q(nib=""),
                name="employer_city_nib",
            ),
            models.CheckConstraint(
                condition=Q(nib="") | Q(nib__regex=r"^[0-9]{13}$"),
                name="employer_nib_13_digits",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Vacancy(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="vacancies"
    )
    title = models.CharField(_("job title"), max_length=200)
    description = models.TextField(_("description"))
    occupation = models.ForeignKey(
        Occupation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("occupation (KBJI)"),
    )
    sector = models.CharField(_("sector (KBLI)"), max_length=1, choices=Sector.choices)
    openings = models.PositiveIntegerField(_("openings"), default=1)
    education = models.CharField(
        _("minimum education"),
        max_length=3,
        choices=Education.choices,
        default=Education.ANY,
    )
    experience_years = models.PositiveSmallIntegerField(
        _("experience (years)"), default=0
    )
    # Rupiah per month, both optional.
    salary_min = models.PositiveIntegerField(_("salary from (IDR/month)"), null=True)
    salary_max = models.PositiveIntegerField(_("salary to (IDR/month)"), null=True)
    employment_type = models.CharField(
        _("employment type"),
        max_length=12,
        choices=EmploymentType.choices,
        default=EmploymentType.FULL_TIME,
    )
    geom = models.PointField(_("workplace"), srid=SRID)
    kelurahan = models.ForeignKey(
        AdminArea, on_delete=models.PROTECT, null=True, related_name="+"
    )
    kecamatan = models.ForeignKey(
        AdminArea, on_delete=models.PROTECT, null=True, related_name="+"
    )
    address = models.CharField(_("workplace address"), max_length=300, blank=True)
    apply_url = models.URLField(_("apply online at"), max_length=500, blank=True)
    apply_address = models.CharField(
        _("apply in person at"), max_length=300, blank=True
    )
    posted_on = models.DateField(_("posted on"))
    closes_on = models.DateField(_("closes on"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VacancyQuerySet.as_manager()

    class Meta:
        verbose_name = _("vacancy")
        verbose_name_plural = _("vacancies")
        ordering = ["-posted_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(openings__gt=0), name="vacancy_openings_positive"
            ),
            models.CheckConstraint(
                condition=Q(salary_min__isnull=True)
                | Q(salary_max__isnull=True)
                | Q(salary_min__lte=models.F("salary_max")),
                name="vacancy_salary_min_le_max",
            ),
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("posted_on")),
                name="vacancy_closes_after_posted",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.REJECTED) | ~Q(rejection_reason=""),
                name="vacancy_rejection_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["city", "status", "closes_on"], name="vacancy_public"),
            models.Index(fields=["city", "updated_at"], name="vacancy_updated"),
            GistIndex(fields=["geom"], name="vacancy_geom_gist"),
            # "Near me" (KNN and within-distance in metres) uses this cast.
            GistIndex(
                Cast("geom", models.PointField(geography=True, srid=SRID)),
                name="vacancy_geog_gist",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class VacancyEvent(TimelineEvent):
    """One line of a vacancy's timeline (who, when, status change, note)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS = "status", _("Status changed")
        EDITED = "edited", _("Edited")
        EXPIRED = "expired", _("Closing date passed")

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    vacancy = models.ForeignKey(
        Vacancy, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)

    class Meta(TimelineEvent.Meta):
        indexes = [
            models.Index(fields=["city", "vacancy", "at"], name="vacancyevent_vacancy")
        ]

    def __str__(self) -> str:
        return f"{self.vacancy_id} {self.kind} {self.to_status}"
