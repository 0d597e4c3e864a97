"""The extractive reader: windows of text in, the span each gives as its answer (or none) out.

A MiniLM encoder with a start/end head, trained here (train/reader.py) on SQuAD-style
data with many no-answer pairs, and shipped in qa/reader_model as fp16 safetensors (what
training continues from) and as the int8 ONNX file every question runs through.

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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index import Passage
from index.model.bert import padded
from qa.spans import top_spans, trim
from qa.windows import Window

SHIPPED = Path(__file__).resolve().parent / "reader_model"
ONNX_FILE = "model.int8.onnx"


def configured_reader() -> Path:
    """NEWSQA_READER names another trained reader folder; default: the one shipped."""
    return Path(os.environ.get("NEWSQA_READER") or SHIPPED)


@dataclass(frozen=True)
class Calibration:
    """confidence = sigmoid(scale * margin + shift); a value is an answer from `threshold`
    on (train/calibrate.py); two values that cannot both hold make a disagreement when
    the weaker is read with at least `disagree` (train/verdict.py); a span whose sentence
    speaks of the question `off_topic` less than the best is no answer (train/focus.py,
    qa.focus; without it, none is set aside)."""

    scale: float = 1.0
    shift: float = 0.0
    threshold: float = 0.5
    disagree: float = 0.5
    off_topic: float = math.inf

    def confidence(self, margin: float) -> float:
        return 1.0 / (1.0 + math.exp(-(self.scale * margin + self.shift)))

    @property
    def floor(self) -> float:
        """The confidence where the reader's span just beats its own "no answer": below
        it the reader did not answer at all."""
        return self.confidence(0.0)

    @classmethod
    def load(cls, folder: Path) -> Calibration:
        path = folder / "calibration.json"
        if not path.exists():
            return cls()
        data = json.loads(path.read_text())
        return cls(data["scale"], data["shift"], data["threshold"], data.get("disagree", cls.disagree),
                   data.get("off_topic", cls.off_topic))


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


class _Logits:
    """Start and end logits from ONNX Runtime with int8 weights (`train/onnx.py`): on the
    two cores here 12 windows take about 90 ms, against 140 ms in torch (bf16) and 390 ms
    in numpy (fp32), for 0.5 points of held-out F1; and it loads in 0.3 s without
    torch, so a one-shot question and a warm page run the same model."""

    def __init__(self, folder: Path) -> None:
        import onnxruntime

        self.session = onnxruntime.InferenceSession(str(folder / ONNX_FILE),
                                                    providers=["CPUExecutionProvider"])

    def __call__(self, ids: np.ndarray, types: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feed = {"input_ids": ids, "token_type_ids": types, "attention_mask": mask}
        return self.session.run(None, feed)[0]


class Reader:
    """One loaded reader; cheap to construct, `warm_up()` loads the model once."""

    def __init__(self, path: Path | None = None, batch_size: int = 32) -> None:
        self.path = Path(path) if path else configured_reader()
        self.batch_size = batch_size
        self.calibration = Calibration.load(self.path)
        self._logits: _Logits | None = None
        self._tokenizer = None
        self._settings: dict = {}
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the tokenizer and the model, once."""
        with self._lock:
            if self._logits is not None:
                return
            from tokenizers import Tokenizer

            if not (self.path / ONNX_FILE).exists():
                raise FileNotFoundError(f"no trained reader in {self.path}: run python -m train.reader, "
                                        f"or python -m train.onnx --reader={self.path}")
            # Windows are cut as in training: the settings recorded beside the weights.
            self._settings = json.loads((self.path / "training.json").read_text())["settings"]
            tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
            tokenizer.no_padding()
            tokenizer.enable_truncation(self._settings["max_len"], stride=self._settings["stride"],
                                        strategy="only_second")
            self._tokenizer = tokenizer
            self._logits = _Logits(self.path)

    def read_texts(self, question: str, texts: Sequence[str]) -> list[Reading]:
        """The best span in each text, at any confidence (texts of any length: long ones
        are read in overlapping windows, and the best window wins). A text with no span
        gets an empty Reading."""
        return [found[0] if found else Reading(0, 0, -math.inf, 0.0)
                for found in self.read_best(question, texts, 1)]

    def read_best(self, question: str, texts: Sequence[str], n: int) -> list[list[Reading]]:
        """Each text's `n` best spans, best first, none overlapping another."""
        self.warm_up()
        if not texts:
            return []
        tokenizer = self._tokenizer
        pieces = tokenizer.encode(question.strip(), add_special_tokens=False).tokens
        question = tokenizer.decoder.decode(pieces[: self._settings["max_question"]])
        # Each text's first window, then the windows it overflowed into.
        owners, encodings = [], []
        for owner, first in enumerate(tokenizer.encode_batch([(question, t) for t in texts])):
            for encoding in (first, *first.overflowing):
                owners.append(owner)
                encodings.append(encoding)
        found: list[list[tuple[int, int, float]]] = [[] for _ in texts]
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        for begin in range(0, len(order), self.batch_size):
            rows = order[begin:begin + self.batch_size]
            logits = self._logits(*padded([encodings[i] for i in rows]))
            for row, i in enumerate(rows):
                encoding = encodings[i]
                passage = np.array([s == 1 for s in encoding.sequence_ids])
                starts, ends = logits[row, :len(passage), 0], logits[row, :len(passage), 1]
                offsets = encoding.offsets
                found[owners[i]] += [(offsets[first][0], offsets[last][1], margin)
                                     for first, last, margin in top_spans(starts, ends, passage, n)]
        return [self._readings(text, spans, n) for text, spans in zip(texts, found, strict=True)]

    def _readings(self, text: str, spans: list[tuple[int, int, float]], n: int) -> list[Reading]:
        """The best `n` of a text's spans from all its windows, trimmed, without overlaps."""
        readings: list[Reading] = []
        for start, end, margin in sorted(spans, key=lambda s: -s[2]):
            if len(readings) == n:
                break
            start, end = trim(text, start, end)
            if end > start and all(end <= r.start or start >= r.end for r in readings):
                readings.append(Reading(start, end, margin, self.calibration.confidence(margin)))
        return readings

    def read(self, question: str, windows: Sequence[Window], n: int = 1) -> list[Span]:
        """Each window's `n` best spans at any confidence, best first (a window that finds
        nothing gives none). The calibrated threshold is applied to positions
        (qa.positions.weigh), where the readings of several sources add up."""
        spans = [Span(window.passage, window.start + reading.start, window.start + reading.end,
                      reading.margin, reading.confidence)
                 for window, readings in zip(windows, self.read_best(question, [w.text for w in windows], n),
                                             strict=True)
                 for reading in readings]
        return sorted(spans, key=lambda s: -s.confidence)


@lru_cache(maxsize=2)
def load_reader(path: str | None = None) -> Reader:
    """The process-wide reader for a folder (default: the shipped one)."""
    return Reader(Path(path) if path else None)
