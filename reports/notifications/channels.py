"""How a message reaches a person. E-mail goes through Django's mail framework (the
EMAIL_* settings); SMS and WhatsApp through an HTTP gateway
(PETAKOTA_NOTIFY_WEBHOOK_URL) that takes one JSON message per request — the adapter
most Indonesian SMS/WhatsApp providers (and a small relay in front of any other)
can serve.

A channel raises `Retry` for a failure worth another try (a timeout, a 5xx, a refused
connection) and `GiveUp` for one that will not change (a 4xx: the gateway refused the
message)."""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage

from reports.models import Notification
from reports.notifications.messages import Message


class Retry(Exception):
    pass


class GiveUp(Exception):
    pass


def send_email(row: Notification, message: Message) -> None:
    domain = settings.PETAKOTA_NOTIFY_MESSAGE_DOMAIN
    headers = {
        # The same id on a resend: a mail client shows one message.
        "Message-ID": f"<{row.idempotency_key}@{domain}>",
        "Auto-Submitted": "auto-generated",
    }
    if message.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMessage(
        subject=message.subject,
        body=message.text,
        to=[row.address],
        headers=headers,
    )
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise GiveUp(f"recipient refused: {exc}"[:300]) from None
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise Retry(f"smtp: {type(exc).__name__}: {exc}"[:300]) from None


def send_webhook(row: Notification, message: Message) -> None:
    body = json.dumps(
        {
            "id": row.idempotency_key,
            "channel": row.channel,
            "to": row.address,
            "text": message.short,
            "language": row.language,
        }
    ).encode()
    url = settings.PETAKOTA_NOTIFY_WEBHOOK_URL
    if not url.startswith(("http://", "https://")):
        raise GiveUp("PETAKOTA_NOTIFY_WEBHOOK_URL must be an http(s) address")
    request = urllib.request.Request(  # noqa: S310 - http(s) checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            # The gateway drops a second request with the same key.
            "Idempotency-Key": row.idempotency_key,
            **(
                {"Authorization": f"Bearer {settings.PETAKOTA_NOTIFY_WEBHOOK_TOKEN}"}
                if settings.PETAKOTA_NOTIFY_WEBHOOK_TOKEN
                else {}
            ),
        },
    )
    try:
        with urllib.request.urlopen(  # noqa: S310 - http(s) checked above
            request, timeout=settings.PETAKOTA_NOTIFY_TIMEOUT_S
        ) as response:
            response.read(1024)
    except urllib.error.HTTPError as exc:
        if exc.code in (408, 425, 429) or exc.code >= 500:
            raise Retry(f"gateway answered {exc.code}") from None
        raise GiveUp(f"gateway refused the message: {exc.code}") from None
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        raise Retry(f"gateway unreachable: {exc}"[:300]) from None


CHANNELS: dict[str, Callable[[Notification, Message], None]] = {
    "email": send_email,
    "sms": send_webhook,
    "whatsapp": send_webhook,
}
