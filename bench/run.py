"""All benchmarks in one command, at the corpus sizes asked for.

    python -m bench.run all [--sizes 1000,10000,100000]   # what `make bench` runs
    python -m bench.run smoke                              # seconds to a minute; CI runs it
    python -m bench.run summary                            # tables from the JSON already there

For each size (in chunks): a corpus is written (bench.corpus), the index is built
and measured (bench.speed), Haystack gets the same chunks (bench.haystack_compare,
when haystack-ai is installed), and warm ask() is profiled (bench.profile). At the
largest size FAISS flat is compared with HNSW and IVF (bench.ann); at the smallest
the build is profiled. JSON goes to bench/results/ (smoke: bench/results/smoke/),
the tables to summary.md there, the corpora and indexes to work/ there.

Time goes to embedding: on two shared cores it ran at 9 to 24 chunks/s, so a 10k
run takes about 45 minutes and 100k several hours (the project's build and
Haystack's each embed every chunk). `--sizes` picks the sizes; `--reuse` keeps
indexes already built in the work folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from bench import ann, haystack_compare, profile, speed
from bench.report import RESULTS, machine, read_json, table, write_json

DEFAULT_SIZES = (1000, 10_000, 100_000)
SMOKE_SIZE = 60


def run_all(sizes: list[int], work: Path, results: Path, questions: int, adds: int, cold: int,
            ann_questions: int, skip: set[str], reuse: bool,
            haystack_embed: int | None = None) -> None:
    started = time.time()
    info = machine()
    info["sizes"] = sizes
    info["command"] = " ".join(["python -m bench.run", *sys.argv[1:]])
    runs = (read_json("machine", results) or {}).get("runs", [])
    write_json("machine", {**info, "runs": [*runs, info]}, results)
    print(f"machine: {info['nproc']} CPUs ({info['cpu_model']}), {info['ram_gib']} GiB RAM, "
          f"load {info['load_average']}\n", flush=True)
    for size in sizes:
        result = speed.measure(size, work, results, questions, adds, cold, reuse)
        folder = work / str(size)
        if "haystack" not in skip:
            haystack_compare.compare(folder / "index", folder / "questions.json", str(size), results,
                                     project_build=result["build"], embed_limit=haystack_embed)
        if "profile" not in skip:
            profiled = profile.profile_ask(folder / "index",
                                           json.loads((folder / "questions.json").read_text()))
            write_json(f"profile_ask_{size}", profiled, results)
            print(profile.render(profiled, rows=10), flush=True)
    if not skip & {"profile", "profile-build"}:
        smallest = work / str(min(sizes))
        scratch = smallest / "profile-index"
        _clear(scratch)
        profiled = profile.profile_build(smallest / "articles", scratch)
        write_json(f"profile_build_{min(sizes)}", profiled, results)
        print(profile.render(profiled, rows=10), flush=True)
        _clear(scratch)
    largest = max(sizes)
    if "ann" not in skip:
        ann.compare(work / str(largest) / "index", ann_questions, str(largest), results)
    info["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    info["minutes"] = round((time.time() - started) / 60, 1)
    info["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    write_json("machine", {**info, "runs": [*runs, info]}, results)
    (results / "summary.md").write_text(summary(results))
    print(f"done in {info['minutes']} min; tables in {results / 'summary.md'}")


def _clear(folder: Path) -> None:
    if folder.exists():
        for file in folder.iterdir():
            file.unlink()
        folder.rmdir()


def summary(results: Path) -> str:
    """Markdown tables of every size found in `results`."""
    info = read_json("machine", results) or {}
    sizes = sorted(int(p.stem.split("_")[1]) for p in results.glob("speed_*.json")
                   if p.stem.split("_")[1].isdigit())
    speeds = {s: read_json(f"speed_{s}", results) for s in sizes}
    out = [f"Machine: {info.get('nproc')} CPUs ({info.get('cpu_model')}), {info.get('ram_gib')} GiB RAM; "
           f"torch {info.get('torch')} ({info.get('torch_threads')} threads), faiss {info.get('faiss')}.", ""]
    out += [f"- `{r.get('command')}`: {r.get('when')} to {r.get('finished', '?')}, load average "
            f"{r.get('load_average')} at start, {r.get('load_average_end', '?')} at end"
            for r in info.get("runs", [info])]
    out += ["", "### Project", ""]
    rows = []
    for s, r in speeds.items():
        b, v, c = r["build"], r["serve"], r["cold_start"]
        rows.append([s, b["chunks"], b["articles"], b["chunks_per_s"], b["build_s"],
                     b["process_peak_rss_mb"], b["add_one"]["median_ms"], b["add_one"]["p95_ms"],
                     v["ask"]["median_ms"], v["ask"]["p95_ms"], v["retrieve_full"]["median_ms"],
                     v["process_peak_rss_mb"], c["median_ms"] / 1000, c["peak_rss_mb"],
                     r["disk_bytes"]["total"] / 2**20,
                     " / ".join(f"{x:.1f}" for x in r.get("load_average", {}).get("start", [])[:1]
                                + r.get("load_average", {}).get("end", [])[:1])])
    out.append(table(["target", "chunks", "articles", "build chunks/s", "build s", "build RSS MB",
                      "add-one median ms", "add-one p95 ms", "ask median ms", "ask p95 ms",
                      "embed+retrieve median ms", "serve RSS MB", "cold start s", "cold RSS MB",
                      "disk MB", "load 1-min start / end"], rows))
    out += ["", "### Build: share of time per stage", ""]
    stages = sorted({st["stage"] for r in speeds.values() for st in r["build"]["stages"]},
                    key=lambda st: -max(next((x["share"] for x in r["build"]["stages"] if x["stage"] == st),
                                             0) for r in speeds.values()))
    out.append(table(["stage", *[f"{s} (s / share)" for s in sizes]], [
        [st, *[_stage_cell(speeds[s]["build"]["stages"], st) for s in sizes]] for st in stages
        if any(_stage_share(speeds[s]["build"]["stages"], st) >= 0.001 for s in sizes)]))
    out += ["", "### Adding one article: median ms per stage", ""]
    add_stages = sorted({k for r in speeds.values() for k in r["build"]["add_one"]["stages_median_ms"]},
                        key=lambda k: -max(r["build"]["add_one"]["stages_median_ms"].get(k, 0)
                                           for r in speeds.values()))
    out.append(table(["stage", *[str(s) for s in sizes]], [
        [k, *[speeds[s]["build"]["add_one"]["stages_median_ms"].get(k, 0.0) for s in sizes]]
        for k in add_stages if any(speeds[s]["build"]["add_one"]["stages_median_ms"].get(k, 0) >= 0.5
                                   for s in sizes)]))
    out += ["", "### Threads: default vs one torch and one FAISS thread (serving process)", ""]
    rows = []
    for s, r in speeds.items():
        t = r["serve"].get("threads")
        if t:
            rows += [[s, what, t["default"][key]["median_ms"], t["one_thread"][key]["median_ms"],
                      t["default"][key]["p95_ms"], t["one_thread"][key]["p95_ms"]]
                     for what, key in (("embed question", "embed_question"),
                                       ("dense search", "dense_search"), ("ask()", "ask"))]
    out.append(table(["target", "what", "default median ms", "1-thread median ms", "default p95 ms",
                      "1-thread p95 ms"], rows))
    hay = {s: read_json(f"haystack_{s}", results) for s in sizes}
    hay = {s: h for s, h in hay.items() if h}
    if hay:
        out += ["", "### Project vs Haystack (retrieval only)", ""]
        rows = []
        for s, h in hay.items():
            lat, ratio = h["latency"], h["ratios_project_over_haystack"]
            rows.append([s, h["chunks"], h.get("project_build", {}).get("chunks_per_s"),
                         h["haystack_build"]["chunks_per_s"], ratio.get("build_throughput"),
                         lat["project_core"]["median_ms"], lat["project_core"]["p95_ms"],
                         lat["project_retrieve"]["median_ms"],
                         lat["haystack_pipeline"]["median_ms"], lat["haystack_pipeline"]["p95_ms"],
                         ratio["retrieval_core_median"], ratio["retrieval_core_p95"],
                         lat["project_bm25"]["median_ms"], lat["haystack_bm25"]["median_ms"],
                         lat["project_dense"]["median_ms"], lat["haystack_embedding_retriever"]["median_ms"],
                         h["top10_overlap_mean"]])
        out.append(table(["target", "chunks", "project build chunks/s", "haystack build chunks/s",
                          "build ratio", "project hybrid median ms", "project hybrid p95 ms",
                          "project embed+retrieve() median ms", "haystack hybrid median ms",
                          "haystack hybrid p95 ms", "ratio median", "ratio p95",
                          "project BM25 ms", "haystack BM25 ms", "project dense ms", "haystack dense ms",
                          "top-10 overlap"], rows))
        out += ["", haystack_compare.NOTE]
    for path in sorted(results.glob("ann_*.json")):
        out += ["", f"### {path.stem}: " + ann.render(json.loads(path.read_text())).lstrip("# ")]
    return "\n".join(out) + "\n"


def _stage_share(stages: list[dict], name: str) -> float:
    return next((s["share"] for s in stages if s["stage"] == name), 0.0)


def _stage_cell(stages: list[dict], name: str) -> str:
    row = next((s for s in stages if s["stage"] == name), None)
    return f"{row['seconds']:.2f} / {100 * row['share']:.1f}%" if row else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["all", "smoke", "summary"])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="target sizes in chunks, comma-separated (default %(default)s)")
    parser.add_argument("--questions", type=int, default=40, help="questions timed per size")
    parser.add_argument("--adds", type=int, default=5, help="single-article adds timed per size")
    parser.add_argument("--cold", type=int, default=3, help="cold starts timed per size")
    parser.add_argument("--ann-questions", type=int, default=300)
    parser.add_argument("--skip", default="",
                        help="comma-separated: haystack, ann, profile, profile-build")
    parser.add_argument("--haystack-embed", type=int, default=10_000,
                        help="Haystack embeds at most this many chunks per size (its build is timed on "
                             "those); the rest get the project's vectors (default %(default)s)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep indexes already built in the work folder (skips their build)")
    parser.add_argument("--threads", type=int,
                        help="set OMP_NUM_THREADS/MKL_NUM_THREADS for every measured process")
    parser.add_argument("--results", type=Path,
                        help="JSON and summary.md (default bench/results, smoke: bench/results/smoke)")
    parser.add_argument("--work", type=Path, help="corpora and indexes (default RESULTS/work)")
    args = parser.parse_args(argv)
    if args.results is None:
        args.results = RESULTS / "smoke" if args.mode == "smoke" else RESULTS
    if args.work is None:
        args.work = args.results / "work"
    if args.threads:
        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(args.threads)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if args.mode == "summary":
        text = summary(args.results)
        (args.results / "summary.md").write_text(text)
        print(text)
    elif args.mode == "smoke":
        run_all([SMOKE_SIZE], args.work, args.results, questions=3, adds=1, cold=1, ann_questions=20,
                skip=skip | {"profile-build"}, reuse=False)
    else:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        run_all(sizes, args.work, args.results, args.questions, args.adds, args.cold,
                args.ann_questions, skip, args.reuse, args.haystack_embed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
