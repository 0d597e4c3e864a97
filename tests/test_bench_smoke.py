"""The benchmark scripts run end to end on a tiny corpus, so they keep working between full runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "eval" / "data"


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "ramdocs" / "RAMDocs_test.jsonl").exists(),
                    reason="needs ../shared/eval/data beside the repository")
def test_bench_smoke(tmp_path: Path) -> None:
    results = tmp_path / "results"
    run = subprocess.run([sys.executable, "-m", "bench.run", "smoke", "--results", str(results),
                          "--work", str(tmp_path / "work")],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    speed = json.loads(next(results.glob("speed_*.json")).read_text())
    build, serve = speed["build"], speed["serve"]
    assert build["chunks"] > 0 and build["chunks_per_s"] > 0
    assert {s["stage"] for s in build["stages"]} >= {"spaCy sentences + NER",
                                                      "embedding: transformer forward pass"}
    assert build["add_one"]["n"] == 1 and build["add_one"]["median_ms"] > 0
    assert serve["ask"]["n"] == serve["questions"] > 0 and serve["ask"]["median_ms"] > 0
    assert speed["cold_start"]["median_ms"] > 0 and speed["cold_start"]["peak_rss_mb"] > 0
    assert speed["disk_bytes"]["total"] > 0

    ann = json.loads(next(results.glob("ann_*.json")).read_text())
    flat = ann["rows"][0]
    assert flat["index"] == "flat (exact)" and flat["recall_at_10_id"] == 1.0
    assert any(r["index"].startswith("HNSW") for r in ann["rows"])

    summary = (results / "summary.md").read_text()
    assert "### Project" in summary and "FAISS flat vs approximate" in summary
    if list(results.glob("haystack_*.json")):
        haystack = json.loads(next(results.glob("haystack_*.json")).read_text())
        assert haystack["latency"]["haystack_pipeline"]["median_ms"] > 0
        assert "retrieval_core_median" in haystack["ratios_project_over_haystack"]
