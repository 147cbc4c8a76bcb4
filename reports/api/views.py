"""JSON used by the submission page (public) and the operator console (staff).

Each view translates HTTP into one service or selector call. DRF's APIView gives the
right CSRF rule: anonymous posts (a phone's offline queue replaying hours later) need
no token, while a logged-in session must send one."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited
from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gis_platform.edges import (
    EdgeError,
    check_lon_lat,
    has_control_chars,
    parse_float,
    require_object,
)
from gis_platform.http import NO_STORE, REVALIDATE, json_error, set_cache
from layers.engine.geojson import Query, stream_feature_collection
from layers.engine.params import BadParameter, parse_bbox, parse_int, parse_limit
from reports import services
from reports.api.submission import client_uuid_of, parse_submission
from reports.models import Category, Report
from reports.photos import PhotoError, process_photo
from reports.routing import OutsideCity, locate
from reports.selectors import (
    CONSOLE_LIMIT,
    FilterError,
    categories_payload,
    console_detail,
    console_reports,
    console_row,
    open_reports_near,
    parse_console_filters,
    public_report,
    public_report_payload,
)
from reports.sources import report_source
from tenancy.access import Scope, staff_scope
from tenancy.models import SRID, Agency, City
from tenancy.resolve import city_or_404


def error(message: str, status: int = 400, field: str | None = None) -> Response:
    """The JSON API's error body (gis_platform/http.py): {"detail", "errors"}."""
    body: dict[str, Any] = {"detail": message}
    if field:
        body["errors"] = {field: message}
    return Response(body, status=status)


def _city(city_slug: str) -> City:
    return city_or_404(city_slug)


def _point(params: Any) -> Point:
    """A point from `lon`/`lat` (ASCII numbers in range), checked before GEOS."""
    if params.get("lon") in (None, "") or params.get("lat") in (None, ""):
        raise services.ReportError(_("A location is needed."), "location")
    try:
        lon = parse_float(params.get("lon"), "lon")
        lat = parse_float(params.get("lat"), "lat")
        check_lon_lat(lon, lat, "location")
    except EdgeError:
        raise services.ReportError(
            _("The location is not a valid coordinate."), "location"
        ) from None
    return Point(lon, lat, srid=SRID)


def _uuid(raw: Any, field: str = "client_uuid") -> uuid.UUID:
    try:
        if not isinstance(raw, str):
            raise ValueError
        return uuid.UUID(raw)
    except ValueError:
        raise services.ReportError(_("A client id (UUID) is needed."), field) from None


def _code(raw: Any) -> str | None:
    """A code, slug or ticket from a request; None for what cannot be one (not text,
    NUL or control characters, absurdly long), so it never reaches the database."""
    if not isinstance(raw, str) or not raw or has_control_chars(raw) or len(raw) > 200:
        return None
    return raw


class CategoriesApi(APIView):
    def get(self, request: Request, city_slug: str) -> Response:
        return Response({"categories": categories_payload(_city(city_slug))})


class LocateApi(APIView):
    def get(self, request: Request, city_slug: str) -> Response:
        city = _city(city_slug)
        try:
            where = locate(city, _point(request.query_params))
        except (OutsideCity, services.ReportError) as exc:
            return error(str(exc), field="location")
        return Response(
            {
                "kelurahan": where.kelurahan.name if where.kelurahan else None,
                "kecamatan": where.kecamatan.name if where.kecamatan else None,
            }
        )


class NearbyApi(APIView):
    def get(self, request: Request, city_slug: str) -> Response:
        city = _city(city_slug)
        code = _code(request.query_params.get("category", ""))
        category = (
            Category.objects.filter(city=city, code=code, active=True).first()
            if code
            else None
        )
        if category is None:
            return error(_("Unknown category."), field="category")
        try:
            point = _point(request.query_params)
        except services.ReportError as exc:
            return error(exc.message, field="location")
        return Response(
            {
                "radius_m": category.duplicate_radius_m,
                "reports": open_reports_near(category, point),
            }
        )


class PhotoLocationApi(APIView):
    """Where a photo was taken (EXIF), for when the phone has no GPS fix."""

    parser_classes = (MultiPartParser,)

    def post(self, request: Request, city_slug: str) -> Response:
        _city(city_slug)
        upload = request.FILES.get("photo")
        if upload is None:
            return error(_("No photo."), field="photo")
        try:
            photo = process_photo(upload)
        except PhotoError as exc:
            return error(str(exc), field="photo")
        return Response({"lon": photo.lon, "lat": photo.lat})


class ReportSubmitApi(APIView):
    """A 400 is `{"detail": summary, "errors": {field: message}}` in the request's
    language (see reports/api/submission.py for the field names)."""

    parser_classes = (MultiPartParser, FormParser, JSONParser)

    @staticmethod
    def _refused(exc: services.ReportError, status: int = 400) -> Response:
        errors = exc.errors
        detail = (
            exc.message
            if len(errors) <= 1
            else _("Please check the %(n)d fields marked.") % {"n": len(errors)}
        )
        return Response({"detail": detail, "errors": errors}, status=status)

    def post(self, request: Request, city_slug: str) -> Response:
        city = _city(city_slug)
        try:
            data = require_object(request.data)
        except ParseError:
            return self._refused(
                services.ReportError(_("The request body is not readable."))
            )
        except EdgeError:
            return self._refused(
                services.ReportError(_("The request must be a JSON object."))
            )
        try:
            client_uuid = client_uuid_of(data)
        except services.ReportError as exc:
            return self._refused(exc)
        # A replay is answered before the rate limit: a queue resending must always
        # learn its ticket.
        existing = Report.objects.filter(city=city, client_uuid=client_uuid).first()
        if existing is not None:
            return Response(self._answer(existing, created=False), status=200)
        # Staff of this city (field officers) are not limited; anyone else is, signed
        # in or not: an account with no role is as anonymous as no account.
        staff = staff_scope(request.user, city) is not None
        if not staff and is_ratelimited(
            request._request,
            group="reports.submit",
            key="ip",
            rate=settings.PETAKOTA_REPORT_RATE,
            increment=True,
        ):
            return self._refused(
                services.ReportError(_("Too many reports from here; try again later.")),
                429,
            )
        submission = parse_submission(
            city=city,
            data=data,
            files=request.FILES,
            user=request.user,
            field_report=staff,
            client_uuid=client_uuid,
        )
        submission.language = getattr(request, "LANGUAGE_CODE", "")
        submission.base_url = request.build_absolute_uri("/")
        try:
            report, created = services.submit_report(city=city, submission=submission)
        except services.ReportError as exc:
            return self._refused(exc)
        return Response(
            self._answer(report, created=created), status=201 if created else 200
        )

    @staticmethod
    def _answer(report: Report, *, created: bool) -> dict[str, Any]:
        return {
            "ticket": report.ticket,
            "created": created,
            "status": report.status,
            "tracking_url": reverse(
                "reports:track",
                kwargs={"city_slug": report.city.slug, "ticket": report.ticket},
            ),
        }


class ReportPublicApi(APIView):
    def get(self, request: Request, city_slug: str, ticket: str) -> Response:
        city = _city(city_slug)
        try:
            report = public_report(city, ticket)
        except Report.DoesNotExist:
            raise Http404 from None
        return Response(public_report_payload(report))


class ReportSupportApi(APIView):
    """One "me too" per client id and report; new supports from one client IP are
    limited per report (PETAKOTA_SUPPORT_RATE), so 50 made-up client ids from one
    place do not count as 50 people."""

    parser_classes = (JSONParser, FormParser, MultiPartParser)

    def post(self, request: Request, city_slug: str, ticket: str) -> Response:
        city = _city(city_slug)
        report = get_object_or_404(Report, city=city, ticket=ticket.upper())
        try:
            client_uuid = _uuid(require_object(request.data).get("client_uuid"))
        except EdgeError as exc:
            return error(_("The request must be a JSON object."), field=exc.field)
        except services.ReportError as exc:
            return error(exc.message, field=exc.field)
        replay = services.has_supported(report=report, client_uuid=client_uuid)
        if not replay and is_ratelimited(
            request._request,
            group=f"reports.support.{report.pk}",
            key="ip",
            rate=settings.PETAKOTA_SUPPORT_RATE,
            increment=True,
        ):
            return error(_("This report was already supported from here."), 429)
        try:
            report = services.support_report(report=report, client_uuid=client_uuid)
        except services.ReportError as exc:
            return error(exc.message, field=exc.field)
        return Response({"ticket": report.ticket, "supporters": report.supporter_count})


def public_geojson(
    request: HttpRequest, city_slug: str
) -> StreamingHttpResponse | HttpResponse:
    """The public reports layer, through the serving engine."""
    city = _city(city_slug)
    try:
        query = Query(
            bbox=parse_bbox(request.GET.get("bbox")),
            limit=parse_limit(request.GET.get("limit")),
            after_id=parse_int(request.GET.get("cursor"), "cursor"),
        )
    except BadParameter as exc:
        return json_error(str(exc), errors={exc.name: exc.message})
    response = StreamingHttpResponse(
        stream_feature_collection(report_source(city.pk), query),
        content_type="application/geo+json",
    )
    return set_cache(response, value=REVALIDATE)


# --- Staff console -------------------------------------------------------------------


def _scope(request: Request, city: City) -> Scope:
    scope = staff_scope(request.user, city)
    if scope is None:
        raise PermissionDenied(_("The console is for city staff."))
    return scope


class ConsoleListApi(APIView):
    def get(self, request: Request, city_slug: str) -> Response:
        city = _city(city_slug)
        scope = _scope(request, city)
        try:
            filters = parse_console_filters(city, request.query_params)
        except FilterError as exc:
            return error(str(exc))
        qs = console_reports(scope, filters)
        rows = [console_row(r) for r in qs[:CONSOLE_LIMIT]]
        return Response({"count": len(rows), "reports": rows})


class ConsoleDetailApi(APIView):
    def get(self, request: Request, city_slug: str, ticket: str) -> Response:
        city = _city(city_slug)
        scope = _scope(request, city)
        report = get_object_or_404(
            Report.objects.in_scope(scope).select_related(
                "category", "agency", "kelurahan", "kecamatan", "duplicate_of", "city"
            ),
            ticket=ticket.upper(),
        )
        return Response(console_detail(report))


def _actor(request: Request) -> User:
    """The signed-in person acting in the console. Only reached after _scope, which
    refuses everyone who is not signed in (AnonymousUser) the same way."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied(_("The console is for city staff."))
    return user


def _act(
    request: Request, city: City, scope: Scope, report: Report, data: Any
) -> Report:
    actor = _actor(request)
    if not isinstance(data, dict):
        raise services.ReportError(_("The request must be a JSON object."))
    action = data.get("action")
    note = services.clean_note(data.get("note"))
    public = data.get("public") in (True, "1", "true", "on")
    if action == "transition":
        return services.transition(
            report=report,
            to_status=_code(data.get("status")) or "",
            actor=actor,
            scope=scope,
            note=note,
            public=public,
        )
    if action == "assign":
        slug = _code(data.get("agency"))
        agency = Agency.objects.filter(city=city, slug=slug).first() if slug else None
        if agency is None:
            raise services.ReportError(_("Unknown agency."), "agency")
        return services.assign(
            report=report,
            agency=agency,
            actor=actor,
            scope=scope,
            note=note,
            public=public,
        )
    if action == "merge":
        into_ticket = _code(data.get("into"))
        into = (
            Report.objects.filter(city=city, ticket=into_ticket.upper()).first()
            if into_ticket
            else None
        )
        if into is None:
            raise services.ReportError(_("Unknown report to merge into."), "into")
        return services.merge_duplicate(
            report=report, into=into, actor=actor, scope=scope, note=note
        )
    if action == "note":
        services.add_note(
            report=report, actor=actor, scope=scope, note=note, public=public
        )
        return report
    raise services.ReportError(_("Unknown action."), "action")


class ConsoleActionApi(APIView):
    parser_classes = (JSONParser,)

    def post(self, request: Request, city_slug: str, ticket: str) -> Response:
        city = _city(city_slug)
        scope = _scope(request, city)
        report = get_object_or_404(
            Report.objects.in_scope(scope), ticket=ticket.upper()
        )
        try:
            report = _act(request, city, scope, report, request.data)
        except services.ReportError as exc:
            return error(exc.message, field=exc.field)
        report = Report.objects.select_related(
            "category", "agency", "kelurahan", "kecamatan", "duplicate_of", "city"
        ).get(pk=report.pk)
        return Response(console_detail(report))


class ConsoleBulkApi(APIView):
    """One action on many reports: all of them change, or none (a clear error)."""

    parser_classes = (JSONParser,)

    def post(self, request: Request, city_slug: str) -> Response:
        city = _city(city_slug)
        scope = _scope(request, city)
        if not isinstance(request.data, dict):
            return error(_("The request must be a JSON object."))
        tickets = request.data.get("tickets")
        if not isinstance(tickets, list) or not tickets or len(tickets) > 200:
            return error(_("Choose between 1 and 200 reports."), field="tickets")
        if not all(_code(t) for t in tickets):
            return error(_("Tickets are codes like ABCD-EFGH."), field="tickets")
        wanted = {t.upper() for t in tickets}
        reports = list(Report.objects.in_scope(scope).filter(ticket__in=wanted))
        missing = wanted - {r.ticket for r in reports}
        if missing:
            return error(
                _("Not in your queue: %(tickets)s")
                % {"tickets": ", ".join(sorted(missing))},
                field="tickets",
            )
        try:
            with transaction.atomic():
                for report in reports:
                    try:
                        _act(request, city, scope, report, request.data)
                    except services.ReportError as exc:
                        raise services.ReportError(
                            f"{report.ticket}: {exc.message}", exc.field
                        ) from None
        except services.ReportError as exc:
            return error(exc.message, field=exc.field)
        return Response({"changed": sorted(r.ticket for r in reports)})


def console_csv_export(
    request: HttpRequest, city_slug: str
) -> StreamingHttpResponse | HttpResponse:
    """The console's filtered list as CSV (staff only; the list's filters and scope).
    Everything is checked before the first byte is streamed."""
    from reports.console_csv import console_csv

    city = _city(city_slug)
    scope = staff_scope(request.user, city)
    if scope is None:
        return json_error(_("The console is for city staff."), status=403)
    try:
        filters = parse_console_filters(city, request.GET)
    except FilterError as exc:
        return json_error(str(exc))
    response = StreamingHttpResponse(
        console_csv(console_reports(scope, filters), city),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="laporan-{city.slug}.csv"'
    set_cache(response, value=NO_STORE)
    response["X-Content-Type-Options"] = "nosniff"
    return response
