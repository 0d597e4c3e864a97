"""How soon the first answer comes: one-shot cold start, and the prompt/page's first answers.

    python -m bench.cold_start [--runs 10] [--answers 5] [--index DIR]

- one-shot: `python -m qa QUESTION --index DIR` in a new process, --runs times after one
  unmeasured run (so the files are in the page cache, as on a machine in use): wall time
  to the printed answer, peak RSS, and which heavy modules it imported;
- session: in one new process, import `qa`, `warm_up(index)` (what the prompt and the
  page do before they say "ready"), then --answers questions: the first answer after
  ready and the ones after it.

The index defaults to a fresh build of seeds/ in a temporary folder. Results go to
bench/results/cold_start.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from bench.child import ROOT, check, run_python
from bench.report import machine, summarise, table, write_json

QUESTIONS = ["Who is the Prime Minister of Japan?", "Who met Liu Jinsong?",
             "Which news agency reported the talks?", "Who is the director of the Asia and Oceania bureau?",
             "Where were the talks held?"]
HEAVY = ("torch", "transformers", "sentence_transformers", "spacy")

SESSION = """
import json, sys, time
started = time.perf_counter()
from qa import ask, warm_up
imported = time.perf_counter()
warm_up(sys.argv[1])
ready = time.perf_counter()
answers = []
for question in json.loads(sys.argv[2]):
    begin = time.perf_counter()
    ask(question, sys.argv[1])
    answers.append(time.perf_counter() - begin)
print(json.dumps({"import_s": imported - started, "warm_up_s": ready - imported, "answers_s": answers}))
"""

ONE_SHOT = """
import runpy, sys
sys.argv = ["qa", *sys.argv[1:]]
try:
    runpy.run_module("qa", run_name="__main__")
finally:
    print("HEAVY", sorted(m for m in {heavy!r} if m in sys.modules))
"""


def one_shot(index: Path, runs: int) -> dict:
    args = ["-c", ONE_SHOT.format(heavy=HEAVY), QUESTIONS[0], "--index", str(index)]
    check(run_python(args), "warm-up run")
    done = [check(run_python(args), "one-shot question") for _ in range(runs)]
    heavy = done[-1].output.rsplit("HEAVY", 1)[-1].strip()
    return {"wall": summarise([r.seconds for r in done]),
            "mean_s": round(statistics.mean(r.seconds for r in done), 3),
            "sd_s": round(statistics.pstdev(r.seconds for r in done), 3),
            "peak_rss_mb": max(r.peak_rss_mb for r in done), "heavy_modules_imported": heavy}


def session(index: Path, answers: int) -> dict:
    run = check(run_python(["-c", SESSION, str(index), json.dumps(QUESTIONS[:answers])]), "session")
    data = json.loads(run.output.strip().splitlines()[-1])
    return {"import_s": round(data["import_s"], 3), "warm_up_s": round(data["warm_up_s"], 3),
            "first_answer_ms": round(data["answers_s"][0] * 1000, 1),
            "later_answers": summarise(data["answers_s"][1:]), "peak_rss_mb": run.peak_rss_mb}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--answers", type=int, default=5)
    parser.add_argument("--index", type=Path, help="an index folder (default: seeds, built now)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        index = args.index
        if index is None:
            index = Path(scratch) / "seeds"
            check(run_python(["-m", "index", "build", str(ROOT / "seeds"), "--index", str(index),
                              "--quiet"]), "building the seeds index")
        result = {"machine": machine(), "one_shot": one_shot(index, args.runs),
                  "session": session(index, args.answers)}
    write_json("cold_start", result)
    shot, talk = result["one_shot"], result["session"]
    print(table(["measure", "value"], [
        [f"one-shot `python -m qa`, median (min-max) of {args.runs}",
         f"{shot['wall']['median_ms'] / 1000:.2f} s ({shot['wall']['min_ms'] / 1000:.2f}-"
         f"{shot['wall']['max_ms'] / 1000:.2f})"],
        ["one-shot peak RSS", f"{shot['peak_rss_mb']:.0f} MB"],
        ["heavy modules the one-shot imported", shot["heavy_modules_imported"]],
        ["session: import qa / warm_up before ready",
         f"{talk['import_s']:.2f} s / {talk['warm_up_s']:.2f} s"],
        ["first answer after ready", f"{talk['first_answer_ms']:.0f} ms"],
        ["later answers, median (max)", f"{talk['later_answers'].get('median_ms', 0):.0f} ms "
                                        f"({talk['later_answers'].get('max_ms', 0):.0f})"],
    ]))
    print(f"load average {result['machine']['load_average']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
