"""The console's filtered list as CSV, for staff: the same filters and the same
city/agency scope as the list, every matching row (not only the first page).

Spreadsheets run a cell that starts with = + - @ (or a TAB/CR before one) as a
formula, so such text cells get a leading apostrophe: `=HYPERLINK(...)` in a
citizen's description stays text when an operator opens the file."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from importers.spreadsheet import neutralise_formula
from layers.local_time import city_zone
from reports.models import Report
from tenancy.models import City

BATCH = 1000


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would evaluate, made inert; other values unchanged."""
    return neutralise_formula(value) if isinstance(value, str) else value


class _Line:
    """A file-like sink for csv.writer that hands back each written line."""

    def write(self, value: str) -> str:
        return value


def _columns() -> list[tuple[str, str]]:
    return [
        ("ticket", _("Ticket")),
        ("status", _("Status")),
        ("category", _("Category")),
        ("agency", _("Agency")),
        ("kecamatan", _("Kecamatan")),
        ("kelurahan", _("Kelurahan")),
        ("address", _("Address")),
        ("description", _("Description")),
        ("created", _("Submitted")),
        ("due", _("Due")),
        ("overdue", _("overdue")),
        ("supporters", _("Supporters")),
        ("lon", "lon"),
        ("lat", "lat"),
    ]


def _row(r: Report, city: City) -> dict[str, Any]:
    zone = city_zone(city)
    return {
        "ticket": r.ticket,
        "status": str(r.get_status_display()),
        "category": r.category.name,
        "agency": str(r.agency) if r.agency_id else "",
        "kecamatan": r.kecamatan.name if r.kecamatan is not None else "",
        "kelurahan": r.kelurahan.name if r.kelurahan is not None else "",
        "address": r.address,
        "description": r.description,
        # Local time with its offset: what the console shows, still unambiguous.
        "created": r.created_at.astimezone(zone).isoformat(timespec="minutes"),
        "due": r.due_at.astimezone(zone).isoformat(timespec="minutes"),
        "overdue": r.is_overdue,
        "supporters": r.supporter_count,
        "lon": round(r.geom.x, 6),
        "lat": round(r.geom.y, 6),
    }


def console_csv(reports: QuerySet[Report], city: City) -> Iterator[str]:
    """CSV lines (with a UTF-8 byte-order mark, which spreadsheet programs need to
    read the file as UTF-8) for every report of `reports`."""
    columns = _columns()
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow([label for _key, label in columns])
    rows: Iterable[Report] = reports.iterator(chunk_size=BATCH)
    for report in rows:
        values = _row(report, city)
        yield writer.writerow([neutralise(values[key]) for key, _label in columns])
