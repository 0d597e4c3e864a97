"""A newcomer's first commands, run as the README's first screen writes them, in a copy of
this checkout where `make run` has already set up `.venv` and built the default index,
`.index/newsqa`.

The copy shares this checkout's `.venv` (nothing is installed: its stamp is newer than the
copy's pyproject.toml, as after a `make run`), and its own code is the one imported
(PYTHONPATH), so what runs is this tree's code, through make and the installed scripts.
"""

from __future__ import annotations

import os
import pty
import re
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import REPO, copy_index, free_port, occupy, python_env

pytestmark = pytest.mark.slow

FIRST_SCREEN_LINES = 40
STARTUP_SECONDS = 300


def readme_block(containing: str) -> tuple[int, str]:
    """(line number, text) of the README's first fenced block that contains `containing`."""
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    fences = [n for n, line in enumerate(lines) if line.startswith("```")]
    for opening, closing_ in zip(fences[::2], fences[1::2], strict=False):
        block = lines[opening + 1:closing_]
        if any(containing in line for line in block):
            return opening + 1, "\n".join(block) + "\n"
    raise AssertionError(f"no block in README.md contains {containing!r}")


@pytest.fixture(scope="module")
def checkout(seeds_build, tmp_path_factory) -> Path:
    """This tree's files (tracked and new, as git sees them) in a new folder, after `make run`."""
    stamp = REPO / ".venv" / ".installed"
    if not stamp.exists() or shutil.which("make") is None:
        pytest.skip("needs make and a .venv set up by make (run `make test`)")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    folder = tmp_path_factory.mktemp("newcomer") / "newsqa"
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO / name
        if source.is_file() and not source.is_symlink():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    (folder / ".venv").symlink_to((REPO / ".venv").resolve(), target_is_directory=True)
    installed = stamp.stat().st_mtime
    os.utime(folder / "pyproject.toml", (installed - 60, installed - 60))
    copy_index(seeds_build.path, folder / ".index" / "newsqa")
    (folder.parent / "run").mkdir()          # the terminal's XDG_RUNTIME_DIR
    return folder


def environment(folder: Path) -> dict[str, str]:
    return python_env(PYTHONPATH=str(folder), XDG_RUNTIME_DIR=str(folder.parent / "run"))


def in_terminal(script: str, folder: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """`bash -e -c SCRIPT` with a terminal as its input, as when a person types it."""
    typed, keyboard = pty.openpty()
    try:
        return subprocess.run(["bash", "-e", "-c", script], cwd=folder, env=environment(folder),
                              stdin=keyboard, capture_output=True, text=True, timeout=timeout)
    finally:
        os.close(typed)
        os.close(keyboard)


def test_the_first_screen_gives_the_two_commands_then_the_command_line():
    at, commands = readme_block("make run")
    assert at < FIRST_SCREEN_LINES
    assert [line.split()[:2] for line in commands.splitlines()] == [["make", "run"], ["make", "test"]]
    after, asking = readme_block("make ask")
    assert at < after < FIRST_SCREEN_LINES
    assert ". .venv/bin/activate" in asking and "\nnewsqa " in asking


def test_the_readmes_command_line_answers_from_the_pages_index(checkout: Path):
    _, asking = readme_block("make ask")
    result = in_terminal(asking, checkout)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Sources disagree" in out and "Sanae Takaichi" in out and "Taro Kono" in out
    # The activated `newsqa` asked the same index, and followed up on `make ask`'s question.
    assert "(understood as: What did the Prime Minister of Japan tell Japanese lawmakers?)" in out
    assert "a Chinese attack on Taiwan" in out
    assert "Traceback" not in result.stderr and "ModuleNotFoundError" not in result.stderr


def test_make_ask_without_a_question_says_how_in_one_line(checkout: Path):
    result = in_terminal("make ask", checkout)
    assert result.returncode != 0
    assert 'usage: make ask Q="Who is the Prime Minister of Japan?"' in result.stderr
    assert "Traceback" not in result.stderr


def test_under_make_a_port_in_use_names_the_make_variable(checkout: Path):
    port = free_port()
    with closing(occupy(port)):
        result = subprocess.run(["make", "run", f"PORT={port}"], cwd=checkout,
                                env=environment(checkout), stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    said = re.search(rf"error: port {port} is in use by another program; the next free port is "
                     rf"(\d+): add PORT=(\d+) \(or stop the program using {port}\)", result.stderr)
    assert said and said[1] == said[2], result.stderr
    assert "--port" not in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def make_run(checkout: Path) -> Iterator[subprocess.Popen]:
    """`make run` on a free port, its output in one stream; the whole group ends after."""
    port = free_port()
    process = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=checkout,
                               env=environment(checkout), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    watchdog = threading.Timer(STARTUP_SECONDS, os.killpg, (process.pid, signal.SIGKILL))
    watchdog.start()
    try:
        yield process
    finally:
        watchdog.cancel()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_make_run_prints_the_index_status_once(make_run: subprocess.Popen, checkout: Path):
    lines = []
    for line in make_run.stdout:
        lines.append(line.rstrip("\n"))
        if "Running on local URL" in line:
            break
    assert any("Running on local URL" in line for line in lines), lines
    status = [line for line in lines if re.search(r": \d+ documents?, \d+ chunks?, [\d.]+ MB", line)]
    assert len(status) == 1, lines
    assert status[0].startswith(f"{checkout.resolve()}/.index/newsqa: "), status


def test_every_command_in_the_checkout_uses_and_names_the_pages_index(checkout: Path,
                                                                       tmp_path: Path):
    """No --index anywhere: `python -m index` and `python -m qa -v` open the index `make run`
    serves, `.index/newsqa` in the checkout, and say so."""
    default = f"{checkout.resolve()}/.index/newsqa"
    story = tmp_path / "ferry.txt"
    story.write_text("The Quillmoor ferry will run twice a day from March, the harbour "
                     "office said on Monday.\n")
    script = (f"{checkout / '.venv/bin/python'} -m index add {story}\n"
              f"{checkout / '.venv/bin/python'} -m qa -v --new 'When will the ferry run?'\n"
              f"{checkout / '.venv/bin/python'} -m index remove ferry\n")
    result = in_terminal(script, checkout)
    assert result.returncode == 0, result.stderr
    summaries = [line for line in result.stdout.splitlines() if " added, " in line]
    assert [s.split(": ", 1)[0] for s in summaries] == [default, default], result.stdout
    assert f"index {default}: 4 documents" in result.stderr
    assert "Traceback" not in result.stderr
