"""Units of incoming values: each is converted to its datastream's unit or refused.

A unit is matched by a normalised spelling (case, µ/u, ³/3, spaces); only a
conversion listed here is applied. A gas given in ppm/ppb converts to µg/m³ at
25 °C and 1 atm (24.45 L/mol) with the molar mass of that gas; any other unit
pair is refused, never stored as if it were the datastream's unit.
"""

from __future__ import annotations

from collections.abc import Callable

MOLAR_VOLUME_L = 24.45
# g/mol of the gases ISPU measures.
MOLAR_MASS = {"so2": 64.066, "co": 28.010, "o3": 47.997, "no2": 46.0055}

# Spellings of one unit -> its canonical code.
_ALIASES = {
    "ug/m3": "ug/m3",
    "µg/m3": "ug/m3",
    "μg/m3": "ug/m3",
    "microgram/m3": "ug/m3",
    "mg/m3": "mg/m3",
    "ng/m3": "ng/m3",
    "ppm": "ppm",
    "ppb": "ppb",
    "rp/kg": "IDR/kg",
    "idr/kg": "IDR/kg",
    "rp/liter": "IDR/L",
    "rp/l": "IDR/L",
    "idr/l": "IDR/L",
    "rp/litre": "IDR/L",
    "rp/butir": "IDR/{egg}",
    "idr/{egg}": "IDR/{egg}",
    "rp/ekor": "IDR/{head}",
    "idr/{head}": "IDR/{head}",
    "rp/kg.": "IDR/kg",
    "rp/ons": "IDR/hg",
    "°c": "Cel",
    "c": "Cel",
    "cel": "Cel",
    "degc": "Cel",
    "%": "%",
    "db": "dB",
    "db(a)": "dB",
    "dba": "dB",
    "m": "m",
    "cm": "cm",
    "mm": "mm",
    "hpa": "hPa",
    "m/s": "m/s",
}

# (from, to) -> factor; the inverse pair is derived.
_FACTORS = {
    ("mg/m3", "ug/m3"): 1000.0,
    ("ng/m3", "ug/m3"): 0.001,
    ("cm", "m"): 0.01,
    ("mm", "m"): 0.001,
    ("mm", "cm"): 0.1,
    ("IDR/hg", "IDR/kg"): 10.0,
}


def canonical(unit: str) -> str | None:
    """The canonical code of a unit as written (None: unknown)."""
    key = (
        unit.strip()
        .lower()
        .replace(" ", "")
        .replace("³", "3")
        .replace("\u00b5", "u")
        .replace("\u03bc", "u")
    )
    key = key.replace("/m^3", "/m3")
    if key in _ALIASES:
        return _ALIASES[key]
    return None


class UnitError(ValueError):
    pass


def converter(
    given: str, target: str, ispu_parameter: str = ""
) -> Callable[[float], float]:
    """A function turning a value in `given` into `target` (the datastream's unit
    code or symbol), or UnitError saying why not."""
    src, dst = canonical(given), canonical(target)
    if dst is None:
        dst = target
    if src is None:
        raise UnitError(f"unknown unit {given!r}; expected {target}")
    if src == dst:
        return _same
    if (src, dst) in _FACTORS:
        factor = _FACTORS[(src, dst)]
        return lambda v: v * factor
    if (dst, src) in _FACTORS:
        factor = 1 / _FACTORS[(dst, src)]
        return lambda v: v * factor
    if src in ("ppm", "ppb") and dst == "ug/m3" and ispu_parameter in MOLAR_MASS:
        per_ppm = MOLAR_MASS[ispu_parameter] * 1000 / MOLAR_VOLUME_L
        factor = per_ppm if src == "ppm" else per_ppm / 1000
        return lambda v: v * factor
    raise UnitError(f"unit {given!r} cannot be converted to {target}")


def _same(value: float) -> float:
    return value
