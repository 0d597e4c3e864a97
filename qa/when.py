"""Time in questions and sources: the period a question names, and dates as people read them.

"Who was mayor in 2023?" is about 2023: sources dated then come first, so that a story
from 2025 about the next mayor does not answer a question about the last one. Sources
from other times are never dropped, only placed after, since an article written later
often says who held a post before.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

_MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): n for n, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"(?:19|20)\d{2}"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday),?\s+"
# "3 November 2025", "November 3, 2025", "2025-11-03", "October 2025", "Oct. 2025", "in 2023",
# "2025-10"; a day without its year, "Monday, November 4", when the sources tell the year;
# with "before" / "after" / "since" / "until" / "as of".
_WHEN = re.compile(
    rf"(?:\b(?P<edge>before|after|since|until|till|by|as of)\s+)?(?:(?:in|during|on)\s+)?(?:{_WEEKDAY})?(?:"
    rf"\b(?P<day>{_DAY})\s+(?P<day_month>{_MONTH})\.?,?\s+(?P<day_year>{_YEAR})\b"
    rf"|\b(?P<month_day>{_MONTH})\.?\s+(?P<day2>{_DAY}),?\s+(?P<day2_year>{_YEAR})\b"
    rf"|\b(?P<iso_day_year>{_YEAR})-(?P<iso_day_month>0[1-9]|1[0-2])-(?P<iso_day>[0-3]\d)\b"
    rf"|\b(?P<month>{_MONTH})\.?\s+(?:of\s+)?(?P<month_year>{_YEAR})\b"
    rf"|\b(?P<iso_year>{_YEAR})-(?P<iso_month>0[1-9]|1[0-2])\b(?!-\d)"
    rf"|\b(?P<year>{_YEAR})\b(?!-\d)"
    rf"|\b(?P<day3>{_DAY})\s+(?P<day3_month>{_MONTH})\b"
    rf"|\b(?P<month_day3>{_MONTH})\.?\s+(?P<day4>{_DAY})\b)",
    re.IGNORECASE)
# A day named without its year is the latest such day up to this long after the newest source.
_AHEAD_DAYS = 60
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})(?:-(\d{2}))?")


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included; `said` is how the question put it."""

    start: date
    end: date
    said: str

    def holds(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end


def period_of(question: str, newest: date | None = None) -> Period | None:
    """The time a question names, or None. The first mention counts: "in 2023, before the
    2024 election" is about 2023. A day without a year ("as of Monday, November 4") is read
    in the year of the `newest` source, as a reader of those sources would; without one it
    names no period."""
    match = _WHEN.search(question)
    if match is None:
        return None
    try:
        first, last = _days(match, newest)
    except ValueError:  # 31 February, or a day without a year and no source to tell it
        return None
    edge = (match["edge"] or "").lower()
    if edge in ("before", "until", "till", "by", "as of"):
        first, last = date.min, (_day_before(first) if edge == "before" else last)
    elif edge in ("after", "since"):
        first, last = (first if edge == "since" else _day_after(last)), date.max
    return Period(first, last, match.group(0).strip())


def _days(match: re.Match, newest: date | None = None) -> tuple[date, date]:
    """The first and last day of the day, month or year a `_WHEN` match names."""
    day = None
    if match["day3"] or match["day4"]:
        if newest is None:
            raise ValueError("a day without a year")
        month = _MONTHS[(match["day3_month"] or match["month_day3"]).lower()]
        number = int((match["day3"] or match["day4"]).rstrip("stndrh"))
        day = date(newest.year, month, number)
        if day.toordinal() > newest.toordinal() + _AHEAD_DAYS:
            day = date(newest.year - 1, month, number)
    elif match["day"]:
        day = date(int(match["day_year"]), _MONTHS[match["day_month"].lower()],
                   int(match["day"].rstrip("stndrh")))
    elif match["day2"]:
        day = date(int(match["day2_year"]), _MONTHS[match["month_day"].lower()],
                   int(match["day2"].rstrip("stndrh")))
    elif match["iso_day"]:
        day = date(int(match["iso_day_year"]), int(match["iso_day_month"]), int(match["iso_day"]))
    if day:
        return day, day
    if match["month"]:
        year, month = int(match["month_year"]), _MONTHS[match["month"].lower()]
    elif match["iso_year"]:
        year, month = int(match["iso_year"]), int(match["iso_month"])
    else:
        year, month = int(match["year"]), 0
    return (date(year, month or 1, 1),
            date(year, month or 12, calendar.monthrange(year, month or 12)[1]))


def _day_before(day: date) -> date:
    return date.fromordinal(day.toordinal() - 1)


def _day_after(day: date) -> date:
    return date.fromordinal(min(day.toordinal() + 1, date.max.toordinal()))


def published(article: object) -> str:
    """An article's publication date, ISO when known: `published` where the index keeps it
    apart from `date`, read with getattr so that either shape of Article works."""
    return getattr(article, "published", "") or getattr(article, "date", "") or ""


def parse_date(text: str) -> date | None:
    """The day an ISO date string names ("2025-11-18", "2025-11-18T09:00:00Z"; a month
    alone, "2025-11", is its first day), or None when it names none."""
    match = _ISO_DATE.match(text or "")
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3] or 1))
    except ValueError:
        return None


def readable_date(text: str) -> str:
    """"2025-11-18" -> "18 Nov 2025", "2025-11" -> "Nov 2025"; text that is not an ISO date
    is shown as it is."""
    day = parse_date(text)
    if day is None:
        return (text or "").strip()
    if re.match(r"^\s*\d{4}-\d{2}(?!-)", text):
        return f"{calendar.month_abbr[day.month]} {day.year}"
    return f"{day.day} {calendar.month_abbr[day.month]} {day.year}"


def time_ranks(count: int) -> list[str]:
    """Words for `count` things in time order, newest first: newer, older; newest, earlier,
    ..., oldest."""
    if count == 2:
        return ["newer", "older"]
    return ["newest", *["earlier"] * (count - 2), "oldest"][:count]


T = TypeVar("T")


def prefer(items: Sequence[T], period: Period | None, published: Callable[[T], str]) -> list[T]:
    """`items` with those whose date (`published(item)`, ISO) falls in `period` first; both
    groups keep their order, and nothing is dropped."""
    if period is None:
        return list(items)
    inside = [item for item in items if period.holds(parse_date(published(item)))]
    return inside + [item for item in items if not period.holds(parse_date(published(item)))]
