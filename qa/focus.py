"""Spans from sentences about the question: a value read in a sentence about something
else counts as no answer.

The reader reads windows from several articles, and each window is read on its own. In
two reports of a bus crash, "When did the highway reopen?" can be answered "Wednesday"
from a sentence about the crash, beside a source whose sentence is about the reopening;
"How many were injured?" can be answered with the magnitude from a sentence about an
earthquake's strength. Taken as answers, such readings make false disagreements and
wrong answers that change with the question's wording.

So each span's sentence is scored for how much it speaks of the question: the share of
the question's words it holds (stemmed, as BM25 has them), counting only the words that
tell the sentences read apart (in two reports of a crash on the A25, "A25" is in every
sentence read, and "reopen" only in one). Words, not the sentence vectors stored at
ingest: those are pooled from their chunk, and in a short story every sentence's vector
is close to the story's (the crash sentence above is nearer "When did the A25 reopen?"
than the reopening one). A span whose sentence scores more than `Calibration.off_topic`
below the best sentence the reader found a span in is set aside. `off_topic` is chosen
on held-out training data by `train/focus.py`: the gap that keeps 99% of right answers
beside every other sentence of their paragraph (in the product a right answer is
compared only with the sentences the reader found spans in).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence

from index.ingest.terms import terms
from qa.reader import Calibration, Span


def on_topic(spans: Sequence[Span], question: str, calibration: Calibration) -> list[Span]:
    """The spans whose sentence speaks of the question about as much as the best one
    that the reader found a span in (a span at least `calibration.floor`)."""
    if not spans or not math.isfinite(calibration.off_topic):
        return list(spans)
    read = [span.confidence >= calibration.floor for span in spans]
    if not any(read):
        return list(spans)
    gaps = below_best(focus_scores([_sentence(span) for span in spans], read, question), read)
    return [span for span, gap in zip(spans, gaps, strict=True) if gap <= calibration.off_topic]


def below_best(scores: Sequence[float], read: Sequence[bool]) -> list[float]:
    """How far each score is below the best of those marked `read`."""
    best = max(score for score, counted in zip(scores, read, strict=True) if counted)
    return [best - score for score in scores]


# The words that make a question a question, which say nothing of what it is about.
_ASKING = frozenset(terms("who whom whose what when where which why how do does did is are was were be "
                          "been has have had will would can could many much"))


def focus_scores(texts: Sequence[str], read: Sequence[bool], question: str) -> list[float]:
    """Each sentence's share of the question's words, among those not in every sentence
    marked `read` (all of them, when every such sentence holds the same ones)."""
    asked = set(terms(question)) - _ASKING
    held = [_held(asked, terms(text)) for text in texts]
    telling = asked - set.intersection(*(h for h, r in zip(held, read, strict=True) if r)) or asked
    return [len(h & telling) / max(len(telling), 1) for h in held]


def _held(asked: set[str], words: list[str]) -> set[str]:
    """The asked words that `words` hold, as themselves or in another form."""
    return {a for a in asked if any(_same_word(a, w) for w in words)}


# The shortest stem that may match as part of a longer one ("rail" in "derail" would, "run"
# in "runway" would not).
_AFFIX = 4


def _same_word(a: str, b: str) -> bool:
    """Two stems of one word: equal, or one begins or ends the other ("drive" and
    "driver", "quake" and "earthquake", "centre" and "epicentre")."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= _AFFIX and (long.startswith(short) or long.endswith(short))


def _sentence(span: Span) -> str:
    """The sentence the span starts in."""
    passage = span.passage
    i = max(0, bisect_right([s.start for s in passage.sentences], span.start) - 1)
    return passage.article.text[passage.sentences[i].start:passage.sentences[i].end]
