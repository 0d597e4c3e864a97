"""What the reader reads: the most promising stretch of text in each retrieved passage.

The reader costs about as much per token as embedding a chunk, so reading every token
of every retrieved chunk would take most of a second on two cores. It reads windows
instead: a few sentences around the sentence most like the question (by the sentence
vectors stored at ingest, and the question's words), one window per source in turn,
so that every source gets read before any is read twice. A lone dissenting article is
read as surely as the majority.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index import Passage
from index.ingest.terms import terms

WINDOW_CHARS = 480      # about 100 word pieces: a sentence with its neighbours
MAX_WINDOWS = 12


@dataclass(frozen=True)
class Window:
    """A stretch [start, end) of one passage's article text, inside the passage."""

    passage: Passage
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.passage.article.text[self.start:self.end]


def _sentence_scores(passage: Passage, question_vector: np.ndarray, question_terms: set[str]) -> list[float]:
    """Cosine of each sentence with the question, plus the share of the question's words it has."""
    text = passage.article.text
    cosines = passage.sentence_vectors @ question_vector if len(passage.sentences) else []
    scores = []
    for sentence, cosine in zip(passage.sentences, cosines, strict=True):
        shared = question_terms & set(terms(text[sentence.start:sentence.end]))
        scores.append(float(cosine) + 0.5 * len(shared) / max(len(question_terms), 1))
    return scores


def _grow(passage: Passage, centre: int, chars: int) -> tuple[int, int]:
    """Sentences around sentence `centre`, added nearest first while they fit in `chars`."""
    sentences = passage.sentences
    lo = hi = centre
    while True:
        grown = False
        for candidate in (hi + 1, lo - 1):
            if 0 <= candidate < len(sentences):
                start = sentences[min(lo, candidate)].start
                end = sentences[max(hi, candidate)].end
                if end - start <= chars:
                    lo, hi = min(lo, candidate), max(hi, candidate)
                    grown = True
        if not grown:
            break
    start = max(sentences[lo].start, passage.chunk.start)
    return start, min(sentences[hi].end, passage.chunk.end, start + 2 * chars)


def windows(passages: list[Passage], question: str, question_vector: np.ndarray,
            limit: int = MAX_WINDOWS, chars: int = WINDOW_CHARS) -> list[Window]:
    """Up to `limit` windows over the passages (retrieval order), one per source in turn."""
    question_terms = set(terms(question))
    queues: dict[str, list[tuple[float, Passage, int]]] = {}
    for passage in passages:
        if not passage.sentences:
            continue
        scored = _sentence_scores(passage, question_vector, question_terms)
        queue = queues.setdefault(passage.chunk.doc_id, [])
        queue.extend((score, passage, i) for i, score in enumerate(scored))
    for queue in queues.values():
        queue.sort(key=lambda item: -item[0])
    chosen: list[Window] = []
    while len(chosen) < limit and any(queues.values()):
        for queue in queues.values():
            while queue and len(chosen) < limit:
                _, passage, centre = queue.pop(0)
                sentence = passage.sentences[centre]
                if any(w.passage.chunk.doc_id == passage.chunk.doc_id and w.start <= sentence.start
                       and sentence.end <= w.end for w in chosen):
                    continue        # already inside a window of this source
                start, end = _grow(passage, centre, chars)
                chosen.append(Window(passage, start, end))
                break
    return chosen
