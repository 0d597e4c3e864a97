"""BM25 postings: the same scores as bm25s (Lucene BM25, k1=1.5, b=0.75), however many
segments they are split into and whatever was masked or merged since."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from index.folder.postings import LexicalIndex, Postings
from index.ingest.terms import terms

QUERIES = [
    "Japan China Taiwan talks",
    "Kanai Beijing foreign ministry",
    "prime minister remarks survival",
    "seafood travel advisory students",
    "wombat",
]


@pytest.fixture(scope="module")
def chunk_terms(seeds_index, all_chunks) -> list[tuple[int, list[str]]]:
    """(chunk id, terms) of every seed chunk, as the build stored them, plus small made-up
    chunks so that some terms are rare and some chunks short."""
    rows = [(p.chunk.chunk_id, terms(p.article.text[p.chunk.start:p.chunk.end]))
            for group in all_chunks(seeds_index).values() for p in group]
    extra = ["A wombat crossed the road in Beijing.", "Talks, talks and more talks.",
             "Students cancel travel to Japan.", "Seafood imports halted."]
    rows += [(1000 + n, terms(text)) for n, text in enumerate(extra)]
    assert all(row_terms for _, row_terms in rows)
    return rows


def _bm25s_scores(rows: list[tuple[int, list[str]]], query: list[str]) -> dict[int, float]:
    retriever = bm25s.BM25(method="lucene", k1=1.5, b=0.75)
    retriever.index([row_terms for _, row_terms in rows], show_progress=False)
    scores = retriever.get_scores(query)
    return {chunk_id: float(s) for (chunk_id, _), s in zip(rows, scores, strict=True) if s > 0}


def _assert_same(ours: list[tuple[int, float]], reference: dict[int, float]) -> None:
    assert {i for i, _ in ours} == set(reference)
    for chunk_id, score in ours:
        assert score == pytest.approx(reference[chunk_id], abs=1e-4)
    assert [s for _, s in ours] == sorted((s for _, s in ours), reverse=True)


@pytest.mark.parametrize("query", QUERIES)
def test_scores_match_bm25s(chunk_terms, query):
    query_terms = terms(query)
    # Each distinct query term counts once here; bm25s would count a repeated term twice.
    assert len(set(query_terms)) == len(query_terms)
    index = LexicalIndex([Postings.from_terms(chunk_terms)])
    ours = index.search(query_terms, k=len(chunk_terms))
    reference = _bm25s_scores(chunk_terms, query_terms)
    assert reference, "the query should match something"
    _assert_same(ours, reference)


def test_the_built_index_stores_the_same_postings(seeds_of_kind, all_chunks):
    """Both kinds score as bm25s does: the folder from its postings files, PostgreSQL in SQL."""
    index, _ = seeds_of_kind
    seed_rows = [(p.chunk.chunk_id, terms(p.article.text[p.chunk.start:p.chunk.end]))
                 for group in all_chunks(index).values() for p in group]
    for query in QUERIES:
        ours = index.lexical_search(query, k=len(seed_rows))
        _assert_same(ours, _bm25s_scores(seed_rows, terms(query)))


def _segments(rows: list[tuple[int, list[str]]], cuts: list[int]) -> list[Postings]:
    return [Postings.from_terms(rows[a:b]) for a, b in zip([0, *cuts], [*cuts, len(rows)], strict=True)]


def test_segments_masks_and_merges_equal_a_build_from_scratch(chunk_terms, tmp_path):
    """Rows spread over segments, some masked (removed, or replaced by a newer segment's
    version), must score exactly as one index of the surviving rows."""
    changed = [(chunk_id, ["wombat", *row_terms]) for chunk_id, row_terms in chunk_terms[5:7]]
    removed = [chunk_id for chunk_id, _ in chunk_terms[::4]]
    parts = [*_segments(chunk_terms, [5, 11]), Postings.from_terms(changed)]
    for part in parts[:-1]:
        part.drop(removed + [c for c, _ in changed])

    gone = set(removed)
    final = [row for row in chunk_terms if row[0] not in gone]
    final = [(c, dict(changed).get(c, t)) for c, t in final]
    scratch = LexicalIndex([Postings.from_terms(final)])
    parts[0].save(tmp_path / "lexical.npz")
    reloaded = Postings.load(tmp_path / "lexical.npz")
    reloaded.drop(removed + [c for c, _ in changed])
    candidates = {
        "segments": LexicalIndex(parts),
        "reloaded": LexicalIndex([reloaded, *parts[1:]]),
        "merged": LexicalIndex([Postings.merged(parts)]),
        "merged in two": LexicalIndex([Postings.merged(parts[:2]), Postings.merged(parts[2:])]),
    }
    assert sorted(Postings.merged(parts).chunk_ids.tolist()) == sorted(c for c, _ in final)
    for query in [*QUERIES, "wombat"]:
        query_terms = terms(query)
        expected = scratch.search(query_terms, k=len(final))
        reference = _bm25s_scores(final, query_terms)
        for name, candidate in candidates.items():
            got = candidate.search(query_terms, k=len(final))
            assert [i for i, _ in got] == [i for i, _ in expected], name
            np.testing.assert_allclose([s for _, s in got], [s for _, s in expected], atol=1e-5)
            _assert_same(got, reference)
            assert candidate.idf(query_terms[0]) == pytest.approx(scratch.idf(query_terms[0]))
    wombats = {c for c, t in final if "wombat" in t}
    assert len(wombats) == 3 and {c for c, _ in changed} < wombats


def test_masking_everything_leaves_no_hits(chunk_terms):
    parts = _segments(chunk_terms, [7])
    for part in parts:
        part.drop(c for c, _ in chunk_terms)
    assert LexicalIndex(parts).search(terms("Japan China"), 10) == []
    assert len(Postings.merged(parts).chunk_ids) == 0
