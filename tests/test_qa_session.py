"""`python -m qa` typed in a terminal follows up on the questions asked before in the same
terminal session, one command at a time; --new starts over, and a program (input that is
not a terminal) keeps no conversation. Real commands, stdin a pseudo-terminal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, python_env

pytestmark = pytest.mark.slow

KANAI = "Which Chinese official did Kanai meet?"
FOLLOW_UP = "What is his position?"


def newsqa(index: Path, runtime: Path, *args: str, terminal: bool = True) -> dict:
    """One `python -m qa --json` command, typed in a terminal unless `terminal` is False."""
    typed, keyboard = pty.openpty() if terminal else (None, subprocess.DEVNULL)
    try:
        result = subprocess.run([sys.executable, "-m", "qa", "--index", str(index), "--json", *args],
                                cwd=REPO, env=python_env(XDG_RUNTIME_DIR=str(runtime)),
                                stdin=keyboard, capture_output=True, text=True, timeout=180)
    finally:
        if terminal:
            os.close(typed)
            os.close(keyboard)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_follow_up_in_the_same_terminal_is_read_in_its_light(seeds_build, tmp_path: Path):
    first = newsqa(seeds_build.path, tmp_path, KANAI)
    assert first["answers"][0]["text"] == "Liu Jinsong"
    second = newsqa(seeds_build.path, tmp_path, FOLLOW_UP)
    assert second["understood"] == "What is Liu Jinsong's position?"
    anew = newsqa(seeds_build.path, tmp_path, "--new", FOLLOW_UP)
    assert anew["understood"] == FOLLOW_UP
    # Only this user may look into the folder that holds the conversation.
    folder = tmp_path / f"newsqa-{os.getuid()}"
    assert folder.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in folder.iterdir()] == [f"session-{os.getsid(0)}.json"]


def test_a_program_keeps_no_conversation(seeds_build, tmp_path: Path):
    newsqa(seeds_build.path, tmp_path, KANAI, terminal=False)
    assert not (tmp_path / f"newsqa-{os.getuid()}" / f"session-{os.getsid(0)}.json").exists()
