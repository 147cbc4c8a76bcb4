"""Tenancy: the city, its administrative areas, its agencies, and who works for it.

These models moved here from `layers` (issue 11); their tables keep the names they had
(`layers_city`, ...), so the move changed no data (see migration tenancy 0001).
Nothing here imports layers, importers or reports."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SRID = 4326


class City(models.Model):
    """The tenant. Every tenant row elsewhere carries a `city_id`."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(
        _("Kemendagri code"), max_length=20, unique=True, help_text="e.g. 36.71"
    )
    boundary = models.MultiPolygonField(_("boundary"), srid=SRID)
    default_center = models.PointField(_("default map centre"), srid=SRID)
    default_zoom = models.PositiveSmallIntegerField(_("default zoom"), default=12)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Jakarta")
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="id"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "layers_city"
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AdminArea(models.Model):
    """A kecamatan or kelurahan/desa boundary of a city."""

    class Level(models.TextChoices):
        KECAMATAN = "kecamatan", _("Kecamatan (district)")
        KELURAHAN = "kelurahan", _("Kelurahan/desa (village)")

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="areas")
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    code = models.CharField(_("Kemendagri code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, blank=True, help_text=_("kelurahan or desa")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent area"),
    )
    geom = models.MultiPolygonField(_("geometry"), srid=SRID)
    area_km2 = models.FloatField(_("area (km²)"), default=0)

    class Meta:
        db_table = "layers_adminarea"
        verbose_name = _("administrative area")
        verbose_name_plural = _("administrative areas")
        ordering = ["level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="adminarea_city_code")
        ]
        indexes = [models.Index(fields=["city", "level"], name="adminarea_city_level")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_level_display()})"


class Agency(models.Model):
    """A city department (OPD) that owns layers and receives reports."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="agencies")
    slug = models.SlugField(_("slug"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        db_table = "layers_agency"
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "slug"], name="agency_city_slug")
        ]

    def __str__(self) -> str:
        return self.acronym or self.name


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("City administrator")
    OPERATOR = "operator", _("Control-room operator")
    PLANNER = "planner", _("Planner")
    AGENCY_EDITOR = "agency_editor", _("Agency editor")
    FIELD_OFFICER = "field_officer", _("Field officer")


class Membership(models.Model):
    """Ties a user to a city, optionally an agency, with a role. Anonymous = public."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "layers_membership"
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "user", "role", "agency"],
                name="membership_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        where = f"{self.city}" + (f" / {self.agency}" if self.agency_id else "")
        return f"{self.user} — {self.get_role_display()} @ {where}"

    def clean(self) -> None:
        if self.agency is not None and self.agency.city_id != self.city_id:
            raise ValidationError({"agency": _("The agency belongs to another city.")})
        if self.role == Role.AGENCY_EDITOR and not self.agency_id:
            raise ValidationError({"agency": _("An agency editor needs an agency.")})
