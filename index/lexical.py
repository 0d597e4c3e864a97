"""BM25 over chunks, kept as postings that can grow and shrink without a rebuild.

bm25s precomputes a score for every (term, chunk) pair, so one new article
changes the idf of its terms and forces a full re-index: 8 s at 100k chunks.
Here term frequencies are stored and scores computed at query time with the
same Lucene BM25 formula bm25s uses (a test checks they agree), so adding an
article costs time in proportion to the article, not to the index.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from bm25s.stopwords import STOPWORDS_EN

K1 = 1.5
B = 0.75
_TOKEN = re.compile(r"\w+", re.UNICODE)
_STOPWORDS = frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed words without English stopwords: what BM25 matches on."""
    words = [w for w in _TOKEN.findall(text.lower()) if w not in _STOPWORDS]
    return _stemmer().stemWords(words)


def term_spans(text: str) -> list[tuple[str, int, int]]:
    """Each term of `terms(text)` with the character span of the word it came from."""
    words = [m for m in _TOKEN.finditer(text.lower()) if m.group() not in _STOPWORDS]
    stems = _stemmer().stemWords([m.group() for m in words])
    return [(stem, m.start(), m.end()) for stem, m in zip(stems, words, strict=True)]


class LexicalIndex:
    """Term frequencies of live chunks as a term-major sparse matrix, plus the vocabulary."""

    def __init__(self, chunk_ids: np.ndarray, term_ids: np.ndarray, counts: np.ndarray,
                 vocab: list[str]) -> None:
        self.vocab = vocab
        self.term_of = {term: i for i, term in enumerate(vocab)}
        self.chunk_ids = np.unique(chunk_ids)
        rows = np.searchsorted(self.chunk_ids, chunk_ids)
        self._triples = (chunk_ids, term_ids, counts)
        self.postings = sp.csc_matrix((counts.astype(np.float32), (rows, term_ids)),
                                      shape=(len(self.chunk_ids), max(len(vocab), 1)))
        self.lengths = np.asarray(self.postings.sum(axis=1)).ravel()
        self.avg_length = float(self.lengths.mean()) if len(self.lengths) else 0.0

    @classmethod
    def empty(cls) -> LexicalIndex:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, none.astype(np.int32), [])

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        with np.load(path, allow_pickle=False) as data:
            return cls(data["chunk_ids"], data["term_ids"], data["counts"],
                       data["vocab"].tolist())

    def save(self, path: Path) -> None:
        chunk_ids, term_ids, counts = self._triples
        with open(path, "wb") as handle:
            np.savez(handle, chunk_ids=chunk_ids, term_ids=term_ids, counts=counts,
                     vocab=np.array(self.vocab, dtype=str))

    def updated(self, removed: Iterable[int],
                added: Sequence[tuple[int, Sequence[str]]]) -> LexicalIndex:
        """A new index without the removed chunk ids and with the added (id, terms) pairs."""
        chunk_ids, term_ids, counts = self._triples
        keep = ~np.isin(chunk_ids, np.fromiter(removed, dtype=np.int64))
        vocab = list(self.vocab)
        term_of = dict(self.term_of)
        new_chunks: list[int] = []
        new_terms: list[int] = []
        new_counts: list[int] = []
        for chunk_id, chunk_terms in added:
            for term, count in Counter(chunk_terms).items():
                if term not in term_of:
                    term_of[term] = len(vocab)
                    vocab.append(term)
                new_chunks.append(chunk_id)
                new_terms.append(term_of[term])
                new_counts.append(count)
        return LexicalIndex(
            np.concatenate([chunk_ids[keep], np.array(new_chunks, dtype=np.int64)]),
            np.concatenate([term_ids[keep], np.array(new_terms, dtype=np.int64)]),
            np.concatenate([counts[keep], np.array(new_counts, dtype=np.int32)]),
            vocab,
        )

    def idf(self, term: str) -> float:
        """Lucene idf; a term the corpus has never seen gets the highest weight."""
        n_docs = len(self.chunk_ids)
        i = self.term_of.get(term)
        df = 0 if i is None else int(self.postings.indptr[i + 1] - self.postings.indptr[i])
        return float(np.log(1 + (n_docs - df + 0.5) / (df + 0.5)))

    def search(self, query_terms: Sequence[str], k: int) -> list[tuple[int, float]]:
        """Top-k (chunk id, BM25 score) for the query, best first; only chunks sharing a term."""
        n_docs = len(self.chunk_ids)
        wanted = [self.term_of[t] for t in dict.fromkeys(query_terms) if t in self.term_of]
        if not n_docs or not wanted:
            return []
        scores = np.zeros(n_docs, dtype=np.float32)
        norm = K1 * (1 - B + B * self.lengths / self.avg_length)
        for term in wanted:
            lo, hi = self.postings.indptr[term], self.postings.indptr[term + 1]
            rows, tf = self.postings.indices[lo:hi], self.postings.data[lo:hi]
            idf = np.log(1 + (n_docs - len(rows) + 0.5) / (len(rows) + 0.5))
            scores[rows] += idf * tf / (tf + norm[rows])
        hits = np.flatnonzero(scores)
        top = hits[np.argsort(-scores[hits], kind="stable")[:k]]
        return [(int(self.chunk_ids[i]), float(scores[i])) for i in top]
