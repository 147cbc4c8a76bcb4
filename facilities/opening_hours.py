"""Opening hours: a subset of OpenStreetMap's `opening_hours` syntax, parsed into
weekly intervals, and "open now" in the city's time zone.

Accepted (what Indonesian facilities publish):

    24/7
    Mo-Fr 08:00-16:00; Sa 08:00-12:00
    Mo,We,Fr 07:30-12:00,13:00-15:00
    Mo-Su 22:00-06:00          (past midnight: ends on the next day)
    Mo-Sa 08:00-14:00; Fr 08:00-11:00; Su off

Rules are separated by `;`. A rule is an optional day selector (Mo Tu We Th Fr Sa
Su, ranges such as `Mo-Fr` or `Sa-Mo`, lists with `,`) followed by time spans
(`HH:MM-HH:MM`, several with `,`; `24:00` may end a span) or `off`/`closed`. A rule
without days applies every day. As in OSM, a later rule replaces the earlier ones on
the days it names. Anything else (public holidays, months, week numbers, comments) is
refused with a message, so what is stored is what the page can compute.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
MAX_LENGTH = 255

_TIME = r"([01][0-9]|2[0-4]):([0-5][0-9])"
_SPAN = re.compile(rf"{_TIME}-{_TIME}")
_DAY_PART = re.compile(r"(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?")


class OpeningHoursError(ValueError):
    pass


@dataclass(frozen=True)
class WeeklyHours:
    """Intervals in minutes from Monday 00:00, `[start, end)`, end > start; an
    interval may run past the end of the week (Sunday night into Monday)."""

    intervals: tuple[tuple[int, int], ...]
    always: bool = False

    def is_open(self, minute_of_week: int) -> bool:
        if self.always:
            return True
        for start, end in self.intervals:
            if start <= minute_of_week < end:
                return True
            # A Sunday-night span wraps into Monday morning.
            if end > MINUTES_PER_WEEK and minute_of_week < end - MINUTES_PER_WEEK:
                return True
        return False

    def as_json(self) -> dict[str, object]:
        """The structured form stored beside the text (APIs give it out)."""
        return {"always": self.always, "intervals": [list(i) for i in self.intervals]}


def _days(selector: str) -> list[int]:
    days: list[int] = []
    for part in selector.split(","):
        match = _DAY_PART.fullmatch(part)
        if match is None:
            raise OpeningHoursError(
                f"{part!r} is not a day (Mo Tu We Th Fr Sa Su, or a range like Mo-Fr)."
            )
        first = DAYS.index(match.group(1))
        last = DAYS.index(match.group(2)) if match.group(2) else first
        day = first
        while True:
            if day not in days:
                days.append(day)
            if day == last:
                break
            day = (day + 1) % 7
    return days


def _minutes(hours: str, minutes: str) -> int:
    return int(hours) * 60 + int(minutes)


def _spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for part in text.split(","):
        match = _SPAN.fullmatch(part)
        if match is None:
            raise OpeningHoursError(
                f"{part!r} is not a time span (HH:MM-HH:MM, e.g. 08:00-16:00)."
            )
        start = _minutes(match.group(1), match.group(2))
        end = _minutes(match.group(3), match.group(4))
        if start >= MINUTES_PER_DAY:
            raise OpeningHoursError(f"{part!r}: a span cannot start at 24:00.")
        if end > MINUTES_PER_DAY:
            raise OpeningHoursError(f"{part!r}: no time is later than 24:00.")
        if end == start:
            raise OpeningHoursError(f"{part!r}: the span is empty.")
        if end < start:
            end += MINUTES_PER_DAY  # past midnight, into the next day
        spans.append((start, end))
    return spans


@lru_cache(maxsize=4096)
def parse(text: str) -> WeeklyHours:
    """The weekly intervals of `text`, or OpeningHoursError saying what is wrong
    (cached: a city's facilities share a few dozen texts)."""
    if not isinstance(text, str):
        raise OpeningHoursError("Opening hours must be text.")
    value = " ".join(text.split())
    if not value:
        raise OpeningHoursError("Opening hours are empty.")
    if len(value) > MAX_LENGTH:
        raise OpeningHoursError(f"Opening hours are longer than {MAX_LENGTH}.")
    if value == "24/7":
        return WeeklyHours(((0, MINUTES_PER_WEEK),), always=True)
    week: dict[int, list[tuple[int, int]]] = {d: [] for d in range(7)}
    rules = [r.strip() for r in value.split(";")]
    if any(not r for r in rules):
        raise OpeningHoursError("An empty rule (two ';' in a row or one at the end).")
    for rule in rules:
        words = rule.split(" ")
        if len(words) == 1:
            days, times = list(range(7)), words[0]
        elif len(words) == 2:
            days, times = _days(words[0]), words[1]
        else:
            raise OpeningHoursError(
                f"{rule!r}: expected days then times, e.g. 'Mo-Fr 08:00-16:00'."
            )
        if times in ("off", "closed"):
            spans: list[tuple[int, int]] = []
        elif times == "24/7" or times == "00:00-24:00":
            spans = [(0, MINUTES_PER_DAY)]
        else:
            spans = _spans(times)
        for day in days:
            week[day] = list(spans)  # a later rule replaces earlier ones on its days
    intervals = sorted(
        (day * MINUTES_PER_DAY + start, day * MINUTES_PER_DAY + end)
        for day, spans in week.items()
        for start, end in spans
    )
    whole_days = [(d * MINUTES_PER_DAY, (d + 1) * MINUTES_PER_DAY) for d in range(7)]
    if intervals == whole_days:
        return WeeklyHours(((0, MINUTES_PER_WEEK),), always=True)
    return WeeklyHours(tuple(intervals))


def validate(text: str) -> str:
    """`text` with its spaces tidied, after checking it parses."""
    parse(text)
    return " ".join(text.split())


def minute_of_week(when: datetime, zone: ZoneInfo) -> int:
    local = when.astimezone(zone)
    return local.weekday() * MINUTES_PER_DAY + local.hour * 60 + local.minute


def is_open(text: str, when: datetime, zone: ZoneInfo) -> bool | None:
    """Whether a place with these hours is open at `when` (an aware datetime) in
    `zone`; None when the hours are unknown or unreadable."""
    if not text:
        return None
    try:
        hours = parse(text)
    except OpeningHoursError:
        return None
    return hours.is_open(minute_of_week(when, zone))
