"""Example questions made from whatever articles are loaded, not written for one corpus.

Two shapes of news sentence make good, answerable questions:

* an office before a name, "Japanese Prime Minister Sanae Takaichi" or "Japan's
  Education Minister Yohei Matsumoto", becomes "Who is the Japanese Prime Minister?";
  offices that different articles give to different people come first, since those
  show how the assistant handles sources that disagree;
* a subject before a reporting verb, "Beijing on Friday warned ...", becomes
  "What did Beijing warn?".

One generic question about the newest article is always added, so a corpus with
neither shape still offers something to click.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = r"[A-Z][\w'-]+"
_NAME = rf"(?P<name>{_WORD}(?: {_WORD}){{0,2}})"
_OFFICES = ("Prime Minister", "President", "Vice President", "Minister", "Mayor", "Governor",
            "Chancellor", "Premier", "Secretary", "Ambassador", "Chief Executive", "CEO",
            "Chairman", "Chairwoman", "Chair", "Director", "Spokesperson", "Spokesman",
            "Senator", "King", "Queen", "Coach", "Captain", "Commissioner", "Speaker")
_OFFICE = r"(?P<office>(?:[A-Z][a-z]+ ){0,2}(?:" + "|".join(_OFFICES) + r"))"
# "Japanese Prime Minister X", "Japan's Education Minister X", "Taiwan President X"
_OFFICE_HOLDER = re.compile(rf"\b(?P<place>{_WORD}?)(?P<possessive>'s)? {_OFFICE} {_NAME}")
_REPORTING = {"said": "say", "warned": "warn", "announced": "announce", "told": "tell",
              "stated": "state", "urged": "urge", "claimed": "claim", "denied": "deny",
              "promised": "promise", "revealed": "reveal", "confirmed": "confirm"}
_SPEAKER = re.compile(rf"(?:^|[.!?]\s+)(?P<who>{_WORD}(?: {_WORD}){{0,2}})"
                      rf"(?: on {_WORD})? (?P<verb>{'|'.join(_REPORTING)})\b")
_DEMONYM = re.compile(r"(?:ese|ian|an|ish|ch|i)$")
_NOT_SUBJECTS = {"The", "A", "An", "It", "He", "She", "They", "We", "I", "This", "That",
                 "Officials", "Sources", "Media", "Reports", "According"}
GENERIC_WORDS = 8


@dataclass(frozen=True)
class Doc:
    """What the examples need of an indexed article."""

    doc_id: str
    title: str
    date: str
    text: str


def office_questions(docs: Iterable[Doc]) -> list[str]:
    """ "Who is the <place> <office>?" ranked by how many different holders sources name."""
    holders: dict[str, set[str]] = defaultdict(set)
    mentions: dict[str, set[str]] = defaultdict(set)
    for doc in docs:
        for match in _OFFICE_HOLDER.finditer(doc.text):
            question = _office_question(match.group("place"), bool(match.group("possessive")),
                                        match.group("office"))
            if question:
                holders[question].add(match.group("name").split()[-1])
                mentions[question].add(doc.doc_id)
    ranked = sorted(holders, key=lambda q: (-len(holders[q]), -len(mentions[q]), q))
    return ranked


def _office_question(place: str, possessive: bool, office: str) -> str:
    """Only offices tied to a place: "Who is the Minister?" alone is too vague to answer."""
    if not place or place in _NOT_SUBJECTS:
        return ""
    if possessive or not _DEMONYM.search(place):
        return f"Who is the {office} of {place}?"
    return f"Who is the {place} {office}?"


def speaker_questions(docs: Iterable[Doc]) -> list[str]:
    """ "What did <subject> <verb>?" for subjects that open a sentence with a reporting verb."""
    counts: dict[str, int] = defaultdict(int)
    for doc in docs:
        for match in _SPEAKER.finditer(doc.text):
            who = match.group("who")
            if who.split()[0] in _NOT_SUBJECTS:
                continue
            counts[f"What did {who} {_REPORTING[match.group('verb')]}?"] += 1
    return sorted(counts, key=lambda q: (-counts[q], q))


def generic_question(docs: list[Doc]) -> str:
    """A question about the newest article's headline; works for any corpus."""
    if not docs:
        return "What happened?"
    newest = max(docs, key=lambda d: (d.date, d.doc_id))
    words = (newest.title or newest.text).split()
    headline = " ".join(words[:GENERIC_WORDS]).rstrip(".,;:…")
    return f"What is this about: {headline}?"


def example_questions(docs: Iterable[Doc], limit: int = 5) -> list[str]:
    """Office questions, then speaker questions, then the generic one; never empty."""
    docs = list(docs)
    offices, speakers = office_questions(docs), speaker_questions(docs)
    room = limit - 1
    picked = offices[: max(1, room - 1)]
    picked += speakers[: room - len(picked)]
    picked += [q for q in offices if q not in picked][: room - len(picked)]
    return [*picked, generic_question(docs)]
