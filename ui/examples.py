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
_RUN = re.compile(rf"{_WORD}(?: {_WORD})+")   # a run of capitalised words
_OFFICES = {"Minister", "President", "Mayor", "Governor", "Chancellor", "Premier", "Secretary",
            "Ambassador", "CEO", "Chairman", "Chairwoman", "Director", "Spokesperson",
            "Spokesman", "Senator", "King", "Queen", "Coach", "Captain", "Commissioner",
            "Speaker", "Leader"}
_PLACE = re.compile(r"(?:ese|ian|an|ish|ch|i)$")     # Japanese, Italian, Taiwan, British ...
_DEMONYM = re.compile(r"(?:ese|ian|ean|can|man|ish|ch|i)$")  # ... of those, not Taiwan
_MAX_MODIFIERS = 2                                    # "Vice Foreign Minister"
_REPORTING = {"said": "say", "warned": "warn", "announced": "announce", "told": "tell",
              "stated": "state", "urged": "urge", "claimed": "claim", "denied": "deny",
              "promised": "promise", "revealed": "reveal", "confirmed": "confirm"}
_SPEAKER = re.compile(rf"(?:^|[.!?]\s+)(?P<who>{_WORD}(?: {_WORD}){{0,2}})"
                      rf"(?: on {_WORD})? (?P<verb>{'|'.join(_REPORTING)})\b")
_NOT_SUBJECTS = {"The", "A", "An", "It", "He", "She", "They", "We", "I", "This", "That",
                 "Officials", "Sources", "Media", "Reports", "According", "In", "On"}
_DATELINE = re.compile(r"^\s*(?:[A-Z][A-Za-z .]+:|date \S+ [A-Z]+:)\s*")
GENERIC_WORDS = 12


@dataclass(frozen=True)
class Doc:
    """What the examples need of an indexed article."""

    doc_id: str
    title: str
    date: str
    text: str


def office_questions(docs: Iterable[Doc]) -> list[str]:
    """ "Who is the <place> <office>?", offices with the most different holders first."""
    holders: dict[str, set[str]] = defaultdict(set)
    mentions: dict[str, set[str]] = defaultdict(set)
    for doc in docs:
        for run in _RUN.finditer(doc.text):
            found = _office_in(run.group().split())
            if found:
                question, holder = found
                holders[question].add(holder)
                mentions[question].add(doc.doc_id)
    return sorted(holders, key=lambda q: (-len(holders[q]), -len(mentions[q]), q))


def _office_in(words: list[str]) -> tuple[str, str] | None:
    """(question, holder's last name) from a run like "Japan's Education Minister Yohei
    Matsumoto"; None unless a place precedes the office and a name follows it, since "Who
    is the Minister?" alone is too vague to answer."""
    for at, word in enumerate(words):
        if word in _OFFICES and at + 1 < len(words):
            break
    else:
        return None
    first = at
    while first > 0 and at - first < _MAX_MODIFIERS and not _is_place(words[first - 1]):
        first -= 1
    if first == 0 or not _is_place(words[first - 1]):
        return None
    place, office = words[first - 1], " ".join(words[first:at + 1])
    if _DEMONYM.search(place):
        question = f"Who is the {place} {office}?"
    else:
        name = place.removesuffix("'s")
        question = f"Who is the {office} of {name}?"
    return question, words[-1]


def _is_place(word: str) -> bool:
    return word.endswith("'s") or (word not in _NOT_SUBJECTS and bool(_PLACE.search(word)))


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
    headline = _DATELINE.sub("", newest.title or newest.text, count=1)
    clause = re.split(r"[,;:(\n]", headline, maxsplit=1)[0]
    words = clause.split()[:GENERIC_WORDS]
    return f"What is this about: {' '.join(words).rstrip('.!?…')}?"


def example_questions(docs: Iterable[Doc], limit: int = 5) -> list[str]:
    """Office questions, then speaker questions, then the generic one; never empty."""
    docs = list(docs)
    offices, speakers = office_questions(docs), speaker_questions(docs)
    room = limit - 1
    picked = offices[: max(1, room - 1)]
    picked += speakers[: room - len(picked)]
    picked += [q for q in offices if q not in picked][: room - len(picked)]
    return [*picked, generic_question(docs)]
