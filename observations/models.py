"""Time series on places, shaped like OGC SensorThings (issue 13).

- `ObservedProperty`: what is measured (PM2.5, beras medium), a per-city code list
  that is a city kit part (observed_properties.yaml), with its unit, kind, expected
  interval between readings and valid range.
- `Sensor`: how it is measured (a reference analyser, a low-cost sensor, a market
  survey by the TPID enumerators).
- `Thing`: a place that is observed — an air-quality station or a market. It has
  its own point `geom` (so SensorThings' Location and FeatureOfInterest of a thing
  are the thing's point, with the thing's id: one Location and one
  FeatureOfInterest per Thing) and an optional link to the layers `Feature` it
  stands for (a market of the OSM places layer).
- `Datastream`: one thing and one observed property (and its sensor), with the unit
  observations are stored in, the phenomenon/result time extents and the latest
  valid value (kept on ingest, so "latest value of every station" reads one row
  per datastream).
- `Observation`: (datastream, phenomenon time, result, result time, quality
  flags) in a PostgreSQL table partitioned by month of `phenomenon_time`, created
  by SQL in the migration (see observations/partitions.py); unique per
  (datastream, phenomenon_time) so the same reading twice is stored once.
- `HourlyAggregate` / `DailyAggregate`: count, sum, min, max (and the mean) of the
  unflagged observations per datastream and bucket, upserted on ingest from the
  rows actually inserted; never recomputed on a request. Daily buckets start at
  midnight in the city's time zone.

Integer ids never change: the SensorThings API uses them as @iot.id.
Every table carries `city` (directly or through its datastream) for tenancy.
"""

from __future__ import annotations

from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from layers.models import Feature
from tenancy.models import SRID, Agency, City

OM_MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


class Flag:
    """Quality flags, a bit mask on `Observation.flags`. Flagged values are kept
    but left out of aggregates, latest values and ISPU."""

    NEGATIVE = 1
    OUT_OF_RANGE = 2
    STUCK = 4
    SPIKE = 8

    NAMES = {
        NEGATIVE: "negative",
        OUT_OF_RANGE: "out_of_range",
        STUCK: "stuck",
        SPIKE: "spike",
    }

    @classmethod
    def names(cls, flags: int) -> list[str]:
        return [name for bit, name in cls.NAMES.items() if flags & bit]


class PropertyKind(models.TextChoices):
    AIR = "air", _("Air quality")
    WEATHER = "weather", _("Weather")
    WATER = "water", _("Water")
    NOISE = "noise", _("Noise")
    PRICE = "price", _("Market price")
    OTHER = "other", _("Other")


class IspuParameter(models.TextChoices):
    """The seven ISPU parameters of Permen LHK P.14/2020 (observations/ispu.py)."""

    PM10 = "pm10", "PM10"
    PM25 = "pm25", "PM2.5"
    SO2 = "so2", "SO2"
    CO = "co", "CO"
    O3 = "o3", "O3"
    NO2 = "no2", "NO2"
    HC = "hc", "HC"


class ObservedProperty(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name (Indonesian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    definition = models.CharField(
        _("definition"),
        max_length=300,
        blank=True,
        help_text=_("A URI that defines the property (SensorThings definition)."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PropertyKind.choices)
    group = models.CharField(
        _("group"), max_length=60, blank=True, help_text=_("e.g. Sembako, Bumbu")
    )
    unit_symbol = models.CharField(_("unit symbol"), max_length=30)
    unit_code = models.CharField(
        _("unit code (UCUM)"), max_length=60, blank=True, help_text="e.g. ug/m3"
    )
    unit_name = models.CharField(_("unit name"), max_length=80, blank=True)
    expected_interval_s = models.PositiveIntegerField(
        _("expected interval (seconds)"),
        default=3600,
        help_text=_("A latest value older than this is stale."),
    )
    valid_min = models.FloatField(_("valid minimum"), null=True, blank=True)
    valid_max = models.FloatField(_("valid maximum"), null=True, blank=True)
    ispu_parameter = models.CharField(
        _("ISPU parameter"), max_length=8, choices=IspuParameter.choices, blank=True
    )
    ceiling = models.FloatField(
        _("ceiling price (HET)"), null=True, blank=True, help_text=_("Prices only.")
    )
    alert_change_pct = models.FloatField(
        _("week-on-week alert (%)"),
        null=True,
        blank=True,
        help_text=_("Empty: the platform's default (OBSERVATIONS_PRICE_ALERT_PCT)."),
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("observed property")
        verbose_name_plural = _("observed properties")
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="obsprop_city_code"),
            models.UniqueConstraint(
                fields=["city", "ispu_parameter"],
                condition=~models.Q(ispu_parameter=""),
                name="obsprop_city_ispu",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit_symbol})"


class SensorClass(models.TextChoices):
    REFERENCE = "reference", _("Reference instrument")
    LOW_COST = "low_cost", _("Low-cost sensor")
    SURVEY = "survey", _("Survey / manual")


class Sensor(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    encoding_type = models.CharField(
        _("encoding type"), max_length=100, default="text/plain"
    )
    metadata = models.TextField(_("metadata"), blank=True)
    sensor_class = models.CharField(
        _("class"), max_length=20, choices=SensorClass.choices
    )

    class Meta:
        verbose_name = _("sensor")
        verbose_name_plural = _("sensors")
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="sensor_city_code")
        ]

    def __str__(self) -> str:
        return self.name


class ThingKind(models.TextChoices):
    STATION = "station", _("Monitoring station")
    MARKET = "market", _("Market")


class Thing(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ThingKind.choices)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agency"),
    )
    geom = models.PointField(_("location"), srid=SRID)
    # Features are partitioned by layer (PRIMARY KEY (id, layer_id)): no database
    # foreign key can point at one, so Django keeps this link (SET_NULL on delete).
    feature = models.ForeignKey(
        Feature,
        on_delete=models.SET_NULL,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("map feature"),
        help_text=_("The layer feature this place stands for, if any."),
    )
    properties = models.JSONField(_("properties"), default=dict, blank=True)
    simulated = models.BooleanField(
        _("simulated (demo) data"), default=False, help_text=_("Demo data only.")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("thing")
        verbose_name_plural = _("things")
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="thing_city_code")
        ]
        indexes = [models.Index(fields=["city", "kind"], name="thing_city_kind")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.agency is not None and self.agency.city_id != self.city_id:
            raise ValidationError({"agency": _("The agency belongs to another city.")})
        if self.feature is not None and self.feature.city_id != self.city_id:
            raise ValidationError(
                {"feature": _("The feature belongs to another city.")}
            )


class Datastream(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    thing = models.ForeignKey(
        Thing, on_delete=models.CASCADE, related_name="datastreams"
    )
    observed_property = models.ForeignKey(
        ObservedProperty, on_delete=models.PROTECT, related_name="datastreams"
    )
    sensor = models.ForeignKey(
        Sensor, on_delete=models.PROTECT, related_name="datastreams"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit_symbol = models.CharField(_("unit symbol"), max_length=30)
    unit_code = models.CharField(_("unit code (UCUM)"), max_length=60, blank=True)
    unit_name = models.CharField(_("unit name"), max_length=80, blank=True)
    observation_type = models.CharField(max_length=200, default=OM_MEASUREMENT)
    phenomenon_start = models.DateTimeField(null=True, blank=True)
    phenomenon_end = models.DateTimeField(null=True, blank=True)
    result_start = models.DateTimeField(null=True, blank=True)
    result_end = models.DateTimeField(null=True, blank=True)
    # The newest unflagged observation, kept on ingest.
    latest_time = models.DateTimeField(null=True, blank=True)
    latest_value = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("datastream")
        verbose_name_plural = _("datastreams")
        constraints = [
            # One series per place and property: imports name (thing, property).
            models.UniqueConstraint(
                fields=["thing", "observed_property"], name="datastream_thing_prop"
            )
        ]
        indexes = [
            models.Index(fields=["city", "observed_property"], name="ds_city_prop")
        ]

    def __str__(self) -> str:
        return self.name


class Observation(models.Model):
    """A row of the partitioned table `observations_observation` (see migration
    0001: PRIMARY KEY (id, phenomenon_time), UNIQUE (datastream_id,
    phenomenon_time), BRIN on phenomenon_time, monthly partitions plus DEFAULT).
    Django knows the table's columns; the database holds its shape."""

    id = models.BigAutoField(primary_key=True)
    # The database cascades (ON DELETE CASCADE in SQL): no per-row ORM deletes.
    datastream = models.ForeignKey(
        Datastream, on_delete=models.DO_NOTHING, related_name="observations"
    )
    phenomenon_time = models.DateTimeField()
    result = models.FloatField()
    result_time = models.DateTimeField(null=True, blank=True)
    flags = models.SmallIntegerField(default=0)

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")

    def __str__(self) -> str:
        return f"{self.datastream_id}@{self.phenomenon_time:%Y-%m-%dT%H:%M}"

    @property
    def flag_names(self) -> list[str]:
        return Flag.names(self.flags)


class _Aggregate(models.Model):
    datastream = models.ForeignKey(
        Datastream, on_delete=models.CASCADE, related_name="+"
    )
    bucket = models.DateTimeField()
    count = models.PositiveIntegerField()
    total = models.FloatField()
    minimum = models.FloatField()
    maximum = models.FloatField()
    mean = models.GeneratedField(
        expression=F("total") / F("count"),
        output_field=models.FloatField(),
        db_persist=True,
    )

    class Meta:
        abstract = True


class HourlyAggregate(_Aggregate):
    class Meta:
        verbose_name = _("hourly aggregate")
        constraints = [
            models.UniqueConstraint(
                fields=["datastream", "bucket"], name="obs_hourly_ds_bucket"
            )
        ]


class DailyAggregate(_Aggregate):
    """Buckets start at midnight in the city's time zone."""

    class Meta:
        verbose_name = _("daily aggregate")
        constraints = [
            models.UniqueConstraint(
                fields=["datastream", "bucket"], name="obs_daily_ds_bucket"
            )
        ]


class PushToken(models.Model):
    """Lets an agency's stations push observations (POST .../observations/push).

    Only a SHA-256 of the token is stored; the token is shown once when created.
    A token may push to the things of its agency only."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("push token")
        verbose_name_plural = _("push tokens")
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="pushtoken_city_name")
        ]

    def __str__(self) -> str:
        return self.name


class ThingStatus(models.Model):
    """What the map shows of a thing now, refreshed on ingest
    (observations/status.py): its newest valid reading, and for a station its ISPU
    from the right averaging periods; for a market its reference commodity's price
    against the city's average. Staleness is decided at read time from
    `stale_after`, never stored as a yes/no."""

    thing = models.OneToOneField(
        Thing, on_delete=models.CASCADE, primary_key=True, related_name="status"
    )
    latest_time = models.DateTimeField(null=True, blank=True)
    latest_value = models.FloatField(null=True, blank=True)
    latest_property = models.CharField(max_length=60, blank=True)
    unit_symbol = models.CharField(max_length=30, blank=True)
    # After this moment the latest value is older than its expected interval.
    stale_after = models.DateTimeField(null=True, blank=True)
    ispu = models.PositiveSmallIntegerField(null=True, blank=True)
    # "42", "> 300" or "" (no ISPU parameter measured).
    ispu_text = models.CharField(max_length=8, blank=True)
    critical = models.CharField(max_length=8, blank=True)
    # ISPU category code (baik ... berbahaya) for stations; for markets "below",
    # "average" or "above" the city's average price of the reference commodity.
    category = models.CharField(max_length=24, blank=True)
    colour = models.CharField(max_length=9, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("thing status")
        verbose_name_plural = _("thing statuses")

    def __str__(self) -> str:
        return f"{self.thing_id}: {self.category}"
