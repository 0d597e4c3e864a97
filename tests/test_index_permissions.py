"""Permissions, as a user without override rights meets them (issue 20, items 2 and 4).

The tests run as root, which reads and writes any file whatever its mode: every command
here runs in a child process that first gives up the rights to override file modes
(CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, dropped from its capability bounding set
before the program starts), so that the kernel checks the modes as it would for anyone.
It stays root otherwise, so it can still reach the interpreter under /root. Where the
tests do not run as root they lack those rights already. A probe child first shows that
a file of mode 000 is closed to it; where it is not, the tests are skipped, saying why.

- A file the user may not read is a permission error naming it, never "damaged, run
  repair", and `repair` moves nothing aside.
- Reading needs no write access: `status`, `check`, `qa` and `ui --read-only` work on a
  folder and files the user may only read, and leave no file behind.
- Read-only files in a writable folder: `add`, `remove` and `compact` end with exit 2 and
  one line.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gradio_client import Client

from index import Article, Index
from tests.conftest import REPO, Child, copy_index, python_env
from tests.test_index_damage import fingerprint

QUESTION = "Who is the Prime Minister of Japan?"
CODED = [Article(f"coded{n}", f"Story {n}: the harbour council voted on the budget again.")
         for n in range(5)]


# linux/prctl.h and linux/capability.h
PR_CAPBSET_DROP = 24
OVERRIDES = {"CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2}
USER = pwd.getpwuid(os.getuid()).pw_name


def _without_overrides() -> None:
    """In the child, before the program: drop the rights to override file modes."""
    if os.getuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in OVERRIDES.values():
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) refused")


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder of its own under /tmp, with a mode-000 file no child may read, removed
    afterwards; the tests are skipped if a child can read that file all the same."""
    folder = Path(tempfile.mkdtemp(prefix="newsqa-permissions-"))
    (folder / "home").mkdir()
    closed = folder / "closed"
    closed.write_text("no one may read this")
    closed.chmod(0)
    try:
        probe = subprocess.run([sys.executable, "-c", f"open({str(closed)!r}).read()"],
                               capture_output=True, text=True, preexec_fn=_without_overrides)
    except OSError as error:
        pytest.skip(f"cannot start a child without the rights to override file modes: {error}")
    if probe.returncode == 0:
        pytest.skip("a child process still reads a file of mode 000 (it keeps the rights to "
                    "override file modes), so permissions cannot be tested here")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _env(shared: Path) -> dict[str, str]:
    """The child's environment: a home and a Gradio folder it may write."""
    return python_env(HOME=str(shared / "home"), GRADIO_TEMP_DIR=str(shared / "home" / "gradio"),
                      XDG_CACHE_HOME=str(shared / "home" / "cache"))


@pytest.fixture
def as_user(shared: Path) -> Callable[..., subprocess.CompletedProcess]:
    """`python -m MODULE ARGS...` run without the rights to override file modes."""

    def run(module: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, env=_env(shared),
                              capture_output=True, text=True, timeout=300,
                              preexec_fn=_without_overrides)

    return run


def _one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_an_unreadable_database_is_a_permission_error_and_repair_moves_nothing(
        seeds_build, shared, as_user, embedder, tmp_path):
    """Issue 20.2: `chmod 000 index.sqlite`: every command said "damaged ... run repair",
    and `repair` then said "0 lost" and left 3 of 8 articles live (the rest moved aside)."""
    folder = copy_index(seeds_build.path, shared / "index")
    index = Index.open(folder)
    index.add_articles(CODED)     # like uploads: no source file to read them again from
    index.close()
    (folder / "index.sqlite").chmod(0)
    before = fingerprint(folder)
    story = shared / "story.txt"
    story.write_text("date 2025-12-01 LONDON: Rain fell on London all week.\n")
    says = (f"error: permission denied: {folder}/index.sqlite needs read permission for user "
            f"{USER} to read the index")
    for command in (("index", "status"), ("index", "check"), ("index", "add", str(story)),
                    ("index", "remove", "coded0"), ("index", "repair"),
                    ("index", "repair", "--accept-loss"), ("qa", QUESTION)):
        line = _one_line(as_user(*command, "--index", str(folder)))
        assert line.startswith(says), (command, line)
        assert "damaged" not in line and "repair" not in line, (command, line)
    assert fingerprint(folder) == before
    assert not list(folder.glob("damaged-*"))
    (folder / "index.sqlite").chmod(0o644)
    assert Index.open(folder).status().documents == 8


@pytest.fixture
def read_only_index(seeds_build, shared) -> Path:
    """The seeds index in a folder the unprivileged user may read and not write."""
    folder = copy_index(seeds_build.path, shared / "index")
    for path in folder.iterdir():
        path.chmod(0o444)
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


def test_reading_a_read_only_index_needs_no_write_access(read_only_index, as_user, shared):
    """Issue 20.2: asking a read-only index failed with "attempt to write a readonly
    database", called damage."""
    folder = read_only_index
    before = fingerprint(folder)
    status = as_user("index", "status", "--index", str(folder))
    assert status.returncode == 0, status.stderr
    assert "3 documents" in status.stdout
    check = as_user("index", "check", "--index", str(folder))
    assert check.returncode == 0 and "healthy" in check.stdout, check.stdout + check.stderr
    answer = as_user("qa", "--index", str(folder), QUESTION)
    assert answer.returncode == 0, answer.stderr
    assert "Sanae Takaichi" in answer.stdout
    story = shared / "story.txt"
    story.write_text("date 2025-12-01 LONDON: Rain fell on London all week.\n")
    line = _one_line(as_user("index", "add", str(story), "--index", str(folder)))
    assert line == (f"error: permission denied: {folder} needs write permission for user "
                    f"{USER} to write to the index; nothing was changed")
    assert fingerprint(folder) == before
    assert {p.name for p in folder.iterdir()} - {"write.lock"} == set(before)  # no -wal, -shm


def test_a_read_only_page_serves_a_read_only_index(read_only_index, shared):
    folder = read_only_index
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    child = Child("import runpy; runpy.run_module('ui', run_name='__main__', alter_sys=True)",
                  ["--index", str(folder), "--read-only", "--port", str(port)], _env(shared),
                  preexec_fn=_without_overrides)
    try:
        child.wait_for("* Running on local URL:", timeout=240)
        answer = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(QUESTION,
                                                                          api_name="/ask")
        assert "Sanae Takaichi" in {p["text"] for p in answer["answers"]}
    finally:
        child.stop()
    assert "Traceback" not in child.stderr()


def test_read_only_files_in_a_writable_folder_are_one_line_and_exit_2(seeds_build, shared,
                                                                    as_user):
    """Issue 20.4: `add` and `remove` ended in a PermissionError traceback, exit 1."""
    folder = copy_index(seeds_build.path, shared / "index")
    for path in folder.iterdir():
        path.chmod(0o444)
    before = fingerprint(folder)
    story = shared / "story.txt"
    story.write_text("date 2025-12-01 LONDON: Rain fell on London all week.\n")
    says = (f"error: permission denied: {folder}/index.sqlite needs write permission for user "
            f"{USER} to write to the index; nothing was changed")
    for command in (("add", str(story)), ("remove", "000_51fa7298afb77037"), ("compact",)):
        assert _one_line(as_user("index", *command, "--index", str(folder))) == says
    assert fingerprint(folder) == before
    status = as_user("index", "status", "--index", str(folder))
    assert status.returncode == 0 and "3 documents" in status.stdout, status.stderr
