"""`ask()`: retrieve passages, read them, weigh what each source says.

question (a follow-up made to stand on its own: qa.followup) -> hybrid retrieval
(qa.retrieve) -> sources of the time the question names first (qa.when) -> windows to read
(qa.windows) -> the reader's span per window (qa.reader) -> positions and conflicts
(qa.positions) -> Answer. This module only orchestrates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from index import Index, open_default
from index.ingest.nlp import pipeline
from index.ingest.terms import terms
from qa.focus import on_topic
from qa.followup import resolve
from qa.positions import weigh
from qa.reader import Reader, load_reader
from qa.result import Answer
from qa.retrieve import retrieve
from qa.when import parse_date, period_of, prefer, published
from qa.windows import windows

MAX_QUESTION_CHARS = 1000

_opened: dict[str, Index] = {}


# Each window's best spans, not only its best: when the best is of a kind the question
# rules out (qa.question), the next one may answer ("How many died?" read as the quake's
# magnitude beside "4 people dead"). Two, not one or three: BENCHMARKS.md, issue 18's
# fourth session.
SPANS_PER_WINDOW = 2


def _open(index: Index | str | Path | None) -> Index:
    """An index object as it is (either kind); a location (folder or URI) opened once."""
    if index is not None and not isinstance(index, str | Path):
        return index
    key = str(index or "")
    if key not in _opened:
        _opened[key] = open_default(index)
    return _opened[key]


# Markup pasted with a question (or typed to probe the page) is not part of what is asked:
# a script or style element goes whole, any other tag leaves its text.
_MARKUP = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|</?[A-Za-z][^<>]*>", re.IGNORECASE | re.DOTALL)


def _readable(question: str) -> str:
    """The question without markup, with bytes that were not UTF-8 (a shell passes them
    through as surrogates) as U+FFFD, so it can be tokenized and printed."""
    text = question.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return " ".join(_MARKUP.sub(" ", text).split())


def _refusal(question: str) -> str:
    """Why a question cannot be asked at all, or "" when it can."""
    if not question.strip():
        return "Please ask a question: the question is empty."
    if len(question) > MAX_QUESTION_CHARS:
        return (f"The question is {len(question):,} characters long; "
                f"please keep it under {MAX_QUESTION_CHARS:,}.")
    if not terms(question):
        return "The question has no words to search for."
    return ""


def warm_up(index: Index | str | Path | None = None) -> None:
    """Load what a first answer needs (the index, the embedder, the reader, and spaCy for
    follow-up questions) now, so that a page or a prompt that says "ready" answers its
    first question fast. A one-shot question needs none of this: spaCy loads only when
    there is a conversation to resolve."""
    idx = _open(index)
    idx.embedder.encode(["warm up"])
    reader = load_reader()
    reader.warm_up()
    reader.read_texts("Who is it?", ["A warm-up sentence about no one."])
    pipeline()


def ask(question: str, index: Index | str | Path | None = None, k: int = 12,
        reader: Reader | None = None, history: Sequence[Answer] = ()) -> Answer:
    """Answer from the articles in `index` (default: the seeds), citing every source.

    `k` is how many articles are read; `reader` defaults to the shipped one; `history`
    holds the conversation's earlier answers, oldest first, so that a follow-up ("When
    did she take office?") is answered as it was meant (`Answer.understood`).
    """
    asked = _readable(question).strip() if isinstance(question, str) else ""
    refusal = _refusal(asked)
    if refusal:
        return Answer(asked, (), message=refusal)
    question = resolve(asked, history)
    idx = _open(index)
    with idx.snapshot():
        if idx.is_empty():
            return Answer(asked, (), message="The index is empty: add articles first.", understood=question)
        vector = idx.embedder.encode([question])[0]
        retrieved = retrieve(idx, question, vector, sources=k)
    found = [r.passage for r in retrieved]
    newest = max(filter(None, (parse_date(published(p.article)) for p in found)), default=None)
    period = period_of(question, newest)    # "as of November 4": the year the sources tell
    passages = prefer(found, period, lambda p: published(p.article))
    chosen = windows(passages, question, vector)
    reader = reader or load_reader()
    spans = on_topic(reader.read(question, chosen, SPANS_PER_WINDOW), question, reader.calibration)
    positions, conflicts = weigh(spans, question, reader.calibration, period)
    return Answer(asked, positions, conflicts, "" if positions else "No answer in these articles.",
                  understood=question)
