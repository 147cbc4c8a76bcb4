"""The worker's side of the outbox: send one row, or every row that is due.

A row is locked (FOR UPDATE SKIP LOCKED) while it is being sent, so two workers (a
deferred job and the sweep) never send it at the same time; it is marked sent in the
same transaction. Failures wait longer each time (BACKOFF) and give up after
PETAKOTA_NOTIFY_MAX_ATTEMPTS, keeping the reason."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gis_platform.log import log_event
from reports.models import Notification
from reports.notifications.channels import CHANNELS, GiveUp, Retry
from reports.notifications.messages import compose

logger = logging.getLogger("petakota.reports.notifications")

# Minutes to wait after the n-th failure (the last value repeats).
BACKOFF_MIN = (1, 2, 5, 15, 30, 60, 120, 240)


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=BACKOFF_MIN[min(attempts, len(BACKOFF_MIN)) - 1])


def deliver(pk: int, *, now: object = None) -> str:
    """Send the notification `pk` if it is pending and due. Returns its state after
    (or 'busy' when another worker holds it, 'not-due')."""
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription__report__city", "event")
            .filter(pk=pk)
            .first()
        )
        if row is None:
            return "busy"
        if row.state != Notification.State.PENDING:
            return str(row.state)
        when = now or timezone.now()
        if row.next_attempt_at > when:  # type: ignore[operator]
            return "not-due"
        inactive = row.subscription is not None and not row.subscription.active
        if inactive and row.purpose == Notification.Purpose.EVENT:
            row.state = Notification.State.CANCELLED
            row.save(update_fields=["state"])
            return str(row.state)
        send = CHANNELS.get(row.channel)
        row.attempts += 1
        try:
            if send is None:
                raise GiveUp(f"no channel {row.channel!r}")
            send(row, compose(row))
        except Retry as exc:
            row.last_error = str(exc)[:500]
            if row.attempts >= settings.PETAKOTA_NOTIFY_MAX_ATTEMPTS:
                row.state = Notification.State.FAILED
            else:
                row.next_attempt_at = timezone.now() + backoff(row.attempts)
        except GiveUp as exc:
            row.last_error = str(exc)[:500]
            row.state = Notification.State.FAILED
        else:
            row.state = Notification.State.SENT
            row.sent_at = timezone.now()
            row.last_error = ""
        row.save(
            update_fields=[
                "attempts",
                "state",
                "sent_at",
                "last_error",
                "next_attempt_at",
            ]
        )
    log_event(
        logger,
        "notification." + ("sent" if row.state == "sent" else "not_sent"),
        city_id=row.city_id,
        id=row.pk,
        channel=row.channel,
        state=row.state,
        attempts=row.attempts,
        error=row.last_error or None,
    )
    return str(row.state)


def sweep(*, limit: int = 200) -> int:
    """Send every pending row that is due (oldest first); the number tried."""
    due = list(
        Notification.objects.filter(
            state=Notification.State.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        deliver(pk)
    return len(due)
