"""Choose how far from the question a span's sentence may be (`off_topic`, used by qa.focus),
on held-out training data.

    python -m train.focus [--reader=qa/reader_model] [--limit=N]

For held-out answerable questions (train/reader.py's split), the reader reads the
question's own paragraph and another paragraph of its article that does not hold the
answer. Each paragraph is cut into sentences as ingest cuts them (spaCy,
`index.ingest.nlp.analyse`), and sentences are scored for the question as qa.focus
scores them.

- Right answers (F1 >= 0.5 with a gold answer): how far their sentence scores below the
  most question-like sentence of their paragraph. `off_topic` is the KEEP quantile of
  that gap, so a right answer is set aside at most 1 - KEEP of the time even beside
  the best sentence of its own story (in the product it is compared only with the
  sentences the reader found spans in, which is never more).
- Misreadings (a span the reader gives, beyond its own "no answer", in the other
  paragraph): the share that `off_topic` sets aside when read beside the question's own
  paragraph, which is the saving.

The questions are cut in two: the first half chooses, the second reports. Writes
`off_topic` and its report into calibration.json. Never reads ../shared/eval.
"""

from __future__ import annotations

import json
import random
import sys
import zlib
from pathlib import Path

import numpy as np

from index.ingest.nlp import analyse
from qa.focus import below_best, focus_scores
from qa.reader import SHIPPED, Reader
from train.metrics import best_f1
from train.reader import load_records, parse_args, script_options, split

KEEP = 0.99


def sentences_of(text: str) -> list[tuple[int, str]]:
    """The text's sentences as ingest cuts them: (start, sentence)."""
    return [(s.start, text[s.start:s.end]) for s in analyse([text])[0][0]]


def sentence_at(sentences: list[tuple[int, str]], start: int) -> str:
    """The sentence that offset `start` falls in."""
    return sentences[max(0, int(np.searchsorted([s for s, _ in sentences], start, side="right")) - 1)][1]


def main(argv: list[str]) -> None:
    options = script_options(argv, {"reader": str(SHIPPED), "limit": 1200})
    settings = parse_args([])
    _, held = split(load_records(Path(settings["data_dir"])), settings["heldout_every"])
    paragraphs: dict[str, list[str]] = {}
    for record in held:
        if record["context"] not in paragraphs.setdefault(record["title"], []):
            paragraphs[record["title"]].append(record["context"])
    rng = random.Random(settings["seed"] + 4)
    questions = [r for r in held if r["answers"]]
    rng.shuffle(questions)
    questions = questions[: options["limit"]]
    reader = Reader(Path(options["reader"]))
    rows = []
    for n, record in enumerate(questions):
        golds = [a["text"] for a in record["answers"]]
        others = [p for p in paragraphs[record["title"]]
                  if not any(g.lower() in p.lower() for g in golds)]
        texts = [record["context"], *([rng.choice(others)] if others else [])]
        question = record["question"]
        readings = reader.read_texts(question, texts)
        own, own_sentences = readings[0], sentences_of(texts[0])
        if not own_sentences:
            continue
        row = {"id": record["id"]}
        if own.end > own.start and best_f1(texts[0][own.start:own.end], golds) >= 0.5:
            # Beside every sentence of its paragraph: more than the product ever compares.
            found = [sentence_at(own_sentences, own.start), *(t for _, t in own_sentences)]
            read = [True] * len(found)
            row["gap"] = below_best(focus_scores(found, read, question), read)[0]
        other = readings[1] if len(texts) > 1 else None
        if other is not None and other.confidence >= reader.calibration.floor:
            found = [sentence_at(own_sentences, own.start), sentence_at(sentences_of(texts[1]), other.start)]
            read = [own.confidence >= reader.calibration.floor, True]
            row["misread_below_best"] = below_best(focus_scores(found, read, question), read)[1]
        rows.append(row)
        if (n + 1) % 200 == 0:
            print(f"  read {n + 1:,} of {len(questions):,} questions", flush=True)
    halves = [[r for r in rows if zlib.crc32(r["id"].encode()) % 2 == side] for side in (0, 1)]
    gaps = [np.array([r["gap"] for r in half if "gap" in r]) for half in halves]
    off_topic = round(float(np.quantile(gaps[0], KEEP)), 3)
    fit_misread, misread = (np.array([r["misread_below_best"] for r in half if "misread_below_best" in r])
                            for half in halves)
    curve = [{"off_topic": gap, "right_answers_kept": round(float((gaps[0] <= gap).mean()), 4),
              "misreadings_set_aside": round(float((fit_misread > gap).mean()), 4)}
             for gap in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)]
    report = {
        "keep": KEEP, "fitted_on_right_answers": len(gaps[0]), "curve": curve,
        "checked": {"right_answers": len(gaps[1]),
                    "right_answers_kept": round(float((gaps[1] <= off_topic).mean()), 4),
                    "misreadings": len(misread),
                    "misreadings_set_aside": round(float((misread > off_topic).mean()), 4)
                    if len(misread) else None},
        "data": "held-out answerable questions of ../shared/train: the gap between a right answer's "
                "sentence and its paragraph's most question-like sentence; misreadings in another "
                "paragraph of the article, beside the question's own",
    }
    path = Path(options["reader"]) / "calibration.json"
    calibration = json.loads(path.read_text())
    calibration["off_topic"] = off_topic
    calibration["focus"] = report
    path.write_text(json.dumps(calibration, indent=2) + "\n")
    print(json.dumps(report["checked"]), f"at off_topic={off_topic}")
    for point in curve:
        print(json.dumps(point))
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
