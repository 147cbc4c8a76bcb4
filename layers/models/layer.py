"""Published map layers and their features."""

from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from layers.models.city import SRID, Agency, City
from layers.querysets import LayerQuerySet
from layers.schema import clean_properties, validate_schema


class Dimension(models.TextChoices):
    """Smart-city dimensions used by Indonesian cities' masterplans."""

    GOVERNANCE = "governance", _("Smart governance")
    BRANDING = "branding", _("Smart branding")
    ECONOMY = "economy", _("Smart economy")
    LIVING = "living", _("Smart living")
    SOCIETY = "society", _("Smart society")
    ENVIRONMENT = "environment", _("Smart environment")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal (city staff)")
    AGENCY = "agency", _("Agency only")


class GeometryType(models.TextChoices):
    POINT = "Point", _("Point")
    LINESTRING = "LineString", _("Line")
    POLYGON = "Polygon", _("Polygon")
    MULTIPOINT = "MultiPoint", _("Multi-point")
    MULTILINESTRING = "MultiLineString", _("Multi-line")
    MULTIPOLYGON = "MultiPolygon", _("Multi-polygon")
    GEOMETRY = "Geometry", _("Any geometry")


class Layer(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="layers")
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="layers",
        verbose_name=_("owner agency"),
    )
    slug = models.SlugField(_("slug"), max_length=80)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    dimension = models.CharField(
        _("smart-city dimension"), max_length=20, choices=Dimension.choices
    )
    geometry_type = models.CharField(
        _("geometry type"),
        max_length=20,
        choices=GeometryType.choices,
        default=GeometryType.GEOMETRY,
    )
    schema = models.JSONField(
        _("attribute schema"),
        default=list,
        blank=True,
        help_text=_(
            'List of {"name", "type", "label"}; types: integer, number, '
            "text, date, boolean."
        ),
    )
    style = models.JSONField(_("style"), default=dict, blank=True)
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
    )
    license = models.CharField(_("licence"), max_length=200, blank=True)
    attribution = models.CharField(_("attribution"), max_length=300, blank=True)
    # Bumped by a database trigger whenever a feature of the layer changes;
    # caches key on it.
    data_version = models.BigIntegerField(default=0, editable=False)
    data_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LayerQuerySet.as_manager()

    class Meta:
        verbose_name = _("layer")
        verbose_name_plural = _("layers")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["city", "slug"], name="layer_city_slug")
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        validate_schema(self.schema)
        if self.agency_id and self.agency.city_id != self.city_id:
            raise ValidationError({"agency": _("The agency belongs to another city.")})


class Feature(models.Model):
    """One spatial record of a layer. `city` repeats the layer's city so every tenant
    table carries its tenant column (Citus-ready) and every query can filter by it."""

    # No single-column indexes on these two: features are always reached through their
    # layer, and (layer, id) below serves that; each extra index slows bulk imports.
    city = models.ForeignKey(
        City, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    layer = models.ForeignKey(
        Layer, on_delete=models.CASCADE, related_name="features", db_index=False
    )
    geom = models.GeometryField(_("geometry"), srid=SRID)
    properties = models.JSONField(_("properties"), default=dict, blank=True)
    external_id = models.CharField(
        _("external id"), max_length=200, null=True, blank=True
    )
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_to = models.DateTimeField(_("valid to"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("feature")
        verbose_name_plural = _("features")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "layer", "external_id"],
                name="feature_layer_external_id",
                condition=models.Q(external_id__isnull=False),
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="feature_valid_interval",
            ),
        ]
        indexes = [
            # Keyset pagination and per-layer scans.
            models.Index(fields=["layer", "id"], name="feature_layer_id"),
            # No geography GiST: metre-distance queries go through the geometry GiST
            # (layers/engine/spatial.py), and building the geography one took half
            # of a big import's time.
            # No GIN on properties: filters compile to `->>` expressions, which a
            # jsonb GIN cannot serve, and it cost ~15% of every bulk import.
            models.Index(
                fields=["layer", "valid_from", "valid_to"],
                name="feature_layer_validity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.layer_id}:{self.external_id or self.pk}"

    def clean(self) -> None:
        if self.layer_id and self.city_id and self.layer.city_id != self.city_id:
            raise ValidationError(
                _("The feature's city differs from its layer's city.")
            )
        if self.layer_id:
            self.properties = clean_properties(self.layer.schema, self.properties)
