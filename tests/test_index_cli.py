"""`python -m index`: JSON and human summaries, and errors as one line with exit status 2."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from index import Index
from index.folder.lock import WriteLock
from index.model.embedder import DEFAULT_MODEL

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

REPORT_KEYS = {"added", "updated", "removed", "unchanged", "chunks_embedded", "skipped",
               "seconds"}
SUMMARY = re.compile(r"^\S+: (\d+) added, (\d+) updated, (\d+) removed, (\d+) unchanged, "
                     r"(\d+) skipped; (\d+) chunks? embedded in \d+\.\ds$")


def _one_json_line(stdout: str) -> dict:
    lines = stdout.strip().splitlines()
    assert len(lines) == 1, stdout
    return json.loads(lines[0])


def _assert_error(done, *words: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for word in words:
        assert word in lines[0]
    assert done.stdout == ""


@pytest.mark.slow
def test_build_json_reaches_a_reader_in_another_process(seeds_at, tmp_path, run_cli,
                                                        article_text, embedder):
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    text = article_text("clinewsmarker", sentences=5)
    (folder / "fresh.txt").write_text(text)
    (folder / "notes.xyz").write_text("not an article")
    reader = Index.open(seeds_at)
    assert len(reader.documents()) == 3

    done = run_cli("build", str(folder), "--index", str(seeds_at), "--json")
    assert done.returncode == 1, done.stderr  # notes.xyz was skipped
    report = _one_json_line(done.stdout)
    assert set(report) >= REPORT_KEYS
    assert (report["added"], report["updated"], report["removed"], report["unchanged"]) == (
        1, 0, 0, 3)
    assert report["skipped"] == [{"path": str(folder / "notes.xyz"),
                                  "reason": report["skipped"][0]["reason"]}]
    assert "unsupported file type .xyz" in report["skipped"][0]["reason"]
    assert isinstance(report["seconds"], float) and report["seconds"] >= 0

    # The reader opened before the other process wrote sees the new article, unreopened.
    rows = {d["doc_id"]: d for d in reader.documents()}
    assert report["chunks_embedded"] == rows["fresh"]["chunks"] > 0
    top, _ = reader.dense_search(embedder.encode([text])[0], 1)[0]
    assert reader.passages([top])[0].chunk.doc_id == "fresh"
    assert reader.lexical_search("clinewsmarker", 3)


def test_human_build_ends_with_the_summary_line(seeds_copy, tmp_path, run_cli):
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    (folder / "empty.txt").write_text("")
    (folder / "notes.xyz").write_text("not an article")
    done = run_cli("build", str(folder), "--index", str(seeds_copy))
    assert done.returncode == 1, done.stderr  # two files skipped
    lines = done.stdout.rstrip("\n").split("\n")
    match = SUMMARY.match(lines[-1])
    assert match, lines
    assert match.groups() == ("0", "0", "0", "3", "2", "0")
    assert f"  skipped {folder / 'empty.txt'}: empty file" in lines
    assert any(line.startswith(f"  skipped {folder / 'notes.xyz'}: unsupported") for line in lines)


def test_status_json_and_human(seeds_copy, seeds_build, run_cli):
    done = run_cli("status", "--index", str(seeds_copy), "--json")
    assert done.returncode == 0, done.stderr
    status = _one_json_line(done.stdout)
    assert (status["documents"], status["chunks"], status["embedder"]) == (
        3, seeds_build.report.chunks_embedded, DEFAULT_MODEL)
    done = run_cli("status", "--index", str(seeds_copy))
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.strip().splitlines()
    assert line.startswith(f"{seeds_copy}: 3 documents, {status['chunks']} chunks")
    assert DEFAULT_MODEL in line


def test_remove_json(seeds_copy, run_cli):
    done = run_cli("remove", "000_51fa7298afb77037", "nope", "--index", str(seeds_copy),
                   "--json")
    assert done.returncode == 1, done.stderr  # "nope" is not in the index
    report = _one_json_line(done.stdout)
    assert (report["removed"], report["skipped"]) == (
        1, [{"path": "nope", "reason": "no such document in the index"}])
    assert Index.open(seeds_copy).status().documents == 2

    done = run_cli("compact", "--index", str(seeds_copy))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith(
        f"{seeds_copy}: 0 added, 0 updated, 0 removed, 0 unchanged")
    status = Index.open(seeds_copy).status()
    assert (status.documents, status.segments) == (2, 1)


def test_locked_index_is_an_error_line(seeds_copy, run_cli):
    with WriteLock(seeds_copy):
        done = run_cli("build", str(SEEDS), "--index", str(seeds_copy), "--json")
    _assert_error(done, f"locked by PID {os.getpid()},", str(seeds_copy))


def test_other_embedder_is_an_error_line(seeds_copy, run_cli):
    done = run_cli("status", "--index", str(seeds_copy), NEWSQA_EMBEDDER="some/other-model")
    _assert_error(done, "some/other-model", DEFAULT_MODEL, str(seeds_copy))


def test_bad_files_are_skipped_by_name_and_the_exit_status_says_how_much_went_in(
        tmp_path, run_cli, article_text):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "nested.json").write_text("[" * 100_000 + "]" * 100_000)
    (folder / "windows.txt").write_bytes("A story saved by Notepad as UTF-16.\n".encode("utf-16"))
    (folder / "fine.txt").write_text(article_text("cliexitmarker", sentences=3))
    index = str(tmp_path / "index")

    done = run_cli("build", str(folder), "--index", index)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    assert f"  skipped {folder / 'nested.json'}: nested too deeply to read" in lines
    assert lines[-1].startswith(f"{index}: 2 added, 0 updated, 0 removed, 0 unchanged, 1 skipped")

    # `status` in another process lists the file still unread, and why.
    done = run_cli("status", "--index", index, "--json")
    assert json.loads(done.stdout)["skipped"] == [
        {"path": str(folder / "nested.json"), "reason": "nested too deeply to read"}]
    done = run_cli("status", "--index", index)
    assert done.stdout.splitlines()[0] == (
        f"  skipped {folder / 'nested.json'}: nested too deeply to read")
    assert done.stdout.splitlines()[-1].endswith(", 1 file skipped")

    done = run_cli("add", str(folder / "nested.json"), str(tmp_path / "typo.txt"),
                   "--index", index)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert f"  skipped {tmp_path / 'typo.txt'}: no such file or folder" in done.stdout

    done = run_cli("add", str(folder / "fine.txt"), "--index", index)
    assert done.returncode == 0, done.stderr
