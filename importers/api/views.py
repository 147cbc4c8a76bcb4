"""Machine API: exports of any visible layer, and uploads with token authentication."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from rest_framework import serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gis_platform.edges import EdgeError, clean_text
from importers import exports, jobs
from importers.errors import ImportFailed, LayerConflict
from importers.models import ImportJob
from importers.report import rejected_csv
from importers.selectors import importable_layers, job_payload, jobs_for
from layers.engine.params import BadParameter
from layers.models import Layer
from tenancy.access import import_agencies
from tenancy.models import City
from tenancy.resolve import city_or_404

ResponseT = TypeVar("ResponseT", bound=HttpResponseBase)


def _attachment(response: ResponseT, name: str) -> ResponseT:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class _IgnoreFormatParameter(DefaultContentNegotiation):
    """`?format=` names the export's file format here, not a DRF renderer."""

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class LayerExportApi(APIView):
    """GET /api/<city>/layers/<slug>/export?format=geojson|csv|gpkg|shp|kml
    [&bbox=...][&bbox-crs=...][&datetime=...][&filter=<CQL2>][&filter-lang=...]
    [&limit=N][&coords=wkt|latlon][&<attribute>=<value>...]: the same query as the
    layer's items."""

    content_negotiation_class = _IgnoreFormatParameter

    def get(
        self, request: Request, city_slug: str, layer_slug: str
    ) -> HttpResponseBase:
        city = city_or_404(city_slug)
        layer = get_object_or_404(
            Layer.objects.visible_to(request.user, city).select_related("city"),
            slug=layer_slug,
        )
        key = request.query_params.get("format", "geojson")
        fmt = exports.FORMATS.get(key)
        if fmt is None:
            return Response(
                {
                    "detail": f"Unknown format {key!r}; "
                    f"use {', '.join(exports.FORMATS)}."
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            params = {
                clean_text(k, "parameter", multiline=False): clean_text(
                    v, k, multiline=k == "filter"
                )
                for k, v in request.query_params.items()
            }
            # The items endpoint's parameters, parsed by the same code: every format
            # returns the rows GeoJSON does, and a bad value is refused before the
            # first byte.
            query = exports.export_query(layer, params)
        except (BadParameter, EdgeError, exports.ExportError) as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        name = exports.filename(layer, fmt)
        if key == "geojson":
            response = StreamingHttpResponse(
                exports.geojson_chunks(layer, query), content_type=fmt.content_type
            )
        elif key == "csv":
            coords = request.query_params.get("coords", "wkt")
            if coords not in ("wkt", "latlon"):
                return Response(
                    {"detail": "coords must be wkt or latlon."},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            response = StreamingHttpResponse(
                exports.csv_chunks(layer, query, coords=coords),
                content_type=fmt.content_type,
            )
        else:
            export = exports.TemporaryExport(layer, query, fmt)
            response = FileResponse(export.open(), content_type=fmt.content_type)
        return _attachment(response, name)


def _single_line(value: str) -> str:
    """No NUL, control characters or line breaks: these end up in layer titles,
    feeds and pages."""
    try:
        return clean_text(value, "value", multiline=False)
    except EdgeError as exc:
        raise serializers.ValidationError(exc.message) from exc


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    layer = serializers.SlugField(required=False)
    title = serializers.CharField(required=False, max_length=200)
    agency = serializers.SlugField(required=False)
    mode = serializers.ChoiceField(choices=ImportJob.Mode.values, default="append")
    key = serializers.CharField(required=False, default="", allow_blank=True)
    srid = serializers.IntegerField(required=False, min_value=1, max_value=999999)
    layer_name = serializers.CharField(required=False, default="", allow_blank=True)
    dry_run = serializers.BooleanField(required=False, default=False)
    confirm = serializers.BooleanField(required=False, default=True)

    def validate_title(self, value: str) -> str:
        return _single_line(value)

    def validate_key(self, value: str) -> str:
        return _single_line(value)

    def validate_layer_name(self, value: str) -> str:
        return _single_line(value)


def _city(city_slug: str) -> City:
    return city_or_404(city_slug)


class ImportListApi(APIView):
    """GET: the caller's import jobs. POST (multipart): upload a file; with
    confirm=true (the default) it is queued at once, else it waits in preview."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, city_slug: str) -> Response:
        city = _city(city_slug)
        return Response([job_payload(j) for j in jobs_for(request.user, city)[:100]])

    def post(self, request: Request, city_slug: str) -> Response:
        city = _city(city_slug)
        form = ImportUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data: dict[str, Any] = form.validated_data
        layer = agency = None
        if data.get("layer"):
            layer = (
                importable_layers(request.user, city).filter(slug=data["layer"]).first()
            )
            if layer is None:
                return Response(
                    {"detail": "No such layer that you may import into."},
                    status=status.HTTP_403_FORBIDDEN,
                )
        else:
            agencies = import_agencies(request.user, city)
            agency = agencies.filter(slug=data.get("agency", "")).first()
            if agency is None and agencies.count() == 1 and not data.get("agency"):
                agency = agencies.first()
            if agency is None or not data.get("title"):
                return Response(
                    {
                        "detail": "Give a layer, or a title and your agency "
                        "for a new one."
                    },
                    status=status.HTTP_403_FORBIDDEN
                    if agency is None
                    else status.HTTP_400_BAD_REQUEST,
                )
        try:
            job = jobs.create_job(
                user=request.user,
                city=city,
                upload=data["file"],
                mode=data["mode"],
                layer=layer,
                agency=agency,
                new_layer_title=data.get("title", ""),
                key=data["key"],
                srid=data.get("srid"),
                layer_name=data["layer_name"],
                dry_run=data["dry_run"],
            )
        except LayerConflict as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except ImportFailed as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        if data["confirm"]:
            job = jobs.confirm_job(job)
        payload = job_payload(job, with_preview=True)
        return Response(payload, status=status.HTTP_202_ACCEPTED)


class _JobApi(APIView):
    permission_classes = [IsAuthenticated]

    def job(self, request: Request, city_slug: str, job_id: int) -> ImportJob:
        return get_object_or_404(jobs_for(request.user, _city(city_slug)), pk=job_id)


class ImportDetailApi(_JobApi):
    def get(self, request: Request, city_slug: str, job_id: int) -> Response:
        job = self.job(request, city_slug, job_id)
        return Response(job_payload(job, with_preview=True))


class ImportConfirmApi(_JobApi):
    def post(self, request: Request, city_slug: str, job_id: int) -> Response:
        job = jobs.confirm_job(self.job(request, city_slug, job_id))
        return Response(job_payload(job), status=status.HTTP_202_ACCEPTED)


class ImportCancelApi(_JobApi):
    def post(self, request: Request, city_slug: str, job_id: int) -> Response:
        job = jobs.cancel_job(self.job(request, city_slug, job_id))
        return Response(job_payload(job))


class ImportRejectedApi(_JobApi):
    """Every rejected row of a finished job as CSV (row number, reason): the file
    the import wrote beside the upload; the report's first rows for older jobs."""

    def get(self, request: Request, city_slug: str, job_id: int) -> HttpResponseBase:
        job = self.job(request, city_slug, job_id)
        name = f"import-{job.pk}-rejected.csv"
        path = jobs.rejected_csv_path(job)
        if path is not None and path.is_file():
            return FileResponse(
                path.open("rb"),
                as_attachment=True,
                filename=name,
                content_type="text/csv; charset=utf-8",
            )
        response = HttpResponse(
            rejected_csv(job.report.get("rejected", [])),
            content_type="text/csv; charset=utf-8",
        )
        return _attachment(response, name)
