"""Every dashboard figure, recomputed here in Python from the raw rows of the seeded
reports and their timeline, must equal what the SQL selectors answer, for several
combinations of filters."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

import pytest

from dashboard import selectors
from dashboard.selectors import Clock, Filters
from layers.local_time import city_zone
from reports.models import Category, Report, ReportEvent
from tenancy.models import AdminArea, Agency

pytestmark = pytest.mark.django_db

OPEN = {"submitted", "verified", "assigned", "in_progress"}
DONE = {"resolved", "closed"}
RESPONSES = {"status", "assigned", "merged", "note"}
BUCKETS = [("0-1d", 0, 1), ("1-3d", 1, 3), ("3-7d", 3, 7), ("7-30d", 7, 30)]


def percentile(values: list[float], p: float) -> float | None:
    """PostgreSQL's percentile_cont: linear interpolation between closest ranks."""
    if not values:
        return None
    v = sorted(values)
    rank = p * (len(v) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return v[low] + (v[high] - v[low]) * (rank - low)


def hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


class Raw:
    """The raw rows and what happened to each report, read back from the tables."""

    def __init__(self, city) -> None:
        self.reports = list(Report.objects.filter(city=city).values())
        self.events = list(
            ReportEvent.objects.filter(city=city).order_by("at", "id").values()
        )
        self.first_response: dict[int, datetime] = {}
        self.reopened: set[int] = set()
        for e in self.events:
            if e["kind"] in RESPONSES and e["actor_id"] is not None:
                self.first_response.setdefault(e["report_id"], e["at"])
            if (e["from_status"] in DONE and e["to_status"] in OPEN) or e[
                "kind"
            ] == "reopened":
                self.reopened.add(e["report_id"])

    def select(self, city, f: Filters) -> list[dict]:
        zone = city_zone(city)
        out = []
        for r in self.reports:
            if f.start and r["created_at"] < datetime.combine(f.start, time(), zone):
                continue
            end = f.end and datetime.combine(f.end + timedelta(days=1), time(), zone)
            if end and r["created_at"] >= end:
                continue
            if f.category and r["category_id"] != f.category.pk:
                continue
            if f.agency and r["agency_id"] != f.agency.pk:
                continue
            if f.kecamatan and r["kecamatan_id"] != f.kecamatan.pk:
                continue
            out.append(r)
        return out

    def figures(self, rows: list[dict], clock: Clock) -> dict:
        now = clock.now
        is_open = [r for r in rows if r["status"] in OPEN]
        overdue = [r for r in is_open if r["due_at"] < now]
        resolved = [r for r in rows if r["resolved_at"] is not None]
        reopened = [r for r in rows if r["id"] in self.reopened]
        ever = [
            r for r in rows if r["resolved_at"] is not None or r["id"] in self.reopened
        ]
        decided = [r for r in rows if r["resolved_at"] is not None or r in overdue]
        breached = [
            r
            for r in rows
            if (r["resolved_at"] is not None and r["resolved_at"] > r["due_at"])
            or r in overdue
        ]
        out = {
            "total": len(rows),
            "open": len(is_open),
            "new_today": sum(r["created_at"] >= clock.today for r in rows),
            "overdue": len(overdue),
            "resolved": len(resolved),
            "resolved_within_sla": sum(
                r["resolved_at"] <= r["due_at"] for r in resolved
            ),
            "ever_resolved": len(ever),
            "reopened": len(reopened),
            "sla_decided": len(decided),
            "sla_breached": len(breached),
        }
        backlog = {}
        for key, low, high in [*BUCKETS, ("30d+", 30, None)]:
            backlog[key] = sum(
                1
                for r in is_open
                if now - r["created_at"] >= timedelta(days=low)
                and (high is None or now - r["created_at"] < timedelta(days=high))
            )
        out["backlog"] = backlog
        weeks = {
            "this": (clock.this_week, now + timedelta(days=1)),
            "last": (clock.last_week, clock.this_week),
        }
        for metric in ("first_response", "resolution"):
            for week, (start, end) in weeks.items():
                values = []
                for r in rows:
                    at = (
                        self.first_response.get(r["id"])
                        if metric == "first_response"
                        else r["resolved_at"]
                    )
                    if at is not None and start <= at < end:
                        values.append(hours(at - r["created_at"]))
                out[f"{metric}_n_{week}"] = len(values)
                out[f"{metric}_median_{week}_h"] = percentile(values, 0.5)
                out[f"{metric}_p90_{week}_h"] = percentile(values, 0.9)
        share = lambda part, whole: round(100 * part / whole, 1) if whole else None  # noqa: E731
        out["within_sla_pct"] = share(out["resolved_within_sla"], out["resolved"])
        out["reopen_pct"] = share(out["reopened"], out["ever_resolved"])
        out["sla_breach_pct"] = share(out["sla_breached"], out["sla_decided"])
        return out


def assert_same(sql: dict, python: dict, where: str) -> None:
    for key, expected in python.items():
        got = sql[key]
        if isinstance(expected, float):
            assert got == pytest.approx(expected, abs=0.01), f"{where} {key}"
        else:
            assert got == expected, f"{where} {key}: SQL {got} != Python {expected}"


def filter_cases(city, now: datetime) -> list[Filters]:
    local = now.astimezone(city_zone(city)).date()
    jalan = Category.objects.get(city=city, code="jalan-rusak")
    sampah = Category.objects.get(city=city, code="sampah")
    pu = Agency.objects.get(city=city, slug="dinas-pu")
    used = Report.objects.filter(city=city).values("kecamatan_id")
    kecamatan = AdminArea.objects.filter(pk__in=used).order_by("code").first()
    return [
        Filters(),
        Filters(category=jalan),
        Filters(agency=pu),
        Filters(kecamatan=kecamatan),
        Filters(start=local - timedelta(days=10), end=local - timedelta(days=2)),
        Filters(start=local - timedelta(days=20), category=sampah, agency=pu),
        Filters(start=date(2001, 1, 1), end=date(2001, 1, 2)),  # nothing
    ]


def test_every_indicator_equals_its_recomputation_from_raw_rows(city, seeded):
    clock = Clock.of(city, seeded)
    raw = Raw(city)
    assert raw.first_response, "the seed has staff responses"
    assert raw.reopened, "the seed has reopened reports"
    checked = 0
    for f in filter_cases(city, seeded):
        rows = raw.select(city, f)
        got = selectors.indicators(city, f, clock)
        assert_same(got["city"], raw.figures(rows, clock), f"city {f}")
        categories = {r["category_id"] for r in rows}
        assert set(got["category"]) == categories
        for pk in categories:
            mine = [r for r in rows if r["category_id"] == pk]
            assert_same(got["category"][pk], raw.figures(mine, clock), f"cat {pk} {f}")
        cells = {(c["agency_id"], c["category_id"]): c for c in got["agency_category"]}
        assert set(cells) == {(r["agency_id"], r["category_id"]) for r in rows}
        for (agency, category), cell in cells.items():
            mine = [
                r
                for r in rows
                if r["agency_id"] == agency and r["category_id"] == category
            ]
            expected = raw.figures(mine, clock)
            assert (cell["total"], cell["open"], cell["overdue"]) == (
                expected["total"],
                expected["open"],
                expected["overdue"],
            )
        for level in ("kecamatan", "kelurahan"):
            areas = {r[f"{level}_id"] for r in rows} - {None}
            assert set(got[level]) == areas
            for pk in areas:
                mine = [r for r in rows if r[f"{level}_id"] == pk]
                expected = raw.figures(mine, clock)
                area = got[level][pk]
                for key in ("total", "open", "sla_decided", "sla_breached"):
                    assert area[key] == expected[key], f"{level} {pk} {key}"
                assert area["sla_breach_pct"] == expected["sla_breach_pct"]
        checked += len(rows)
    assert checked > 300


def test_lists_equal_their_recomputation(city, seeded):
    clock = Clock.of(city, seeded)
    raw = Raw(city)
    for f in filter_cases(city, seeded):
        rows = raw.select(city, f)
        ids = {r["id"] for r in rows}
        # Heatmap: new reports (the last 7 days unless a range is chosen).
        since = None if (f.start or f.end) else seeded - timedelta(days=7)
        new = [r for r in rows if since is None or r["created_at"] >= since]
        points = selectors.heatmap_points(city, f, clock)
        assert sorted(points) == sorted(
            [round(r["geom"].y, 5), round(r["geom"].x, 5)] for r in new
        )
        # The ten open reports updated least recently.
        stale = sorted(
            (r for r in rows if r["status"] in OPEN),
            key=lambda r: (r["updated_at"], r["id"]),
        )[:10]
        got = selectors.stale_reports(city, f, clock)
        assert [r["ticket"] for r in got] == [r["ticket"] for r in stale]
        # The feed: events of these reports after a cursor, newest first.
        events = [e for e in raw.events if e["report_id"] in ids]
        middle = sorted(e["id"] for e in raw.events)[len(raw.events) // 2]
        for after in (0, middle):
            recent = seeded - timedelta(seconds=selectors.FEED_OVERLAP_S)
            wanted = sorted(
                (
                    e["id"]
                    for e in events
                    if (e["id"] > after or e["at"] > recent)
                    and e["at"] >= seeded - timedelta(days=selectors.FEED_DAYS)
                ),
                reverse=True,
            )[: selectors.FEED_LIMIT]
            got_ids = [
                e["id"] for e in selectors.feed_events(city, f, after=after, now=seeded)
            ]
            assert got_ids == wanted


def test_the_feed_repeats_recent_events_so_a_late_commit_is_not_lost(city, seeded):
    latest = ReportEvent.objects.filter(city=city).order_by("-id").first()
    # An event whose id is below the cursor but committed just now.
    ReportEvent.objects.filter(pk=latest.pk).update(at=seeded)
    got = selectors.feed_events(
        city, Filters(), after=latest.pk, now=seeded + timedelta(seconds=2)
    )
    assert [e["id"] for e in got] == [latest.pk]
    later = selectors.feed_events(
        city, Filters(), after=latest.pk, now=seeded + timedelta(seconds=60)
    )
    assert later == []


def test_exports_select_the_same_reports_and_events_as_the_figures(city, seeded):
    raw = Raw(city)
    for f in filter_cases(city, seeded):
        ids = {r["id"] for r in raw.select(city, f)}
        assert {r.pk for r in selectors.export_reports(city, f)} == ids
        events = {e["id"] for e in raw.events if e["report_id"] in ids}
        assert {e.pk for e in selectors.export_events(city, f)} == events
