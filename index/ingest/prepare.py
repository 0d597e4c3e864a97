"""Articles split into sentences and chunks and embedded: the work of ingest, one group at a time.

`embed_group` is what any worker runs (this process, a spawned process or a Ray actor):
a group of articles in, per article either its chunks (not yet numbered), sentences,
entities and vectors, or the reason it was skipped. It returns plain data and never
raises for one article's sake, so a group can travel to another process and back.
`index.ingest.workers` decides where the groups run and numbers the chunks in order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from index.ingest.articles import Article, Skipped, reason_of
from index.ingest.chunking import Chunk, chunk_article
from index.ingest.nlp import Entity, Sentence, analyse
from index.model.embedder import Embedder


@dataclass(frozen=True)
class Embedded:
    """One article's share of the index, its chunks numbered -1 until they are placed."""

    chunks: tuple[Chunk, ...]
    sentences: tuple[Sentence, ...]
    sentence_vectors: np.ndarray
    entities: tuple[Entity, ...]
    chunk_vectors: np.ndarray

    def numbered(self, article: Article, first_id: int) -> tuple:
        """The row the stores write: (article, chunks with ids from `first_id`, sentences,
        their vectors, entities, chunk vectors)."""
        chunks = [Chunk(c.doc_id, c.ordinal, c.start, c.end, c.n_tokens, first_id + i)
                  for i, c in enumerate(self.chunks)]
        return (article, chunks, list(self.sentences), self.sentence_vectors,
                list(self.entities), self.chunk_vectors)


def embed_group(embedder: Embedder, group: Sequence[Article]) -> list[Embedded | Skipped]:
    """Per article of the group, in order: what it adds to the index, or why it is skipped.

    The articles go through spaCy and the embedder together, so short ones share
    batches; a step that fails is retried one article at a time, so one article that
    breaks spaCy or the embedder is skipped alone.
    """
    outcomes: list[Embedded | Skipped | None] = [None] * len(group)
    prepared: list[tuple[int, tuple]] = []
    for i, (article, result) in enumerate(zip(group, _each([a.text for a in group], analyse),
                                              strict=True)):
        try:
            if isinstance(result, Exception):
                raise result
            sentences, entities = result
            chunks = chunk_article(article.doc_id, article.text, sentences, fits=embedder.fits)
            prepared.append((i, (article, chunks, sentences, entities,
                                 _home_chunks(sentences, chunks))))
        except Exception as error:  # skipped with its reason
            outcomes[i] = _failure(article, "split into sentences and chunks", error)
    encoded = _each([p for _, p in prepared], lambda items: _encode(embedder, items))
    for (i, (article, chunks, sentences, entities, _)), result in zip(prepared, encoded,
                                                                      strict=True):
        if isinstance(result, Exception):
            outcomes[i] = _failure(article, "embedded", result)
            continue
        chunk_vectors, sentence_vectors = result
        outcomes[i] = Embedded(tuple(chunks), tuple(sentences), sentence_vectors,
                               tuple(entities), chunk_vectors)
    return outcomes


def _each(items: Sequence, work: Callable[[Sequence], list]) -> list:
    """`work(items)` as one batch; if that raises, `work([item])` for each item, so that a
    failure costs only the item that caused it: per item, its result or its exception."""
    try:
        return work(items)
    except Exception as error:  # sorted out item by item below
        if len(items) == 1:
            return [error]
    results = []
    for item in items:
        try:
            results.append(work([item])[0])
        except Exception as error:  # this item's reason to be skipped
            results.append(error)
    return results


def _failure(article: Article, stage: str, error: BaseException) -> Skipped:
    """The article skipped, named by its file (or id), with the stage and error in one line."""
    return Skipped(article.path or article.doc_id,
                   f"`{article.doc_id}` could not be {stage}: {reason_of(error)}")


def _encode(embedder: Embedder, prepared: Sequence[tuple]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(chunk vectors, sentence vectors) per prepared article, from one embedder call:
    each sentence is pooled inside the chunk that holds most of it."""
    texts, spans = [], []
    for article, chunks, sentences, _, homes in prepared:
        per_chunk: list[list[tuple[int, int]]] = [[] for _ in chunks]
        for s, home in zip(sentences, homes, strict=True):
            c = chunks[home]
            per_chunk[home].append((max(s.start, c.start) - c.start, min(s.end, c.end) - c.start))
        texts += [article.text[c.start:c.end] for c in chunks]
        spans += per_chunk
    if texts:
        chunk_vectors, parts = embedder.encode_with_spans(texts, spans)
    else:
        chunk_vectors, parts = np.zeros((0, embedder.dimension), dtype=np.float32), []
    results, row = [], 0
    for _, chunks, sentences, _, homes in prepared:
        mine = parts[row:row + len(chunks)]
        used = [0] * len(chunks)
        sentence_vectors = np.zeros((len(sentences), embedder.dimension), dtype=np.float32)
        for i, home in enumerate(homes):
            sentence_vectors[i] = mine[home][used[home]]
            used[home] += 1
        results.append((chunk_vectors[row:row + len(chunks)], sentence_vectors))
        row += len(chunks)
    return results


def _home_chunks(sentences: Sequence[Sentence], chunks: Sequence[Chunk]) -> list[int]:
    """For each sentence, the chunk that holds most of it: its vector is pooled there."""
    homes = []
    for s in sentences:
        overlaps = [min(s.end, c.end) - max(s.start, c.start) for c in chunks]
        homes.append(int(np.argmax(overlaps)))
    return homes
