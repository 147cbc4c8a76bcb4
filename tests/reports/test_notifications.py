"""Reporters and supporters kept informed (issue 15, §3), end to end against a real
SMTP server (aiosmtpd) and a fake SMS gateway over HTTP: status changes and public
notes reach the reporter in their language, internal notes never do; a gateway outage
delays messages without losing or doubling them; "my reports" opens through a link
sent to the address; the reporter confirms or reopens a resolution; supporters follow
only after confirming, and unsubscribe in one click."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from reports.models import Notification, Report, ReportEvent, Subscription
from reports.notifications.addresses import normalise_phone
from reports.notifications.sending import deliver, sweep
from tests.reports.conftest import submit
from tests.reports.notify_servers import Gateway, SmtpServer

pytestmark = pytest.mark.django_db

EMAIL = "Warga.Cibodas@Example.org"
PHONE = "0812-3456-7890"


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        yield server


@pytest.fixture
def gateway(settings):
    gw = Gateway()
    gw.start()
    settings.PETAKOTA_NOTIFY_WEBHOOK_URL = gw.url
    settings.PETAKOTA_NOTIFY_WEBHOOK_TOKEN = "gw-secret"
    yield gw
    gw.stop()


def act(client: Client, city, ticket: str, **data):
    response = client.post(
        f"/api/{city.slug}/reports/console/reports/{ticket}/action",
        json.dumps(data),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response


def _report(city, **contact) -> Report:
    fields = {"contact_email": EMAIL, "contact_phone": PHONE, **contact}
    response = submit(Client(HTTP_ACCEPT_LANGUAGE="en"), city, **fields)
    assert response.status_code == 201, response.content
    return Report.objects.get(ticket=response.json()["ticket"])


def _resolve(client: Client, city, ticket: str, note: str = "") -> None:
    act(client, city, ticket, action="transition", status="verified")
    act(client, city, ticket, action="assign", agency="dinas-pu")
    act(
        client,
        city,
        ticket,
        action="transition",
        status="resolved",
        note=note,
        public=bool(note),
    )


def _header(message, name: str) -> str:
    """A header's value with the folding SMTP added taken out."""
    return re.sub(r"\s+", "", str(message[name]))


def _links(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def test_reporter_hears_status_changes_and_public_notes_only(
    city, operator_client, smtp, gateway
):
    report = _report(city)
    subs = {(s.channel, s.address, s.language) for s in report.subscriptions.all()}
    assert subs == {
        ("email", "warga.cibodas@example.org", "en"),
        ("sms", "+6281234567890", "en"),
    }
    ticket = report.ticket
    act(
        operator_client,
        city,
        ticket,
        action="transition",
        status="verified",
        note="Tim <b>akan</b> datang",
        public=True,
    )
    act(operator_client, city, ticket, action="note", note="internal: rahasia dinas")
    act(
        operator_client,
        city,
        ticket,
        action="note",
        note="Besok dikerjakan",
        public=True,
    )
    assert sweep() == 4  # 2 events x 2 channels; the internal note is not told

    assert [env[1] for env in smtp.inbox.envelopes] == [
        ["warga.cibodas@example.org"]
    ] * 2
    first, _second = smtp.messages
    assert ticket in first["Subject"]
    assert "Verified" in first["Subject"]
    bodies = smtp.bodies()
    assert "Tim <b>akan</b> datang" in bodies[0]  # text/plain: shown, never run
    assert "Besok dikerjakan" in bodies[1]
    assert all("rahasia" not in b for b in bodies)
    track = f"http://testserver/{city.slug}/reports/t/{ticket}/"
    assert track in bodies[0]
    assert _header(first, "List-Unsubscribe").startswith("<http://testserver/")
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(
        r"<petakota-notification-\d+@petakota\.local>", first["Message-ID"]
    )

    sms = list(gateway.delivered.values())
    assert [m["to"] for m in sms] == ["+6281234567890"] * 2
    assert all(m["channel"] == "sms" and ticket in m["text"] for m in sms)
    assert all(a["auth"] == "Bearer gw-secret" for a in gateway.attempts)
    assert all("rahasia" not in m["text"] for m in sms)

    # Sent once: another sweep, or the deferred job arriving late, sends nothing.
    assert sweep() == 0
    for row in Notification.objects.all():
        assert deliver(row.pk) == "sent"
    assert len(smtp.messages) == 2
    assert len(gateway.attempts) == 2


def test_messages_come_in_the_reporters_language(city, operator_client, smtp):
    response = submit(Client(HTTP_ACCEPT_LANGUAGE="id"), city, contact_email=EMAIL)
    ticket = response.json()["ticket"]
    act(operator_client, city, ticket, action="transition", status="verified")
    sweep()
    (message,) = smtp.messages
    assert "Laporan" in message["Subject"]
    assert "Terverifikasi" in message["Subject"]
    assert "Ikuti di sini" in smtp.bodies()[0]


def test_no_channel_no_subscription_without_contact(city, operator_client, smtp):
    report = _report(city, contact_email="", contact_phone="")
    assert not report.subscriptions.exists()
    act(operator_client, city, report.ticket, action="transition", status="verified")
    assert sweep() == 0
    assert not smtp.messages


def test_gateway_outage_delays_without_loss_or_duplicates(
    city, operator_client, settings, gateway
):
    report = _report(city, contact_email="")
    act(operator_client, city, report.ticket, action="transition", status="verified")
    (row,) = Notification.objects.all()

    gateway.mode = "error"  # the gateway answers 503
    assert sweep() == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("pending", 1)
    assert "503" in row.last_error
    assert row.next_attempt_at > timezone.now()
    assert sweep() == 0  # waits for its next attempt

    gateway.stop()  # down: connection refused
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    sweep()
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("pending", 2)
    assert "unreachable" in row.last_error

    gateway.mode = "ok"
    gateway.start()
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    sweep()
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == ("sent", 3, "")
    assert len(gateway.delivered) == 1
    assert {a["key"] for a in gateway.attempts} == {row.idempotency_key}

    # A worker killed after the gateway took the message but before it was recorded
    # sends it again: same key, and the gateway keeps one.
    Notification.objects.filter(pk=row.pk).update(state="pending", sent_at=None)
    sweep()
    assert len(gateway.attempts) == 3
    assert len(gateway.delivered) == 1

    # Gives up after PETAKOTA_NOTIFY_MAX_ATTEMPTS, keeping the reason.
    act(operator_client, city, report.ticket, action="note", note="lagi", public=True)
    settings.PETAKOTA_NOTIFY_MAX_ATTEMPTS = 1
    gateway.mode = "error"
    sweep()
    last = Notification.objects.latest("pk")
    assert last.state == "failed"
    assert "503" in last.last_error


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_as_soon_as_the_event_commits(city, settings, smtp, tmp_path):
    """A real procrastinate worker process on the test database: the job deferred
    when the status change committed sends the e-mail."""
    import os
    import subprocess
    import sys

    operator = Client()
    from tenancy.models import Role
    from tests.reports.conftest import staff

    operator.force_login(staff(city, Role.OPERATOR))
    report = _report(city, contact_phone="")
    act(operator, city, report.ticket, action="transition", status="verified")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = "
            "'reports.send_notification' AND status = 'todo'"
        )
        assert cursor.fetchone()[0] == 1
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
    }
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "procrastinate",
            "worker",
            "--queues",
            "notifications",
            "--one-shot",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(smtp.messages) == 1
    assert report.ticket in smtp.messages[0]["Subject"]
    assert Notification.objects.get().state == "sent"


def test_reporter_reopens_a_resolution_with_the_link(city, operator_client, smtp):
    report = _report(city, contact_phone="")
    _resolve(operator_client, city, report.ticket, note="Sudah ditambal")
    sweep()
    body = smtp.bodies()[-1]
    verdict = next(u for u in _links(body) if "/verdict/" in u)
    path = urlsplit(verdict).path + "?" + urlsplit(verdict).query
    citizen = Client()
    page = citizen.get(path)
    assert page.status_code == 200
    assert b"not-fixed" in page.content
    assert Report.objects.get(pk=report.pk).status == "resolved"  # GET changes nothing
    k = urlsplit(verdict).query.removeprefix("k=")
    bad = citizen.post(path, {"k": k[:-2] + "xx", "decision": "reopen"})
    assert bad.status_code == 403
    r = citizen.post(path, {"k": k, "decision": "reopen", "reason": "Masih berlubang"})
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.status == "in_progress"
    assert report.resolved_at is None
    reopened = ReportEvent.objects.get(report=report, kind="reopened")
    assert reopened.public
    assert reopened.from_status == "resolved"
    assert (
        ReportEvent.objects.get(report=report, note__contains="Masih berlubang").public
        is False
    )
    track = citizen.get(f"/{city.slug}/reports/t/{report.ticket}/").content.decode()
    assert "Masih berlubang" not in track
    again = citizen.post(path, {"k": k, "decision": "confirm"})
    assert again.status_code == 409
    # The reporter is not told about their own verdict.
    assert not Notification.objects.filter(event=reopened).exists()


def test_reporter_confirms_a_fix_within_the_window_only(
    city, operator_client, smtp, settings
):
    report = _report(city, contact_phone="")
    _resolve(operator_client, city, report.ticket)
    sweep()
    verdict = next(u for u in _links(smtp.bodies()[-1]) if "/verdict/" in u)
    parts = urlsplit(verdict)
    other = _report(city, contact_phone="")
    _resolve(operator_client, city, other.ticket)
    # This report's link does not answer for another report.
    wrong = Client().post(
        f"/{city.slug}/reports/t/{other.ticket}/verdict/",
        {"k": parts.query.removeprefix("k="), "decision": "confirm"},
    )
    assert wrong.status_code == 403
    Report.objects.filter(pk=other.pk).update(
        resolved_at=timezone.now() - timedelta(days=settings.PETAKOTA_VERDICT_DAYS + 1)
    )
    r = Client().post(
        parts.path, {"k": parts.query.removeprefix("k="), "decision": "confirm"}
    )
    assert r.status_code == 302
    assert Report.objects.get(pk=report.pk).status == "closed"
    assert ReportEvent.objects.filter(report=report, kind="confirmed").exists()


def test_my_reports_opens_with_a_link_sent_to_the_address(city, smtp, settings):
    report = _report(city, contact_phone="")
    citizen = Client()
    unknown = citizen.post(
        f"/{city.slug}/reports/mine/", {"address": "nobody@example.org"}
    )
    known = citizen.post(f"/{city.slug}/reports/mine/", {"address": EMAIL.upper()})
    # The same answer either way: the page does not tell who reported.
    assert unknown.status_code == known.status_code == 200
    assert (
        unknown.content.decode().split('id="notice">')[1].split("<")[0]
        == (known.content.decode().split('id="notice">')[1].split("<")[0])
    )
    sweep()
    (message,) = smtp.messages
    assert message["To"] == "warga.cibodas@example.org"
    link = next(u for u in _links(smtp.bodies()[0]) if "/mine/open/" in u)
    browser = Client()
    assert b"my-reports" not in browser.get(f"/{city.slug}/reports/mine/").content
    opened = browser.get(urlsplit(link).path + "?" + urlsplit(link).query)
    assert opened.status_code == 302
    page = browser.get(opened["Location"]).content.decode()
    assert report.ticket in page
    broken = Client().get(f"/{city.slug}/reports/mine/open/?k=abc")
    assert broken.status_code == 400
    hostile = citizen.post(
        f"/{city.slug}/reports/mine/", {"address": "a\x00b@example.org"}
    )
    assert hostile.status_code == 400
    settings.PETAKOTA_MY_REPORTS_RATE = "3/h"
    codes = [
        Client(REMOTE_ADDR="10.9.9.9")
        .post(f"/{city.slug}/reports/mine/", {"address": EMAIL})
        .status_code
        for _ in range(4)
    ]
    assert codes[-1] == 429


def test_supporters_follow_after_confirming_and_unsubscribe_in_one_click(
    city, operator_client, smtp
):
    report = _report(city, contact_email="", contact_phone="")
    citizen = Client()
    r = citizen.post(
        f"/{city.slug}/reports/t/{report.ticket}/follow/",
        {"address": "tetangga@example.org"},
    )
    assert r.status_code == 302
    sub = Subscription.objects.get(report=report)
    assert (sub.role, sub.active) == ("supporter", False)
    act(operator_client, city, report.ticket, action="transition", status="verified")
    sweep()
    (_confirm,) = smtp.messages  # only the confirmation: not yet following
    link = next(u for u in _links(smtp.bodies()[0]) if "/follow/" in u)
    assert Client().get(urlsplit(link).path).status_code == 200
    assert not Subscription.objects.get(pk=sub.pk).active  # a GET changes nothing
    Client().post(urlsplit(link).path)
    assert Subscription.objects.get(pk=sub.pk).active
    act(
        operator_client,
        city,
        report.ticket,
        action="note",
        note="Dijadwalkan",
        public=True,
    )
    sweep()
    update = smtp.messages[-1]
    assert "Dijadwalkan" in smtp.bodies()[-1]
    unsubscribe = _header(update, "List-Unsubscribe").strip("<>")
    # One-click unsubscribe (RFC 8058) comes without a CSRF token.
    strict = Client(enforce_csrf_checks=True)
    assert (
        strict.post(
            urlsplit(unsubscribe).path, {"List-Unsubscribe": "One-Click"}
        ).status_code
        == 200
    )
    assert not Subscription.objects.get(pk=sub.pk).active
    act(operator_client, city, report.ticket, action="note", note="Lagi", public=True)
    assert sweep() == 0
    assert len(smtp.messages) == 2
    forged = Client().post(f"/{city.slug}/reports/unsubscribe/abc/")
    assert forged.status_code == 404


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("(021) 5555-1234", "+62215555123" + "4"),
        ("+44 20 7946 0958", "+442079460958"),
        ("٠٨١٢٣٤٥٦٧٨٩٠", None),  # Arabic-Indic digits
        ("0812", None),
        ("call me", None),
        ("+62 0812 3456 7890", None),
        ("", None),
    ],
)
def test_phone_numbers_are_normalised_or_refused(raw, expected):
    assert normalise_phone(raw) == expected
