"""What a question is about: the names it mentions that its sources also name.

The reader decides what answers a question; this only finds the subjects a question
names, so that two sources answering about two things of the same name (two towns
called Broken Bow) are not taken for a contradiction.

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
