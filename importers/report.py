"""The result of an import: counts, warnings and the first rejected rows.

A file can have a million bad rows: the report (stored as JSON on the job) keeps the
first `MAX_REPORTED_REJECTS`; the complete list goes to a CSV file when the caller
asks for one (`import_file(rejected_csv=...)`)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from typing import Any

from importers.spreadsheet import neutralise_formula

MAX_REPORTED_REJECTS = 1000


@dataclass
class ImportReport:
    file: str = ""
    format: str = ""
    file_layer: str | None = None
    crs: str | None = None
    mode: str = "append"
    dry_run: bool = False
    layer: str = ""
    layer_created: bool = False
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    repaired: int = 0
    # Every rejected row is counted; the first MAX_REPORTED_REJECTS are listed.
    rejected_count: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    schema: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def loaded(self) -> int:
        """Rows accepted into the layer (new, changed or already equal)."""
        return self.inserted + self.updated + self.unchanged

    def as_dict(self, *, max_rejected: int | None = None) -> dict[str, Any]:
        data = asdict(self)
        data["loaded"] = self.loaded
        rows = self.rejected if max_rejected is None else self.rejected[:max_rejected]
        data["rejected"] = [{"row": r, "reason": why} for r, why in rows]
        return data

    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        return (
            f"{self.read} read, {self.loaded} loaded ({self.inserted} new, "
            f"{self.updated} updated, {self.unchanged} unchanged), "
            f"{self.deleted} deleted, {self.repaired} repaired, "
            f"{self.rejected_count} rejected — changes {verb} applied to "
            f"layer {self.layer!r}."
        )


def rejected_csv(rows: list[tuple[int, str]] | list[dict[str, Any]]) -> str:
    """The rejected rows as CSV: row number (1 = first feature) and reason."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "reason"])
    for row in rows:
        number, reason = (row["row"], row["reason"]) if isinstance(row, dict) else row
        writer.writerow([number, neutralise_formula(str(reason))])
    return out.getvalue()
