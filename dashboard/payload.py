"""The dashboard's JSON: the selectors' figures with names, targets and colours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from dashboard import selectors
from dashboard.selectors import Clock, Filters
from dashboard.targets import city_goals, colours
from reports.models import Category, ReportEvent, Status
from tenancy.models import AdminArea, Agency, City


@dataclass
class Names:
    categories: dict[int, Category]
    agencies: dict[int, Agency]
    areas: dict[int, AdminArea]

    @classmethod
    def of(cls, city: City) -> Names:
        return cls(
            {c.pk: c for c in Category.objects.filter(city=city)},
            {a.pk: a for a in Agency.objects.filter(city=city)},
            {a.pk: a for a in AdminArea.objects.filter(city=city).defer("geom")},
        )

    def category(self, pk: int | None) -> str:
        return self.categories[pk].name if pk in self.categories else ""

    def agency(self, pk: int | None) -> str:
        return str(self.agencies[pk]) if pk in self.agencies else _("Unassigned")

    def area(self, pk: int | None) -> str:
        return self.areas[pk].name if pk in self.areas else ""


def figures(city: City, f: Filters, clock: Clock) -> dict[str, Any]:
    """Every widget's data but the feed."""
    names = Names.of(city)
    default, per_category = city_goals(city)
    raw = selectors.indicators(city, f, clock)
    city_figures = raw["city"]
    categories = []
    for pk, category in names.categories.items():
        row = raw["category"].get(pk)
        if row is None:
            continue
        goals = per_category.get(pk, default)
        categories.append(
            {
                "code": category.code,
                "name": category.name,
                **row,
                "targets": goals.as_dict(),
                "colours": colours(row, goals),
            }
        )
    matrix = [
        {
            "agency": names.agencies[c["agency_id"]].slug
            if c["agency_id"] in names.agencies
            else None,
            "agency_name": names.agency(c["agency_id"]),
            "category": names.categories[c["category_id"]].code,
            "category_name": names.category(c["category_id"]),
            "total": c["total"],
            "open": c["open"],
            "overdue": c["overdue"],
        }
        for c in raw["agency_category"]
    ]
    areas = {
        level: {
            names.areas[pk].code: {"name": names.area(pk), **row}
            for pk, row in raw[level].items()
            if pk in names.areas
        }
        for level in ("kecamatan", "kelurahan")
    }
    stale = [
        {
            "ticket": r["ticket"],
            "status": r["status"],
            "status_label": str(Status(r["status"]).label),
            "category": names.category(r["category_id"]),
            "agency": names.agency(r["agency_id"]),
            "kecamatan": names.area(r["kecamatan_id"]),
            "created": r["created_at"].isoformat(),
            "updated": r["updated_at"].isoformat(),
            "overdue": r["due_at"] < clock.now,
        }
        for r in selectors.stale_reports(city, f, clock)
    ]
    return {
        "generated": clock.now.isoformat(),
        "filters": f.query(),
        "city": {
            **city_figures,
            "targets": default.as_dict(),
            "colours": colours(city_figures, default),
        },
        "categories": categories,
        "matrix": sorted(matrix, key=lambda m: (m["agency_name"], m["category_name"])),
        "areas": areas,
        "heatmap": selectors.heatmap_points(city, f, clock),
        "stale": stale,
    }


def feed(city: City, f: Filters, after: int) -> dict[str, Any]:
    """New timeline events since the cursor `after` (newest first) and the next
    cursor. The first call (after=0) gives the latest ones."""
    names = Names.of(city)
    kinds = dict(ReportEvent.Kind.choices)
    # The cursor moves past events the filters hide too, so a poll never rescans.
    cursor = max(after, selectors.latest_event_id(city))
    rows = selectors.feed_events(city, f, after=after, upto=cursor)
    events = [
        {
            "id": e["id"],
            "at": e["at"].isoformat(),
            "kind": e["kind"],
            "kind_label": str(kinds.get(e["kind"], e["kind"])),
            "to_status": e["to_status"],
            "to_label": str(Status(e["to_status"]).label)
            if e["to_status"] in Status.values
            else "",
            "ticket": e["ticket"],
            "category": names.category(e["category_id"]),
            "agency": names.agency(e["event_agency_id"] or e["agency_id"]),
            "kecamatan": names.area(e["kecamatan_id"]),
        }
        for e in rows
    ]
    return {"events": events, "cursor": cursor}
