"""Watching a folder: files dropped in become searchable, deleted files leave the index."""

from __future__ import annotations

import time

import pytest

from index import Index
from index.lock import WriteLock
from index.watch import Watcher


@pytest.fixture
def watched(tmp_path, embedder):
    folder = tmp_path / "inbox"
    folder.mkdir()
    index = Index.open(tmp_path / "index")
    reports = []
    watcher = Watcher(index, folder, quiet=0.3, on_report=reports.append).start()
    yield folder, index, reports
    watcher.stop()


def _ids(index: Index) -> set[str]:
    return {row["doc_id"] for row in index.documents()}


def test_dropped_file_becomes_searchable_and_deleted_file_leaves(watched, poll, article_text,
                                                                 embedder):
    folder, index, reports = watched
    text = article_text("watchdogmarker", sentences=5)
    (folder / "story.txt").write_text(text)
    (folder / "desk").mkdir()
    (folder / "desk" / "brief.md").write_text(article_text("deskbriefmarker", sentences=3))
    (folder / "notes.tmp").write_text("ignored: not an article type")

    poll(lambda: {"story", "desk/brief"} <= _ids(index), timeout=20)
    assert _ids(index) == {"story", "desk/brief"}
    hits = index.lexical_search("watchdogmarker", 5)
    assert hits and index.passages([hits[0][0]])[0].article.doc_id == "story"
    top, _ = index.dense_search(embedder.encode([text])[0], 1)[0]
    assert index.passages([top])[0].chunk.doc_id == "story"
    assert sum(r.added for r in reports) == 2

    (folder / "story.txt").unlink()
    poll(lambda: "story" not in _ids(index), timeout=20)
    assert _ids(index) == {"desk/brief"}
    assert index.lexical_search("watchdogmarker", 5) == []
    assert index.dense_search(embedder.encode([text])[0], 5)
    assert all(p.chunk.doc_id == "desk/brief" for p in index.passages(
        [i for i, _ in index.dense_search(embedder.encode([text])[0], 5)]))


def test_watcher_waits_for_another_writer_instead_of_dying(watched, poll, article_text):
    folder, index, _ = watched
    with WriteLock(index.path):
        (folder / "during.txt").write_text(article_text("lockedoutmarker", sentences=3))
        time.sleep(2.0)  # several quiet periods: the watcher has tried and been refused
        assert "during" not in _ids(index)
    poll(lambda: "during" in _ids(index), timeout=20)
    (folder / "after.txt").write_text(article_text("afterlockmarker", sentences=3))
    poll(lambda: "after" in _ids(index), timeout=20)
