"""Speed and memory of the project itself at one corpus size.

    python -m bench.speed --size 1000 [--questions 40] [--adds 5] [--cold 3]

Each measurement runs in a process of its own, so its peak RSS is its own:

  build    index the corpus from scratch: chunks/s, time per stage, peak RSS;
           then add one new article at a time (median of --adds), with its stages
  serve    open the index, first answer, then warm ask() latency (median, p95) and
           retrieval alone (the part Haystack is compared on), peak RSS
  cold     `python -m qa "QUESTION" --index DIR` from a new process: wall time to
           the first answer, peak RSS
  disk     bytes of the index folder per kind of file

The two workers are `python -m bench.speed build-worker|serve-worker ...`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import corpus as corpus_mod
from bench.child import check, run_python
from bench.report import RESULTS, folder_bytes, peak_rss_mb, summarise, table, write_json


def build_worker(articles: Path, index_dir: Path, adds: int, out: Path) -> None:
    """Build the index, then time single-article adds; writes one JSON object to `out`."""
    started = time.perf_counter()
    from bench.stages import StageTimers
    from index import Index
    from index.ingest.chunking import encoding
    from index.ingest.nlp import pipeline
    from index.model.embedder import load_embedder

    imported = time.perf_counter()
    load_embedder()
    pipeline()
    encoding()
    loaded = time.perf_counter()
    index = Index.open(index_dir)
    with StageTimers() as timers:
        begin = time.perf_counter()
        report = index.build([articles])
        build_s = time.perf_counter() - begin
    status = index.status()
    result: dict[str, object] = {
        "import_s": round(imported - started, 3), "load_models_s": round(loaded - imported, 3),
        "articles": report.added, "chunks": status.chunks, "build_s": round(build_s, 3),
        "chunks_per_s": round(status.chunks / build_s, 2),
        "stages": timers.breakdown(build_s), "peak_rss_mb": peak_rss_mb(),
        "skipped": len(report.skipped),
    }
    with tempfile.TemporaryDirectory() as folder:
        times, stage_runs, chunks = [], [], []
        for record in corpus_mod.extra_articles(adds):
            path = Path(folder) / f"{record['id']}.jsonl"
            path.write_text(json.dumps(record) + "\n")
            with StageTimers() as timers:
                begin = time.perf_counter()
                added = index.add([path])
                seconds = time.perf_counter() - begin
            times.append(seconds)
            chunks.append(added.chunks_embedded)
            stage_runs.append({r["stage"]: r["seconds"] for r in timers.breakdown(seconds)})
        stages = sorted({s for run in stage_runs for s in run})
        result["add_one"] = {
            **summarise(times), "chunks_per_article": chunks,
            "stages_median_ms": dict(sorted(
                ((s, round(1000 * statistics.median(run.get(s, 0.0) for run in stage_runs), 2))
                 for s in stages), key=lambda kv: -kv[1])),
        }
    result["peak_rss_after_adds_mb"] = peak_rss_mb()
    out.write_text(json.dumps(result, indent=2))


def serve_worker(index_dir: Path, questions_file: Path, out: Path) -> None:
    """Open the index as a server would and time answers; writes one JSON object to `out`."""
    started = time.perf_counter()
    from index import Index
    from qa.answer import ask
    from qa.retrieve import fuse, retrieve

    questions = json.loads(questions_file.read_text())
    index = Index.open(index_dir)
    first = ask(questions[0], index=index)
    first_s = time.perf_counter() - started
    after_first_rss = peak_rss_mb()
    for question in questions[1:3]:
        ask(question, index=index)
    ask_times, answered = [], 0
    for question in questions:
        begin = time.perf_counter()
        answer = ask(question, index=index)
        ask_times.append(time.perf_counter() - begin)
        answered += bool(answer.answers)
    parts: dict[str, list[float]] = {k: [] for k in (
        "embed question", "dense search (k=64)", "BM25 search (k=64)", "fuse",
        "chunk rows + passages (SQLite)")}
    retrieve_times, core_times = [], []
    for question in questions:
        t0 = time.perf_counter()
        vector = index.embedder.encode([question])[0]
        t1 = time.perf_counter()
        dense = index.dense_search(vector, 64)
        t2 = time.perf_counter()
        lexical = index.lexical_search(question, 64)
        t3 = time.perf_counter()
        fused = fuse(dense, lexical)
        sorted(fused, key=fused.__getitem__, reverse=True)
        t4 = time.perf_counter()
        core_times.append(t4 - t0)
        for key, seconds in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=False):
            parts[key].append(seconds)
        t5 = time.perf_counter()
        retrieve(index, question, vector)
        retrieve_times.append(time.perf_counter() - t5 + (t1 - t0))
        parts["chunk rows + passages (SQLite)"].append(time.perf_counter() - t5 - (t4 - t1))
    result = {
        "questions": len(questions), "answered": answered,
        "first_answer_in_process_s": round(first_s, 3), "first_answered": bool(first.answers),
        "ask": summarise(ask_times),
        "retrieve_full": summarise(retrieve_times),
        "retrieve_core": summarise(core_times),
        "retrieval_parts_median_ms": {k: round(1000 * statistics.median(v), 3)
                                      for k, v in parts.items() if v},
        "peak_rss_after_first_answer_mb": after_first_rss, "peak_rss_mb": peak_rss_mb(),
        "threads": _thread_experiment(index, questions),
    }
    try:
        import psutil

        result["rss_now_mb"] = round(psutil.Process().memory_info().rss / 2**20, 1)
    except ImportError:
        pass
    out.write_text(json.dumps(result, indent=2))


def _thread_experiment(index: object, questions: list[str]) -> dict[str, object]:
    """Question embedding, dense search and ask() with the default torch/FAISS threads and
    with one thread each: a single query is too small to gain from threads, and on a busy
    machine their spin-waiting costs more than it saves."""
    import faiss
    import torch

    from qa.answer import ask

    defaults = {"torch": torch.get_num_threads(), "faiss": faiss.omp_get_max_threads()}
    timings: dict[str, object] = {"default_threads": defaults}
    for name, threads in (("default", defaults), ("one_thread", {"torch": 1, "faiss": 1})):
        torch.set_num_threads(threads["torch"])
        faiss.omp_set_num_threads(threads["faiss"])
        embed, dense, asked = [], [], []
        for question in questions:
            t0 = time.perf_counter()
            vector = index.embedder.encode([question])[0]  # type: ignore[attr-defined]
            t1 = time.perf_counter()
            index.dense_search(vector, 64)  # type: ignore[attr-defined]
            t2 = time.perf_counter()
            ask(question, index=index)
            asked.append(time.perf_counter() - t2)
            embed.append(t1 - t0)
            dense.append(t2 - t1)
        timings[name] = {"embed_question": summarise(embed), "dense_search": summarise(dense),
                         "ask": summarise(asked)}
    torch.set_num_threads(defaults["torch"])
    faiss.omp_set_num_threads(defaults["faiss"])
    return timings


def cold_start(index_dir: Path, question: str, runs: int) -> dict[str, object]:
    """`python -m qa QUESTION --index DIR` in a new process, `runs` times."""
    results = [check(run_python(["-m", "qa", question, "--index", str(index_dir)]), "python -m qa")
               for _ in range(runs)]
    return {"question": question, **summarise([r.seconds for r in results]),
            "peak_rss_mb": max(r.peak_rss_mb for r in results)}


def measure(size: int, work: Path, results: Path, n_questions: int = 40, adds: int = 5,
            cold_runs: int = 3, reuse: bool = False) -> dict[str, object]:
    """All speed measurements at one size; the index is left in work/<size>/index."""
    load_before = [round(x, 2) for x in os.getloadavg()]
    folder = work / str(size)
    articles, index_dir = folder / "articles", folder / "index"
    made = corpus_mod.make_corpus(size, articles)
    questions = corpus_mod.sample_questions(made.base_keys, n_questions)
    (folder / "questions.json").write_text(json.dumps(questions, indent=1))
    build_json, serve_json = folder / "build.json", folder / "serve.json"
    if not (reuse and (index_dir / "manifest.json").exists() and build_json.exists()):
        _clear(index_dir)
        run = check(run_python(["-m", "bench.speed", "build-worker", str(articles), str(index_dir),
                                "--adds", str(adds), "--out", str(build_json)]), "build")
        build = json.loads(build_json.read_text())
        build["process_s"] = round(run.seconds, 3)
        build["process_peak_rss_mb"] = run.peak_rss_mb
        build_json.write_text(json.dumps(build, indent=2))
    build = json.loads(build_json.read_text())
    serve_run = check(run_python(["-m", "bench.speed", "serve-worker", str(index_dir),
                                  str(folder / "questions.json"), "--out", str(serve_json)]), "serve")
    serve = json.loads(serve_json.read_text())
    serve["process_peak_rss_mb"] = serve_run.peak_rss_mb
    result = {"size_target": size, "corpus": made.to_dict(), "build": build, "serve": serve,
              "cold_start": cold_start(index_dir, questions[0], cold_runs),
              "disk_bytes": folder_bytes(index_dir),
              "load_average": {"start": load_before, "end": [round(x, 2) for x in os.getloadavg()]},
              "measured_at": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    write_json(f"speed_{size}", result, results)
    print(render(result))
    return result


def _clear(index_dir: Path) -> None:
    if index_dir.exists():
        for file in index_dir.iterdir():
            file.unlink()


def render(result: dict) -> str:
    build, serve, cold = result["build"], result["serve"], result["cold_start"]
    add = build["add_one"]
    lines = [f"## speed at {build['chunks']:,} chunks ({build['articles']:,} articles)", "",
             table(["measure", "value"], [
                 ["build chunks/s", build["chunks_per_s"]],
                 ["build s", build["build_s"]],
                 ["build peak RSS MB", build["process_peak_rss_mb"]],
                 ["add one article median ms", add.get("median_ms")],
                 ["add one article p95 ms", add.get("p95_ms")],
                 ["ask() median ms", serve["ask"]["median_ms"]],
                 ["ask() p95 ms", serve["ask"]["p95_ms"]],
                 ["embed + retrieve() median ms", serve["retrieve_full"]["median_ms"]],
                 ["serving peak RSS MB", serve["process_peak_rss_mb"]],
                 ["cold start to first answer median s", cold["median_ms"] / 1000],
                 ["cold start peak RSS MB", cold["peak_rss_mb"]],
                 ["index on disk MB", result["disk_bytes"]["total"] / 2**20],
                 *_thread_rows(serve.get("threads")),
             ]), "", "build stages (exclusive time):", "",
             table(["stage", "s", "share", "calls"],
                   [[s["stage"], s["seconds"], f"{100 * s['share']:.1f}%", s["calls"]]
                    for s in build["stages"] if s["seconds"] >= 0.001]),
             "", "add one article, median ms per stage:", "",
             table(["stage", "ms"], [[k, v] for k, v in add["stages_median_ms"].items() if v >= 0.05])]
    return "\n".join(lines) + "\n"


def _thread_rows(threads: dict | None) -> list[list[object]]:
    if not threads:
        return []
    return [[f"{what} median ms, default / 1 thread",
             f"{threads['default'][key]['median_ms']:.2f} / {threads['one_thread'][key]['median_ms']:.2f}"]
            for what, key in (("embed question", "embed_question"), ("dense search", "dense_search"),
                              ("ask()", "ask"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.speed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    b = sub.add_parser("build-worker")
    b.add_argument("articles", type=Path)
    b.add_argument("index", type=Path)
    b.add_argument("--adds", type=int, default=5)
    b.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("serve-worker")
    s.add_argument("index", type=Path)
    s.add_argument("questions", type=Path)
    s.add_argument("--out", type=Path, required=True)
    parser.add_argument("--size", type=int, default=1000, help="target chunks (default 1000)")
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--adds", type=int, default=5)
    parser.add_argument("--cold", type=int, default=3, help="cold-start runs")
    parser.add_argument("--work", type=Path, default=RESULTS / "work")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--reuse", action="store_true", help="keep an index already built there")
    args = parser.parse_args(argv)
    if args.command == "build-worker":
        build_worker(args.articles, args.index, args.adds, args.out)
    elif args.command == "serve-worker":
        serve_worker(args.index, args.questions, args.out)
    else:
        measure(args.size, args.work, args.results, args.questions, args.adds, args.cold, args.reuse)
    return 0


if __name__ == "__main__":
    sys.exit(main())
