"""The official SQuAD answer metrics, shared by calibration and the benchmarks."""

from __future__ import annotations

import collections
import re
import string

_PUNCTUATION = set(string.punctuation)


def normalise(text: str) -> str:
    """Lower case, no punctuation, no articles, single spaces (the SQuAD evaluation script)."""
    text = "".join(c for c in text.lower() if c not in _PUNCTUATION)
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def f1(prediction: str, gold: str) -> float:
    p, g = normalise(prediction).split(), normalise(gold).split()
    if not p or not g:
        return float(p == g)
    common = sum((collections.Counter(p) & collections.Counter(g)).values())
    if not common:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def best_f1(prediction: str, golds: list[str]) -> float:
    """F1 against the closest gold answer; with no gold answers, 1 only for abstaining."""
    return max(f1(prediction, g) for g in golds) if golds else float(prediction == "")


def best_em(prediction: str, golds: list[str]) -> float:
    if not golds:
        return float(prediction == "")
    return max(float(normalise(prediction) == normalise(g)) for g in golds)
