"""CSV and XLSX exports of the dashboard's reports and of their timeline, with the
dashboard's filters. Never a reporter's contact detail (name, e-mail, phone), nor
who acted (a signed-in reporter's user name may be an e-mail address), nor internal
notes. Every text cell goes through importers.spreadsheet.neutralise_formula, so a
citizen's "=HYPERLINK(...)" stays text in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from dashboard.selectors import Filters, export_events, export_reports
from importers.spreadsheet import neutralise_formula
from layers.local_time import city_zone
from reports.models import Report, ReportEvent, Status
from tenancy.models import City

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WHAT = ("reports", "timeline")


def _report_columns() -> list[tuple[str, str]]:
    return [
        ("ticket", _("Ticket")),
        ("status", _("Status")),
        ("category", _("Category")),
        ("agency", _("Agency")),
        ("kecamatan", _("Kecamatan")),
        ("kelurahan", _("Kelurahan")),
        ("address", _("Address")),
        ("description", _("Description")),
        ("channel", _("Channel")),
        ("created", _("Submitted")),
        ("due", _("Due")),
        ("resolved", _("Resolved")),
        ("supporters", _("Supporters")),
        ("lon", "lon"),
        ("lat", "lat"),
    ]


def _event_columns() -> list[tuple[str, str]]:
    return [
        ("ticket", _("Ticket")),
        ("at", _("Time")),
        ("kind", _("Event")),
        ("from", _("From")),
        ("to", _("To")),
        ("agency", _("Agency")),
        ("public_note", _("Public note")),
    ]


def _local(value: Any, city: City) -> str:
    if value is None:
        return ""
    return str(value.astimezone(city_zone(city)).isoformat(timespec="minutes"))


def _status(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


def _report_row(r: Report, city: City) -> dict[str, Any]:
    return {
        "ticket": r.ticket,
        "status": _status(r.status),
        "category": r.category.name,
        "agency": str(r.agency) if r.agency is not None else "",
        "kecamatan": r.kecamatan.name if r.kecamatan is not None else "",
        "kelurahan": r.kelurahan.name if r.kelurahan is not None else "",
        "address": r.address,
        "description": r.description,
        "channel": r.channel,
        "created": _local(r.created_at, city),
        "due": _local(r.due_at, city),
        "resolved": _local(r.resolved_at, city),
        "supporters": r.supporter_count,
        "lon": round(r.geom.x, 6),
        "lat": round(r.geom.y, 6),
    }


def _event_row(e: ReportEvent, city: City) -> dict[str, Any]:
    return {
        "ticket": e.report.ticket,
        "at": _local(e.at, city),
        "kind": str(e.get_kind_display()),
        "from": _status(e.from_status),
        "to": _status(e.to_status),
        "agency": str(e.agency) if e.agency is not None else "",
        "public_note": e.note if e.public else "",
    }


def rows(city: City, f: Filters, what: str) -> tuple[list[str], Iterator[list[Any]]]:
    """The header and the rows of one export, every text cell neutralised."""
    if what == "reports":
        columns = _report_columns()
        records: Iterator[Any] = export_reports(city, f)
        shape: Any = _report_row
    else:
        columns = _event_columns()
        records = export_events(city, f)
        shape = _event_row

    def body() -> Iterator[list[Any]]:
        for record in records:
            values = shape(record, city)
            yield [_cell(values[key]) for key, _label in columns]

    return [_cell(label) for _key, label in columns], body()


def _cell(value: Any) -> Any:
    return neutralise_formula(value) if isinstance(value, str) else value


class _Line:
    def write(self, value: str) -> str:
        return value


def csv_lines(city: City, f: Filters, what: str) -> Iterator[str]:
    """CSV lines, the first with a UTF-8 byte-order mark (spreadsheets need it)."""
    header, body = rows(city, f, what)
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(header)
    for row in body:
        yield writer.writerow(row)


def xlsx_bytes(city: City, f: Filters, what: str) -> bytes:
    header, body = rows(city, f, what)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=what)
    sheet.append(header)
    for row in body:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
