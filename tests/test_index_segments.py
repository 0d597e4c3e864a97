"""Segments: an index grown one write at a time answers exactly like one built in one go."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index import Index
from index.folder.segments import MERGE_CAP, merge_count, number_of

QUERIES = ["talks on the border", "wombatfestival0 energy prices", "court statement budget",
           "quokka3 minister said", "Japan China Taiwan talks"]


def _grow(sizes: list[int], add: int) -> list[int]:
    sizes = [*sizes, add]
    count = merge_count(sizes)
    return [*sizes[:-count], sum(sizes[-count:])]


def test_merges_work_like_a_binary_counter_up_to_the_cap():
    sizes: list[int] = []
    for n in range(1, 200):
        sizes = _grow(sizes, 1)
        assert sizes == [1 << b for b in reversed(range(n.bit_length())) if n >> b & 1]
        assert len(sizes) == bin(n).count("1")
        assert sum(sizes) == n
    sizes = [MERGE_CAP - 10]
    for _ in range(40):
        sizes = _grow(sizes, 1)
    assert sizes[0] == MERGE_CAP - 10, "a merge would pass the cap: the big segment stays"
    assert max(sizes[1:]) <= MERGE_CAP and sum(sizes) == MERGE_CAP + 30
    assert merge_count([100_000, 1]) == 1


def _by_content(index: Index, hits: list[tuple[int, float]]) -> dict[tuple[str, int], float]:
    """Hits keyed by (article, chunk ordinal): chunk ids differ between two indexes."""
    chunks = index.chunks([i for i, _ in hits])
    return {(chunks[i].doc_id, chunks[i].ordinal): score for i, score in hits}


def _same_hits(a: dict[tuple[str, int], float], b: dict[tuple[str, int], float]) -> None:
    """Same chunks, same scores; a text embedded in another batch may move in the 4th
    decimal (padding changes the bfloat16 rounding)."""
    assert a.keys() == b.keys()
    assert [a[key] for key in a] == pytest.approx([b[key] for key in a], abs=2e-3)


def _same_answers(grown: Index, built: Index, embedder) -> None:
    def rows(index: Index) -> list[tuple[str, int]]:
        return [(d["doc_id"], d["chunks"]) for d in index.documents()]

    assert rows(grown) == rows(built)
    for query in QUERIES:
        vector = embedder.encode([query])[0]
        # k above the chunk count: every chunk, so no tie at the cut can differ.
        _same_hits(_by_content(grown, grown.dense_search(vector, 100)),
                   _by_content(built, built.dense_search(vector, 100)))
        lexical = _by_content(grown, grown.lexical_search(query, 100))
        assert lexical == _by_content(built, built.lexical_search(query, 100))


def test_one_write_at_a_time_equals_one_build(seeds_copy, tmp_path, article_text, embedder):
    folder = tmp_path / "articles"
    folder.mkdir()
    grown = Index.open(seeds_copy)
    reader = Index.open(seeds_copy)  # stays open throughout, as a chat page would
    assert reader.status().segments == 1
    for n in range(7):
        (folder / f"{n}.txt").write_text(article_text(f"wombatfestival{n}", seed=n, sentences=3))
        assert grown.add([folder / f"{n}.txt"], root=folder).added == 1
    (folder / "3.txt").write_text(article_text("quokka3", seed=3, sentences=20))
    assert grown.add([folder / "3.txt"], root=folder).updated == 1
    assert grown.remove(["5"]).removed == 1
    (folder / "5.txt").unlink()
    orphan = seeds_copy / "vectors.999.faiss"
    orphan.write_bytes(b"left by a write killed before its commit")

    status = reader.status()
    assert status.documents == 3 + 6 and status.generation == 1 + 9
    assert 1 < status.segments < 9, "segments merged, but not into one"
    shutil.copytree(Path(__file__).resolve().parent.parent / "seeds", folder, dirs_exist_ok=True)
    built = Index.open(tmp_path / "built")
    built.build([folder])
    for doc_id in [d["doc_id"] for d in built.documents()]:
        assert reader.article(doc_id).text == built.article(doc_id).text
    _same_answers(reader, built, embedder)

    report = grown.compact()
    assert reader.status().segments == 1
    assert report.chunks_embedded == 0
    _same_answers(reader, built, embedder)
    _same_answers(Index.open(seeds_copy), built, embedder)
    files = {number_of(f) for f in seeds_copy.iterdir()} - {None}
    assert len(files) <= status.segments + 1, "only this generation's and the last one's files"
    assert not orphan.exists()


def test_removing_everything_then_compacting_leaves_an_empty_index(seeds_copy):
    index = Index.open(seeds_copy)
    index.remove([d["doc_id"] for d in index.documents()])
    assert index.is_empty() and index.lexical_search("Japan", 5) == []
    index.compact()
    status = index.status()
    assert (status.documents, status.chunks, status.segments) == (0, 0, 0)
    assert index.compact().seconds >= 0 and index.status().generation == status.generation


@pytest.mark.parametrize("size", [1, 3])
def test_compact_is_a_no_op_on_a_clean_single_segment(seeds_copy, size, article_text, tmp_path):
    index = Index.open(seeds_copy)
    for n in range(size - 1):
        (tmp_path / f"{n}.txt").write_text(article_text(f"numbat{n}", seed=n, sentences=2))
        index.add([tmp_path / f"{n}.txt"])
    generation = index.status().generation
    index.compact()
    assert index.status().segments == 1
    assert index.status().generation == generation + (size > 1)
