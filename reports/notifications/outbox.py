"""Who hears about a report, and the outbox rows the worker sends.

Everything here runs inside the caller's transaction: a subscription or an outbox row
exists exactly when the report or event that caused it does. Sending is the worker's
(`reports.tasks`); a job deferred after commit sends at once, the periodic sweep sends
whatever a lost job left behind."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from procrastinate.contrib.django import app

from gis_platform.log import log_event
from reports.models import Notification, Report, ReportEvent, Subscription
from reports.notifications.addresses import normalise_phone
from tenancy.people.services import mail_configured

logger = logging.getLogger("petakota.reports.notifications")

# Events a reporter hears about: every status change, and notes staff made public.
# The reporter's own verdict is told to the supporters only.
REPORTER_OWN = {ReportEvent.Kind.CONFIRMED, ReportEvent.Kind.REOPENED}


def phone_channel() -> str | None:
    """The channel phone numbers are reached through, or None without a gateway."""
    if not settings.PETAKOTA_NOTIFY_WEBHOOK_URL:
        return None
    return settings.PETAKOTA_NOTIFY_PHONE_CHANNEL


def channel_ready(channel: str) -> bool:
    if channel == Subscription.Kind.EMAIL:
        return mail_configured()
    return phone_channel() == channel


def addresses_of(email: str, phone: str) -> list[tuple[str, str]]:
    """(channel, address) pairs for the contact a person gave: the e-mail, and the
    phone number when a gateway is configured."""
    found = []
    if email:
        found.append((Subscription.Kind.EMAIL.value, email.strip().lower()))
    channel = phone_channel()
    number = normalise_phone(phone) if phone else None
    if channel and number:
        found.append((channel, number))
    return found


def subscribe_reporter(report: Report, *, language: str, base_url: str) -> int:
    """The reporter hears about their report through each contact they gave."""
    made = 0
    for channel, address in addresses_of(report.contact_email, report.contact_phone):
        _sub, created = Subscription.objects.get_or_create(
            city_id=report.city_id,
            report=report,
            channel=channel,
            address=address,
            defaults={
                "role": Subscription.Role.REPORTER,
                "language": language,
                "base_url": base_url,
            },
        )
        made += created
    return made


def follow(
    report: Report, *, channel: str, address: str, language: str, base_url: str
) -> Notification | None:
    """A supporter asks to be kept informed. The subscription waits for the address's
    owner to confirm it (a link sent to it), so nobody subscribes someone else.
    Returns the confirmation queued, or None when the address already follows."""
    sub, created = Subscription.objects.get_or_create(
        city_id=report.city_id,
        report=report,
        channel=channel,
        address=address,
        defaults={
            "role": Subscription.Role.SUPPORTER,
            "language": language,
            "base_url": base_url,
            "active": False,
        },
    )
    if sub.active or not created:
        return None
    return _queue(
        Notification(
            city_id=report.city_id,
            purpose=Notification.Purpose.CONFIRM,
            subscription=sub,
            channel=channel,
            address=address,
            language=language,
            base_url=base_url,
        )
    )


def worth_telling(event: ReportEvent) -> bool:
    if event.kind in REPORTER_OWN:
        return True
    if event.changes_status:
        return True
    return event.kind == ReportEvent.Kind.NOTE and event.public and bool(event.note)


def queue_event(event: ReportEvent) -> list[Notification]:
    """One outbox row per active subscription that can be reached now. Call inside
    the transaction that created the event."""
    if not worth_telling(event):
        return []
    subs: Iterable[Subscription] = Subscription.objects.filter(
        city_id=event.city_id, report_id=event.report_id, active=True
    )
    if event.kind in REPORTER_OWN:
        subs = [s for s in subs if s.role == Subscription.Role.SUPPORTER]
    queued = []
    for sub in subs:
        if not channel_ready(sub.channel):
            continue
        row = Notification(
            city_id=event.city_id,
            purpose=Notification.Purpose.EVENT,
            subscription=sub,
            event=event,
            channel=sub.channel,
            address=sub.address,
            language=sub.language,
            base_url=sub.base_url,
        )
        with transaction.atomic():  # a savepoint: a duplicate leaves the rest intact
            existing = Notification.objects.filter(subscription=sub, event=event)
            if existing.exists():
                continue
            queued.append(_queue(row))
    return queued


def queue_my_reports_link(
    *, city_id: int, channel: str, address: str, link: str, language: str, base_url: str
) -> Notification:
    return _queue(
        Notification(
            city_id=city_id,
            purpose=Notification.Purpose.MY_REPORTS,
            channel=channel,
            address=address,
            link=link,
            language=language,
            base_url=base_url,
        )
    )


def _queue(row: Notification) -> Notification:
    row.next_attempt_at = timezone.now()
    row.save()
    log_event(
        logger,
        "notification.queued",
        city_id=row.city_id,
        id=row.pk,
        purpose=row.purpose,
        channel=row.channel,
    )
    pk = row.pk
    transaction.on_commit(lambda: _defer(pk))
    return row


def _defer(pk: int) -> None:
    """Ask the worker to send now. If this fails (the queue's table unreachable for a
    moment) the periodic sweep sends the row anyway: it stays pending."""
    try:
        # By name (reports.tasks defines it): no import of the tasks module here.
        app.configure_task(
            name="reports.send_notification", queue="notifications"
        ).defer(notification_id=pk)
    except Exception as exc:
        log_event(logger, "notification.defer_failed", id=pk, error=str(exc)[:200])
