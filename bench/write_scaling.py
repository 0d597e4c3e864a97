"""The parts of one index write whose cost grows with the index, at sizes not yet built.

    python -m bench.write_scaling --index DIR [--factors 1,10,30]

Adding one article also reloads and rewrites everything the index already holds:
the BM25 postings (load .npz, rebuild the sparse matrix, save), the FAISS file
(read, serialize, write, fsync) and every content hash in SQLite. This script
times exactly those calls of index/ on the postings and vectors of a built index
tiled `factor` times (ids shifted, so the copies are distinct chunks), which
tells what one add will cost at 10x or 30x the size without embedding that many
chunks first.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.ann import newest_vectors_file
from bench.report import RESULTS, table, write_json


def _best_of(fn: object, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def measure(index_dir: Path, factor: int, scratch: Path) -> dict[str, float]:
    import faiss

    from index import database
    from index.lexical import LexicalIndex, terms
    from index.store import _fsync_replace

    lexical_file = index_dir / newest_vectors_file(index_dir).name.replace("vectors", "lexical").replace(
        ".faiss", ".npz")
    with np.load(lexical_file, allow_pickle=False) as data:
        chunk_ids, term_ids, counts = data["chunk_ids"], data["term_ids"], data["counts"]
        vocab = data["vocab"].tolist()
    span = int(chunk_ids.max()) + 1
    tiled = LexicalIndex(np.concatenate([chunk_ids + k * span for k in range(factor)]),
                         np.tile(term_ids, factor), np.tile(counts, factor), vocab)
    path = scratch / "lexical.npz"
    tiled.save(path)
    new_rows = [(factor * span + i, terms("A new article about the census of Broken Bow " * 20))
                for i in range(2)]
    result: dict[str, float] = {"chunks": float(len(tiled.chunk_ids))}
    result["BM25: load .npz"] = _best_of(lambda: LexicalIndex.load(path))
    result["BM25: rebuild postings"] = _best_of(lambda: tiled.updated([], new_rows))

    def save_lexical() -> None:
        tiled.save(scratch / "l.tmp")
        _fsync_replace(scratch / "l.tmp", scratch / "l.npz")

    result["BM25: save .npz + fsync"] = _best_of(save_lexical)

    stored = faiss.read_index(str(newest_vectors_file(index_dir)))
    inner = faiss.downcast_index(stored.index)
    base = inner.reconstruct_n(0, inner.ntotal)
    ids = faiss.vector_to_array(stored.id_map)
    vectors = faiss.IndexIDMap2(faiss.IndexFlatIP(base.shape[1]))
    vectors.add_with_ids(np.tile(base, (factor, 1)),
                         np.concatenate([ids + k * span for k in range(factor)]).astype(np.int64))
    vector_file = scratch / "vectors.faiss"

    def write_vectors() -> None:
        tmp = scratch / "v.tmp"
        tmp.write_bytes(faiss.serialize_index(vectors).tobytes())
        _fsync_replace(tmp, vector_file)

    result["FAISS: serialize + write + fsync"] = _best_of(write_vectors)
    result["FAISS: read file"] = _best_of(lambda: faiss.read_index(str(vector_file)))
    result["FAISS file MB"] = vector_file.stat().st_size / 2**20

    db = database.connect(scratch / "index.sqlite")
    n_docs = int(len(tiled.chunk_ids) * 0.7)
    db.execute("BEGIN")
    db.executemany("INSERT INTO documents VALUES (?, '', ?, '', '', '', '', '', 0)",
                   [(f"doc-{i}", f"{i:064x}") for i in range(n_docs)])
    db.execute("COMMIT")
    result["SQLite: read hashes"] = _best_of(lambda: database.hashes(db))
    db.close()
    return {k: (round(v * 1000, 2) if k not in ("chunks", "FAISS file MB") else round(v, 1))
            for k, v in result.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.write_scaling", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--factors", default="1,10")
    parser.add_argument("--label", default="custom")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    rows = []
    for factor in (int(f) for f in args.factors.split(",")):
        with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as scratch:
            rows.append({"factor": factor, **measure(args.index, factor, Path(scratch))})
    write_json(f"write_scaling_{args.label}", {"index": str(args.index), "rows": rows}, args.results)
    keys = [k for k in rows[0] if k != "factor"]
    print("## Size-proportional parts of one write (ms, best of 3)\n")
    print(table(["part", *[f"{int(r['chunks']):,} chunks" for r in rows]],
                [[k, *[r[k] for r in rows]] for k in keys if k != "chunks"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
