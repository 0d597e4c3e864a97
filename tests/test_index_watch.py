"""Watching a folder: files dropped in become searchable, deleted files leave the index."""

from __future__ import annotations

import json
import time

import pytest

from index import Index
from index.folder.lock import WriteLock
from index.watch import Watcher


def _watching(folder, index):
    reports = []
    watcher = Watcher(index, folder, quiet=0.3, on_report=reports.append).start()
    return watcher, (folder, index, reports)


@pytest.fixture
def watched(tmp_path, embedder):
    """An inbox folder watched into an index folder."""
    (tmp_path / "inbox").mkdir()
    watcher, watching = _watching(tmp_path / "inbox", Index.open(tmp_path / "index"))
    yield watching
    watcher.stop()


@pytest.fixture
def watched_kind(tmp_path, embedder, new_location):
    """An inbox folder watched into an index of each kind."""
    (tmp_path / "inbox").mkdir()
    watcher, watching = _watching(tmp_path / "inbox", Index.open(new_location()))
    yield watching
    watcher.stop()


def _ids(index: Index) -> set[str]:
    return {row["doc_id"] for row in index.documents()}


def test_dropped_file_becomes_searchable_and_deleted_file_leaves(watched_kind, poll, article_text,
                                                                 embedder):
    folder, index, reports = watched_kind
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


def test_a_file_that_breaks_reading_is_skipped_and_watching_goes_on(tmp_path, poll, article_text,
                                                                     embedder, run_cli):
    """A deeply nested JSON file used to kill the watch thread for good (RecursionError)."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    index = Index.open(tmp_path / "index")
    reports, errors = [], []
    watcher = Watcher(index, folder, quiet=0.3, on_report=reports.append,
                      on_error=errors.append).start()
    try:
        (folder / "nested.json").write_text("[" * 100_000 + "]" * 100_000)
        poll(lambda: any(r.skipped for r in reports), timeout=20)
        (folder / "later.txt").write_text(article_text("afternestedmarker", sentences=3))
        poll(lambda: "later" in _ids(index), timeout=20)
    finally:
        watcher.stop()
    assert errors == []
    skipped = [s for r in reports for s in r.skipped]
    assert [(s.path, s.reason) for s in skipped] == [
        (str(folder / "nested.json"), "nested too deeply to read")]
    status = json.loads(run_cli("status", "--json", "--index", str(index.path)).stdout)
    assert status["skipped"] == [{"path": str(folder / "nested.json"),
                                  "reason": "nested too deeply to read"}]


def test_a_deleted_file_takes_its_own_article_not_one_that_shares_its_name(
        watched_kind, poll, article_text, tmp_path):
    folder, index, _ = watched_kind
    elsewhere = tmp_path / "elsewhere" / "story.txt"
    elsewhere.parent.mkdir()
    elsewhere.write_text(article_text("elsewheremarker", sentences=3))
    index.add([elsewhere])
    (folder / "story.txt").write_text(article_text("inboxstorymarker", sentences=3))
    poll(lambda: "story-2" in _ids(index), timeout=20)
    (folder / "story.txt").unlink()
    poll(lambda: "story-2" not in _ids(index), timeout=20)
    assert _ids(index) == {"story"} and "elsewheremarker" in index.article("story").text
