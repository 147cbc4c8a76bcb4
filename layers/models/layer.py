"""Published map layers and their features."""

from __future__ import annotations

import re

from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from layers.choices import UpdateFrequency, Visibility
from layers.querysets import LayerQuerySet
from layers.schema import clean_properties, validate_schema
from tenancy.models import SRID, Agency, City


class Dimension(models.TextChoices):
    """Smart-city dimensions used by Indonesian cities' masterplans."""

    GOVERNANCE = "governance", _("Smart governance")
    BRANDING = "branding", _("Smart branding")
    ECONOMY = "economy", _("Smart economy")
    LIVING = "living", _("Smart living")
    SOCIETY = "society", _("Smart society")
    ENVIRONMENT = "environment", _("Smart environment")


class GeometryType(models.TextChoices):
    POINT = "Point", _("Point")
    LINESTRING = "LineString", _("Line")
    POLYGON = "Polygon", _("Polygon")
    MULTIPOINT = "MultiPoint", _("Multi-point")
    MULTILINESTRING = "MultiLineString", _("Multi-line")
    MULTIPOLYGON = "MultiPolygon", _("Multi-polygon")
    GEOMETRY = "Geometry", _("Any geometry")


# A layer's slug names it in URLs (/api/<city>/layers/<slug>, OGC collections,
# tiles): ASCII letters, digits, '-' and '_' only, never empty (the DB checks it too).
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
SLUG_MAX_LENGTH = 80


def slug_from_title(title: str) -> str:
    """An ASCII, URL-safe slug for a title ('' when the title has no Latin letters
    or digits, e.g. '!!!' or '测试数据': the caller then generates one)."""
    return slugify(title)[:SLUG_MAX_LENGTH].strip("-_")


def generated_slug(city: City) -> str:
    """`layer-<n>`: the first free one in the city."""
    taken = set(
        Layer.objects.filter(city=city, slug__startswith="layer-").values_list(
            "slug", flat=True
        )
    )
    n = Layer.objects.filter(city=city).count() + 1
    while f"layer-{n}" in taken:
        n += 1
    return f"layer-{n}"


def slug_problem(city: City, slug: str) -> str | None:
    """Why `slug` cannot name a new layer of `city` (None: it can). Keys of the
    engine's other sources (boundaries, citizen reports, ...) are reserved: a layer
    taking one would replace that source on the map, the API, OGC and tiles."""
    from layers.engine.registry import reserved_key

    if not slug or not re.match(SLUG_PATTERN, slug):
        return str(
            _("A layer slug needs ASCII letters, digits, '-' or '_' (got %(slug)r).")
            % {"slug": slug}
        )
    if len(slug) > SLUG_MAX_LENGTH:
        return str(
            _("A layer slug has at most %(n)d characters.") % {"n": SLUG_MAX_LENGTH}
        )
    # Case-insensitively: "Laporan" next to "laporan" would confuse people and caches.
    if reserved_key(city, slug) or reserved_key(city, slug.lower()):
        return str(
            _(
                "%(slug)r is reserved for one of the platform's own collections; "
                "choose another title or slug."
            )
            % {"slug": slug}
        )
    return None


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
    slug = models.SlugField(_("slug"), max_length=SLUG_MAX_LENGTH)
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
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    update_frequency = models.CharField(
        _("update frequency"),
        max_length=20,
        choices=UpdateFrequency.choices,
        blank=True,
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
            models.UniqueConstraint(fields=["city", "slug"], name="layer_city_slug"),
            models.CheckConstraint(
                condition=models.Q(slug__regex=SLUG_PATTERN),
                name="layer_slug_url_safe",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        validate_schema(self.schema)
        stored = (
            Layer.objects.filter(pk=self.pk).values_list("slug", flat=True).first()
            if self.pk
            else None
        )
        if self.city_id and self.slug != stored:
            problem = slug_problem(self.city, self.slug)
            if problem:
                raise ValidationError({"slug": problem})
        if self.agency is not None and self.agency.city_id != self.city_id:
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
