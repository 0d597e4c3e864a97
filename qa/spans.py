"""From a reader's start/end scores to a span of text: shared by the product's reader
(qa/reader.py) and training's evaluation (train/reader.py), so both decode alike.

Only numpy: training imports it on machines that have none of the index's packages.
"""

from __future__ import annotations

import numpy as np

MAX_ANSWER_TOKENS = 30
_EDGE = " \t\n,;:.!?\"'()[]“”‘’"


def best_span(start: np.ndarray, end: np.ndarray, passage: np.ndarray) -> tuple[int, int, float] | None:
    """The best (first token, last token) over the passage tokens (`passage` is their mask):
    the highest start+end score with end >= start, at most MAX_ANSWER_TOKENS long, and its
    margin over the [CLS] "no answer" score. None when the window holds no passage."""
    found = top_spans(start, end, passage, 1)
    return found[0] if found else None


def top_spans(start: np.ndarray, end: np.ndarray, passage: np.ndarray,
              n: int) -> list[tuple[int, int, float]]:
    """The `n` best spans as `best_span` scores them, best first, none overlapping another:
    the reader's next reading of a window when its best is of a kind the question rules
    out ("How many died?" read as the quake's magnitude, 6.1, beside "4 people dead")."""
    if not passage.any():
        return []
    size = len(passage)
    scores = np.where(passage, start, -np.inf)[:, None] + np.where(passage, end, -np.inf)[None, :]
    i, j = np.indices((size, size))
    scores[(j < i) | (j - i >= MAX_ANSWER_TOKENS)] = -np.inf
    found = []
    for _ in range(n):
        first, last = divmod(int(np.argmax(scores)), size)
        if not np.isfinite(scores[first, last]):
            break
        found.append((first, last, float(scores[first, last] - (start[0] + end[0]))))
        scores[:last + 1, first:] = -np.inf      # every span that overlaps this one
    return found


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets without edge spaces and punctuation ("Kyodo News," -> "Kyodo News"), keeping
    a closing bracket or quote whose opening one is inside."""
    while start < end and text[start] in _EDGE and text[start] not in "([\"“‘'":
        start += 1
    while end > start and text[end - 1] in _EDGE:
        closer = text[end - 1]
        opener = {")": "(", "]": "[", "”": "“", "’": "‘"}.get(closer)
        if opener and opener in text[start:end - 1]:
            break
        end -= 1
    return start, end
