"""JSON API at /api/<city>/observations/: things with their status, aggregates
(hourly/daily mean, min, max, count: what SensorThings lacks), CSV downloads of any
series, the price table, disparity and alerts; and the two ways in: the CSV token
API (`import`) and the stations' JSON push API (`push`)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gis_platform.edges import (
    EdgeError,
    clean_text,
    has_control_chars,
    require_object,
)
from gis_platform.http import json_error
from observations import conf, selectors
from observations.csv_import import import_csv
from observations.ispu import OFFICIAL_NAMES, Category
from observations.models import (
    DailyAggregate,
    Datastream,
    Flag,
    HourlyAggregate,
    ObservedProperty,
    PropertyKind,
    PushToken,
    Thing,
    ThingKind,
    ThingStatus,
)
from observations.services import IngestReport, ingest_rows, parse_time
from observations.tokens import hash_token
from tenancy.access import import_agencies
from tenancy.models import City
from tenancy.resolve import city_or_404


def _day(request: HttpRequest, city: City) -> date:
    text = request.GET.get("day", "")
    if not text:
        return selectors.local_today(city)
    try:
        return date.fromisoformat(clean_text(text, "day", max_length=10))
    except ValueError:
        raise EdgeError("day", "must be a date, e.g. 2026-11-27.") from None


def _moment(request: HttpRequest, city: City, name: str) -> datetime | None:
    text = request.GET.get(name, "")
    if not text:
        return None
    if len(text) == 10:
        try:
            return selectors.day_start(city, date.fromisoformat(text))
        except ValueError:
            raise EdgeError(name, "must be a date or an ISO 8601 time.") from None
    return parse_time(text, name)


def _bound(request: HttpRequest, name: str) -> tuple[date | None, datetime | None]:
    """`name` as a local day (its start is taken in the city's zone by the
    database) or an aware time; the same rules as _moment, without the city."""
    text = request.GET.get(name, "")
    if not text:
        return None, None
    if len(text) == 10:
        try:
            return date.fromisoformat(text), None
        except ValueError:
            raise EdgeError(name, "must be a date or an ISO 8601 time.") from None
    return None, parse_time(text, name)


def _edge(exc: EdgeError) -> JsonResponse:
    return json_error(f"{exc.field} {exc.message}", errors={exc.field: exc.message})


def thing_payload(thing: Thing, city: City) -> dict[str, Any]:
    status = getattr(thing, "status", None)
    stale = selectors.is_stale(status)
    category = status.category if status else ""
    props: dict[str, Any] = {
        "code": thing.code,
        "name": thing.name,
        "kind": thing.kind,
        "simulated": thing.simulated,
        "latest_value": status.latest_value if status else None,
        "latest_time": status.latest_time.isoformat()
        if status and status.latest_time
        else None,
        "latest_property": status.latest_property if status else "",
        "unit": status.unit_symbol if status else "",
        "stale": stale,
        "category": category,
        "colour": status.colour if status else "",
        "url": f"/{city.slug}/"
        + ("stations" if thing.kind == ThingKind.STATION else "markets")
        + f"/{thing.code}/",
    }
    if thing.kind == ThingKind.STATION:
        props.update(
            ispu=status.ispu if status else None,
            ispu_text=status.ispu_text if status else "",
            critical=status.critical if status else "",
            category_label=str(_category(category).label) if category else "",
            category_official=OFFICIAL_NAMES.get(category, ""),
            text_colour=_category(category).text_colour if category else "",
        )
    return {
        "type": "Feature",
        "id": thing.pk,
        "geometry": {"type": "Point", "coordinates": [thing.geom.x, thing.geom.y]},
        "properties": props,
    }


def _category(code: str) -> Category:
    return next((c for c in Category if c.code == code), Category.BERBAHAYA)


def _category_labels() -> str:
    """Category code -> label (in the request's language), official name and text
    colour, as JSON for the one statement of things_api."""
    return json.dumps(
        {
            c.code: {
                "label": str(c.label),
                "official": OFFICIAL_NAMES.get(c.code, ""),
                "text_colour": c.text_colour,
            }
            for c in Category
        }
    )


def _things_sql() -> str:
    """Every active thing of a city (optionally of one kind) with its status as a
    GeoJSON FeatureCollection built by PostgreSQL: the same body as thing_payload,
    in one statement. No row: no such city."""
    thing = Thing._meta.db_table
    status = ThingStatus._meta.db_table
    city = City._meta.db_table
    # Table names from _meta; every value is bound.
    return (
        "SELECT json_build_object('type', 'FeatureCollection', 'features', "  # noqa: S608
        "coalesce((SELECT json_agg(json_build_object("
        "'type', 'Feature', 'id', t.id, 'geometry', json_build_object("
        "'type', 'Point', 'coordinates', "
        "json_build_array(ST_X(t.geom), ST_Y(t.geom))), "
        "'properties', jsonb_build_object("
        "'code', t.code, 'name', t.name, 'kind', t.kind, 'simulated', t.simulated, "
        "'latest_value', s.latest_value, 'latest_time', s.latest_time, "
        "'latest_property', coalesce(s.latest_property, ''), "
        "'unit', coalesce(s.unit_symbol, ''), "
        "'stale', NOT coalesce(s.stale_after >= now(), false), "
        "'category', coalesce(s.category, ''), 'colour', coalesce(s.colour, ''), "
        "'url', '/' || c.slug || '/' || CASE WHEN t.kind = %s THEN 'stations' "
        "ELSE 'markets' END || '/' || t.code || '/') "
        "|| CASE WHEN t.kind = %s THEN jsonb_build_object("
        "'ispu', s.ispu, 'ispu_text', coalesce(s.ispu_text, ''), "
        "'critical', coalesce(s.critical, ''), "
        "'category_label', coalesce(lab.v ->> 'label', ''), "
        "'category_official', coalesce(lab.v ->> 'official', ''), "
        "'text_colour', coalesce(lab.v ->> 'text_colour', '')) "
        "ELSE '{}'::jsonb END"
        ") ORDER BY t.name) "
        f"FROM {thing} t LEFT JOIN {status} s ON s.thing_id = t.id "
        "LEFT JOIN LATERAL (SELECT CASE WHEN coalesce(s.category, '') = '' "
        "THEN NULL ELSE coalesce(%s::jsonb -> s.category, %s::jsonb -> 'berbahaya') "
        "END AS v) lab ON true "
        "WHERE t.city_id = c.id AND t.active AND (%s = '' OR t.kind = %s)), "
        "'[]'::json))::text "
        f"FROM {city} c WHERE c.slug = %s"
    )


@require_GET
def things_api(request: HttpRequest, city_slug: str) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind and kind not in ThingKind.values:
        return json_error(
            "Unknown kind.", errors={"kind": f"one of {', '.join(ThingKind.values)}"}
        )
    if has_control_chars(city_slug):
        raise Http404("No such city.")
    labels = _category_labels()
    station = ThingKind.STATION.value
    with connection.cursor() as cursor:
        cursor.execute(
            _things_sql(),
            [station, station, labels, labels, kind, kind, city_slug],
        )
        row = cursor.fetchone()
    if row is None:
        city_or_404(city_slug, with_boundary=False)
        raise Http404("No such city.")
    return HttpResponse(row[0], content_type="application/json")


@require_GET
def thing_api(request: HttpRequest, city_slug: str, code: str) -> HttpResponse:
    city = city_or_404(city_slug, with_boundary=False)
    thing = get_object_or_404(selectors.things(city), code=code)
    body = thing_payload(thing, city)
    body["properties"]["datastreams"] = [
        {
            "id": d.pk,
            "name": d.name,
            "property": d.observed_property.code,
            "property_name": d.observed_property.name,
            "property_name_en": d.observed_property.name_en,
            "unit": d.unit_symbol,
            "latest_value": d.latest_value,
            "latest_time": d.latest_time.isoformat() if d.latest_time else None,
            "aggregates": _url("aggregates", city, d.pk),
            "csv": _url("observations-csv", city, d.pk),
        }
        for d in thing.datastreams.select_related("observed_property").order_by(
            "observed_property__order", "observed_property__code"
        )
    ]
    return JsonResponse(body)


def _url(name: str, city: City, pk: int) -> str:
    return reverse(f"observations-api:{name}", args=[city.slug, pk])


def _city_stream(city_slug: str, pk: int) -> tuple[City, Datastream]:
    """The datastream and its city in one query (a series request is hot);
    404 for an unknown city, series or a series of another city."""
    if has_control_chars(city_slug):
        raise Http404("No such city.")
    stream = (
        Datastream.objects.select_related("thing", "observed_property", "city")
        .defer("city__boundary")
        .filter(pk=pk, city__slug=city_slug, thing__active=True)
        .first()
    )
    if stream is None:
        city_or_404(city_slug, with_boundary=False)
        raise Http404("No such datastream.")
    return stream.city, stream


def _series_sql(model: type[HourlyAggregate] | type[DailyAggregate]) -> str:
    """One statement: the datastream of the city (active thing) with its aggregate
    rows in [start, end) as the JSON body; no row: no such city or datastream."""
    stream = Datastream._meta.db_table
    thing = Thing._meta.db_table
    prop = ObservedProperty._meta.db_table
    city = City._meta.db_table
    rows = model._meta.db_table

    def bound(side: str) -> str:
        return (
            f"CASE WHEN %({side}_day)s::date IS NULL THEN %({side})s::timestamptz "
            f"ELSE %({side}_day)s::date::timestamp AT TIME ZONE c.time_zone END"
        )

    # Table names from _meta; every value is bound.
    return (
        "SELECT json_build_object('datastream', d.id, 'thing', t.code, "  # noqa: S608
        "'property', p.code, 'unit', d.unit_symbol, 'resolution', %(resolution)s, "
        "'points', coalesce((SELECT json_agg(json_build_object('t', a.bucket, "
        "'mean', a.mean, 'min', a.minimum, 'max', a.maximum, 'count', a.count) "
        f"ORDER BY a.bucket) FROM {rows} a WHERE a.datastream_id = d.id "
        f"AND (a.bucket >= {bound('start')} IS NOT FALSE) "
        f"AND (a.bucket < {bound('end')} IS NOT FALSE)), '[]'::json))::text "
        f"FROM {stream} d JOIN {thing} t ON t.id = d.thing_id "
        f"JOIN {prop} p ON p.id = d.observed_property_id "
        f"JOIN {city} c ON c.id = d.city_id "
        "WHERE d.id = %(pk)s AND c.slug = %(slug)s AND t.active"
    )


@require_GET
def aggregates_api(request: HttpRequest, city_slug: str, pk: int) -> HttpResponseBase:
    """?range=24h|7d|30d|1y, or ?resolution=hourly|daily&start=&end=;
    &format=csv for a file. JSON: one statement (_series_sql)."""
    if has_control_chars(city_slug):
        raise Http404("No such city.")
    start_day: date | None = None
    end_day: date | None = None
    end: datetime | None = None
    try:
        name = request.GET.get("range", "")
        if name:
            if name not in selectors.RANGES:
                raise EdgeError("range", f"one of {', '.join(selectors.RANGES)}.")
            resolution, span = selectors.RANGES[name]
            start: datetime | None = timezone.now() - span
        else:
            resolution = request.GET.get("resolution", "hourly")
            if resolution not in ("hourly", "daily"):
                raise EdgeError("resolution", "is hourly or daily.")
            start_day, start = _bound(request, "start")
            end_day, end = _bound(request, "end")
        fmt = request.GET.get("format", "json")
        if fmt not in ("json", "csv"):
            raise EdgeError("format", "is json or csv.")
    except EdgeError as exc:
        _city_stream(city_slug, pk)  # an unknown series is a 404 first
        return _edge(exc)
    if fmt == "csv":
        city, stream = _city_stream(city_slug, pk)
        if start_day is not None:
            start = selectors.day_start(city, start_day)
        if end_day is not None:
            end = selectors.day_start(city, end_day)
        rows = selectors.aggregate_rows(stream, resolution, start, end)
        name_ = f"{stream.thing.code}_{stream.observed_property.code}_{resolution}.csv"
        return _csv_response(
            name_,
            ["bucket", "mean", "min", "max", "count", "unit"],
            (
                [b.isoformat(), mean, lo, hi, n, stream.unit_symbol]
                for b, mean, lo, hi, n in rows.iterator(chunk_size=5000)
            ),
        )
    model = HourlyAggregate if resolution == "hourly" else DailyAggregate
    with connection.cursor() as cursor:
        cursor.execute(
            _series_sql(model),
            {
                "resolution": resolution,
                "start": start,
                "start_day": start_day,
                "end": end,
                "end_day": end_day,
                "pk": pk,
                "slug": city_slug,
            },
        )
        row = cursor.fetchone()
    if row is None:
        city_or_404(city_slug, with_boundary=False)
        raise Http404("No such datastream.")
    return HttpResponse(row[0], content_type="application/json")


def _csv_response(
    filename: str, header: list[str], rows: Iterator[list[Any]]
) -> StreamingHttpResponse:
    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            if buffer.tell() > 16384:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def observations_csv_api(
    request: HttpRequest, city_slug: str, pk: int
) -> HttpResponseBase:
    """Every observation of a series (flagged ones too, with their flags)."""
    city, stream = _city_stream(city_slug, pk)
    try:
        start = _moment(request, city, "start")
        end = _moment(request, city, "end")
    except EdgeError as exc:
        return _edge(exc)
    code, prop = stream.thing.code, stream.observed_property.code
    return _csv_response(
        f"{code}_{prop}.csv",
        ["station", "property", "time", "value", "unit", "result_time", "flags"],
        (
            [
                code,
                prop,
                t.isoformat(),
                value,
                stream.unit_symbol,
                rt.isoformat() if rt else "",
                " ".join(Flag.names(flags)),
            ]
            for t, value, rt, flags in selectors.raw_rows(stream, start, end)
        ),
    )


@require_GET
def prices_api(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = city_or_404(city_slug, with_boundary=False)
    try:
        day = _day(request, city)
    except EdgeError as exc:
        return _edge(exc)
    matrix = selectors.price_matrix(city, day)
    return JsonResponse(
        {
            "day": day.isoformat(),
            "markets": [{"code": m.code, "name": m.name} for m in matrix["markets"]],
            "rows": [
                {
                    "property": r["property"].code,
                    "name": r["property"].name,
                    "name_en": r["property"].name_en,
                    "group": r["property"].group,
                    "unit": r["property"].unit_symbol,
                    "ceiling": r["property"].ceiling,
                    "prices": r["cells"],
                    "average": r["average"],
                    "min": r["min"],
                    "max": r["max"],
                }
                for r in matrix["rows"]
            ],
        }
    )


@require_GET
def disparity_api(request: HttpRequest, city_slug: str, code: str) -> HttpResponse:
    city = city_or_404(city_slug, with_boundary=False)
    prop = get_object_or_404(
        ObservedProperty, city=city, code=code, kind=PropertyKind.PRICE
    )
    try:
        day = _day(request, city)
    except EdgeError as exc:
        return _edge(exc)
    return JsonResponse(selectors.disparity(city, prop, day))


@require_GET
def alerts_api(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = city_or_404(city_slug, with_boundary=False)
    try:
        day = _day(request, city)
    except EdgeError as exc:
        return _edge(exc)
    return JsonResponse(
        {"day": day.isoformat(), "alerts": selectors.price_alerts(city, day)}
    )


def _report_body(report: IngestReport, key: str) -> dict[str, Any]:
    """The ingest report in the JSON API's error shape: `detail`, `errors` keyed by
    row and field (`key` formats the row), and the full per-row list."""
    body = report.as_dict()
    rows = body.pop("errors")
    if report.refused:
        body["detail"] = (
            f"Nothing was written: {report.error_count} row(s) have errors; "
            "fix them and send the whole batch again."
        )
        body["errors"] = {
            f"{key.format(e.line)}.{e.field}": e.message for e in report.errors
        }
        body["row_errors"] = rows
    return body


class ImportApi(APIView):
    """POST /api/<city>/observations/import: a long-format CSV (multipart `file`
    or a text/csv body) with a user token (Authorization: Token ...), for the
    stations of the agencies the user may import for. ?dry_run=1 checks only."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, city_slug: str) -> HttpResponseBase:
        city = city_or_404(city_slug, with_boundary=False)
        agencies = import_agencies(request.user, city)
        if not agencies.exists():
            return json_error("You may not import observations here.", status=403)
        # Only a multipart body goes through DRF's parsers (text/csv has none).
        multipart = request.content_type.startswith("multipart/")
        upload = request.FILES.get("file") if multipart else None
        limit = conf.get_int("OBSERVATIONS_IMPORT_MAX_MB") * 1024 * 1024
        if upload is not None:
            if upload.size is not None and upload.size > limit:
                return json_error("The file is too large.", status=413)
            stream: Any = upload.file
        else:
            body = request.body
            if not body:
                return json_error("Send a CSV file (multipart 'file' or text/csv).")
            if len(body) > limit:
                return json_error("The file is too large.", status=413)
            stream = io.BytesIO(body)
        ids = frozenset(agencies.values_list("pk", flat=True))
        allowed = _agency_filter(city, ids)
        report = import_csv(
            city,
            stream,
            agency_ids=allowed,
            dry_run=request.query_params.get("dry_run") in ("1", "true"),
        )
        status = 400 if report.refused else 201 if report.written else 200
        return Response(_report_body(report, "line {}"), status=status)


def _agency_filter(city: City, agency_ids: frozenset[int]) -> frozenset[int] | None:
    """A city administrator (every agency) may import for things of no agency
    too: None lifts the filter."""
    everyone = set(city_agency_ids(city))
    if everyone and everyone <= agency_ids:
        return None
    return agency_ids


def city_agency_ids(city: City) -> list[int]:
    from tenancy.models import Agency

    return list(Agency.objects.filter(city=city).values_list("pk", flat=True))


@csrf_exempt
@require_POST
def push_api(request: HttpRequest, city_slug: str) -> HttpResponse:
    """POST /api/<city>/observations/push with `Authorization: Bearer <token>`
    (an agency's push token) and {"observations": [{"station", "property",
    "time", "value", "unit"[, "result_time"]}, ...]}: all or nothing."""
    city = city_or_404(city_slug, with_boundary=False)
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return json_error(
            "A push token is required (Authorization: Bearer <token>).",
            status=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    token = (
        PushToken.objects.filter(
            token_hash=hash_token(raw.strip()), city=city, active=True
        )
        .select_related("agency")
        .first()
    )
    if token is None:
        return json_error(
            "Unknown or revoked push token for this city.",
            status=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        body = require_object(json.loads(request.body or b"null"))
        items = body.get("observations")
        if not isinstance(items, list) or not items:
            raise EdgeError("observations", "must be a non-empty list.")
        limit = conf.get_int("OBSERVATIONS_PUSH_MAX")
        if len(items) > limit:
            raise EdgeError("observations", f"at most {limit} per request.")
        rows = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise EdgeError(f"observations[{i}]", "must be an object.")
            rows.append(
                {
                    "line": i,
                    "thing": item.get("station") or item.get("thing"),
                    "property": item.get("property"),
                    "time": item.get("time"),
                    "value": item.get("value"),
                    "unit": item.get("unit"),
                    "result_time": item.get("result_time"),
                }
            )
    except (ValueError, UnicodeDecodeError):
        return json_error("The body is not JSON.")
    except EdgeError as exc:
        return _edge(exc)
    report = ingest_rows(city, rows, agency_ids=frozenset({token.agency_id}))
    PushToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return JsonResponse(
        _report_body(report, "observations[{}]"),
        status=400 if report.refused else 201,
    )
