"""The folder kind's BM25: term frequencies that segments can add to and mask without a rebuild.

bm25s precomputes a score for every (term, chunk) pair, so one new article
changes the idf of its terms and forces a full re-index: 8 s at 100k chunks.
Here each segment stores term frequencies, and scores are computed at query
time from statistics of the whole index (live chunks of every segment), with
the same Lucene BM25 formula bm25s uses (a test checks they agree). Adding an
article costs time in proportion to the article, not to the index. Terms come from
`index.ingest.terms`, the tokenizer questions go through too.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import scipy.sparse as sp

from index.ingest.terms import K1, B


class Postings:
    """One segment's term frequencies, a term-major sparse matrix; never rewritten once saved.

    Chunks replaced or removed later are masked out with `drop`, so that a deletion
    costs nothing on disk until the segment is merged.
    """

    def __init__(self, chunk_ids: np.ndarray, term_ids: np.ndarray, counts: np.ndarray,
                 vocab: list[str]) -> None:
        self.vocab = vocab
        self.term_of = {term: i for i, term in enumerate(vocab)}
        self.chunk_ids = np.unique(chunk_ids)
        rows = np.searchsorted(self.chunk_ids, chunk_ids)
        self._triples = (chunk_ids, term_ids, counts)
        self.matrix = sp.csc_matrix((counts.astype(np.float32), (rows, term_ids)),
                                    shape=(len(self.chunk_ids), max(len(vocab), 1)))
        self.lengths = np.asarray(self.matrix.sum(axis=1)).ravel()
        self.live = np.ones(len(self.chunk_ids), dtype=bool)

    @classmethod
    def from_terms(cls, rows: Iterable[tuple[int, Sequence[str]]]) -> Postings:
        """Postings of (chunk id, terms) pairs."""
        term_of: dict[str, int] = {}
        # Typed arrays, not lists: 8 bytes an entry instead of 36 (millions at 100k chunks).
        chunk_ids, term_ids, counts = array("q"), array("q"), array("i")
        for chunk_id, chunk_terms in rows:
            for term, count in Counter(chunk_terms).items():
                chunk_ids.append(chunk_id)
                term_ids.append(term_of.setdefault(term, len(term_of)))
                counts.append(count)
        return cls(np.array(chunk_ids, dtype=np.int64), np.array(term_ids, dtype=np.int64),
                   np.array(counts, dtype=np.int32), list(term_of))

    @classmethod
    def merged(cls, parts: Sequence[Postings]) -> Postings:
        """The live chunks of several postings as one, masked chunks left behind for good."""
        vocab: dict[str, int] = {}
        chunk_ids, term_ids, counts = [], [], []
        for part in parts:
            ids, terms_, n = part._triples
            keep = np.isin(ids, part.chunk_ids[part.live])
            remap = np.array([vocab.setdefault(t, len(vocab)) for t in part.vocab], dtype=np.int64)
            chunk_ids.append(ids[keep])
            term_ids.append(remap[terms_[keep]] if len(remap) else terms_[keep])
            counts.append(n[keep])
        empty = [np.zeros(0, dtype=np.int64)]
        return cls(np.concatenate(chunk_ids or empty), np.concatenate(term_ids or empty),
                   np.concatenate(counts or empty).astype(np.int32), list(vocab))

    @classmethod
    def load(cls, path: Path) -> Postings:
        with np.load(path, allow_pickle=False) as data:
            return cls(data["chunk_ids"], data["term_ids"], data["counts"], data["vocab"].tolist())

    def save(self, target: Path | BinaryIO) -> None:
        """To a path or an open binary handle (`write_atomically` passes one)."""
        chunk_ids, term_ids, counts = self._triples
        np.savez(target, chunk_ids=chunk_ids, term_ids=term_ids, counts=counts,
                 vocab=np.array(self.vocab, dtype=str))

    def drop(self, chunk_ids: Iterable[int]) -> None:
        self.live &= ~np.isin(self.chunk_ids, np.fromiter(chunk_ids, dtype=np.int64))

    def live_rows(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the live chunks holding the term, with its frequency there."""
        i = self.term_of.get(term)
        if i is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        lo, hi = self.matrix.indptr[i], self.matrix.indptr[i + 1]
        rows, tf = self.matrix.indices[lo:hi], self.matrix.data[lo:hi]
        keep = self.live[rows]
        return rows[keep], tf[keep]


class LexicalIndex:
    """BM25 over the postings of every segment, with statistics of the whole index."""

    def __init__(self, parts: Sequence[Postings]) -> None:
        self.parts = list(parts)
        self.n_docs = sum(int(p.live.sum()) for p in self.parts)
        total = sum(float(p.lengths[p.live].sum()) for p in self.parts)
        self.avg_length = total / self.n_docs if self.n_docs else 0.0

    def _idf(self, df: int) -> float:
        return float(np.log(1 + (self.n_docs - df + 0.5) / (df + 0.5)))

    def idf(self, term: str) -> float:
        """Lucene idf; a term the corpus has never seen gets the highest weight."""
        return self._idf(sum(len(p.live_rows(term)[0]) for p in self.parts))

    def search(self, query_terms: Sequence[str], k: int) -> list[tuple[int, float]]:
        """Top-k (chunk id, BM25 score) for the query, best first; only chunks sharing a term."""
        if not self.n_docs:
            return []
        ids, scores = [], []
        postings = {t: [p.live_rows(t) for p in self.parts] for t in dict.fromkeys(query_terms)}
        idf = {t: self._idf(sum(len(rows) for rows, _ in per_part)) for t, per_part in postings.items()}
        for n, part in enumerate(self.parts):
            part_scores = np.zeros(len(part.chunk_ids), dtype=np.float32)
            norm = K1 * (1 - B + B * part.lengths / self.avg_length)
            for term, per_part in postings.items():
                rows, tf = per_part[n]
                part_scores[rows] += idf[term] * tf / (tf + norm[rows])
            hits = np.flatnonzero(part_scores)
            ids.append(part.chunk_ids[hits])
            scores.append(part_scores[hits])
        all_ids, all_scores = np.concatenate(ids), np.concatenate(scores)
        top = np.lexsort((all_ids, -all_scores))[:k]
        return [(int(all_ids[i]), float(all_scores[i])) for i in top]
