"""Choose the reader's confidence curve and answer threshold on held-out training data.

    python -m train.calibrate [--reader=qa/reader_model] [--limit=N]

The held-out articles are those train/reader.py never trains on (same hash split), each
answerable question with two no-answer pairs: another paragraph of its article, and the
paragraph BM25 retrieves for it that does not hold its answer (the product's usual case).
With `--swaps=0.5 --cuts=0.5`, half of them also with a made unanswerable question (a
name, number or year swapped) and their paragraph cut of the answer's sentences
(train/reader.py makes both): the mix the model card's reader comparison uses.
They are cut in two by question: the first half fits the curve and picks the threshold,
the second reports how well both hold.

- Confidence: Platt scaling, sigmoid(scale * margin + shift), where margin is the best
  span's score over the reader's "no answer" score and the target is "this span is
  right" (F1 >= 0.5 with a gold answer; any span on a no-answer pair is wrong).
- Threshold: the confidence that maximises SQuAD 2.0 F1 on the fitting half (answering
  below it counts as abstaining), the rule of transformers' `postprocess_qa_predictions`
  with a null-score threshold.

Writes calibration.json beside the weights. Never reads ../shared/eval.
"""

from __future__ import annotations

import json
import random
import re
import sys
import zlib
from pathlib import Path

import numpy as np

from qa.reader import SHIPPED, Reader
from train.metrics import best_f1
from train.reader import Example, load_records, make_examples, parse_args, split


def fit_platt(margins: np.ndarray, right: np.ndarray, steps: int = 200) -> tuple[float, float]:
    """Logistic regression of `right` on `margin` (Newton's method, two parameters)."""
    x = np.stack([margins, np.ones_like(margins)], axis=1)
    w = np.zeros(2)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w)))
        gradient = x.T @ (p - right)
        hessian = (x * (p * (1 - p))[:, None]).T @ x + 1e-6 * np.eye(2)
        w -= np.linalg.solve(hessian, gradient)
    return float(w[0]), float(w[1])


def squad2_f1(confidence: np.ndarray, span_f1: np.ndarray, answerable: np.ndarray,
              threshold: float) -> float:
    """Mean F1 when answers below `threshold` abstain (right only on no-answer pairs)."""
    answered = confidence >= threshold
    return float(np.where(answered, np.where(answerable, span_f1, 0.0), ~answerable).mean())


def retrieved_negatives(held: list[dict], contexts: list[str]) -> list[Example]:
    """Each answerable question paired with the paragraph BM25 ranks best for it among
    the others that hold none of its answers: the hard no-answer case a reader meets
    after retrieval (same names, same topic, another fact)."""
    import bm25s

    corpus = list(dict.fromkeys(contexts))
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False)
    answerable = [r for r in held if r["answers"]]
    found, _ = retriever.retrieve(bm25s.tokenize([r["question"] for r in answerable], stopwords="en",
                                                 show_progress=False), k=5, show_progress=False)
    negatives = []
    for record, ranked in zip(answerable, found, strict=True):
        answers = [a["text"].lower() for a in record["answers"]]
        for doc in ranked:
            context = corpus[int(doc)]
            if context != record["context"] and not any(a in context.lower() for a in answers):
                negatives.append(Example(record["id"] + "-neg", record["source"], record["title"],
                                         context, record["question"], ()))
                break
    return negatives


def question_id(example: Example) -> str:
    """The id of the question a made pair comes from."""
    return re.sub(r"-(neg|swap|cut|reword)$", "", example.id)


def measure(reader: Reader, examples: list) -> dict[str, np.ndarray]:
    margins, span_f1, answerable = [], [], []
    for n, example in enumerate(examples):
        reading = reader.read_texts(example.question, [example.context])[0]
        golds = [text for _, text in example.answers]
        predicted = example.context[reading.start:reading.end]
        margins.append(reading.margin if np.isfinite(reading.margin) else -50.0)
        span_f1.append(best_f1(predicted, golds) if golds else 0.0)
        answerable.append(bool(golds))
        if (n + 1) % 500 == 0:
            print(f"  read {n + 1:,} of {len(examples):,}", flush=True)
    return {"margin": np.array(margins), "f1": np.array(span_f1), "answerable": np.array(answerable)}


def main(argv: list[str]) -> None:
    options = {"reader": str(SHIPPED), "limit": 0}
    rest = []
    for arg in argv:
        key, _, value = arg.removeprefix("--").partition("=")
        if key in options:
            options[key] = type(options[key])(value)
        else:
            rest.append(arg)
    # Two no-answer pairs per answerable question, one from its own article and one
    # retrieved for it: in the product most windows read do not answer. `--swaps=0.5
    # --cuts=0.5` adds SQuAD 2.0's kind (a made unanswerable question, the paragraph
    # without its answer sentence) to measure a reader on them.
    settings = parse_args(["--negatives=1.0", *rest])
    records = load_records(Path(settings["data_dir"]))
    train, held = split(records, settings["heldout_every"])
    examples = make_examples(held, settings, random.Random(settings["seed"] + 1))
    examples += retrieved_negatives(held, [r["context"] for r in train + held])
    random.Random(settings["seed"] + 2).shuffle(examples)
    if options["limit"]:
        examples = examples[: options["limit"]]
    # A question and its no-answer pairs stay in one half.
    halves = [[e for e in examples if zlib.crc32(question_id(e).encode()) % 2 == side] for side in (0, 1)]
    reader = Reader(Path(options["reader"]))
    fit, check = (measure(reader, half) for half in halves)

    scale, shift = fit_platt(fit["margin"], (fit["f1"] >= 0.5).astype(float))
    confidence = lambda m: 1 / (1 + np.exp(-(scale * m + shift)))  # noqa: E731
    fit_conf = confidence(fit["margin"])
    candidates = np.unique(np.round(fit_conf, 3))
    threshold = float(max(candidates, key=lambda t: squad2_f1(fit_conf, fit["f1"], fit["answerable"], t)))

    check_conf = confidence(check["margin"])
    right = check["f1"] >= 0.5
    bins = np.clip((check_conf * 10).astype(int), 0, 9)
    ece = sum(abs(check_conf[bins == b].mean() - right[bins == b].mean()) * (bins == b).mean()
              for b in range(10) if (bins == b).any())
    answered = check_conf >= threshold
    has_answer_f1 = np.where(answered, check["f1"], 0.0)[check["answerable"]].mean()
    report = {
        "scale": round(scale, 5), "shift": round(shift, 5), "threshold": round(threshold, 3),
        "fitted_on": {"examples": len(fit["margin"]), "answerable": int(fit["answerable"].sum())},
        "checked_on": {
            "examples": len(check["margin"]), "answerable": int(check["answerable"].sum()),
            "squad2_f1": round(100 * squad2_f1(check_conf, check["f1"], check["answerable"], threshold), 1),
            "has_answer_f1": round(100 * float(has_answer_f1), 1),
            "no_answer_accuracy": round(100 * float((~answered)[~check["answerable"]].mean()), 1),
            "expected_calibration_error": round(float(ece), 3),
        },
        "data": "held-out articles of ../shared/train (train/reader.py split); per answerable question "
                "one no-answer pair from its own article and one retrieved by BM25 from other paragraphs"
                + ("; for some, a swapped-value question and the paragraph without its answer sentence"
                   if settings["swaps"] or settings["cuts"] else ""),
    }
    path = Path(options["reader"]) / "calibration.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
