"""Opening hours (OSM subset) and Indonesian phone numbers: what is accepted, what
is refused with a message, and "open now" in the city's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from facilities import opening_hours, phones
from facilities.opening_hours import OpeningHoursError, is_open, parse

WIB = ZoneInfo("Asia/Jakarta")  # UTC+7
WIT = ZoneInfo("Asia/Jayapura")  # UTC+9


def at(day: int, hh: int, mm: int = 0, zone: ZoneInfo = WIB) -> datetime:
    """Local time in `zone` on a day of the week (0 = Monday) of 2026-11-23's week."""
    return datetime(2026, 11, 23 + day, hh, mm, tzinfo=zone)


@pytest.mark.parametrize(
    ("text", "when", "expected"),
    [
        ("Mo-Fr 08:00-16:00; Sa 08:00-12:00", at(0, 8, 0), True),
        ("Mo-Fr 08:00-16:00; Sa 08:00-12:00", at(0, 16, 0), False),  # end excluded
        ("Mo-Fr 08:00-16:00; Sa 08:00-12:00", at(5, 11, 59), True),
        ("Mo-Fr 08:00-16:00; Sa 08:00-12:00", at(6, 10), False),
        ("24/7", at(6, 3), True),
        ("Mo-Su 00:00-24:00", at(2, 23, 59), True),
        # A later rule replaces the earlier ones on its days.
        ("Mo-Sa 08:00-14:00; Fr 08:00-11:00", at(4, 12), False),
        ("Mo-Sa 08:00-14:00; We off", at(2, 9), False),
        ("Mo,We,Fr 07:30-12:00,13:00-15:00", at(2, 12, 30), False),
        ("Mo,We,Fr 07:30-12:00,13:00-15:00", at(4, 14), True),
        # Past midnight: Friday night's span runs into Saturday morning...
        ("Fr 22:00-06:00", at(5, 5, 59), True),
        ("Fr 22:00-06:00", at(5, 6, 0), False),
        ("Fr 22:00-06:00", at(4, 21, 59), False),
        # ...and Sunday night's into Monday morning (the week wraps).
        ("Su 20:00-02:00", at(0, 1, 30), True),
        ("Su 20:00-02:00", at(1, 1, 30), False),
        # A range across the week's end.
        ("Sa-Mo 10:00-12:00", at(6, 11), True),
        ("Sa-Mo 10:00-12:00", at(1, 11), False),
    ],
)
def test_open_now(text: str, when: datetime, expected: bool) -> None:
    assert is_open(text, when, WIB) is expected


def test_open_now_is_computed_in_the_city_time_zone() -> None:
    # 01:30 UTC on a Monday is 08:30 in Jakarta (WIB) and 10:30 in Jayapura (WIT).
    instant = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)
    assert is_open("Mo-Fr 08:00-10:00", instant, WIB) is True
    assert is_open("Mo-Fr 08:00-10:00", instant, WIT) is False
    # 23:30 UTC on a Sunday is already Monday 06:30 in Jakarta.
    sunday_night_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert is_open("Mo 06:00-07:00", sunday_night_utc, WIB) is True
    assert is_open("Su 23:00-24:00", sunday_night_utc, ZoneInfo("UTC")) is True


def test_unknown_or_unreadable_hours_are_neither_open_nor_closed() -> None:
    assert is_open("", at(0, 9), WIB) is None
    assert is_open("whenever", at(0, 9), WIB) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Mo-Fr 8-16",
        "Mo-Fr 08:00-25:00",
        "Mo-Fr 08:60-09:00",
        "Mo-Fr 10:00-10:00",
        "Xx 08:00-10:00",
        "Mo-Fr 08:00-16:00;",
        "Mo-Fr 08:00-16:00;; Sa off",
        "PH off",
        "Jan-Mar Mo 08:00-12:00",
        'Mo-Fr 08:00-16:00 "by appointment"',
        "Mo-Fr 24:00-02:00",
        "<script>alert(1)</script>",
        "Mo-Fr \uff10\uff18:00-16:00",  # full-width digits
        "x" * 300,
    ],
)
def test_bad_opening_hours_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(OpeningHoursError) as exc:
        parse(text)
    assert str(exc.value)


def test_structured_form_and_tidied_text() -> None:
    assert opening_hours.validate("  Mo-Fr   08:00-16:00 ") == "Mo-Fr 08:00-16:00"
    hours = parse("Mo 08:00-09:00; Su 23:00-01:00")
    assert hours.as_json() == {
        "always": False,
        "intervals": [[480, 540], [6 * 1440 + 1380, 6 * 1440 + 1500]],
    }
    assert parse("Mo-Su 00:00-24:00").always


@pytest.mark.parametrize(
    ("text", "stored", "shown"),
    [
        ("0812-3456-7890", "+6281234567890", "0812-3456-7890"),
        ("+62 812 3456 7890", "+6281234567890", "0812-3456-7890"),
        ("6281234567890", "+6281234567890", "0812-3456-7890"),
        ("(021) 5527-1234", "+622155271234", "(021) 5527-1234"),
        ("021 557 9381", "+62215579381", "(021) 557-9381"),
        ("(0254) 123456", "+62254123456", "(0254) 123456"),
        ("112", "112", "112"),
        ("1500-488", "1500488", "1500488"),
        ("0800 1 234567", "08001234567", "08001234567"),
    ],
)
def test_indonesian_numbers_are_stored_normalised(
    text: str, stored: str, shown: str
) -> None:
    assert phones.normalise(text) == stored
    assert phones.display(stored) == shown
    assert phones.normalise(stored) == stored  # stable


@pytest.mark.parametrize(
    "text",
    [
        "",
        "12",
        "0812",
        "+1 202 555 0100",
        "081234567890123",
        "0812-3456-789O",
        "\uff10\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",  # full-width
        "0812\x003456",
        "tel:112",
        "<b>0812</b>",
        "01234567890",
    ],
)
def test_bad_phone_numbers_are_refused(text: str) -> None:
    with pytest.raises(phones.PhoneError):
        phones.normalise(text)


def test_short_codes_are_only_for_service_numbers() -> None:
    with pytest.raises(phones.PhoneError):
        phones.normalise("112", allow_service=False)
