"""Every figure of the control room and of the public performance page, from SQL.

Definitions (docs/architecture.md "Control room" repeats them):

- The reports counted are the city's reports matching the filters: submitted in the
  date range (city-local days, both ends included), of the category, routed to the
  agency, in the kecamatan. Each filter is optional.
- open: a status of reports.workflow.OPEN_STATUSES; overdue: open and past `due_at`
  (the report's SLA, from its category's `sla_hours`, as the console and the
  escalation job use it); new today: submitted since local midnight.
- first response: the first timeline event by a person on staff that acts on the
  report (a status change, an assignment, a merge or a note: RESPONSE_KINDS with an
  actor); neither the submission, a supporter, the escalation job nor anything a
  reporter does counts. Time to first response = that event - submission.
- resolution: `resolved_at` (set on entering "resolved", kept when closed, cleared on
  reopening); time to resolution = resolved_at - submission.
- this week / last week: Monday 00:00 in the city's zone until now, and the seven
  days before; a response or resolution counts in the week it happened.
- within SLA: resolved at or before `due_at`, of the reports resolved.
- reopen rate: reports that went from resolved or closed back to an open status (by
  the control room or by the reporter), of the reports ever resolved.
- SLA breach: resolved after `due_at`, or open past it; of the reports whose outcome
  is known (resolved, or open past due).
- backlog by age: open reports by time since submission.

One statement computes the indicators for the whole city, per category, per agency x
category, per kecamatan and per kelurahan (GROUPING SETS: one scan of the reports).
Table names come from `_meta`; every value from a request is a query parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from gis_platform.edges import EdgeError, has_control_chars, parse_int
from layers.local_time import city_zone
from reports.choices import Publicity
from reports.models import Category, Report, ReportEvent
from reports.workflow import OPEN_STATUSES, Status
from tenancy.models import AdminArea, Agency, City

RESPONSE_KINDS = (
    ReportEvent.Kind.STATUS.value,
    ReportEvent.Kind.ASSIGNED.value,
    ReportEvent.Kind.MERGED.value,
    ReportEvent.Kind.NOTE.value,
)
OPEN = tuple(s.value for s in OPEN_STATUSES)
RESOLVED_STATES = (Status.RESOLVED.value, Status.CLOSED.value)
# Open reports by age: (key, lower bound, upper bound) in days.
AGE_BUCKETS = (
    ("0-1d", 0, 1),
    ("1-3d", 1, 3),
    ("3-7d", 3, 7),
    ("7-30d", 7, 30),
    ("30d+", 30, None),
)
HEATMAP_DAYS = 7
HEATMAP_LIMIT = 5000
FEED_LIMIT = 30
FEED_OVERLAP_S = 10
# The feed is live news: events older than this never appear in it.
FEED_DAYS = 7
STALE_LIMIT = 10
PERFORMANCE_DAYS = 90
SUPPRESS_BELOW = 5
FILTER_NAMES = ("from", "to", "category", "agency", "kecamatan")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_RANGE_DAYS = 3660


class FilterError(ValueError):
    """A filter the dashboard refuses; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None
    category: Category | None = None
    agency: Agency | None = None
    kecamatan: AdminArea | None = None

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for links such as the exports)."""
        values = {
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "category": self.category.code if self.category else "",
            "agency": self.agency.slug if self.agency else "",
            "kecamatan": self.kecamatan.code if self.kecamatan else "",
        }
        return {k: v for k, v in values.items() if v}


def _one(params: Mapping[str, Any], name: str) -> str:
    getlist = getattr(params, "getlist", None)
    values = getlist(name) if getlist else [params.get(name, "")]
    values = [v for v in values if v != ""]
    if len(values) > 1:
        raise FilterError(name, _("Give %(name)s once.") % {"name": name})
    value = values[0] if values else ""
    if not isinstance(value, str) or has_control_chars(value) or len(value) > 100:
        raise FilterError(name, _("Unreadable %(name)s filter.") % {"name": name})
    return value.strip()


def _date(params: Mapping[str, Any], name: str) -> date | None:
    value = _one(params, name)
    if not value:
        return None
    if not _DATE.fullmatch(value):
        raise FilterError(
            name, _("%(name)s must be a date YYYY-MM-DD.") % {"name": name}
        )
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise FilterError(
            name, _("%(name)s is not a real date.") % {"name": name}
        ) from None
    if not 2000 <= day.year <= 2100:
        raise FilterError(
            name, _("%(name)s must be between 2000 and 2100.") % {"name": name}
        )
    return day


def parse_filters(city: City, params: Mapping[str, Any]) -> Filters:
    """The dashboard's selectors from a query string. Codes and slugs are looked up in
    this city only: another city's, an unknown or an unreadable one is refused."""
    start, end = _date(params, "from"), _date(params, "to")
    if start and end and start > end:
        raise FilterError("to", _("The end date is before the start date."))
    if start and end and (end - start).days > MAX_RANGE_DAYS:
        raise FilterError("from", _("The date range is longer than ten years."))
    category = agency = kecamatan = None
    if code := _one(params, "category"):
        category = Category.objects.filter(city=city, code=code).first()
        if category is None:
            raise FilterError(
                "category", _("Unknown category %(value)r.") % {"value": code}
            )
    if slug := _one(params, "agency"):
        agency = Agency.objects.filter(city=city, slug=slug).first()
        if agency is None:
            raise FilterError(
                "agency", _("Unknown agency %(value)r.") % {"value": slug}
            )
    if code := _one(params, "kecamatan"):
        kecamatan = AdminArea.objects.filter(
            city=city, code=code, level=AdminArea.Level.KECAMATAN
        ).first()
        if kecamatan is None:
            raise FilterError(
                "kecamatan", _("Unknown kecamatan %(value)r.") % {"value": code}
            )
    return Filters(start, end, category, agency, kecamatan)


def parse_cursor(params: Mapping[str, Any]) -> int:
    value = _one(params, "after") or "0"
    try:
        return parse_int(value, "after", minimum=0, maximum=2**63 - 1)
    except EdgeError as exc:
        raise FilterError("after", exc.message) from None


@dataclass(frozen=True)
class Clock:
    """The instants the figures are relative to, in the city's zone."""

    now: datetime
    today: datetime
    this_week: datetime
    last_week: datetime

    @classmethod
    def of(cls, city: City, now: datetime | None = None) -> Clock:
        now = now or timezone.now()
        local = now.astimezone(city_zone(city))
        today = datetime.combine(local.date(), time(), tzinfo=local.tzinfo)
        this_week = today - timedelta(days=local.weekday())
        return cls(now, today, this_week, this_week - timedelta(days=7))


def _tables() -> dict[str, str]:
    return {
        "report": Report._meta.db_table,
        "event": ReportEvent._meta.db_table,
        "category": Category._meta.db_table,
    }


def _where(city: City, f: Filters) -> tuple[str, dict[str, Any]]:
    """The reports the filters select, as SQL over alias `r`, and its parameters."""
    zone = city_zone(city)
    conditions = ["r.city_id = %(city)s"]
    params: dict[str, Any] = {"city": city.pk}
    if f.start is not None:
        conditions.append("r.created_at >= %(start)s")
        params["start"] = datetime.combine(f.start, time(), tzinfo=zone)
    if f.end is not None:
        conditions.append("r.created_at < %(end)s")
        params["end"] = datetime.combine(f.end + timedelta(days=1), time(), tzinfo=zone)
    for name, value in (
        ("category", f.category),
        ("agency", f.agency),
        ("kecamatan", f.kecamatan),
    ):
        if value is not None:
            conditions.append(f"r.{name}_id = %({name})s")
            params[name] = value.pk
    return " AND ".join(conditions), params


def _rows(query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        names = [c.name for c in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _percentiles(prefix: str, at: str) -> str:
    """Median and 90th percentile (hours) from submission to `at` for this and last
    week, and how many, where `at` happened in that week."""
    expression = f"{at} - created_at"
    parts = []
    for week, window in (
        ("this", f"{at} >= %(this_week)s"),
        ("last", f"{at} >= %(last_week)s AND {at} < %(this_week)s"),
    ):
        hours = f"extract(epoch FROM {expression}) / 3600.0"
        for name, fraction in (("median", 0.5), ("p90", 0.9)):
            parts.append(
                f"percentile_cont({fraction}) WITHIN GROUP (ORDER BY {hours}) "
                f"FILTER (WHERE {window}) AS {prefix}_{name}_{week}"
            )
        parts.append(f"count(*) FILTER (WHERE {window}) AS {prefix}_n_{week}")
    return ",\n  ".join(parts)


# Bits of grouping(category_id, agency_id, kecamatan_id, kelurahan_id): a bit is set
# for each column the row is NOT grouped by.
GROUPS = {
    15: "city",
    7: "category",
    3: "agency_category",
    13: "kecamatan",
    14: "kelurahan",
}


def _params(city: City, f: Filters, clock: Clock) -> tuple[str, dict[str, Any]]:
    where, params = _where(city, f)
    params.update(
        open=list(OPEN),
        resolved_states=list(RESOLVED_STATES),
        reopened_kind=ReportEvent.Kind.REOPENED.value,
        response_kinds=list(RESPONSE_KINDS),
        now=clock.now,
        today=clock.today,
        this_week=clock.this_week,
        last_week=clock.last_week,
    )
    return where, params


def count_sql(city: City, f: Filters, clock: Clock) -> tuple[str, dict[str, Any]]:
    """The counts behind the indicators, the backlog, the matrix and the choropleth
    for the city, per category, per agency x category, per kecamatan and per
    kelurahan: one scan of the reports, grouped by hashing (no ordered aggregate)."""
    where, params = _params(city, f, clock)
    t = _tables()
    # Table names from _meta and fixed SQL fragments; values are all parameters.
    counts = [
        ("total", "true"),
        ("open", "x.is_open"),
        ("new_today", "r.created_at >= %(today)s"),
        ("overdue", "x.overdue"),
        ("resolved", "r.resolved_at IS NOT NULL"),
        ("resolved_within_sla", "r.resolved_at <= r.due_at"),
        ("ever_resolved", "r.resolved_at IS NOT NULL OR x.reopened"),
        ("reopened", "x.reopened"),
        ("sla_decided", "r.resolved_at IS NOT NULL OR x.overdue"),
        ("sla_breached", "r.resolved_at > r.due_at OR x.overdue"),
    ]
    for key, low, high in AGE_BUCKETS:
        condition = f"x.is_open AND r.created_at <= %(now)s - interval '{low} days'"
        if high is not None:
            condition += f" AND r.created_at > %(now)s - interval '{high} days'"
        counts.append((f"age_{key}", condition))
    fine = ",\n    ".join(
        f'count(*) FILTER (WHERE {condition}) AS "{name}"' for name, condition in counts
    )
    rolled = ",\n  ".join(
        f'coalesce(sum("{name}"), 0)::bigint AS "{name}"' for name, _ in counts
    )
    # Table names from _meta and fixed SQL fragments; values are all parameters.
    # The reports are counted once per finest group (category, agency, kelurahan),
    # then the groups are summed up to each grouping set.
    query = f"""
WITH reopened AS (
  SELECT DISTINCT e.report_id FROM {t["event"]} e
  WHERE e.city_id = %(city)s AND (
    (e.from_status = ANY(%(resolved_states)s) AND e.to_status = ANY(%(open)s))
    OR e.kind = %(reopened_kind)s)
),
fine AS (
  SELECT r.category_id, r.agency_id, r.kecamatan_id, r.kelurahan_id,
    {fine}
  FROM {t["report"]} r
  LEFT JOIN reopened o ON o.report_id = r.id
  CROSS JOIN LATERAL (
    SELECT r.status = ANY(%(open)s) AS is_open,
           (r.status = ANY(%(open)s) AND r.due_at < %(now)s) AS overdue,
           (o.report_id IS NOT NULL) AS reopened
  ) x
  WHERE {where}
  GROUP BY r.category_id, r.agency_id, r.kecamatan_id, r.kelurahan_id
)
SELECT grouping(category_id, agency_id, kecamatan_id, kelurahan_id) AS g,
  category_id, agency_id, kecamatan_id, kelurahan_id,
  {rolled}
FROM fine
GROUP BY GROUPING SETS (
  (), (category_id), (agency_id, category_id), (kecamatan_id), (kelurahan_id)
)
"""  # noqa: S608
    return query, params


def times_sql(city: City, f: Filters, clock: Clock) -> tuple[str, dict[str, Any]]:
    """Median and 90th percentile times to first response and to resolution, this
    week and last, for the city and per category. Only the reports with a staff
    action or a resolution since last week's start are read (through the timeline's
    (city, at) index and the reports' (city, resolved_at) index)."""
    where, params = _params(city, f, clock)
    t = _tables()
    # Table names from _meta and fixed SQL fragments; values are all parameters.
    query = f"""
WITH responded AS (
  SELECT DISTINCT e.report_id FROM {t["event"]} e
  WHERE e.city_id = %(city)s AND e.at >= %(last_week)s
    AND e.kind = ANY(%(response_kinds)s) AND e.actor_id IS NOT NULL
),
first_response AS (
  SELECT d.report_id, (
    SELECT min(e.at) FROM {t["event"]} e
    WHERE e.city_id = %(city)s AND e.report_id = d.report_id
      AND e.kind = ANY(%(response_kinds)s) AND e.actor_id IS NOT NULL
  ) AS at
  FROM responded d
),
recent AS (
  SELECT report_id AS id FROM first_response WHERE at >= %(last_week)s
  UNION
  SELECT r.id FROM {t["report"]} r
  WHERE r.city_id = %(city)s AND r.resolved_at >= %(last_week)s
),
rows AS (
  SELECT r.category_id, r.created_at, r.resolved_at, f.at AS first_response_at
  FROM {t["report"]} r
  JOIN recent USING (id)
  LEFT JOIN first_response f ON f.report_id = r.id
  WHERE {where}
)
SELECT grouping(category_id) AS g, category_id,
  {_percentiles("first_response", "first_response_at")},
  {_percentiles("resolution", "resolved_at")}
FROM rows
GROUP BY GROUPING SETS ((), (category_id))
"""  # noqa: S608
    return query, params


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def _indicators(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        key: row[key]
        for key in (
            "total",
            "open",
            "new_today",
            "overdue",
            "resolved",
            "resolved_within_sla",
            "ever_resolved",
            "reopened",
            "sla_decided",
            "sla_breached",
        )
    }
    out["within_sla_pct"] = _pct(row["resolved_within_sla"], row["resolved"])
    out["reopen_pct"] = _pct(row["reopened"], row["ever_resolved"])
    out["sla_breach_pct"] = _pct(row["sla_breached"], row["sla_decided"])
    for metric in ("first_response", "resolution"):
        for week in ("this", "last"):
            out[f"{metric}_n_{week}"] = row[f"{metric}_n_{week}"]
            for name in ("median", "p90"):
                key = f"{metric}_{name}_{week}"
                out[f"{key}_h"] = _round(row[key])
    out["backlog"] = {key: row[f"age_{key}"] for key, _low, _high in AGE_BUCKETS}
    return out


TIME_KEYS = tuple(
    f"{metric}_{name}_{week}"
    for metric in ("first_response", "resolution")
    for week in ("this", "last")
    for name in ("n", "median", "p90")
)


def indicator_rows(city: City, f: Filters, clock: Clock) -> list[dict[str, Any]]:
    """The counts' rows, the city's and each category's with their times."""
    rows = _rows(*count_sql(city, f, clock))
    times = {(t["g"], t["category_id"]): t for t in _rows(*times_sql(city, f, clock))}
    for row in rows:
        # grouping(category_id) of the times: 1 for the city, 0 per category.
        key = (1, None) if row["g"] == 15 else (0, row["category_id"])
        found = times.get(key) if row["g"] in (15, 7) else None
        for name in TIME_KEYS:
            empty = 0 if "_n_" in name else None
            row[name] = found[name] if found else empty
    return rows


def indicators(city: City, f: Filters, clock: Clock) -> dict[str, Any]:
    """The indicators of the city, per category, per agency x category, per
    kecamatan and per kelurahan (ids as keys; the city's under "city")."""
    out: dict[str, Any] = {
        "city": _indicators(_empty_row()),
        "category": {},
        "agency_category": [],
        "kecamatan": {},
        "kelurahan": {},
    }
    for row in indicator_rows(city, f, clock):
        group = GROUPS[row["g"]]
        figures = _indicators(row)
        if group == "city":
            out["city"] = figures
        elif group == "category":
            out["category"][row["category_id"]] = figures
        elif group == "agency_category":
            out["agency_category"].append(
                {
                    "agency_id": row["agency_id"],
                    "category_id": row["category_id"],
                    "total": row["total"],
                    "open": row["open"],
                    "overdue": row["overdue"],
                }
            )
        elif row[f"{group}_id"] is not None:
            out[group][row[f"{group}_id"]] = {
                "total": row["total"],
                "open": row["open"],
                "sla_decided": row["sla_decided"],
                "sla_breached": row["sla_breached"],
                "sla_breach_pct": figures["sla_breach_pct"],
            }
    return out


def _empty_row() -> dict[str, Any]:
    """The city's row when no report matches (an aggregate over nothing)."""
    row: dict[str, Any] = dict.fromkeys(
        (
            "total",
            "open",
            "new_today",
            "overdue",
            "resolved",
            "resolved_within_sla",
            "ever_resolved",
            "reopened",
            "sla_decided",
            "sla_breached",
        ),
        0,
    )
    for key, _low, _high in AGE_BUCKETS:
        row[f"age_{key}"] = 0
    for metric in ("first_response", "resolution"):
        for week in ("this", "last"):
            row[f"{metric}_n_{week}"] = 0
            row[f"{metric}_median_{week}"] = row[f"{metric}_p90_{week}"] = None
    return row


def heatmap_points(city: City, f: Filters, clock: Clock) -> list[list[float]]:
    """[lat, lon] of new reports: submitted in the date range when one is chosen,
    else in the last HEATMAP_DAYS days; the newest HEATMAP_LIMIT."""
    where, params = _where(city, f)
    if f.start is None and f.end is None:
        where += " AND r.created_at >= %(since)s"
        params["since"] = clock.now - timedelta(days=HEATMAP_DAYS)
    params["limit"] = HEATMAP_LIMIT
    query = f"""
SELECT ST_Y(r.geom) AS lat, ST_X(r.geom) AS lon FROM {_tables()["report"]} r
WHERE {where} ORDER BY r.created_at DESC, r.id DESC LIMIT %(limit)s
"""  # noqa: S608
    return [[round(r["lat"], 5), round(r["lon"], 5)] for r in _rows(query, params)]


def stale_reports(city: City, f: Filters, clock: Clock) -> list[dict[str, Any]]:
    """The STALE_LIMIT open reports updated least recently."""
    where, params = _where(city, f)
    params.update(open=list(OPEN), limit=STALE_LIMIT)
    query = f"""
SELECT r.ticket, r.status, r.category_id, r.agency_id, r.kecamatan_id,
       r.created_at, r.updated_at, r.due_at
FROM {_tables()["report"]} r
WHERE {where} AND r.status = ANY(%(open)s)
ORDER BY r.updated_at, r.id LIMIT %(limit)s
"""  # noqa: S608
    return _rows(query, params)


def feed_events(
    city: City,
    f: Filters,
    *,
    after: int = 0,
    upto: int | None = None,
    now: datetime | None = None,
    limit: int = FEED_LIMIT,
) -> list[dict[str, Any]]:
    """Timeline events of the filtered reports with an id above `after` (up to
    `upto`), newest first (at most `limit`). Events of the last FEED_OVERLAP_S
    seconds come again whatever their id: a transaction that took its id before
    another but committed after it is not skipped (the page drops the repeats).
    Only events of the last FEED_DAYS days.
    No notes and no actors: the feed may be on a wall."""
    where, params = _where(city, f)
    now = now or timezone.now()
    params.update(
        after=after,
        upto=upto if upto is not None else 2**63 - 1,
        recent=now - timedelta(seconds=FEED_OVERLAP_S),
        since=now - timedelta(days=FEED_DAYS),
        limit=limit,
    )
    t = _tables()
    query = f"""
SELECT e.id, e.at, e.kind, e.from_status, e.to_status, e.agency_id AS event_agency_id,
       r.ticket, r.category_id, r.agency_id, r.kecamatan_id
FROM {t["event"]} e JOIN {t["report"]} r ON r.id = e.report_id
WHERE e.city_id = %(city)s AND e.at >= %(since)s AND e.id <= %(upto)s
  AND (e.id > %(after)s OR e.at > %(recent)s) AND {where}
ORDER BY e.id DESC LIMIT %(limit)s
"""  # noqa: S608
    return _rows(query, params)


def latest_event_id(city: City) -> int:
    value = (
        ReportEvent.objects.filter(city=city)
        .order_by("-id")
        .values_list("id", flat=True)
    )
    return value.first() or 0


def performance_rows(city: City, now: datetime | None = None) -> list[dict[str, Any]]:
    """The public page's figures over the last PERFORMANCE_DAYS days: per kecamatan,
    per agency and for the city, reports submitted (public categories only; rejected
    and duplicates left out), how many resolved, how many within their target time,
    and the median days to resolve."""
    now = now or timezone.now()
    t = _tables()
    params = {
        "city": city.pk,
        "since": now - timedelta(days=PERFORMANCE_DAYS),
        "public": Publicity.PUBLIC.value,
        "left_out": [Status.REJECTED.value, Status.DUPLICATE.value],
    }
    query = f"""
SELECT grouping(r.kecamatan_id, r.agency_id) AS g, r.kecamatan_id, r.agency_id,
  count(*) AS n,
  count(*) FILTER (WHERE r.resolved_at IS NOT NULL) AS resolved,
  count(*) FILTER (WHERE r.resolved_at <= r.due_at) AS within_target,
  percentile_cont(0.5) WITHIN GROUP (
    ORDER BY extract(epoch FROM r.resolved_at - r.created_at) / 86400.0
  ) AS median_days
FROM {t["report"]} r JOIN {t["category"]} c ON c.id = r.category_id
WHERE r.city_id = %(city)s AND r.created_at >= %(since)s
  AND c.publicity = %(public)s AND r.status <> ALL(%(left_out)s)
GROUP BY GROUPING SETS ((), (r.kecamatan_id), (r.agency_id))
"""  # noqa: S608
    return _rows(query, params)


def performance(city: City, now: datetime | None = None) -> dict[str, Any]:
    """Public figures with small counts suppressed: a group of fewer than
    SUPPRESS_BELOW reports shows no figure at all (not even its count), and a median
    needs SUPPRESS_BELOW resolved reports."""
    codes: dict[int, str] = dict(
        AdminArea.objects.filter(
            city=city, level=AdminArea.Level.KECAMATAN
        ).values_list("pk", "code")
    )
    agencies = set(Agency.objects.filter(city=city).values_list("pk", flat=True))
    out: dict[str, Any] = {"city": _public_figures(None), "kecamatan": {}, "agency": {}}
    for row in performance_rows(city, now):
        figures = _public_figures(row)
        if row["g"] == 3:
            out["city"] = figures
        elif row["g"] == 1 and row["kecamatan_id"] in codes:
            out["kecamatan"][codes[row["kecamatan_id"]]] = figures
        elif row["g"] == 2 and row["agency_id"] in agencies:
            out["agency"][row["agency_id"]] = figures
    return out


def _public_figures(row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None or row["n"] < SUPPRESS_BELOW:
        return {"n": None, "within_target_pct": None, "median_days": None}
    median = row["median_days"] if row["resolved"] >= SUPPRESS_BELOW else None
    return {
        "n": row["n"],
        "within_target_pct": _pct(row["within_target"], row["n"]),
        "median_days": None if median is None else round(float(median), 1),
    }


def export_reports(city: City, f: Filters) -> Iterator[Report]:
    """The filtered reports, oldest first, for the exports."""
    qs = Report.objects.filter(city=city).select_related(
        "category", "agency", "kecamatan", "kelurahan"
    )
    qs = _orm_filters(qs, city, f)
    return qs.order_by("created_at", "id").iterator(chunk_size=1000)


def export_events(city: City, f: Filters) -> Iterator[ReportEvent]:
    reports = _orm_filters(Report.objects.filter(city=city), city, f)
    qs = ReportEvent.objects.filter(
        city=city, report__in=reports.values("pk")
    ).select_related("report", "agency")
    return qs.order_by("at", "id").iterator(chunk_size=1000)


def _orm_filters(qs: Any, city: City, f: Filters) -> Any:
    zone = city_zone(city)
    if f.start is not None:
        qs = qs.filter(created_at__gte=datetime.combine(f.start, time(), tzinfo=zone))
    if f.end is not None:
        end = datetime.combine(f.end + timedelta(days=1), time(), tzinfo=zone)
        qs = qs.filter(created_at__lt=end)
    if f.category is not None:
        qs = qs.filter(category=f.category)
    if f.agency is not None:
        qs = qs.filter(agency=f.agency)
    if f.kecamatan is not None:
        qs = qs.filter(kecamatan=f.kecamatan)
    return qs
