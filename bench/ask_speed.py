"""A warm ask() against an existing index: p50 and p95, and the reader's share of it.

    python -m bench.ask_speed INDEX QUESTIONS.json [--rounds 3] [--limits 12,8,6] [--batch-size N]
                              [--results DIR]

Opens INDEX as the page does (`qa.warm_up`), answers three questions to warm up, then
asks every question `--rounds` times: the whole `ask()`, and inside it the time spent in
the reader's `read` (the rest is embedding the question, retrieval, choosing windows and
weighing the spans). Then, for the windows `ask()` would read, what reading only the
first N of them costs (`--limits`): the reader's time is about linear in what it reads.
`--batch-size` reads the windows in batches of N (default: the reader's own).

Built for comparing reader runtimes on one machine: run it from two checkouts against
the same index, one after the other, and compare the medians. JSON goes to
bench/results/ask_speed.json (--results, --label), the tables to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.report import RESULTS, machine, summarise, table, write_json
from index import Index
from qa import warm_up
from qa.answer import SPANS_PER_WINDOW, ask
from qa.reader import Reader
from qa.retrieve import retrieve
from qa.windows import windows


class TimedReader(Reader):
    """The shipped reader, counting the seconds its `read` takes."""

    def __init__(self, **options: int) -> None:
        super().__init__(**options)
        self.seconds: list[float] = []

    def read(self, question: str, chosen: Sequence, n: int = 1) -> list:
        begin = time.perf_counter()
        spans = super().read(question, chosen, n)
        self.seconds.append(time.perf_counter() - begin)
        return spans


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ask_speed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index")
    parser.add_argument("questions", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limits", default="12,8,6")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--label", default="ask_speed")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    questions = json.loads(args.questions.read_text())
    index = Index.open(args.index, create=False)
    began = time.perf_counter()
    warm_up(index)
    warm_seconds = time.perf_counter() - began
    options = {"batch_size": args.batch_size} if args.batch_size else {}
    reader = TimedReader(**options)
    for question in questions[:3]:
        ask(question, index=index, reader=reader)
    reader.seconds.clear()
    asked = []
    for _ in range(args.rounds):
        for question in questions:
            begin = time.perf_counter()
            ask(question, index=index, reader=reader)
            asked.append(time.perf_counter() - begin)
    whole, reading = summarise(asked), summarise(reader.seconds)
    share = sum(reader.seconds) / sum(asked)

    limits = [int(n) for n in args.limits.split(",")]
    per_limit: dict[int, list[float]] = {n: [] for n in limits}
    shared = Reader(**options)
    for question in questions:
        vector = index.embedder.encode([question])[0]
        passages = [r.passage for r in retrieve(index, question, vector)]
        chosen = windows(passages, question, vector, limit=max(limits))
        for n in limits:
            begin = time.perf_counter()
            shared.read(question, chosen[:n], SPANS_PER_WINDOW)
            per_limit[n].append(time.perf_counter() - begin)

    info = machine()
    info["command"] = " ".join(["python -m bench.ask_speed", *(argv or sys.argv[1:])])
    result = {"machine": info, "index": args.index, "questions": len(questions),
              "rounds": args.rounds, "batch_size": reader.batch_size,
              "warm_up_s": round(warm_seconds, 2), "ask": whole,
              "reader": reading, "reader_share": round(share, 3),
              "reader_by_windows": {n: summarise(s) for n, s in per_limit.items()}}
    write_json(args.label, result, args.results)
    print(table(["", "p50 ms", "p95 ms"],
                [["ask()", whole["median_ms"], whole["p95_ms"]],
                 ["of which the reader", reading["median_ms"], reading["p95_ms"]]]))
    print(table(["windows read", "reader p50 ms", "p95 ms"],
                [[n, summarise(s)["median_ms"], summarise(s)["p95_ms"]] for n, s in per_limit.items()]))
    print(f"{len(asked)} answers: ask p50 {whole['median_ms']:.0f} ms, p95 {whole['p95_ms']:.0f} ms; "
          f"the reader {100 * share:.0f}% of the time; warm-up {warm_seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
