"""Canonical values, so that mentions that say the same thing merge into one position.

"four" and "4", "Nov 7" and "November 7", "Tuesday" in a story dated Monday 17
November 2025 and "the 18th" of the same month: each pair gets one key. Names
are compared by their words, so "Takaichi" can join "Sanae Takaichi" while
"Masaaki Kanai" and "Takashi Kanai" stay apart.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "a dozen": 12, "dozen": 12,
}
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_MONTHS = {m.lower(): i for i, m in enumerate(
    "January February March April May June July August September October November December".split(),
    start=1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_WEEKDAYS = {d: i for i, d in enumerate(
    "monday tuesday wednesday thursday friday saturday sunday".split())}
_TITLES = {"mr", "mrs", "ms", "dr", "prof", "sir", "president", "prime", "minister", "pm",
           "the", "of", "and", "general", "director", "chief"}
# Entity labels whose mentions are names: compared by their words, not their spelling.
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"})
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b")
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?")


def fold(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces: the base of every key."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"^(the|a|an)\s+", "", text.strip())
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def number_value(text: str) -> float | None:
    """The number a mention states: "3,559 people" -> 3559, "four" -> 4, "2.5 million" -> 2.5e6."""
    lowered = text.lower()
    match = _NUMBER.search(lowered)
    value: float | None = None
    if match:
        value = float(match.group().replace(",", ""))
    else:
        for word, number in _NUMBER_WORDS.items():
            if re.search(rf"\b{word}\b", lowered):
                value = float(number) if value is None else value + number
    if value is None:
        return None
    for word, scale in _SCALES.items():
        if re.search(rf"\b{word}\b", lowered):
            value *= scale
    return value


# A sum of money: a currency sign or code, or a currency named after the number ("450
# million euros", which the entity tagger often calls a plain number). "Pounds" is left
# out: it weighs as often as it pays.
_MONEY = re.compile(r"[$€£¥₹]|\b(?:euros?|dollars?|yen|yuan|renminbi|francs?|rupees?|pesos?|kronor|"
                    r"kroner|krona|krone|zloty|roubles?|rubles?|usd|eur|gbp|chf|jpy|cny)\b", re.IGNORECASE)


def is_money(text: str) -> bool:
    """Whether a mention of a number is a sum of money: "12.40 euros", "$3m", "EUR 5"."""
    return _MONEY.search(text) is not None


# A span of time: numbers and units of time, "ten minutes", "about 14 seconds", "two hours
# and 10 minutes", "three days later". spaCy tags most as TIME or DATE and leaves some
# ("ten minutes" in "around ten minutes after leaving") untagged.
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "night": 86400, "week": 604800,
            "month": 2592000, "year": 31536000, "decade": 315360000}
_TIME_UNITS = re.compile("(?:" + "|".join(_SECONDS) + ")s?")
_DURATION_WORDS = frozenset("about around some nearly almost just over under more less than only a an and "
                            "half later earlier ago long".split())


def is_duration(text: str) -> bool:
    """Whether a mention is a span of time: a count of units of time is an amount of
    time, not a count of things, a speed or a size."""
    words = fold(text).split()
    units = [w for w in words if _TIME_UNITS.fullmatch(w)]
    return bool(units) and number_value(text) is not None and all(
        w in _NUMBER_WORDS or w in _DURATION_WORDS or _TIME_UNITS.fullmatch(w) or w.replace(".", "").isdigit()
        for w in words)


def duration_value(text: str) -> float | None:
    """The seconds a span of time lasts ("4 hours 51 minutes 7 seconds" -> 17467), None if
    the mention is not one. Months and years are approximate (30 and 365 days)."""
    if not is_duration(text):
        return None
    total, counted = 0.0, []
    for word in fold(text).split():
        if not _TIME_UNITS.fullmatch(word):
            counted.append(word)
            continue
        number = number_value(" ".join(counted))
        if number is None:
            return None
        total += number * _SECONDS[word.removesuffix("s")]
        counted = []
    return total


def is_number(text: str) -> bool:
    """Whether a mention is a bare count, "Eleven" or "3,559" or "twenty-seven": a number
    however the entity tagger labelled it (it misses one that opens a sentence)."""
    words = fold(text).split()
    return bool(words) and all(w in _NUMBER_WORDS or w in _SCALES or w.replace(".", "").isdigit()
                               for w in words)


def date_value(text: str, published: str = "") -> str | None:
    """An ISO date (or year-month, or year) for a date mention, resolved against the
    article's own date for "Tuesday", "the 18th" and dates without a year."""
    lowered = text.lower()
    base = _parse_iso(published)
    iso = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", lowered)
    if iso:
        return iso.group()
    words = re.findall(r"[a-z]+", lowered)
    month = next((_MONTHS[w] for w in words if w in _MONTHS), None)
    ordinal = _ORDINAL.search(lowered)
    day_match = ordinal or re.search(r"\b(\d{1,2})\b(?!\d)", lowered)
    day = int(day_match.group(1)) if day_match else None
    year_match = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", lowered)
    year = int(year_match.group(1)) if year_match else None
    weekday = next((_WEEKDAYS[w] for w in words if w in _WEEKDAYS), None)
    if month is None and day is None and weekday is not None and base:
        # News convention: a bare weekday is the nearest one to the dateline, this week.
        delta = (weekday - base.weekday()) % 7
        if delta > 3:
            delta -= 7
        return (base + dt.timedelta(days=delta)).isoformat()
    if month is None and ordinal and base and year is None:
        # "the 18th": a day of the month the story was filed in.
        month, year = base.month, base.year
    if year is None and month is not None and base:
        year = base.year
    if year and month and day and 1 <= day <= 31:
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return None
    if year and month:
        return f"{year:04d}-{month:02d}"
    if year:
        return f"{year:04d}"
    return None


def _parse_iso(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


# A time of day: "7:40 a.m.", "6 pm", "04:12", "noon". Hours and minutes only, never
# "2:06:41" (a runner's time, not a time of day).
_CLOCK = re.compile(r"(?<![\d:.])(\d{1,2})(?:[:.](\d{2}))?(?![\d:])\s*(?:([ap])\.?\s?m\b\.?)?", re.IGNORECASE)
_CLOCK_WORDS = {"noon": "12:00", "midday": "12:00", "midnight": "00:00"}
# A time zone other than the local one, kept in a time's key: "09:12 GMT" and "04:12"
# can be one moment.
_ZONE = re.compile(r"\b(?:GMT|UTC|BST|CET|CEST|EET|EEST|[ECMP][SD]?T|JST|IST|AEST|AEDT)\b")


def clock_value(text: str, stated: bool = False) -> str | None:
    """"HH:MM" for a time of day. With `stated`, the mention must say it is one ("a.m.",
    "noon", "07:40", "04:12 local time", "12:40 GMT"): a bare "4:12" may be a score or a
    ratio unless the tagger called it a time."""
    lowered = text.lower()
    for word, value in _CLOCK_WORDS.items():
        if re.search(rf"\b{word}\b", lowered):
            return value
    zoned = re.search(r"\blocal\b", lowered) is not None or _ZONE.search(text) is not None
    for match in _CLOCK.finditer(lowered):
        hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
        said = half is not None or zoned or (match.group(1).startswith("0") and match.group(2))
        if (half is None and match.group(2) is None) or (stated and not said) or hour > 23 or minute > 59:
            continue
        if half == "p" and hour < 12:
            hour += 12
        elif half == "a" and hour == 12:
            hour = 0
        return f"{hour:02d}:{minute:02d}"
    return None


def name_words(text: str) -> frozenset[str]:
    """The words of a name without titles: "Prime Minister Sanae Takaichi" -> {sanae, takaichi}."""
    return frozenset(w for w in fold(text).split() if w not in _TITLES)


def value_key(text: str, label: str, published: str = "") -> str:
    """One key per meaning: equal keys merge into one position."""
    seconds = duration_value(text) if label in ("DATE", "TIME") else None
    if seconds is not None:
        return f"dur:{seconds:g}"
    if label == "TIME":
        clock = clock_value(text)
        if clock:
            zone = _ZONE.search(text)
            return f"time:{clock}" + (f" {zone.group().lower()}" if zone else "")
    if label in ("DATE", "TIME"):
        date = date_value(text, published)
        if date:
            return f"date:{date}"
    if label in ("CARDINAL", "QUANTITY", "MONEY", "PERCENT", "ORDINAL"):
        number = number_value(text)
        if number is not None:
            unit = "%" if label == "PERCENT" else ("$" if label == "MONEY" else "")
            return f"num:{number:g}{unit}"
    if label in NAME_LABELS:
        return "name:" + " ".join(sorted(name_words(text)))
    return "text:" + fold(text)
