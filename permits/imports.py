"""Bulk import of existing permits from CSV or XLSX (cities keep years of them in
spreadsheets): column mapping, every row checked like an application, a per-row
error report, idempotent on the permit number.

A row whose number the city already has updates that permit when a value differs
(a timeline event says so) and is counted unchanged otherwise, so importing the same
file twice changes nothing. A bad row changes nothing and is reported with its line
number and each field's problem; the other rows are imported."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from permits.models import Permit, PermitEvent
from permits.services import (
    PermitError,
    PermitInput,
    build_permit,
    clean_input,
    new_tracking_code,
    tracking_hash,
)
from tenancy.access import Scope
from tenancy.models import City

MAX_ROWS = 1_000_000
MAX_BYTES = 100 * 1024 * 1024
# field -> column names recognised without a mapping (case-insensitive): BLDS names,
# the field's own name, and the names Indonesian spreadsheets use.
MAPPABLE: dict[str, tuple[str, ...]] = {
    "number": ("PermitNum", "number", "nomor_izin", "no_izin", "nomor"),
    "permit_type": ("PermitType", "permit_type", "jenis_izin", "jenis"),
    "status": ("StatusCurrent", "status"),
    "business_name": ("BusinessName", "business_name", "nama_usaha", "nama_kegiatan"),
    "description": ("Description", "description", "uraian", "keterangan"),
    "applicant_name": ("applicant_name", "nama_pemohon", "pemohon"),
    "applicant_nik": ("applicant_nik", "nik"),
    "applicant_phone": ("applicant_phone", "telepon", "no_hp"),
    "applicant_email": ("applicant_email", "email"),
    "address": ("OriginalAddress1", "address", "alamat"),
    "kbli": ("kbli", "kode_kbli"),
    "risk_level": ("risk_level", "risiko", "tingkat_risiko"),
    "fee": ("fee", "Fee", "retribusi", "biaya"),
    "conditions": ("conditions", "syarat", "persyaratan"),
    "applied_date": ("AppliedDate", "applied_date", "tanggal_permohonan"),
    "issued_date": ("IssuedDate", "issued_date", "tanggal_terbit"),
    "expires_date": ("ExpiresDate", "expires_date", "berlaku_sampai"),
    "completed_date": ("CompletedDate", "completed_date", "tanggal_selesai"),
    "lon": ("Longitude", "lon", "lng", "bujur"),
    "lat": ("Latitude", "lat", "lintang"),
}
# Compared to decide whether a known permit changed.
COMPARED = (
    "status",
    "business_name",
    "description",
    "applicant_name",
    "applicant_nik",
    "applicant_phone",
    "applicant_email",
    "address",
    "conditions",
    "kbli_id",
    "risk_level",
    "fee",
    "applied_date",
    "issued_date",
    "expires_date",
    "completed_date",
    "geom",
)


@dataclass
class Table:
    header: list[str]
    rows: list[list[Any]]


@dataclass
class RowError:
    line: int
    number: str
    errors: dict[str, str]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.errors)


def read_table(file: IO[bytes], name: str) -> Table:
    """The header and rows of a CSV (UTF-8 or Windows-1252, , or ;) or XLSX file."""
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(_("The file is larger than 100 MB."))
    if name.lower().endswith(".xlsx") or data[:2] == b"PK":
        return _read_xlsx(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise ValueError(_("Not a CSV or XLSX file."))
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise ValueError(_("The file is empty."))
    return Table(header=[h.strip() for h in rows[0]], rows=rows[1 : MAX_ROWS + 1])


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ValueError(_("Not a readable XLSX file.")) from exc
    sheet = book.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    if not rows:
        raise ValueError(_("The file is empty."))
    header = ["" if h is None else str(h).strip() for h in rows[0]]
    return Table(header=header, rows=rows[1 : MAX_ROWS + 1])


def column_map(header: list[str], mapping: dict[str, str]) -> dict[str, int]:
    """field -> column index: the explicit mapping first, then known names."""
    index = {h.casefold(): i for i, h in enumerate(header)}
    found: dict[str, int] = {}
    for name, column in mapping.items():
        if name not in MAPPABLE:
            raise ValueError(_("Unknown field %(f)s in the mapping.") % {"f": name})
        if column.casefold() not in index:
            raise ValueError(_("The file has no column %(c)s.") % {"c": column[:80]})
        found[name] = index[column.casefold()]
    for name, aliases in MAPPABLE.items():
        if name in found:
            continue
        for alias in aliases:
            if alias.casefold() in index:
                found[name] = index[alias.casefold()]
                break
    if "number" not in found:
        raise ValueError(
            _("Map a column to the permit number (PermitNum): imports key on it.")
        )
    return found


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "date") and callable(value.date):  # an XLSX datetime
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if not isinstance(value, str) else value.strip()


def import_rows(
    city: City,
    table: Table,
    *,
    mapping: dict[str, str] | None = None,
    actor: Any = None,
    scope: Scope | None = None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> ImportResult:
    """Import every row (each in its own savepoint); see the module docstring."""
    columns = column_map(table.header, mapping or {})
    result = ImportResult()
    existing = dict(Permit.objects.filter(city=city).values_list("number", "id"))
    rows: Iterable[tuple[int, list[Any]]] = enumerate(table.rows, start=2)
    if progress is not None:
        rows = progress(rows)
    seen: set[str] = set()
    for line, row in rows:
        values = {
            name: _cell(row[i] if i < len(row) else None) for name, i in columns.items()
        }
        if not any(v not in ("", None) for v in values.values()):
            continue  # a blank line
        number = str(values.get("number", ""))
        if number in seen:
            result.errors.append(
                RowError(line, number, {"number": _("repeated in this file.")})
            )
            continue
        seen.add(number)
        data = PermitInput(
            permit_type=str(values.pop("permit_type", "")),
            business_name=str(values.pop("business_name", "")),
            applicant_name=str(values.pop("applicant_name", "")),
            applied_date=values.pop("applied_date", ""),
            **values,
        )
        try:
            cleaned = clean_input(city, data, imported=True)
            if scope is not None and not scope.covers(cleaned.permit_type.agency_id):
                raise PermitError({"permit_type": _("issued by another agency.")})
            with transaction.atomic():
                outcome = _save(city, cleaned, existing.get(number), actor)
        except PermitError as exc:
            result.errors.append(RowError(line, number, exc.errors))
            continue
        if outcome == "created":
            result.created += 1
        elif outcome == "updated":
            result.updated += 1
        else:
            result.unchanged += 1
    return result


def _save(city: City, cleaned: Any, pk: int | None, actor: Any) -> str:
    fresh = build_permit(city, cleaned)
    if pk is None:
        fresh.tracking_hash = tracking_hash(fresh, new_tracking_code())
        fresh.save()
        PermitEvent.objects.create(
            city=city,
            permit=fresh,
            kind=PermitEvent.Kind.IMPORTED,
            to_status=fresh.status,
            actor=actor,
        )
        return "created"
    permit = Permit.objects.select_for_update().get(pk=pk)
    if permit.permit_type_id != fresh.permit_type_id:
        raise PermitError(
            {"permit_type": _("differs from the permit already recorded.")}
        )
    changed = [
        name
        for name in COMPARED
        if _differs(name, getattr(permit, name), getattr(fresh, name))
    ]
    if not changed:
        return "unchanged"
    old_status = permit.status
    for name in (*changed, "point", "kelurahan_id", "kecamatan_id"):
        setattr(permit, name, getattr(fresh, name))
    permit.save()
    PermitEvent.objects.create(
        city=city,
        permit=permit,
        kind=PermitEvent.Kind.IMPORTED,
        from_status=old_status,
        to_status=permit.status,
        actor=actor,
        note="Updated by an import: " + ", ".join(changed),
    )
    return "updated"


def _differs(name: str, old: Any, new: Any) -> bool:
    if name == "geom":
        return not old.equals_exact(new, 1e-9)
    return bool(old != new)
