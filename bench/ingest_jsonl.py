"""Chunks per second of one JSONL file of N records against a folder of the same N texts.

    python -m bench.ingest_jsonl [--records 2000]

Issue 11 saw a 10,000-record JSONL add run past 7 minutes; the requirement is the
same chunks/s as a folder build of the same text. Both builds run in this process
with the models loaded first, each into a fresh index, from records made of the
benchmark corpus's base articles (see bench.corpus). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from bench import corpus as corpus_mod
from bench.report import timed_build


def _texts(n: int) -> list[str]:
    base = corpus_mod.base_articles()
    # NUL bytes (a few base texts hold them) would make the folder's copy a "binary file".
    return [f"Story {i}. {base[i % len(base)].text}".replace("\x00", " ") for i in range(n)]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    args = parser.parse_args(argv)
    from index.ingest.nlp import pipeline
    from index.model.embedder import load_embedder

    load_embedder()
    pipeline()
    texts = _texts(args.records)
    with tempfile.TemporaryDirectory(prefix="bench-jsonl-") as work:
        root = Path(work)
        jsonl = root / "records.jsonl"
        jsonl.write_text("".join(json.dumps({"id": f"r{i}", "text": t}) + "\n"
                                 for i, t in enumerate(texts)))
        folder = root / "folder"
        folder.mkdir()
        for i, text in enumerate(texts):
            (folder / f"r{i}.txt").write_text(text)
        result = {"records": args.records, "jsonl": timed_build(root / "index-jsonl", jsonl),
                  "folder": timed_build(root / "index-folder", folder)}
    result["ratio"] = round(result["jsonl"]["chunks_per_s"] / result["folder"]["chunks_per_s"], 2)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
