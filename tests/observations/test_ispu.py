"""ISPU against hand-computed values (Permen LHK P.14/2020, Lampiran I)."""

from __future__ import annotations

import pytest

from observations.ispu import Category, ispu, sub_index

# (parameter, concentration at ISPU 50, 100, 200, 300) from the regulation's table.
TABLE = {
    "pm10": (50, 150, 350, 420),
    "pm25": (15.5, 55.4, 150.4, 250.4),
    "so2": (52, 180, 400, 800),
    "co": (4000, 8000, 15000, 30000),
    "o3": (120, 235, 400, 800),
    "no2": (80, 200, 1130, 2260),
    "hc": (45, 100, 215, 432),
}


@pytest.mark.parametrize("parameter", list(TABLE))
def test_every_breakpoint_gives_its_index_and_category(parameter):
    c50, c100, c200, c300 = TABLE[parameter]
    assert sub_index(parameter, 0).value == 0
    assert sub_index(parameter, c50).value == 50
    assert sub_index(parameter, c50).category is Category.BAIK
    assert sub_index(parameter, c100).value == 100
    assert sub_index(parameter, c100).category is Category.SEDANG
    assert sub_index(parameter, c200).value == 200
    assert sub_index(parameter, c200).category is Category.TIDAK_SEHAT
    assert sub_index(parameter, c300).value == 300
    assert sub_index(parameter, c300).category is Category.SANGAT_TIDAK_SEHAT


@pytest.mark.parametrize(
    ("parameter", "concentration", "expected"),
    [
        # Hand-computed: I = (Ia - Ib) / (Xa - Xb) * (Xx - Xb) + Ib
        ("pm10", 25, 25),  # 50/50 * 25
        ("pm10", 100, 75),  # 50/100 * 50 + 50
        ("pm10", 250, 150),  # 100/200 * 100 + 100
        ("pm10", 385, 250),  # 100/70 * 35 + 200
        ("pm25", 7.75, 25),  # 50/15.5 * 7.75
        ("pm25", 35.45, 75),  # 50/39.9 * 19.95 + 50
        ("pm25", 102.9, 150),  # 100/95 * 47.5 + 100
        ("pm25", 60, 105),  # 100/95 * 4.6 + 100 = 104.84
        ("pm25", 200.4, 250),  # 100/100 * 50 + 200
        ("so2", 116, 75),  # 50/128 * 64 + 50
        ("so2", 290, 150),  # 100/220 * 110 + 100
        ("co", 6000, 75),  # 50/4000 * 2000 + 50
        ("co", 22500, 250),  # 100/15000 * 7500 + 200
        ("o3", 177.5, 75),  # 50/115 * 57.5 + 50
        ("o3", 100, 42),  # 50/120 * 100 = 41.67
        ("no2", 140, 75),  # 50/120 * 60 + 50
        ("no2", 665, 150),  # 100/930 * 465 + 100
        ("hc", 72.5, 75),  # 50/55 * 27.5 + 50
        ("hc", 323.5, 250),  # 100/217 * 108.5 + 200
    ],
)
def test_hand_computed_values(parameter, concentration, expected):
    assert sub_index(parameter, concentration).value == expected


def test_band_edges_round_half_up_before_the_category():
    # 15.89 -> 50.489 -> 50 (Baik); 15.9 -> 50.501 -> 51 (Sedang)
    assert sub_index("pm25", 15.89).value == 50
    assert sub_index("pm25", 15.89).category is Category.BAIK
    assert sub_index("pm25", 15.9).value == 51
    assert sub_index("pm25", 15.9).category is Category.SEDANG
    # PM10 150.5 -> 100.25 -> 100 (Sedang); 151 -> 100.5 -> 101 (Tidak Sehat)
    assert sub_index("pm10", 150.5).category is Category.SEDANG
    assert sub_index("pm10", 151).value == 101
    assert sub_index("pm10", 151).category is Category.TIDAK_SEHAT
    # NO2 1139.3 -> 200.8 -> 201 (Sangat Tidak Sehat)
    assert sub_index("no2", 1139.3).value == 201
    assert sub_index("no2", 1139.3).category is Category.SANGAT_TIDAK_SEHAT


@pytest.mark.parametrize("parameter", list(TABLE))
def test_above_the_table_is_more_than_300_not_extrapolated(parameter):
    top = TABLE[parameter][-1]
    above = sub_index(parameter, top + 0.1)
    assert above.value is None
    assert above.display == "> 300"
    assert above.category is Category.BERBAHAYA
    assert sub_index(parameter, top * 10).value is None


def test_critical_parameter_is_the_highest_sub_index():
    result = ispu({"pm25": 60, "o3": 100, "co": None})
    assert result is not None
    assert result.value == 105
    assert result.critical == "pm25"
    assert result.category is Category.TIDAK_SEHAT
    assert result.category.colour == "#ffcc00"
    above = ispu({"pm10": 500, "pm25": 250.4})
    assert above is not None
    assert above.critical == "pm10"
    assert above.display == "> 300"
    assert ispu({}) is None


def test_colours_are_the_regulations():
    assert [c.colour for c in Category] == [
        "#00cc00",  # hijau
        "#0066ff",  # biru
        "#ffcc00",  # kuning
        "#ff0000",  # merah
        "#000000",  # hitam
    ]


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf")])
def test_bad_concentrations_are_refused(bad):
    with pytest.raises(ValueError, match="finite, non-negative"):
        sub_index("pm25", bad)
