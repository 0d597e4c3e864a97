"""The extractive reader: windows of text in, the span each gives as its answer (or none) out.

A MiniLM encoder with a start/end head, trained here (train/reader.py) on SQuAD-style
data with many no-answer pairs, and shipped in qa/reader_model as fp16 safetensors.

The run reads as a straight line, the way Haystack's ExtractiveReader does: all
(question, passage) pairs go onto one batch axis, long passages overflow into strided
windows that keep their character offsets, one model pass scores every window, and the
best span of each passage is mapped back to offsets into the article text, so
`article.text[start:end]` is always exactly the quote.

No-answer is learned, SQuAD 2.0 style: the [CLS] position scores "this passage does not
answer". The margin of the best span over it becomes a confidence in 0..1 through a
logistic curve fitted on held-out training data (train/calibrate.py), so confidences
are comparable across questions and the answer threshold is chosen, not guessed.
"""

from __future__ import annotations

import json
import math
import os
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index import Passage
from index.embedder import configured_precision
from qa.windows import Window

SHIPPED = Path(__file__).resolve().parent / "reader_model"
MAX_LENGTH = 192           # tokens per window, as trained
STRIDE = 64
MAX_QUESTION_TOKENS = 48
MAX_ANSWER_TOKENS = 30
_EDGE = " \t\n,;:.!?\"'()[]“”‘’"


def configured_reader() -> Path:
    """NEWSQA_READER names another trained reader folder; default: the one shipped."""
    return Path(os.environ.get("NEWSQA_READER") or SHIPPED)


@dataclass(frozen=True)
class Calibration:
    """confidence = sigmoid(scale * margin + shift); answers below `threshold` are dropped."""

    scale: float = 1.0
    shift: float = 0.0
    threshold: float = 0.5

    def confidence(self, margin: float) -> float:
        return 1.0 / (1.0 + math.exp(-(self.scale * margin + self.shift)))

    @classmethod
    def load(cls, folder: Path) -> Calibration:
        path = folder / "calibration.json"
        if not path.exists():
            return cls()
        data = json.loads(path.read_text())
        return cls(data["scale"], data["shift"], data["threshold"])


@dataclass(frozen=True)
class Span:
    """The answer one passage gives: offsets into its article, and how sure the reader is.

    `margin` is the raw score of the span over "no answer"; `confidence` its calibrated
    probability of being right."""

    passage: Passage
    start: int
    end: int
    margin: float
    confidence: float

    @property
    def doc_id(self) -> str:
        return self.passage.chunk.doc_id

    @property
    def text(self) -> str:
        return self.passage.article.text[self.start:self.end]


@dataclass(frozen=True)
class Reading:
    """The best span in one text read: offsets into that text, its margin over "no
    answer" and the calibrated confidence. An empty span (start == end) found nothing."""

    start: int
    end: int
    margin: float
    confidence: float


class Reader:
    """One loaded reader; cheap to construct, `warm_up()` loads the model once."""

    def __init__(self, path: Path | None = None, batch_size: int = 32) -> None:
        self.path = Path(path) if path else configured_reader()
        self.batch_size = batch_size
        self.calibration = Calibration.load(self.path)
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            import torch
            from transformers import AutoModelForQuestionAnswering, AutoTokenizer

            if not (self.path / "config.json").exists():
                raise FileNotFoundError(f"no trained reader in {self.path}: run python -m train.reader")
            self._tokenizer = AutoTokenizer.from_pretrained(self.path)
            model = AutoModelForQuestionAnswering.from_pretrained(self.path, dtype=torch.float32)
            self._model = model.eval()

    def _autocast(self) -> AbstractContextManager:
        import torch

        if configured_precision() == "bfloat16":
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return nullcontext()

    def read_texts(self, question: str, texts: Sequence[str]) -> list[Reading]:
        """The best span in each text, at any confidence (texts of any length: long ones
        are read in overlapping windows, and the best window wins)."""
        import torch

        self.warm_up()
        if not texts:
            return []
        tokenizer = self._tokenizer
        pieces = tokenizer.tokenize(question.strip())[:MAX_QUESTION_TOKENS]
        question = tokenizer.convert_tokens_to_string(pieces)
        enc = tokenizer([question] * len(texts), list(texts), truncation="only_second",
                        max_length=MAX_LENGTH, stride=STRIDE, return_overflowing_tokens=True,
                        return_offsets_mapping=True, padding=False)
        owners = enc["overflow_to_sample_mapping"]
        best: list[tuple[int, int, float]] = [(0, 0, -math.inf)] * len(texts)
        order = sorted(range(len(owners)), key=lambda i: len(enc["input_ids"][i]))
        for begin in range(0, len(order), self.batch_size):
            rows = order[begin:begin + self.batch_size]
            width = max(len(enc["input_ids"][i]) for i in rows)
            batch = {key: torch.tensor([enc[key][i] + [0] * (width - len(enc[key][i])) for i in rows])
                     for key in ("input_ids", "attention_mask", "token_type_ids")}
            with torch.inference_mode(), self._autocast():
                out = self._model(**batch)
            starts = out.start_logits.float().numpy()
            ends = out.end_logits.float().numpy()
            for row, i in enumerate(rows):
                found = _best_span(starts[row], ends[row], enc.sequence_ids(i), enc["offset_mapping"][i])
                if found and found[2] > best[owners[i]][2]:
                    best[owners[i]] = found
        readings = []
        for text, (start, end, margin) in zip(texts, best, strict=True):
            start, end = trim(text, start, end)
            confidence = self.calibration.confidence(margin) if end > start else 0.0
            readings.append(Reading(start, end, margin, confidence))
        return readings

    def read(self, question: str, windows: Sequence[Window]) -> list[Span]:
        """Each window's answer span, best first; a window whose best span is below the
        calibrated threshold gives none."""
        spans = []
        for window, reading in zip(windows, self.read_texts(question, [w.text for w in windows]),
                                   strict=True):
            if reading.confidence >= self.calibration.threshold:
                spans.append(Span(window.passage, window.start + reading.start,
                                  window.start + reading.end, reading.margin, reading.confidence))
        return sorted(spans, key=lambda s: -s.confidence)


def _best_span(start: np.ndarray, end: np.ndarray, sequence: list[int | None],
               offsets: list[tuple[int, int]]) -> tuple[int, int, float] | None:
    """The highest start+end score over spans inside the passage (end >= start, at most
    MAX_ANSWER_TOKENS long) as character offsets, with its margin over [CLS]."""
    passage = np.array([s == 1 for s in sequence])
    if not passage.any():
        return None
    n = len(sequence)                       # the logits run on over the batch's padding
    s = np.where(passage, start[:n], -np.inf)
    e = np.where(passage, end[:n], -np.inf)
    scores = s[:, None] + e[None, :]
    i, j = np.indices((n, n))
    scores[(j < i) | (j - i >= MAX_ANSWER_TOKENS)] = -np.inf
    first, last = divmod(int(np.argmax(scores)), n)
    if not np.isfinite(scores[first, last]):
        return None
    null = float(start[0] + end[0])
    return offsets[first][0], offsets[last][1], float(scores[first, last]) - null


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets without edge spaces and punctuation ("Kyodo News," -> "Kyodo News"), keeping
    a closing bracket or quote whose opening one is inside."""
    while start < end and text[start] in _EDGE and text[start] not in "([\"“‘'":
        start += 1
    while end > start and text[end - 1] in _EDGE:
        closer = text[end - 1]
        opener = {")": "(", "]": "[", "”": "“", "’": "‘"}.get(closer)
        if opener and opener in text[start:end - 1]:
            break
        end -= 1
    return start, end


@lru_cache(maxsize=2)
def load_reader(path: str | None = None) -> Reader:
    """The process-wide reader for a folder (default: the shipped one)."""
    return Reader(Path(path) if path else None)
