"""A damaged or missing index is reported in one line, never written over, checked and repaired.

Each damage is done to a real copy of the seeds index the way it happens to a user
(a file deleted, cut short, overwritten), and the commands are run as a user runs
them: `python -m index` and `python -m qa` in child processes.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from index import Article, Index, IndexDamaged, RepairWouldLose
from index.folder.check import inspect
from index.folder.repair import repair
from index.folder.segments import number_of
from tests.conftest import REPO, SEEDS, copy_index, python_env


def delete_database(folder: Path) -> None:
    (folder / "index.sqlite").unlink()


def truncate_segment(folder: Path) -> None:
    path = folder / "vectors.1.faiss"
    path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])


def overwrite_page(folder: Path, page: int = 3) -> None:
    """Bytes of one SQLite page overwritten (page 3: an index of the meta table)."""
    path = folder / "index.sqlite"
    data = bytearray(path.read_bytes())
    data[(page - 1) * 4096:page * 4096] = b"\xab" * 4096
    path.write_bytes(bytes(data))


def cut_manifest(folder: Path) -> None:
    (folder / "manifest.json").write_text('{"schema": 2, "embed')


def delete_postings(folder: Path) -> None:
    (folder / "lexical.1.npz").unlink()


def wider_segment(folder: Path) -> None:
    """vectors.1.faiss swapped for one of 512 dimensions holding the same chunk ids."""
    import faiss
    import numpy as np

    path = folder / "vectors.1.faiss"
    ids = faiss.vector_to_array(faiss.read_index(str(path)).id_map)
    wide = faiss.IndexIDMap2(faiss.IndexFlatIP(512))
    wide.add_with_ids(np.random.default_rng(0).random((len(ids), 512), dtype=np.float32), ids)
    faiss.write_index(wide, str(path))


def wider_manifest(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "dimension": 512}))


# Each damage, and the words the one-line message must say about the file.
DAMAGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "deleted index.sqlite": (delete_database, "index.sqlite is missing"),
    "truncated segment": (truncate_segment, "vectors.1.faiss cannot be read"),
    "corrupted sqlite": (overwrite_page, "index.sqlite is damaged"),
    "corrupted manifest": (cut_manifest, "manifest.json is not valid JSON"),
    "missing segment file": (delete_postings, "lexical.1.npz is missing"),
    "segment of another dimension": (wider_segment, "vectors.1.faiss holds 512-dimensional "
                                                    "vectors; manifest.json says 384"),
    "manifest of another dimension": (wider_manifest, "vectors.1.faiss holds 384-dimensional "
                                                      "vectors; manifest.json says 512"),
}


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file of the folder (not the lock) with a hash of its bytes."""
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest()[:16]
            for f in sorted(folder.iterdir()) if f.is_file() and f.name != "write.lock"}


def run_module(module: str, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, env=python_env(),
                          capture_output=True, text=True, timeout=timeout)


def assert_one_line_damage(result: subprocess.CompletedProcess, folder: Path, says: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: index {folder} is damaged: ")
    assert says in lines[0]
    assert f"python -m index repair --index {folder}" in lines[0]


@pytest.mark.parametrize("damage", DAMAGES)
def test_status_reports_each_damage_in_one_line(damage, seeds_copy):
    make, says = DAMAGES[damage]
    make(seeds_copy)
    before = fingerprint(seeds_copy)
    assert_one_line_damage(run_module("index", "status", "--index", str(seeds_copy)),
                           seeds_copy, says)
    with pytest.raises(IndexDamaged, match=says):
        Index.open(seeds_copy)
    findings = inspect(seeds_copy)
    assert not findings.healthy and says in "; ".join(p.summary() for p in findings.problems)
    assert fingerprint(seeds_copy) == before


def test_deleted_database_is_never_papered_over(seeds_copy, tmp_path):
    """Before: status said 0 documents, and the next write put new segment files over the
    old ones. Now every command refuses, and not a byte of the folder changes."""
    delete_database(seeds_copy)
    before = fingerprint(seeds_copy)
    says = "index.sqlite is missing"
    assert_one_line_damage(run_module("index", "build", str(SEEDS), "--prune", "--index",
                                      str(seeds_copy)), seeds_copy, says)
    assert_one_line_damage(run_module("qa", "--index", str(seeds_copy), "Who won the vote?"),
                           seeds_copy, says)
    check = run_module("index", "check", "--index", str(seeds_copy), "--json")
    assert check.returncode == 1
    report = json.loads(check.stdout)
    assert report["healthy"] is False
    assert [p["file"] for p in report["problems"]] == ["index.sqlite"]
    assert fingerprint(seeds_copy) == before


@pytest.mark.parametrize("damage", ["segment of another dimension",
                                    "manifest of another dimension"])
def test_a_dimension_that_disagrees_is_caught_on_open_and_nothing_writes(damage, seeds_copy,
                                                                        tmp_path, article_text):
    """Issue 20.3: a 512-dimensional segment in a 384 index ended `qa` in a faiss assertion
    and `compact` in a ValueError; a manifest saying 512 was seen by `check`, yet `add`
    still wrote. Now every command stops on open, and not a byte changes."""
    make, says = DAMAGES[damage]
    make(seeds_copy)
    before = fingerprint(seeds_copy)
    (tmp_path / "story.txt").write_text(article_text("dimensionmarker"))
    for command in (("qa", "--index", str(seeds_copy), "Who is the Prime Minister of Japan?"),
                    ("index", "compact", "--index", str(seeds_copy)),
                    ("index", "add", str(tmp_path / "story.txt"), "--index", str(seeds_copy))):
        assert_one_line_damage(run_module(*command), seeds_copy, says)
    check = run_module("index", "check", "--index", str(seeds_copy))
    assert check.returncode == 1 and says in check.stdout
    assert fingerprint(seeds_copy) == before


def test_check_is_clean_on_a_healthy_index_and_cannot_check_nothing(seeds_copy, tmp_path):
    healthy = run_module("index", "check", "--index", str(seeds_copy))
    assert healthy.returncode == 0, healthy.stderr
    assert healthy.stdout.strip().endswith("(1 segment)")
    assert "healthy; 3 documents" in healthy.stdout
    nothing = run_module("index", "check", "--index", str(tmp_path / "typo"))
    assert (nothing.returncode, nothing.stderr.strip()) == (2, f"error: no index at {tmp_path / 'typo'}")
    assert not (tmp_path / "typo").exists()


@pytest.mark.parametrize("damage", ["truncated segment", "deleted index.sqlite"])
def test_repair_command_brings_the_articles_back(damage, seeds_copy, seeds_build):
    DAMAGES[damage][0](seeds_copy)
    damaged = fingerprint(seeds_copy)
    result = run_module("index", "repair", "--index", str(seeds_copy))
    assert "Traceback" not in result.stderr
    if damage == "deleted index.sqlite":
        # The texts were in index.sqlite: how many articles it held cannot be told, so the
        # repair asks first, and changes nothing until told to accept the loss.
        assert (result.returncode, result.stdout) == (2, ""), result.stderr
        assert result.stderr.strip().splitlines() == [
            f"error: repairing {seeds_copy} would bring back 3 articles, but index.sqlite "
            f"cannot be read whole, so how many it held cannot be told, and more may be lost "
            f"than the 0 it names. Nothing was changed; run `python -m index repair --index "
            f"{seeds_copy} --accept-loss` to repair it anyway (damaged files are moved aside, "
            f"not deleted)"]
        assert fingerprint(seeds_copy) == damaged
        result = run_module("index", "repair", "--index", str(seeds_copy), "--accept-loss")
    summary = result.stdout.strip().splitlines()[-1]
    if damage == "deleted index.sqlite":
        # They come back from the seeds folder the manifest remembers, and the command says
        # that what was not under it cannot be named, nor counted.
        assert result.returncode == 1
        assert ("0 articles restored from stored texts, 3 re-read from sources, 0 known lost "
                "and an unknown number more") in summary
        assert "cannot be named" in result.stdout
    else:
        assert result.returncode == 0, result.stderr
        assert "3 articles restored from stored texts, 0 re-read from sources, 0 lost" in summary
    assert "embedding" in result.stderr  # the progress bar
    moved = Path(summary.rsplit("moved to ", 1)[1].split(" (")[0])
    assert moved.parent == seeds_copy and moved.name.startswith("damaged-")
    assert fingerprint(moved) == damaged  # set aside byte for byte, nothing deleted
    assert run_module("index", "check", "--index", str(seeds_copy)).returncode == 0
    index = Index.open(seeds_copy)
    assert index.status().documents == 3
    assert index.status().chunks == seeds_build.report.chunks_embedded
    hits = index.lexical_search("Kanai", 5)
    assert hits and index.passages([hits[0][0]])[0].article.doc_id.startswith("00")


@pytest.mark.parametrize("damage", ["corrupted sqlite", "corrupted manifest",
                                    "missing segment file"])
def test_repair_restores_from_stored_texts(damage, seeds_copy, embedder):
    DAMAGES[damage][0](seeds_copy)
    result = repair(seeds_copy)
    assert result.complete and result.lost == () and len(result.restored) == 3
    assert inspect(seeds_copy).healthy
    assert Index.open(seeds_copy).status().documents == 3
    assert repair(seeds_copy).summary() == f"{seeds_copy}: healthy; nothing to repair"


def test_repair_names_the_articles_it_could_not_bring_back(seeds_copy, embedder):
    """An article with no source file (made in code, like an upload) whose stored text is
    lost: the other tables still name it, so the repair says it is gone."""
    index = Index.open(seeds_copy)
    index.add_articles([Article("coded", "An article made in code about the harbour vote. "
                                         "The council met on Tuesday.")])
    index.close()
    db = Index.open(seeds_copy)._conn
    documents_root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'documents'"
                                ).fetchone()[0]
    db.close()
    overwrite_page(seeds_copy, documents_root)
    damaged = fingerprint(seeds_copy)
    with pytest.raises(RepairWouldLose, match=r"would bring back 3 articles, .* lost than the "
                                              r"1 it names: coded\. Nothing was changed"):
        repair(seeds_copy)
    assert fingerprint(seeds_copy) == damaged
    result = repair(seeds_copy, accept_loss=True)
    assert result.lost == ("coded",)
    assert sorted(result.reread) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert not result.complete
    assert result.summary().splitlines()[0].startswith("  lost coded:")
    assert Index.open(seeds_copy).status().documents == 3


def test_new_segment_never_takes_the_number_of_a_file_on_disk(seeds_copy, article_text,
                                                              tmp_path):
    """A file named like the next segment (left by a killed write, or by an index whose
    database went missing) is not written over: the new segment takes the next free number."""
    orphan = seeds_copy / "vectors.2.faiss"
    orphan.write_bytes(b"not ours to overwrite")
    (tmp_path / "story.txt").write_text(article_text("numbering"))
    index = Index.open(seeds_copy)
    index.add([tmp_path / "story.txt"])
    numbers = {number_of(f) for f in seeds_copy.iterdir()} - {None}
    assert numbers == {1, 3}
    assert inspect(seeds_copy).healthy


WRITER = """
import itertools, sys
from index import Article, Index

index = Index.open(sys.argv[1])
index.add_articles([Article("warm", "The embedder is loaded before the reader starts.")])
print("READY", flush=True)
for n in itertools.count():
    index.add_articles([Article(f"w{n}", f"Story {n} about the council vote and its budget.")])
    if n % 2:
        index.remove([f"w{n - 1}"])
"""


def test_reader_opening_during_commits_never_sees_false_damage(seeds_copy, spawn_python):
    """Before: 1 open in 20 to 270 during commits said "segment cannot be read", because a
    reader that read the segment list just before two quick commits found a file gone."""
    writer = spawn_python(WRITER, str(seeds_copy))
    writer.wait_for("READY", timeout=120)
    opens, errors, generations = 0, [], set()
    # Until the writer has committed 50 times while we opened (bounded: a busy machine
    # commits more slowly, and the test must not depend on its speed).
    deadline = time.monotonic() + 120
    while len(generations) <= 50 and time.monotonic() < deadline:
        try:
            index = Index.open(seeds_copy)
            generations.add(index.status().generation)
            index.close()
        except Exception as error:  # every failure is counted and shown, none may occur
            errors.append(repr(error)[:300])
        opens += 1
    writer.stop()
    assert len(generations) > 50, "the writer did not commit while the reader opened"
    assert errors == [], f"{len(errors)} of {opens} opens failed: {errors[:3]}"


@pytest.fixture
def small_disk(tmp_path):
    """A real filesystem with 256 kB left once the seeds index is on it (tmpfs); skipped
    where mounting is not permitted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=448k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a small tmpfs to fill ({done.stderr.strip()})")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_disk_full_changes_nothing_and_says_so(small_disk, seeds_build, tmp_path):
    folder = copy_index(seeds_build.path, small_disk / "index")
    words = ("minister officials talks government week report trade policy border "
             "election market shares council agreement economy police court").split()
    messages = []
    # Numbered words make a large vocabulary: the segment files outgrow the free space
    # before the commit. Plain words make small postings, and SQLite's rows (768 bytes of
    # vectors a sentence) fill the disk at the commit. Both writes must fail whole.
    for name, sentences, numbered in (("segment", 200, True), ("rows", 400, False)):
        text = "\n".join(" ".join(words[(i * 7 + j) % len(words)]
                                  + (str(i * j % 997) if numbered else "")
                                  for j in range(60 if numbered else 15)).capitalize() + "."
                         for i in range(sentences))
        story = tmp_path / f"{name}.txt"
        story.write_text(text)
        before = fingerprint(folder)
        result = run_module("index", "add", str(story), "--index", str(folder), "--quiet")
        assert result.returncode == 2, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("error: no space left on device while writing ")
        assert result.stderr.strip().endswith("; nothing was changed")
        assert fingerprint(folder) == before  # no temporary file, no byte changed
        messages.append(result.stderr)
    assert f"writing {folder}/vectors." in messages[0]
    assert "writing index.sqlite" in messages[1]
    subprocess.run(["mount", "-o", "remount,size=30m", str(small_disk)], check=True)
    assert inspect(folder).healthy
    result = run_module("index", "add", str(story), "--index", str(folder), "--quiet")
    assert result.returncode == 0, result.stderr
    index = Index.open(folder)
    assert index.status().documents == 4
    index.close()
