"""What a question is about: the names it mentions.

The reader decides what answers a question; this only finds the subjects a question
names, so that two sources answering about two things of the same name (two towns
called Broken Bow) are not taken for a contradiction.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.nlp import pipeline

# Entities a question can be about.
_SUBJECT_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "WORK_OF_ART", "EVENT", "PRODUCT"}


@dataclass(frozen=True)
class Question:
    text: str
    subjects: tuple[str, ...] = ()   # the names it mentions


def analyse_question(text: str) -> Question:
    doc = pipeline()(text)
    return Question(text=text, subjects=tuple(e.text for e in doc.ents if e.label_ in _SUBJECT_LABELS))
