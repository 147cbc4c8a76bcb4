"""Service requests (LAKSA reports): categories, routing rules, reports, their
timeline and photos, and the Open311 applications that may post them.

Every table carries `city` and its unique constraints include it (Citus-ready)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.core.exceptions import ValidationError
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.choices import Publicity
from reports.querysets import ReportQuerySet
from reports.workflow import HIDDEN_STATUSES, OPEN_STATUSES, Status  # noqa: F401 (re-export)
from tenancy.models import SRID, AdminArea, Agency, City
from workflow.models import TimelineEvent

QUESTION_DATATYPES = (
    "string",
    "number",
    "datetime",
    "text",
    "singlevaluelist",
    "multivaluelist",
)


MIN_FUZZ_M = 100


class Category(models.Model):
    """What a citizen can report; an Open311 service."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=40, help_text="Open311 service_code")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    group = models.CharField(_("group"), max_length=80, blank=True)
    keywords = models.CharField(
        _("keywords"), max_length=300, blank=True, help_text=_("Comma-separated")
    )
    questions = models.JSONField(
        _("extra questions"),
        default=list,
        blank=True,
        help_text=_(
            'List of {"code", "description", "datatype", "required", "choices": '
            '[{"key", "name"}]}; datatypes: string, number, datetime, text, '
            "singlevaluelist, multivaluelist."
        ),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible agency"),
    )
    sla_hours = models.PositiveIntegerField(_("target (hours)"), default=72)
    duplicate_radius_m = models.PositiveIntegerField(
        _("duplicate radius (m)"), default=50
    )
    publicity = models.CharField(
        _("publicity"),
        max_length=8,
        choices=Publicity.choices,
        default=Publicity.PUBLIC,
        help_text=_(
            "Public: the exact point. Public, fuzzed: a point moved by up to the fuzz "
            "distance, no description, area or photos. Private: never in any public "
            "output, staff only."
        ),
    )
    fuzz_m = models.PositiveIntegerField(_("public location fuzz (m)"), default=300)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="category_city_code")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def sensitive(self) -> bool:
        """Not shown as is: fuzzed point, no story, area or photos (or not at all)."""
        return self.publicity != Publicity.PUBLIC

    @property
    def private(self) -> bool:
        return self.publicity == Publicity.PRIVATE

    def clean(self) -> None:
        from reports.questions import validate_questions

        if (
            self.agency_id
            and self.agency is not None
            and self.agency.city_id != self.city_id
        ):
            raise ValidationError({"agency": _("The agency belongs to another city.")})
        if self.publicity != Publicity.PUBLIC and self.fuzz_m < MIN_FUZZ_M:
            # A few metres of "fuzz" would publish the exact place.
            message = _("At least %(m)d m, or the place stays recognisable.")
            raise ValidationError({"fuzz_m": message % {"m": MIN_FUZZ_M}})
        try:
            validate_questions(self.questions)
        except ValueError as exc:
            raise ValidationError({"questions": str(exc)}) from None


class RoutingRule(models.Model):
    """In this kecamatan or kelurahan, this category goes to this agency."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="rules"
    )
    area = models.ForeignKey(AdminArea, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "category", "area"], name="routingrule_city_cat_area"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category} @ {self.area} → {self.agency}"

    def clean(self) -> None:
        for name in ("category", "area", "agency"):
            if getattr(self, f"{name}_id") and getattr(self, name).city_id != (
                self.city_id
            ):
                raise ValidationError({name: _("Belongs to another city.")})


class Channel(models.TextChoices):
    WEB = "web", _("Web / phone")
    FIELD = "field", _("Field officer")
    OPEN311 = "open311", _("Open311 application")


class Report(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="reports"
    )
    ticket = models.CharField(_("ticket"), max_length=16)
    client_uuid = models.UUIDField(_("client id"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    # The exact point (staff only) and the point every public output uses: the same
    # point, or for fuzzed and private categories one moved by up to the category's
    # fuzz distance (stored, so repeated reads cannot be averaged). A database trigger
    # (migration 0004) derives it on every insert and whenever the point, the category,
    # or the category's publicity or fuzz changes, whatever path the change takes.
    geom = models.PointField(_("location"), srid=SRID)
    public_geom = models.PointField(_("public location"), srid=SRID)
    accuracy_m = models.FloatField(_("GPS accuracy (m)"), null=True, blank=True)
    location_source = models.CharField(max_length=10, default="gps")
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
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agency"),
    )
    description = models.TextField(_("description"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # Private: never in any public output.
    contact_name = models.CharField(_("name"), max_length=120, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    contact_phone = models.CharField(_("phone"), max_length=40, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    application = models.ForeignKey(
        "Open311Application",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
    )
    supporter_count = models.PositiveIntegerField(_("supporters"), default=0)
    due_at = models.DateTimeField(_("due"))
    # When the SLA escalation job found the report past due_at (once per report).
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "ticket"], name="report_city_ticket"
            ),
            models.UniqueConstraint(
                fields=["city", "client_uuid"], name="report_city_client_uuid"
            ),
        ]
        indexes = [
            models.Index(fields=["city", "status", "due_at"], name="report_queue"),
            models.Index(fields=["city", "agency", "status"], name="report_agency"),
            models.Index(fields=["city", "updated_at"], name="report_updated"),
            GistIndex(
                Cast("geom", models.PointField(geography=True, srid=SRID)),
                name="report_geog_gist",
            ),
            GistIndex(fields=["public_geom"], name="report_public_geom_gist"),
            # Metre-distance queries of the public layer (near, nearest) use this cast.
            GistIndex(
                Cast("public_geom", models.PointField(geography=True, srid=SRID)),
                name="report_public_geog_gist",
            ),
        ]

    def __str__(self) -> str:
        return self.ticket

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()


class ReportEvent(TimelineEvent):
    """One line of a report's timeline: who did what, when, with which note (the
    common columns come from workflow.models.TimelineEvent)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Submitted")
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        MERGED = "merged", _("Merged")
        SUPPORTED = "supported", _("Supported")
        NOTE = "note", _("Note")
        OVERDUE = "overdue", _("Past its target time")
        # The reporter's verdict on a resolution (reports.notifications.verdict):
        # confirmed closes the report, reopened sends it back to work and counts in
        # the reopen rate.
        CONFIRMED = "confirmed", _("Confirmed fixed by the reporter")
        REOPENED = "reopened", _("Reopened by the reporter")

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    agency = models.ForeignKey(
        Agency, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["city", "report", "at"], name="event_report")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind} {self.to_status}"


class Photo(models.Model):
    """A report photo: the original as sent (staff only) and a public copy stripped of
    every metadata, plus its thumbnail."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    original = models.FileField(upload_to="reports/original/%Y/%m/")
    image = models.FileField(upload_to="reports/public/%Y/%m/")
    thumbnail = models.FileField(upload_to="reports/thumb/%Y/%m/")
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    exif_lon = models.FloatField(null=True, blank=True)
    exif_lat = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of {self.report_id}"


class Support(models.Model):
    """A citizen's "me too" on an open report; one per client id and report, so
    retries are harmless."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    client_uuid = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["city", "report", "client_uuid"],
                name="support_city_report_client",
            )
        ]

    def __str__(self) -> str:
        return f"support {self.client_uuid}"


class Open311Application(models.Model):
    """A third-party client allowed to POST requests for one city (its api_key).

    Only a SHA-256 of the key is stored; the key is shown once when created."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 application")
        verbose_name_plural = _("Open311 applications")
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="o311app_city_name")
        ]

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    """Someone who wants to hear about a report: its reporter (from the contact they
    gave) or a supporter who asked (active once they confirm the address). One row
    per report, channel and address; `language` is the page's language when they
    subscribed, so messages come in it."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")
        WHATSAPP = "whatsapp", _("WhatsApp")

    class Role(models.TextChoices):
        REPORTER = "reporter", _("Reporter")
        SUPPORTER = "supporter", _("Supporter")

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="subscriptions"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    channel = models.CharField(max_length=10, choices=Kind.choices)
    address = models.CharField(max_length=254)
    language = models.CharField(max_length=8, default="id")
    # Where the links in messages point (the site the person used), unless
    # PETAKOTA_PUBLIC_URL names one.
    base_url = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["city", "report", "channel", "address"],
                name="subscription_unique_address",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} subscription to {self.report_id}"


class Notification(models.Model):
    """One message to send (a transactional outbox row, written in the same
    transaction as the event it tells about). The worker sends it, retries with
    backoff, and the unique (subscription, event) pair means one event is never
    queued twice for the same person. A resend after a crash between sending and
    recording carries the same Message-ID / Idempotency-Key, so the mail client or
    gateway drops the copy."""

    class Purpose(models.TextChoices):
        EVENT = "event", _("Report update")
        MY_REPORTS = "my_reports", _("My reports link")
        CONFIRM = "confirm", _("Confirm a subscription")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Gave up")
        CANCELLED = "cancelled", _("Cancelled")

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    event = models.ForeignKey(
        ReportEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Subscription.Kind.choices)
    address = models.CharField(max_length=254)
    language = models.CharField(max_length=8, default="id")
    base_url = models.CharField(max_length=200, blank=True)
    # For links that are not derived from the event (a sign-in link).
    link = models.CharField(max_length=1000, blank=True)
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event"],
                condition=models.Q(event__isnull=False),
                name="notification_once_per_event",
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state="pending"),
                name="notification_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} notification {self.pk} ({self.state})"

    @property
    def idempotency_key(self) -> str:
        return f"petakota-notification-{self.pk}"
