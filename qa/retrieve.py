"""Hybrid retrieval: dense and BM25 rankings fused, then spread across sources.

Names and numbers are lexical, meanings are dense; reciprocal rank fusion
(Cormack et al., 2009) joins the two without calibrating their scores. The
fused list is then cut per source, not globally: a single dissenting article
must not be pushed out by five that agree with each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index import Index, Passage

RRF_K = 60


@dataclass(frozen=True)
class Retrieved:
    passage: Passage
    fused: float       # reciprocal-rank-fusion score, for ordering only
    cosine: float      # dense similarity of the chunk to the question (0 if not in dense top)


def fuse(*rankings: list[tuple[int, float]], k: int = RRF_K) -> dict[int, float]:
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, (chunk_id, _) in enumerate(ranking):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (k + rank + 1)
    return scores


def retrieve(index: Index, question: str, vector: np.ndarray, sources: int = 12,
             per_source: int = 2, depth: int = 64) -> list[Retrieved]:
    """The best `per_source` chunks of each of the best `sources` articles, best first."""
    with index.snapshot():
        dense = index.dense_search(vector, depth)
        fused = fuse(dense, index.lexical_search(question, depth))
        ranked = sorted(fused, key=fused.__getitem__, reverse=True)
        rows = index.chunks(ranked)
        chosen: list[int] = []
        taken: dict[str, int] = {}
        for chunk_id in ranked:
            doc = rows[chunk_id].doc_id if chunk_id in rows else None
            if doc is None or taken.get(doc, 0) >= per_source or (
                    doc not in taken and len(taken) >= sources):
                continue
            taken[doc] = taken.get(doc, 0) + 1
            chosen.append(chunk_id)
        passages = index.passages(chosen)
    cosine = dict(dense)
    return [Retrieved(p, fused[p.chunk.chunk_id], cosine.get(p.chunk.chunk_id, 0.0))
            for p in passages]
