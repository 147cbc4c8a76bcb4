"""Pages a reporter or supporter reaches from a message or the tracking page: "my
reports" (a sign-in link sent to the address), the verdict on a resolution, following a
report, confirming that, and unsubscribing. None needs an account; each link is signed
for its purpose (tokens.py), and nothing changes on a GET (mail scanners open links)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from gis_platform.edges import EdgeError, clean_text
from reports.models import HIDDEN_STATUSES, Notification, Report, Subscription
from reports.notifications import tokens
from reports.notifications.addresses import normalise_phone
from reports.notifications.outbox import (
    channel_ready,
    follow,
    phone_channel,
    queue_my_reports_link,
)
from reports.notifications.verdict import (
    VerdictRefused,
    can_give_verdict,
    give_verdict,
)
from tenancy.models import City
from tenancy.resolve import city_or_404


def _session_key(city: City) -> str:
    return f"petakota.mine.{city.pk}"


def _notice(
    request: HttpRequest,
    city: City,
    title: str,
    text: str,
    status: int = 200,
    form: dict[str, Any] | None = None,
) -> HttpResponse:
    return render(
        request,
        "reports/notice.html",
        {"city": city, "title": title, "text": text, "form": form},
        status=status,
    )


def _read_address(raw: Any) -> tuple[str, str] | None:
    """(channel, address) from what a person typed: an e-mail, or a phone number
    when a gateway can reach phones. None when it is neither."""
    try:
        text = clean_text(raw or "", "address", max_length=254).strip()
    except EdgeError:
        return None
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError:
            return None
        return Subscription.Kind.EMAIL.value, text.lower()
    number = normalise_phone(text)
    channel = phone_channel()
    if number and channel:
        return channel, number
    return None


def _limited(request: HttpRequest, group: str) -> bool:
    return is_ratelimited(
        request,
        group=group,
        key="ip",
        rate=settings.PETAKOTA_MY_REPORTS_RATE,
        increment=True,
    )


def _reports_of(city: City, channel: str, address: str) -> list[Report]:
    ids = Subscription.objects.filter(
        city=city,
        role=Subscription.Role.REPORTER,
        channel=channel,
        address=address,
    ).values("report_id")
    return list(
        Report.objects.filter(city=city, pk__in=ids)
        .select_related("category")
        .order_by("-created_at")[:200]
    )


@require_http_methods(["GET", "POST"])
def my_reports(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = city_or_404(city_slug)
    who = request.session.get(_session_key(city))
    if request.method == "POST":
        if _limited(request, "reports.mine"):
            return _notice(
                request,
                city,
                _("My reports"),
                _("Too many requests from here; try again later."),
                429,
            )
        found = _read_address(request.POST.get("address"))
        if found is None:
            error = (
                _("Enter the e-mail address or phone number you gave with your report.")
                if phone_channel()
                else _("Enter the e-mail address you gave with your report.")
            )
            return render(
                request,
                "reports/mine.html",
                {"city": city, "error": error, "reports": None},
                status=400,
            )
        channel, address = found
        # Said the same way whether or not the address has reports here.
        if channel_ready(channel) and _reports_of(city, channel, address):
            token = tokens.make("mine", [city.pk, channel, address])
            link = reverse("reports:mine-open", kwargs={"city_slug": city.slug})
            with transaction.atomic():
                queue_my_reports_link(
                    city_id=city.pk,
                    channel=channel,
                    address=address,
                    link=f"{link}?k={token}",
                    language=getattr(request, "LANGUAGE_CODE", "id"),
                    base_url=request.build_absolute_uri("/"),
                )
        return _notice(
            request,
            city,
            _("My reports"),
            _(
                "If reports were made with this address, a link to them is on its "
                "way. It works for %(hours)d hours."
            )
            % {"hours": settings.PETAKOTA_MY_REPORTS_LINK_HOURS},
        )
    reports = None
    if who:
        reports = [
            {"report": r, "verdict": can_give_verdict(r)}
            for r in _reports_of(city, who[0], who[1])
        ]
    return render(
        request,
        "reports/mine.html",
        {
            "city": city,
            "reports": reports,
            "hidden": HIDDEN_STATUSES,
            "phones": bool(phone_channel()),
        },
    )


def open_my_reports(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = city_or_404(city_slug)
    try:
        city_id, channel, address = tokens.read(
            "mine", request.GET.get("k", ""), max_age_s=tokens.my_reports_max_age_s()
        )
    except (tokens.BadToken, ValueError, TypeError):
        return _notice(
            request,
            city,
            _("My reports"),
            _("This link is broken or too old. Ask for a new one."),
            400,
        )
    if city_id != city.pk:
        raise Http404
    request.session.cycle_key()
    request.session[_session_key(city)] = [channel, address]
    return redirect("reports:mine", city_slug=city.slug)


def _verdict_allowed(request: HttpRequest, city: City, report: Report) -> bool:
    key = request.POST.get("k") or request.GET.get("k") or ""
    if key:
        try:
            pk = tokens.read("verdict", key, max_age_s=tokens.verdict_max_age_s())
        except tokens.BadToken:
            return False
        return bool(pk == report.pk)
    who = request.session.get(_session_key(city))
    if not who:
        return False
    return Subscription.objects.filter(
        city=city,
        report=report,
        role=Subscription.Role.REPORTER,
        channel=who[0],
        address=who[1],
    ).exists()


@require_http_methods(["GET", "POST"])
def verdict(request: HttpRequest, city_slug: str, ticket: str) -> HttpResponse:
    city = city_or_404(city_slug)
    report = (
        Report.objects.select_related("category")
        .filter(city=city, ticket=ticket.upper())
        .first()
    )
    if report is None or not _verdict_allowed(request, city, report):
        return _notice(
            request,
            city,
            _("Is it fixed?"),
            _("This link is broken or too old. Open your reports to answer."),
            403 if report is not None else 404,
        )
    track = reverse(
        "reports:track", kwargs={"city_slug": city.slug, "ticket": report.ticket}
    )
    if not can_give_verdict(report):
        return _notice(
            request,
            city,
            _("Is it fixed?"),
            _("This report is not waiting for your confirmation any more."),
            409 if request.method == "POST" else 200,
        )
    if request.method == "POST":
        try:
            give_verdict(
                report=report,
                decision=request.POST.get("decision", ""),
                reason=request.POST.get("reason", ""),
            )
        except VerdictRefused as exc:
            return render(
                request,
                "reports/verdict.html",
                {
                    "city": city,
                    "report": report,
                    "error": str(exc),
                    "k": request.POST.get("k", ""),
                },
                status=400,
            )
        messages.success(request, _("Thank you. Your answer was recorded."))
        return redirect(track)
    return render(
        request,
        "reports/verdict.html",
        {"city": city, "report": report, "k": request.GET.get("k", "")},
    )


@require_POST
def follow_report(request: HttpRequest, city_slug: str, ticket: str) -> HttpResponse:
    city = city_or_404(city_slug)
    report = (
        Report.objects.select_related("category")
        .filter(city=city, ticket=ticket.upper())
        .first()
    )
    if report is None or report.status in HIDDEN_STATUSES:
        raise Http404
    track = reverse(
        "reports:track", kwargs={"city_slug": city.slug, "ticket": report.ticket}
    )
    if _limited(request, "reports.follow"):
        return _notice(
            request,
            city,
            _("Keep me informed"),
            _("Too many requests from here; try again later."),
            429,
        )
    found = _read_address(request.POST.get("address"))
    if found is None or not channel_ready(found[0]):
        return _notice(
            request,
            city,
            _("Keep me informed"),
            _("Enter a valid e-mail address.")
            if not phone_channel()
            else _("Enter a valid e-mail address or phone number."),
            400,
        )
    with transaction.atomic():
        follow(
            report,
            channel=found[0],
            address=found[1],
            language=getattr(request, "LANGUAGE_CODE", "id"),
            base_url=request.build_absolute_uri("/"),
        )
    messages.info(
        request,
        _("We sent a message to confirm the address. Updates start once you confirm."),
    )
    return redirect(track)


def _subscription(city: City, purpose: str, token: str) -> Subscription:
    try:
        pk = tokens.read(purpose, token)
    except tokens.BadToken:
        raise Http404 from None
    sub = Subscription.objects.select_related("report").filter(city=city, pk=pk).first()
    if sub is None:
        raise Http404
    return sub


@require_http_methods(["GET", "POST"])
def confirm_follow(request: HttpRequest, city_slug: str, token: str) -> HttpResponse:
    city = city_or_404(city_slug)
    sub = _subscription(city, "confirm", token)
    if request.method == "POST":
        Subscription.objects.filter(pk=sub.pk).update(active=True)
        return _notice(
            request,
            city,
            _("Keep me informed"),
            _("Confirmed: you will hear about report %(ticket)s.")
            % {"ticket": sub.report.ticket},
        )
    return _notice(
        request,
        city,
        _("Keep me informed"),
        _("Send updates on report %(ticket)s to this address?")
        % {"ticket": sub.report.ticket},
        form={"button": _("Yes, keep me informed")},
    )


@csrf_exempt  # RFC 8058 one-click unsubscribe posts without a CSRF token; the
# signed token in the address is the authority.
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, city_slug: str, token: str) -> HttpResponse:
    city = city_or_404(city_slug)
    sub = _subscription(city, "unsubscribe", token)
    if request.method == "POST":
        with transaction.atomic():
            Subscription.objects.filter(pk=sub.pk).update(active=False)
            Notification.objects.filter(
                subscription=sub,
                state=Notification.State.PENDING,
                purpose=Notification.Purpose.EVENT,
            ).update(state=Notification.State.CANCELLED)
        return _notice(
            request,
            city,
            _("Unsubscribed"),
            _("You will get no more messages about report %(ticket)s.")
            % {"ticket": sub.report.ticket},
        )
    return _notice(
        request,
        city,
        _("Unsubscribe"),
        _("Stop messages about report %(ticket)s?") % {"ticket": sub.report.ticket},
        form={"button": _("Stop the messages")},
    )
