"""What a notification says, in the language of the person it goes to."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from reports.models import Notification, Report, ReportEvent, Status
from reports.notifications import tokens


@dataclass
class Message:
    subject: str
    text: str  # e-mail body
    short: str  # SMS / WhatsApp text
    unsubscribe_url: str = ""
    links: dict[str, str] = field(default_factory=dict)


def absolute(row: Notification, path: str) -> str:
    base = (settings.PETAKOTA_PUBLIC_URL or row.base_url or "").rstrip("/")
    return f"{base}{path}"


def _track_url(row: Notification, report: Report) -> str:
    return absolute(
        row,
        reverse(
            "reports:track",
            kwargs={"city_slug": report.city.slug, "ticket": report.ticket},
        ),
    )


def _unsubscribe_url(row: Notification, report: Report) -> str:
    if row.subscription_id is None:
        return ""
    token = tokens.make("unsubscribe", row.subscription_id)
    return absolute(
        row,
        reverse(
            "reports:unsubscribe",
            kwargs={"city_slug": report.city.slug, "token": token},
        ),
    )


def compose(row: Notification) -> Message:
    language = row.language if row.language in dict(settings.LANGUAGES) else "id"
    with translation.override(language):
        if row.purpose == Notification.Purpose.MY_REPORTS:
            return _my_reports(row)
        if row.subscription is None:
            raise ValueError(f"notification {row.pk} has no subscription")
        report = row.subscription.report
        if row.purpose == Notification.Purpose.CONFIRM:
            return _confirm(row, report)
        if row.event is None:
            raise ValueError(f"notification {row.pk} has no event")
        return _event(row, report, row.event)


def _event(row: Notification, report: Report, event: ReportEvent) -> Message:
    city = report.city.name
    status = str(Status(report.status).label) if report.status else ""
    now_status = str(Status(event.to_status).label) if event.changes_status else status
    links = {"track": _track_url(row, report)}
    if event.kind == ReportEvent.Kind.REOPENED:
        what = _(
            "The reporter says the problem is not fixed; it is being worked on again."
        )
    elif event.kind == ReportEvent.Kind.CONFIRMED:
        what = _("The reporter confirmed the problem is fixed.")
    elif event.changes_status:
        what = _("New status: %(status)s.") % {"status": now_status}
    else:
        what = _("The city added a note.")
    lines = [
        _("Report %(ticket)s in %(city)s") % {"ticket": report.ticket, "city": city},
        "",
        what,
    ]
    if event.public and event.note:
        lines += ["", _("Note from the city:"), event.note]
    lines += ["", _("Follow it here: %(url)s") % {"url": links["track"]}]
    resolved = event.to_status == Status.RESOLVED and event.changes_status
    if resolved and row.subscription and row.subscription.role == "reporter":
        links["verdict"] = absolute(
            row,
            reverse(
                "reports:verdict",
                kwargs={"city_slug": report.city.slug, "ticket": report.ticket},
            )
            + "?k="
            + tokens.make("verdict", report.pk),
        )
        lines += [
            "",
            _("Is it really fixed? Tell us here (one click): %(url)s")
            % {"url": links["verdict"]},
        ]
    unsubscribe = _unsubscribe_url(row, report)
    lines += ["", _("Stop these messages: %(url)s") % {"url": unsubscribe}]
    subject = _("[%(city)s] Report %(ticket)s: %(what)s") % {
        "city": city,
        "ticket": report.ticket,
        "what": now_status if event.changes_status else _("new note"),
    }
    short = f"{city} {report.ticket}: {what} {links.get('verdict') or links['track']}"
    return Message(subject, "\n".join(lines), short, unsubscribe, links)


def _confirm(row: Notification, report: Report) -> Message:
    url = absolute(
        row,
        reverse(
            "reports:follow-confirm",
            kwargs={
                "city_slug": report.city.slug,
                "token": tokens.make("confirm", row.subscription_id),
            },
        ),
    )
    text = "\n".join(
        [
            _("Someone asked to keep this address informed about report %(ticket)s.")
            % {"ticket": report.ticket},
            _("If it was you, confirm here: %(url)s") % {"url": url},
            _("If not, ignore this message; nothing will be sent."),
        ]
    )
    subject = _("[%(city)s] Confirm updates on report %(ticket)s") % {
        "city": report.city.name,
        "ticket": report.ticket,
    }
    return Message(subject, text, f"{report.city.name}: {url}", links={"confirm": url})


def _my_reports(row: Notification) -> Message:
    url = absolute(row, row.link)
    hours = settings.PETAKOTA_MY_REPORTS_LINK_HOURS
    text = "\n".join(
        [
            _("Open your reports with this link (valid for %(hours)d hours):")
            % {"hours": hours},
            url,
            _("If you did not ask for it, ignore this message."),
        ]
    )
    return Message(_("Your reports"), text, url, links={"mine": url})
