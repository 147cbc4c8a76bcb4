"""Population per kecamatan/kelurahan: from a CSV (code,population[,year]) or from
the boundary GeoJSON's own attributes (`population`, `penduduk` or
`jumlah_penduduk`, keyed by `kode`/`code`)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from planner.models import AreaPopulation
from tenancy.models import AdminArea, City

POPULATION_KEYS = ("population", "penduduk", "jumlah_penduduk")
CODE_KEYS = ("code", "kode")


@dataclass
class PopulationReport:
    loaded: int = 0
    unknown_codes: int = 0
    bad_rows: int = 0


def _number(raw: object) -> int | None:
    try:
        value = int(float(str(raw).replace("_", "").strip()))
    except (TypeError, ValueError):
        return None
    return value if value >= 0 else None


def rows_from_file(path: Path) -> list[tuple[str, object, object]]:
    """(code, population, year) rows of a CSV or a boundary GeoJSON."""
    if path.suffix.lower() in (".geojson", ".json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        out = []
        for feature in data.get("features", []):
            props = feature.get("properties") or {}
            code = next((props[k] for k in CODE_KEYS if props.get(k)), None)
            pop = next((props[k] for k in POPULATION_KEYS if k in props), None)
            if code is not None and pop is not None:
                out.append((str(code), pop, props.get("year") or props.get("tahun")))
        return out
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        out = []
        for row in reader:
            code = next((row[k] for k in CODE_KEYS if row.get(k)), None)
            pop = next((row[k] for k in POPULATION_KEYS if row.get(k)), None)
            out.append((str(code or ""), pop, row.get("year") or row.get("tahun")))
        return out


@transaction.atomic
def load_population(
    city: City, rows: list[tuple[str, object, object]], *, source: str = ""
) -> PopulationReport:
    report = PopulationReport()
    areas = {a.code: a for a in AdminArea.objects.filter(city=city)}
    for code, raw_pop, raw_year in rows:
        population = _number(raw_pop)
        if population is None:
            report.bad_rows += 1
            continue
        area = areas.get(code.strip())
        if area is None:
            report.unknown_codes += 1
            continue
        year = _number(raw_year) if raw_year not in (None, "") else None
        AreaPopulation.objects.update_or_create(
            area=area,
            defaults={"population": population, "year": year, "source": source[:200]},
        )
        report.loaded += 1
    return report
