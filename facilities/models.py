"""Facilities (healthsites.io-like): what kinds a city has, each place with its
owning agency, phones, services, opening hours and, for hospitals, beds by type;
and the city's emergency numbers.

Every table carries `city` and its unique constraints include it."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GistIndex
from django.core.exceptions import ValidationError
from django.db.models import CheckConstraint, F, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from facilities import opening_hours, phones
from tenancy.models import SRID, AdminArea, Agency, City


class FacilityKind(models.Model):
    """A city's code list entry: hospital, puskesmas, clinic, Damkar, police,
    evacuation point... (kit part `facility_kinds`)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    # Hospitals: class A-D, a 24-hour emergency department and beds by type.
    hospital = models.BooleanField(_("hospital"), default=False)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default owning agency"),
    )
    # OSM categories/tags an import maps to this kind (e.g. "hospital",
    # "amenity=clinic").
    osm_tags = ArrayField(models.CharField(max_length=80), default=list, blank=True)
    color = models.CharField(_("colour"), max_length=7, default="#0f6e74")
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("facility kind")
        verbose_name_plural = _("facility kinds")
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="facilitykind_code")
        ]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str) -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name


class Ownership(models.TextChoices):
    GOVERNMENT = "government", _("Government (e.g. RSUD)")
    PRIVATE = "private", _("Private")
    MILITARY = "military", _("Military / police")
    OTHER = "other", _("Other")


class HospitalClass(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


def validate_phones(values: list[str]) -> None:
    for value in values:
        try:
            if phones.normalise(value) != value:
                raise ValidationError(_("Phone numbers are stored normalised."))
        except phones.PhoneError as exc:
            raise ValidationError(str(exc)) from exc


def validate_hours(value: str) -> None:
    if not value:
        return
    try:
        opening_hours.parse(value)
    except opening_hours.OpeningHoursError as exc:
        raise ValidationError(str(exc)) from exc


class Facility(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owning agency"),
    )
    kind = models.ForeignKey(
        FacilityKind, on_delete=models.PROTECT, related_name="facilities"
    )
    name = models.CharField(_("name"), max_length=200)
    geom = models.PointField(_("location"), srid=SRID)
    address = models.CharField(_("address"), max_length=300, blank=True)
    kelurahan = models.ForeignKey(
        AdminArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kecamatan = models.ForeignKey(
        AdminArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    phones = ArrayField(
        models.CharField(max_length=20),
        default=list,
        blank=True,
        validators=[validate_phones],
        verbose_name=_("phone numbers"),
    )
    services = ArrayField(models.CharField(max_length=80), default=list, blank=True)
    opening_hours = models.CharField(
        _("opening hours"),
        max_length=255,
        blank=True,
        validators=[validate_hours],
        help_text=_('OpenStreetMap syntax, e.g. "Mo-Fr 08:00-16:00; Sa 08:00-12:00"'),
    )
    # The parsed weekly intervals (facilities/opening_hours.py), kept for clients.
    hours_structured = models.JSONField(default=dict, blank=True, editable=False)
    ownership = models.CharField(
        _("ownership"), max_length=20, choices=Ownership.choices, blank=True
    )
    hospital_class = models.CharField(
        _("hospital class"), max_length=1, choices=HospitalClass.choices, blank=True
    )
    emergency_24h = models.BooleanField(
        _("24-hour emergency department"), default=False
    )
    website = models.URLField(_("website"), blank=True)
    source = models.CharField(_("source"), max_length=80, blank=True)
    osm_id = models.CharField(_("OSM id"), max_length=40, blank=True)
    demo = models.BooleanField(_("demo data"), default=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "source", "osm_id"],
                condition=~Q(osm_id=""),
                name="facility_osm_id",
            )
        ]
        indexes = [
            models.Index(fields=["city", "kind"], name="facility_city_kind"),
            models.Index(fields=["city", "agency"], name="facility_city_agency"),
            GistIndex(fields=["geom"], name="facility_geom_gist"),
            # Nearest-N (KNN `<->` in metres) runs on this cast: selectors.py.
            GistIndex(
                Cast("geom", models.PointField(geography=True, srid=SRID)),
                name="facility_geog_gist",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.kind_id and self.kind.city_id != self.city_id:
            errors["kind"] = _("The kind belongs to another city.")
        if self.agency_id and self.agency.city_id != self.city_id:
            errors["agency"] = _("The agency belongs to another city.")
        if self.kind_id and not self.kind.hospital and self.hospital_class:
            errors["hospital_class"] = _("Only hospitals have a class.")
        if errors:
            raise ValidationError(errors)


class BedType(models.TextChoices):
    GENERAL = "general", _("General ward")
    ICU = "icu", _("ICU")
    NICU = "nicu", _("NICU")
    PICU = "picu", _("PICU")
    ISOLATION = "isolation", _("Isolation")
    MATERNITY = "maternity", _("Maternity")
    EMERGENCY = "emergency", _("Emergency (IGD)")


class BedAvailability(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="beds"
    )
    bed_type = models.CharField(_("bed type"), max_length=20, choices=BedType.choices)
    available = models.PositiveIntegerField(_("available"))
    total = models.PositiveIntegerField(_("total"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("bed availability")
        verbose_name_plural = _("bed availability")
        ordering = ["facility", "bed_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "facility", "bed_type"], name="beds_facility_type"
            ),
            CheckConstraint(
                condition=Q(available__lte=F("total")), name="beds_available_le_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility}: {self.bed_type} {self.available}/{self.total}"


class EmergencyContact(models.Model):
    """A city's emergency or public-service number (kit part `emergency_contacts`)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=20, validators=[])
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="emergency_code")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.phone}"

    def clean(self) -> None:
        try:
            if phones.normalise(self.phone) != self.phone:
                raise ValidationError(
                    {"phone": _("Phone numbers are stored normalised.")}
                )
        except phones.PhoneError as exc:
            raise ValidationError({"phone": str(exc)}) from exc

    def label(self, language: str) -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name
