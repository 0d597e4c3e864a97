"""Exact (flat) search against approximate FAISS indexes on the index's own chunk vectors.

    python -m bench.ann --index DIR [--questions 300] [--label 10000]

The vectors are read back from the segments of an index folder (tombstoned
chunks left out), the queries are real RAMDocs and SQuAD
questions embedded by the project's embedder. Each candidate is built once, then
searched one question at a time (as ask() does) for the latency, and compared
with the flat top-10 for recall@10.

Recall is given two ways. By id: the share of flat's top-10 chunk ids found. By
score: the share of returned results that score at least flat's 10th best; the
corpus replicates articles with a tiny textual change, so near-identical copies
tie for the last places, and an index that returns a different copy of the same
chunk is right by score and wrong by id.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from bench.report import RESULTS, summarise, table, write_json

K = 10


def chunk_vectors(index_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """(chunk ids, vectors) of the live chunks of the index, from all its segments."""
    from index.folder import sqlite
    from index.folder.segments import Segment

    db = sqlite.connect(index_dir / "index.sqlite")
    try:
        listed = json.loads(sqlite.get_meta(db, "segments", "[]"))
        dead = sqlite.dead_chunks(db)
    finally:
        db.close()
    if not listed:
        raise FileNotFoundError(f"no segments in {index_dir}")
    ids, vectors = [], []
    for number, _ in listed:
        segment = Segment.load(index_dir, number)
        segment.drop(dead)
        segment_ids, segment_vectors = segment.live_vectors()
        ids.append(segment_ids)
        vectors.append(segment_vectors)
    return np.concatenate(ids), np.vstack(vectors)


def question_vectors(n: int) -> np.ndarray:
    from bench.corpus import questions
    from index.model.embedder import load_embedder

    every = questions()
    step = max(1, len(every) // n)
    texts = [q.text for q in every[::step]][:n]
    return load_embedder().encode(texts)


def _latency(index: object, queries: np.ndarray) -> tuple[dict, np.ndarray, np.ndarray]:
    times, ids, scores = [], [], []
    for q in queries:
        start = time.perf_counter()
        s, i = index.search(q.reshape(1, -1), K)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - start)
        ids.append(i[0])
        scores.append(s[0])
    return summarise(times), np.array(ids), np.array(scores)


def _recall(ids: np.ndarray, truth_ids: np.ndarray, base: np.ndarray, queries: np.ndarray,
            truth_scores: np.ndarray) -> tuple[float, float]:
    by_id = np.mean([len(set(a) & set(b)) / K for a, b in zip(ids, truth_ids, strict=True)])
    hits = []
    for found, q, floor in zip(ids, queries, truth_scores[:, -1], strict=True):
        found = found[found >= 0]
        exact = base[found] @ q
        hits.append(np.sum(exact >= floor - 1e-5) / K)
    return round(float(by_id), 4), round(float(np.mean(hits)), 4)


def tiled(base: np.ndarray, times: int, noise: float = 0.005, seed: int = 0) -> np.ndarray:
    """`times` copies of the vectors, each copy after the first moved by a little Gaussian
    noise and renormalised (cosine about 0.995 to its original): a stand-in for a corpus
    `times` as large, good for latency, only indicative for recall."""
    rng = np.random.default_rng(seed)
    copies = [base] + [base + rng.normal(0, noise, base.shape).astype(np.float32)
                       for _ in range(times - 1)]
    out = np.vstack(copies)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out.astype(np.float32)


def compare(index_dir: Path, n_questions: int, label: str, results: Path,
            threads: int | None = None, tile: int = 1) -> dict:
    import faiss

    if threads:
        faiss.omp_set_num_threads(threads)
    base = np.ascontiguousarray(chunk_vectors(index_dir)[1], dtype=np.float32)
    if tile > 1:
        base = tiled(base, tile)
    n, dim = base.shape
    queries = question_vectors(n_questions)
    start = time.perf_counter()
    flat = faiss.IndexFlatIP(dim)
    flat.add(base)
    flat_build = time.perf_counter() - start
    flat_latency, truth_ids, truth_scores = _latency(flat, queries)

    start = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 40
    hnsw.add(base)
    hnsw_build = time.perf_counter() - start
    nlist = max(1, min(n // 39, int(4 * math.sqrt(n))))
    start = time.perf_counter()
    quantizer = faiss.IndexFlatIP(dim)
    ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.train(base)
    ivf.add(base)
    ivf_build = time.perf_counter() - start

    rows = [{"index": "flat (exact)", "params": "", "build_s": round(flat_build, 3),
             "latency": flat_latency, "recall_at_10_id": 1.0, "recall_at_10_score": 1.0}]
    for ef in (16, 32, 64, 128):
        hnsw.hnsw.efSearch = ef
        latency, ids, _ = _latency(hnsw, queries)
        by_id, by_score = _recall(ids, truth_ids, base, queries, truth_scores)
        rows.append({"index": "HNSW M=32", "params": f"efSearch={ef}", "build_s": round(hnsw_build, 3),
                     "latency": latency, "recall_at_10_id": by_id, "recall_at_10_score": by_score})
    for nprobe in (1, 4, 16, 64):
        if nprobe > nlist:
            continue
        ivf.nprobe = nprobe
        latency, ids, _ = _latency(ivf, queries)
        by_id, by_score = _recall(ids, truth_ids, base, queries, truth_scores)
        rows.append({"index": f"IVFFlat nlist={nlist}", "params": f"nprobe={nprobe}",
                     "build_s": round(ivf_build, 3), "latency": latency,
                     "recall_at_10_id": by_id, "recall_at_10_score": by_score})
    result = {"vectors": n, "dimension": dim, "questions": len(queries), "tiled": tile,
              "faiss_threads": faiss.omp_get_max_threads(), "source": str(index_dir),
              "rows": rows}
    write_json(f"ann_{label}", result, results)
    print(render(result))
    return result


def render(result: dict) -> str:
    flat = result["rows"][0]["latency"]["median_ms"]
    rows = [[r["index"], r["params"], r["build_s"], r["latency"]["median_ms"], r["latency"]["p95_ms"],
             round(flat / r["latency"]["median_ms"], 1) if r["latency"]["median_ms"] else None,
             r["recall_at_10_id"], r["recall_at_10_score"]] for r in result["rows"]]
    synthetic = (f" (the index's vectors tiled {result['tiled']}x with noise)"
                 if result.get("tiled", 1) > 1 else "")
    return (f"## FAISS flat vs approximate at {result['vectors']:,} vectors{synthetic}, "
            f"{result['questions']} questions, {result['faiss_threads']} FAISS thread(s), "
            "one query at a time\n\n"
            + table(["index", "params", "build s", "median ms", "p95 ms", "speed-up",
                     "recall@10 id", "recall@10 score"], rows) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ann", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--label", default="custom")
    parser.add_argument("--threads", type=int, help="FAISS OpenMP threads (default: FAISS's own)")
    parser.add_argument("--tile", type=int, default=1,
                        help="also stand in for a corpus this many times larger (synthetic copies)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    compare(args.index, args.questions, args.label, args.results, args.threads, args.tile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
