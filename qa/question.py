"""What a question is about: the names it mentions that its sources also name, and the
kinds of value that cannot answer it.

The reader decides what answers a question; this only finds the subjects a question
names, so that two sources answering about two things of the same name (two towns
called Broken Bow) are not taken for a contradiction, and the kinds of value a question
word rules out ("How many votes" is not answered by a share, "Who" not by a date), so
that a wrong kind of span neither answers nor makes a disagreement.

The names are the entities spaCy found in the retrieved passages at ingest, looked up in
the question: no model runs at question time, and a name the question spells in lower
case is found as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from index import Passage

# Entities a question can be about.
_SUBJECT_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "WORK_OF_ART", "EVENT", "PRODUCT"}


def subjects(question: str, passages: Iterable[Passage]) -> tuple[str, ...]:
    """The passages' names that the question mentions as whole words, longest first; a
    name inside a longer one found ("Bow" in "Broken Bow") is left out. Acronyms must
    match in capitals ("US" is not "us")."""
    names = {p.article.text[e.start:e.end] for p in passages for e in p.entities
             if e.label in _SUBJECT_LABELS}
    found: list[str] = []
    for name in sorted(names, key=len, reverse=True):
        flags = 0 if name.isupper() else re.IGNORECASE
        if len(name) > 1 and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", question, flags) \
                and not any(name.lower() in longer.lower() for longer in found):
            found.append(name)
    return tuple(found)


_NUMERIC = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
_TIMES = frozenset({"DATE", "TIME"})
_NAMES = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"})
# What a question asks for, from its opening words (after a preposition: "At what time",
# "By when"), and the entity labels that cannot answer it. Only the plain cases: a
# question that says "percent", "share" or "rate" may be answered by a share, and any
# label not listed (free text included) stays possible.
_OPENING = r"^\s*(?:(?:at|by|in|on|for|from|since|until|till|to|of|after|before|during)\s+)?"
# A count: "how many", "what is the number of", "what was the death toll".
_COUNT = (r"(?:how many|(?:what|which)(?:'s|\s+(?:is|was|are|were))?\s+(?:the\s+)?(?:total\s+|final\s+)?"
          r"(?:number|death toll|toll|tally|headcount)\s+of|what(?:'s|\s+(?:is|was))\s+the\s+death\s+toll)")
_RULED_OUT = tuple((re.compile(_OPENING + asked + r"\b", re.IGNORECASE), labels) for asked, labels in (
    (_COUNT, _TIMES | {"PERCENT", "MONEY"} | _NAMES),
    # A speed: a measure, never a time, a sum or a share.
    (r"(?:how fast|how quickly|(?:what|which)\s+speed)", _TIMES | {"PERCENT", "MONEY"} | _NAMES),
    # A length, a duration or an age: a measure or a span of time ("how high" may be a
    # share or a price: "How high was turnout?").
    (r"how (?:long|far|tall|deep|wide|old)", {"PERCENT", "MONEY"} | _NAMES),
    (r"how (?:high|low|big|large|small|strong)", _NAMES | _TIMES),
    (r"how much", _NAMES),
    (r"(?:when|(?:what|which) (?:year|date|day|month|time|hour))", _NUMERIC | _NAMES),
    (r"(?:who|whom|whose)", _NUMERIC | _TIMES),
    (r"where", _NUMERIC | _TIMES),
))
_SHARE = re.compile(r"\b(percent\w*|per cent|share|rate|proportion|%)", re.I)
# A count of units of time is a span of time, which spaCy tags DATE or TIME ("12 years").
_DURATION = re.compile(r"\bhow many\s+(?:more\s+)?(?:seconds|minutes|hours|days|nights|weeks|months|years|"
                       r"decades|centuries)\b", re.I)


_COUNTING = re.compile(_OPENING + _COUNT + r"\b", re.IGNORECASE)
# Units of a measure, whose count may be fractional ("how many kilometres": 6.5).
_MEASURE = re.compile(r"\bhow many\s+(?:\w+\s+)?(?:kilo|centi|milli)?(?:metres|meters|miles|litres|liters|"
                      r"tonnes|tons|grams|kilos|degrees|points|feet|inches|acres|hectares|barrels|"
                      r"percent|per cent)\b", re.I)


_DEFINITION = re.compile(r"^\s*(?:who|what)\s+(?:is|was|are|were|'s)\s+(.+?)\s*\??\s*$", re.I)


def asks_what_it_is(question: str, named: Iterable[str]) -> bool:
    """Whether the question asks what a name the sources give is ("Who is Liu Jinsong?",
    "What is Kyodo?"): its answers are descriptions, and two descriptions of one thing
    are two wordings, not a contradiction."""
    asked = _DEFINITION.match(question)
    return asked is not None and asked.group(1).lower() in {n.lower() for n in named}


def asks_count(question: str) -> bool:
    """Whether the question asks how many people or things (not how many units of a
    measure or of time: "how many kilometres", "how many seconds")."""
    return _COUNTING.search(question) is not None and not _DURATION.search(question) \
        and not _MEASURE.search(question)


def ruled_out(question: str) -> frozenset[str]:
    """The entity labels whose values cannot answer `question`, from its question word."""
    for pattern, labels in _RULED_OUT:
        if pattern.search(question):
            if _SHARE.search(question):
                labels -= {"PERCENT"}
            return labels - _TIMES if _DURATION.search(question) else labels
    return frozenset()


_WHERE = re.compile(r"\s*(where|in (what|which) (town|city|village|country|place|region))\b", re.I)


def asks_where(question: str) -> bool:
    """Whether the question asks for a place."""
    return _WHERE.match(question) is not None
