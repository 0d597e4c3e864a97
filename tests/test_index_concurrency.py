"""Writers killed mid-build, two writers at once: the index stays whole and usable."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

from index import Article, Index, IndexLocked
from index.folder.lock import WriteLock

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_000 = "000_51fa7298afb77037"

BUILD_AND_REPORT = """
import sys
from index import Index

index = Index.open(sys.argv[1])
report = index.build([sys.argv[2]],
                     progress=lambda done, total: print(f"PROGRESS {done}/{total}", flush=True))
print("DONE", report.added, flush=True)
"""

HOLD_LOCK = """
import sys, time
from pathlib import Path
from index.folder.lock import WriteLock

with WriteLock(Path(sys.argv[1])):
    print("LOCKED", flush=True)
    time.sleep(120)
"""


@pytest.mark.slow
def test_build_killed_mid_way_leaves_previous_generation(seeds_copy, seeds_build, tmp_path,
                                                         spawn_python, article_text, embedder,
                                                         all_chunks):
    batch = tmp_path / "batch"
    shutil.copytree(SEEDS, batch)
    seed_file = batch / f"{SEED_000}.txt"
    original = seed_file.read_text()
    seed_file.write_text(original + "\nA paragraph added to the story, so it is re-indexed.\n")
    for n in range(140):
        (batch / f"story{n:03d}.txt").write_text(article_text(f"killmarker{n}", sentences=3))

    child = spawn_python(BUILD_AND_REPORT, str(seeds_copy), str(batch))
    child.wait_for("PROGRESS", timeout=180)
    # The build is under way (the first batch of articles is embedded, rows are written
    # but not committed): a second writer is refused, naming the builder's PID.
    (tmp_path / "late.txt").write_text(article_text("latecomer"))
    with pytest.raises(IndexLocked, match=f"locked by PID {child.pid}\\b"):
        Index.open(seeds_copy).add([tmp_path / "late.txt"])
    os.kill(child.pid, signal.SIGKILL)
    assert child.proc.wait(timeout=30) == -signal.SIGKILL
    assert not any(line.startswith("DONE") for line in child.lines)

    index = Index.open(seeds_copy)
    status = index.status()
    assert (status.documents, status.generation) == (3, 1)
    assert status.chunks == seeds_build.report.chunks_embedded
    assert index.article(SEED_000).text == original
    assert index.lexical_search("killmarker0", 5) == []
    chunks = all_chunks(index)
    assert {doc: len(group) for doc, group in chunks.items()} == {
        d["doc_id"]: d["chunks"] for d in index.documents()}
    top, _ = index.dense_search(embedder.encode([original.strip().split("\n")[0]])[0], 1)[0]
    assert index.passages([top])[0].chunk.doc_id == SEED_000
    hits = index.lexical_search("Kanai", 10)
    assert hits and all(p.article.doc_id.startswith("00") for p in index.passages(
        [i for i, _ in hits]))

    # The kernel released the dead builder's lock: the next build goes through.
    report = index.add([tmp_path / "late.txt"])
    assert (report.added, report.chunks_embedded > 0) == (1, True)
    status = index.status()
    assert (status.documents, status.generation) == (4, 2)
    hits = index.lexical_search("latecomer", 5)
    assert hits and index.passages([hits[0][0]])[0].article.doc_id == "late"
    assert len(all_chunks(index)) == 4


def test_second_writer_is_refused_while_another_process_holds_the_lock(seeds_copy, tmp_path,
                                                                        spawn_python,
                                                                        article_text):
    child = spawn_python(HOLD_LOCK, str(seeds_copy))
    child.wait_for("LOCKED", timeout=120)
    (tmp_path / "second.txt").write_text(article_text("secondwriter"))
    index = Index.open(seeds_copy)
    expected = f"locked by PID {child.pid}\\b"
    with pytest.raises(IndexLocked, match=expected):
        index.add([tmp_path / "second.txt"])
    with pytest.raises(IndexLocked, match=expected):
        index.remove([SEED_000])
    with pytest.raises(IndexLocked, match=expected):
        index.add_articles([Article("coded", "An article made in code.")])
    assert index.status().documents == 3

    child.stop()
    assert index.add([tmp_path / "second.txt"]).added == 1
    assert index.status().documents == 4


def test_two_writers_in_one_process_exclude_each_other(seeds_copy):
    with WriteLock(seeds_copy), pytest.raises(IndexLocked) as caught:
        Index.open(seeds_copy).remove([SEED_000])
    assert f"is locked by PID {os.getpid()}," in str(caught.value)
    assert str(seeds_copy) in str(caught.value)
    assert Index.open(seeds_copy).remove([SEED_000]).removed == 1
