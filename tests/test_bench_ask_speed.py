"""bench/ask_speed.py runs end to end on the seeds index, and reports what it says it does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, SeedsBuild


def test_ask_speed_times_ask_and_the_reader_in_it(seeds_build: SeedsBuild, tmp_path: Path) -> None:
    questions = tmp_path / "questions.json"
    questions.write_text(json.dumps(["Who is the Prime Minister of Japan?", "Where were the talks held?",
                                     "Who met Liu Jinsong?", "Which news agency reported the talks?"]))
    run = subprocess.run([sys.executable, "-m", "bench.ask_speed", str(seeds_build.path), str(questions),
                          "--rounds", "1", "--limits", "4,2", "--results", str(tmp_path)],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads((tmp_path / "ask_speed.json").read_text())
    assert result["ask"]["n"] == result["reader"]["n"] == 4
    assert 0 < result["reader"]["median_ms"] < result["ask"]["median_ms"]
    assert 0 < result["reader_share"] < 1
    assert set(result["reader_by_windows"]) == {"4", "2"}
    assert "4 answers: ask p50" in run.stdout
