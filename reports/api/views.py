"""JSON used by the submission page (public) and the operator console (staff).

Each view translates HTTP into one service or selector call. DRF's APIView gives the
right CSRF rule: anonymous posts (a phone's offline queue replaying hours later) need
no token, while a logged-in session must send one."""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.engine.geojson import Query, stream_feature_collection
from layers.engine.params import BadParameter, parse_bbox, parse_int, parse_limit
from layers.models import Agency, City
from layers.models.city import SRID
from reports import services
from reports.models import Category, Channel, Report
from reports.permissions import Scope, staff_scope
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


def error(message: str, status: int = 400, field: str | None = None) -> Response:
    return Response({"error": message, "field": field}, status=status)


def _city(city_slug: str) -> City:
    return get_object_or_404(City, slug=city_slug)


def _point(params: Any) -> Point:
    try:
        lon, lat = float(params.get("lon")), float(params.get("lat"))
    except (TypeError, ValueError):
        raise services.ReportError(_("A location is needed."), "location") from None
    if not (math.isfinite(lon) and math.isfinite(lat)) or not (
        -180 <= lon <= 180 and -90 <= lat <= 90
    ):
        raise services.ReportError(_("The location is not a valid coordinate."))
    return Point(lon, lat, srid=SRID)


def _uuid(raw: Any, field: str = "client_uuid") -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise services.ReportError(_("A client id (UUID) is needed."), field) from None


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
        category = Category.objects.filter(
            city=city, code=request.query_params.get("category", ""), active=True
        ).first()
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
    parser_classes = (MultiPartParser, FormParser, JSONParser)

    def post(self, request: Request, city_slug: str) -> Response:
        city = _city(city_slug)
        data = request.data
        try:
            client_uuid = _uuid(data.get("client_uuid"))
        except services.ReportError as exc:
            return error(exc.message, field=exc.field)
        # A replay is answered before the rate limit: a queue resending must always
        # learn its ticket.
        existing = Report.objects.filter(city=city, client_uuid=client_uuid).first()
        if existing is not None:
            return Response(self._answer(existing, created=False), status=200)
        if not request.user.is_authenticated and is_ratelimited(
            request._request,
            group="reports.submit",
            key="ip",
            rate=settings.PETAKOTA_REPORT_RATE,
            increment=True,
        ):
            return error(_("Too many reports from here; try again later."), 429)
        category = Category.objects.filter(
            city=city, code=data.get("category", ""), active=True
        ).first()
        if category is None:
            return error(_("Unknown category."), field="category")
        try:
            answers = data.get("answers") or "{}"
            answers = json.loads(answers) if isinstance(answers, str) else answers
            if not isinstance(answers, dict):
                raise ValueError
        except ValueError:
            return error(_("The answers are not readable."), field="answers")
        try:
            lon = lat = None
            if data.get("lon") not in (None, "") or data.get("lat") not in (None, ""):
                point = _point(data)
                lon, lat = point.x, point.y
            accuracy = data.get("accuracy_m")
            accuracy = float(accuracy) if accuracy not in (None, "") else None
            if accuracy is not None and not (math.isfinite(accuracy) and accuracy >= 0):
                accuracy = None
        except services.ReportError as exc:
            return error(exc.message, field="location")
        except ValueError:
            accuracy = None
        is_field = bool(
            request.user.is_authenticated and staff_scope(request.user, city)
        )
        submission = services.Submission(
            category=category,
            lon=lon,
            lat=lat,
            accuracy_m=accuracy,
            description=str(data.get("description", "")),
            client_uuid=client_uuid,
            address=str(data.get("address", "")),
            answers=answers,
            contact_name=str(data.get("contact_name", "")),
            contact_email=str(data.get("contact_email", "")),
            contact_phone=str(data.get("contact_phone", "")),
            photos=request.FILES.getlist("photos"),
            channel=Channel.FIELD if is_field else Channel.WEB,
            user=request.user,
        )
        try:
            report, created = services.submit_report(city=city, submission=submission)
        except services.ReportError as exc:
            return error(exc.message, field=exc.field)
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
    parser_classes = (JSONParser, FormParser, MultiPartParser)

    def post(self, request: Request, city_slug: str, ticket: str) -> Response:
        city = _city(city_slug)
        report = get_object_or_404(Report, city=city, ticket=ticket.upper())
        try:
            report = services.support_report(
                report=report, client_uuid=_uuid(request.data.get("client_uuid"))
            )
        except services.ReportError as exc:
            return error(exc.message, field=exc.field)
        return Response({"ticket": report.ticket, "supporters": report.supporter_count})


def public_geojson(request: HttpRequest, city_slug: str) -> StreamingHttpResponse:
    """The public reports layer, through the serving engine."""
    from django.http import JsonResponse

    city = _city(city_slug)
    try:
        query = Query(
            bbox=parse_bbox(request.GET.get("bbox")),
            limit=parse_limit(request.GET.get("limit")),
            after_id=parse_int(request.GET.get("cursor"), "cursor"),
        )
    except BadParameter as exc:
        return JsonResponse(
            {"code": "InvalidParameterValue", "description": str(exc)}, status=400
        )
    response = StreamingHttpResponse(
        stream_feature_collection(report_source(city.pk), query),
        content_type="application/geo+json",
    )
    response["Cache-Control"] = "no-cache"
    return response


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


def _act(
    request: Request, city: City, scope: Scope, report: Report, data: Any
) -> Report:
    action = data.get("action")
    note = str(data.get("note") or "")
    public = bool(data.get("public"))
    if action == "transition":
        return services.transition(
            report=report,
            to_status=str(data.get("status")),
            actor=request.user,
            scope=scope,
            note=note,
            public=public,
        )
    if action == "assign":
        agency = Agency.objects.filter(city=city, slug=data.get("agency") or "").first()
        if agency is None:
            raise services.ReportError(_("Unknown agency."), "agency")
        return services.assign(
            report=report,
            agency=agency,
            actor=request.user,
            scope=scope,
            note=note,
            public=public,
        )
    if action == "merge":
        into = Report.objects.filter(
            city=city, ticket=str(data.get("into") or "").upper()
        ).first()
        if into is None:
            raise services.ReportError(_("Unknown report to merge into."), "into")
        return services.merge_duplicate(
            report=report, into=into, actor=request.user, scope=scope, note=note
        )
    if action == "note":
        services.add_note(
            report=report, actor=request.user, scope=scope, note=note, public=public
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
        tickets = request.data.get("tickets")
        if not isinstance(tickets, list) or not tickets or len(tickets) > 200:
            return error(_("Choose between 1 and 200 reports."), field="tickets")
        wanted = {str(t).upper() for t in tickets}
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
