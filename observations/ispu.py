"""ISPU (Indeks Standar Pencemar Udara), per Peraturan Menteri Lingkungan Hidup dan
Kehutanan Nomor P.14/MENLHK/SETJEN/KUM.1/7/2020 tentang Indeks Standar Pencemar
Udara, Lampiran I (the conversion table of ISPU to ambient concentrations, in SI
units, µg/m³ at 25 °C) and Lampiran II (calculation):

    ISPU | PM10 | PM2.5 | SO2  | CO     | O3   | NO2  | HC
         | 24 h | 24 h  | 24 h | 8 h    | 1 h  | 1 h  | 3 h
    -----+------+-------+------+--------+------+------+-----
      50 |   50 |  15.5 |   52 |  4 000 |  120 |   80 |  45
     100 |  150 |  55.4 |  180 |  8 000 |  235 |  200 | 100
     200 |  350 | 150.4 |  400 | 15 000 |  400 | 1130 | 215
     300 |  420 | 250.4 |  800 | 30 000 |  800 | 2260 | 432
     500 |  500 | 500   | 1200 | 45 000 | 1000 | 3000 | 648

    I = (Ia - Ib) / (Xa - Xb) * (Xx - Xb) + Ib

with Ia/Ib the ISPU at the upper/lower breakpoint, Xa/Xb the concentrations there
and Xx the measured mean over the parameter's averaging period (the row under the
parameter above). ISPU is computed (and reported) every hour from those running
means: PM2.5 is published hourly, as the mean of the last 24 hours.

Categories (Lampiran I) with the colours the regulation names: 0-50 Baik (hijau),
51-100 Sedang (biru), 101-200 Tidak Sehat (kuning), 201-300 Sangat Tidak Sehat
(merah), > 300 Berbahaya (hitam). The hex values are ours.

Decisions, for anyone checking against the regulation:
- The index is rounded half up to a whole number before its category is read.
- A concentration above the 300 breakpoint is reported as "> 300", category
  Berbahaya, with no number: the table's top row is not extrapolated.
- The critical parameter is the one with the highest sub-index (a "> 300" beats
  any number); ties go to the first in the table's order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

PARAMETERS = ("pm10", "pm25", "so2", "co", "o3", "no2", "hc")

# Averaging period of each parameter, in hours (Lampiran I's table heads).
AVERAGING_HOURS: dict[str, int] = {
    "pm10": 24,
    "pm25": 24,
    "so2": 24,
    "co": 8,
    "o3": 1,
    "no2": 1,
    "hc": 3,
}

INDEX_BREAKPOINTS = (0, 50, 100, 200, 300)

# Concentration (µg/m³) at ISPU 0, 50, 100, 200, 300. The 500 row of the table only
# bounds "> 300" and is never interpolated into.
CONCENTRATION_BREAKPOINTS: dict[str, tuple[float, ...]] = {
    "pm10": (0, 50, 150, 350, 420),
    "pm25": (0, 15.5, 55.4, 150.4, 250.4),
    "so2": (0, 52, 180, 400, 800),
    "co": (0, 4000, 8000, 15000, 30000),
    "o3": (0, 120, 235, 400, 800),
    "no2": (0, 80, 200, 1130, 2260),
    "hc": (0, 45, 100, 215, 432),
}


class Category(Enum):
    BAIK = ("baik", 50, "#00cc00", "#000000")
    SEDANG = ("sedang", 100, "#0066ff", "#ffffff")
    TIDAK_SEHAT = ("tidak-sehat", 200, "#ffcc00", "#000000")
    SANGAT_TIDAK_SEHAT = ("sangat-tidak-sehat", 300, "#ff0000", "#ffffff")
    BERBAHAYA = ("berbahaya", None, "#000000", "#ffffff")

    def __init__(
        self, code: str, upper: int | None, colour: str, text_colour: str
    ) -> None:
        self.code = code
        self.upper = upper
        self.colour = colour
        self.text_colour = text_colour

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS[self.code])

    @classmethod
    def for_index(cls, value: int | None) -> Category:
        """The category of a whole ISPU number (None: above the scale)."""
        if value is None:
            return cls.BERBAHAYA
        for category in cls:
            if category.upper is not None and value <= category.upper:
                return category
        return cls.BERBAHAYA


# The regulation's names are Indonesian; English pages show a translation.
CATEGORY_LABELS = {
    "baik": pgettext_lazy("ISPU category", "Good"),
    "sedang": pgettext_lazy("ISPU category", "Moderate"),
    "tidak-sehat": pgettext_lazy("ISPU category", "Unhealthy"),
    "sangat-tidak-sehat": pgettext_lazy("ISPU category", "Very unhealthy"),
    "berbahaya": pgettext_lazy("ISPU category", "Hazardous"),
}
OFFICIAL_NAMES = {
    "baik": "Baik",
    "sedang": "Sedang",
    "tidak-sehat": "Tidak Sehat",
    "sangat-tidak-sehat": "Sangat Tidak Sehat",
    "berbahaya": "Berbahaya",
}
ABOVE_SCALE = _("> 300")


@dataclass(frozen=True)
class SubIndex:
    parameter: str
    concentration: float
    # None when above the scale ("> 300").
    value: int | None

    @property
    def above_scale(self) -> bool:
        return self.value is None

    @property
    def category(self) -> Category:
        return Category.for_index(self.value)

    @property
    def rank(self) -> float:
        return math.inf if self.value is None else self.value

    @property
    def display(self) -> str:
        return "> 300" if self.value is None else str(self.value)


@dataclass(frozen=True)
class Ispu:
    value: int | None
    critical: str
    parts: dict[str, SubIndex]

    @property
    def category(self) -> Category:
        return Category.for_index(self.value)

    @property
    def display(self) -> str:
        return "> 300" if self.value is None else str(self.value)


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def sub_index(parameter: str, concentration: float) -> SubIndex:
    """The ISPU of one parameter's mean concentration (µg/m³) over its period."""
    if parameter not in CONCENTRATION_BREAKPOINTS:
        raise ValueError(f"{parameter!r} is not an ISPU parameter.")
    if not math.isfinite(concentration) or concentration < 0:
        raise ValueError("A concentration must be a finite, non-negative number.")
    xs = CONCENTRATION_BREAKPOINTS[parameter]
    if concentration > xs[-1]:
        return SubIndex(parameter, concentration, None)
    for i in range(1, len(xs)):
        if concentration <= xs[i]:
            xb, xa = xs[i - 1], xs[i]
            ib, ia = INDEX_BREAKPOINTS[i - 1], INDEX_BREAKPOINTS[i]
            value = (ia - ib) / (xa - xb) * (concentration - xb) + ib
            return SubIndex(parameter, concentration, _round_half_up(value))
    raise AssertionError("unreachable")  # pragma: no cover


def ispu(concentrations: Mapping[str, float]) -> Ispu | None:
    """The ISPU of a station from its parameters' means (None when it has none):
    the highest sub-index, and which parameter gave it."""
    parts = {
        p: sub_index(p, concentrations[p])
        for p in PARAMETERS
        if concentrations.get(p) is not None
    }
    if not parts:
        return None
    critical = max(parts.values(), key=lambda s: s.rank)
    return Ispu(critical.value, critical.parameter, parts)
