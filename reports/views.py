"""HTML pages of reports: submission (mobile), public tracking, the operator console,
and the photos they show."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from gis_platform.http import set_cache
from gis_platform.navigation import role_home
from layers.local_time import time_config
from reports.models import HIDDEN_STATUSES, Category, Photo, Report, Status
from reports.selectors import categories_payload, public_report, public_report_payload
from reports.services import transitions_for
from reports.signin import THROTTLED, ThrottledAuthenticationForm
from tenancy.access import staff_scope
from tenancy.models import AdminArea, Agency, City
from tenancy.resolve import city_or_404


class StaffLoginView(LoginView):
    """Staff sign-in (/accounts/login/, and the console's own address). Without a
    ?next= each role lands on its home (gis_platform.navigation.role_home)."""

    template_name = "reports/login.html"
    redirect_authenticated_user = True
    # Failed attempts per user name and address are limited (reports/signin.py).
    authentication_form = ThrottledAuthenticationForm

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, THROTTLED):
            response.status_code = 429
        return response

    def get_default_redirect_url(self) -> str:
        return role_home(self.request.user)


def home(request: HttpRequest) -> HttpResponse:
    """/accounts/profile/ (Django's default landing): the signed-in person's home."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return redirect(role_home(request.user))


def _bounds(city: City) -> list[list[float]]:
    e = city.boundary.extent
    return [[e[1], e[0]], [e[3], e[2]]]


def _api(name: str, city: City) -> str:
    return reverse(f"reports-api:{name}", kwargs={"city_slug": city.slug})


def submit_page(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = city_or_404(city_slug)
    config = {
        "city": city.slug,
        "bounds": _bounds(city),
        "accuracyWarnM": settings.PETAKOTA_REPORT_ACCURACY_WARN_M,
        "maxPhotoBytes": settings.PETAKOTA_REPORT_MAX_PHOTO_BYTES,
        "categories": categories_payload(city),
        "urls": {
            "boundaries": reverse(
                "api:boundaries", kwargs={"city_slug": city.slug, "level": "kelurahan"}
            ),
            "submit": _api("submit", city),
            "locate": _api("locate", city),
            "nearby": _api("nearby", city),
            "photoLocation": _api("photo-location", city),
            "support": _api("submit", city) + "TICKET/support",
            "serviceWorker": reverse(
                "reports:service-worker", kwargs={"city_slug": city.slug}
            ),
        },
        "text": {
            "locating": _("Finding your position…"),
            "accuracy": _("GPS accuracy: about %(m)s m"),
            "accuracyWarn": _(
                "The position is imprecise. Drag the pin to the exact place."
            ),
            "noGps": _("No GPS position. Drag the pin or use a photo's location."),
            "inArea": _("Kelurahan %(kel)s, Kecamatan %(kec)s"),
            "queued": _(
                "No connection. Your report is saved on this phone and will be sent "
                "automatically."
            ),
            "waiting": _("Reports waiting to be sent: %(n)s"),
            "sent": _("Thank you! Your ticket code is"),
            "track": _("Follow your report"),
            "support": _("Support this report"),
            "supported": _("Thank you, your support was counted."),
            "nearbyTitle": _("Already reported nearby:"),
            "supporters": _("supporters"),
            "tooManyPhotos": _("At most 3 photos."),
            "badPhoto": _("Only JPEG, PNG or WebP photos up to the size limit."),
            "photoHasLocation": _("Use the location stored in the photo"),
            "required": _("required"),
            "choose": _("Choose…"),
            # Checked in the browser too, so a report queued offline is complete.
            "chooseCategory": _("Choose a category."),
            "describe": _("Please describe the problem."),
            "setLocation": _("Please set the location on the map."),
            "answerNeeded": _("%(question)s: an answer is needed."),
            "badEmail": _("Enter a valid e-mail address."),
            "checkFields": _("Some fields need attention: see the messages above."),
            "queuedHere": _(
                "Saved on this phone: there is no connection now. It will be sent "
                "automatically when there is one, even if you close this page."
            ),
        },
    }
    return render(request, "reports/submit.html", {"city": city, "config": config})


def track_page(request: HttpRequest, city_slug: str, ticket: str) -> HttpResponse:
    city = city_or_404(city_slug)
    try:
        report = public_report(city, ticket)
    except Report.DoesNotExist:
        raise Http404(_("No report with this code.")) from None
    payload = public_report_payload(report)
    config = {
        "bounds": _bounds(city),
        # A private report's page shows its progress only: no place, no map.
        "point": None if report.category.private else [payload["lat"], payload["lon"]],
        "sensitive": report.category.sensitive,
        "radius": report.category.fuzz_m,
        "boundaries": reverse(
            "api:boundaries", kwargs={"city_slug": city.slug, "level": "kelurahan"}
        ),
    }
    return render(
        request,
        "reports/track.html",
        {"city": city, "report": report, "r": payload, "config": config},
    )


def console_page(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = city_or_404(city_slug)
    if not request.user.is_authenticated:
        return redirect_to_login(
            request.get_full_path(),
            reverse("reports:login", kwargs={"city_slug": city.slug}),
        )
    scope = staff_scope(request.user, city)
    if scope is None:
        raise PermissionDenied(_("The console is for city staff."))
    agencies = Agency.objects.filter(city=city)
    if not scope.all_agencies:
        agencies = agencies.filter(pk__in=scope.agency_ids)
    config = {
        "city": city.slug,
        "bounds": _bounds(city),
        "cityWide": scope.all_agencies,
        "pollMs": 4000,
        "time": time_config(city),
        # Only the moves this person may make: an agency sees Accept/Start/Resolve.
        "transitions": {k: list(v) for k, v in transitions_for(scope).items()},
        "statuses": dict(Status.choices),
        "urls": {
            "boundaries": reverse(
                "api:boundaries", kwargs={"city_slug": city.slug, "level": "kecamatan"}
            ),
            "list": _api("console-list", city),
            "bulk": _api("console-bulk", city),
            "csv": _api("console-csv", city),
            "detail": _api("console-list", city) + "/TICKET",
        },
        "text": {
            "assign": _("Assign"),
            "merge": _("Merge into"),
            "note": _("Add note"),
            "public": _("public"),
            "overdue": _("overdue"),
            "due": _("due"),
            "noReports": _("No reports match."),
            "contact": _("Contact (private)"),
            "timeline": _("Timeline"),
            "done": _("Done."),
            "accept": _("Accept"),
        },
    }
    statuses = [(s.value, s.label) for s in Status]
    return render(
        request,
        "reports/console.html",
        {
            "city": city,
            "config": config,
            "statuses": statuses,
            "categories": Category.objects.filter(city=city),
            "agencies": agencies,
            "kecamatan": AdminArea.objects.filter(
                city=city, level=AdminArea.Level.KECAMATAN
            ),
        },
    )


def photo(
    request: HttpRequest, city_slug: str, photo_id: int, kind: str
) -> FileResponse:
    """A report photo. The public copy and thumbnail of a non-sensitive, listed report
    for everyone; everything (originals too) for staff whose queue has the report."""
    city = city_or_404(city_slug)
    row = get_object_or_404(
        Photo.objects.select_related("report__category"), city=city, pk=photo_id
    )
    if kind not in ("image", "thumbnail", "original"):
        raise Http404
    report = row.report
    scope = staff_scope(request.user, city)
    staff = scope is not None and scope.covers(report.agency_id)
    public = not report.category.sensitive and report.status not in HIDDEN_STATUSES
    if not staff and (kind == "original" or not public):
        raise Http404
    file = getattr(row, kind)
    content_type = row.content_type if kind == "original" else "image/jpeg"
    response = FileResponse(file.open("rb"), content_type=content_type)
    set_cache(response, public=not staff, max_age_s=3600, revalidate=False)
    response["X-Content-Type-Options"] = "nosniff"
    return response
