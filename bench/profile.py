"""cProfile of an index build and of warm ask() calls: the functions where time goes.

    python -m bench.profile build --articles DIR --index NEW_DIR [--label 1000]
    python -m bench.profile ask --index DIR --questions FILE.json [--label 1000]

cProfile slows Python-heavy code more than native code (torch, FAISS, SQLite), so
use these tables to find hot functions and the stage timers of bench.speed for
how the time divides.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.report import RESULTS, table, write_json

ROOT = Path(__file__).resolve().parents[1]


def profile_call(fn: Callable[[], Any], top: int = 25) -> tuple[Any, dict[str, list[dict]]]:
    """Run fn under cProfile; its result and the top functions by own and by cumulative time."""
    profiler = cProfile.Profile()
    result = profiler.runcall(fn)
    stats = pstats.Stats(profiler, stream=io.StringIO())
    tables: dict[str, list[dict]] = {}
    for key, sort in (("by_tottime", "tottime"), ("by_cumtime", "cumulative")):
        stats.sort_stats(sort)
        rows = []
        for func in stats.fcn_list[:top]:  # type: ignore[attr-defined]
            calls, _, tottime, cumtime, _ = stats.stats[func]  # type: ignore[attr-defined]
            filename, line, name = func
            rows.append({"function": f"{_short(filename)}:{line}({name})", "calls": calls,
                         "tottime_s": round(tottime, 4), "cumtime_s": round(cumtime, 4)})
        tables[key] = rows
    return result, tables


def _short(filename: str) -> str:
    for marker in ("site-packages/", f"{ROOT}/", "/lib/python3.11/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def profile_build(articles: Path, index_dir: Path) -> dict:
    from index import Index
    from index.ingest.nlp import pipeline
    from index.model.embedder import load_embedder

    load_embedder()
    pipeline()
    index = Index.open(index_dir)
    start = time.perf_counter()
    report, tables = profile_call(lambda: index.build([articles]))
    return {"what": "build", "seconds_under_profile": round(time.perf_counter() - start, 3),
            "chunks": report.chunks_embedded, **tables}


def profile_ask(index_dir: Path, questions: list[str]) -> dict:
    from index import Index
    from qa.answer import ask

    index = Index.open(index_dir)
    for question in questions[:2]:
        ask(question, index=index)
    start = time.perf_counter()
    _, tables = profile_call(lambda: [ask(q, index=index) for q in questions])
    return {"what": "ask", "questions": len(questions),
            "seconds_under_profile": round(time.perf_counter() - start, 3), **tables}


def render(result: dict, rows: int = 15) -> str:
    head = (f"## cProfile of {result['what']} ({result['seconds_under_profile']} s under the profiler"
            + (f", {result['questions']} questions" if "questions" in result else "") + ")")
    body = [head, ""]
    for key in ("by_tottime", "by_cumtime"):
        body += [f"top by {key[3:]}:", "", table(["function", "calls", "own s", "cumulative s"], [
            [r["function"], r["calls"], r["tottime_s"], r["cumtime_s"]] for r in result[key][:rows]]), ""]
    return "\n".join(body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["build", "ask"])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--articles", type=Path, help="for build: the corpus folder")
    parser.add_argument("--questions", type=Path, help="for ask: JSON list of questions")
    parser.add_argument("--label", default="custom")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.what == "build":
        result = profile_build(args.articles, args.index)
    else:
        result = profile_ask(args.index, json.loads(args.questions.read_text()))
    write_json(f"profile_{args.what}_{args.label}", result, args.results)
    print(render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
