"""A region's time zone from its Kemendagri code: the first two digits name the
province, and each province lies in one of Indonesia's three zones (WIB, WITA, WIT).

Provinces per Permendagri 72/2019 and the 2022 Papua split (93-96); zones per
Keppres 41/1987 (Kalimantan Barat and Tengah are WIB, the rest of Kalimantan WITA)."""

from __future__ import annotations

WIB = "Asia/Jakarta"
WITA = "Asia/Makassar"
WIT = "Asia/Jayapura"

_PROVINCE_ZONES: dict[str, str] = {
    # Sumatra, Riau and Bangka-Belitung islands
    **dict.fromkeys(("11", "12", "13", "14", "15", "16", "17", "18", "19", "21"), WIB),
    # Java and Banten
    **dict.fromkeys(("31", "32", "33", "34", "35", "36"), WIB),
    # Bali and Nusa Tenggara
    **dict.fromkeys(("51", "52", "53"), WITA),
    # Kalimantan Barat and Tengah; Selatan, Timur and Utara
    **dict.fromkeys(("61", "62"), WIB),
    **dict.fromkeys(("63", "64", "65"), WITA),
    # Sulawesi and Gorontalo (75)
    **dict.fromkeys(("71", "72", "73", "74", "75", "76"), WITA),
    # Maluku, Maluku Utara, and the Papua provinces
    **dict.fromkeys(("81", "82"), WIT),
    **dict.fromkeys(("91", "92", "93", "94", "95", "96"), WIT),
}


def time_zone_for_code(code: str) -> str | None:
    """The IANA time zone of the province in a Kemendagri code such as "63.03"
    (None when the province is unknown)."""
    province = code.strip().split(".", 1)[0]
    return _PROVINCE_ZONES.get(province)
