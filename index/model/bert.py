"""A BERT encoder's forward pass in numpy, so that answering a question needs no torch.

Importing torch, transformers and sentence-transformers takes 3-7 s, most of a cold
`python -m qa`. A 6-layer MiniLM is a handful of matrix products, which numpy's BLAS runs
about as fast as torch runs them in float32 on a CPU. So questions are embedded here (the
reader in `qa.reader` runs through ONNX Runtime, for the same reason); ingest (batches of
thousands of chunks, where torch's bfloat16 kernels pay off) and training keep torch.
Tests check that both give the same numbers (tests/test_index_bert.py).

Only what BERT-family checkpoints need: absolute positions, post-layer-norm blocks and
exact GELU, from a `config.json` and `model.safetensors` in the Hugging Face layout.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from threadpoolctl import ThreadpoolController

if TYPE_CHECKING:
    from tokenizers import Encoding

SUPPORTED = {"bert"}


@dataclass(frozen=True)
class _Block:
    """One transformer layer, its matrices stored (in, out) so that `x @ w` applies them."""

    qkv: np.ndarray        # query, key and value side by side: one product instead of three
    qkv_bias: np.ndarray
    out: np.ndarray
    out_bias: np.ndarray
    norm1: tuple[np.ndarray, np.ndarray]
    up: np.ndarray
    up_bias: np.ndarray
    down: np.ndarray
    down_bias: np.ndarray
    norm2: tuple[np.ndarray, np.ndarray]


def supports(folder: Path) -> bool:
    """Whether `folder` holds a checkpoint this module can run."""
    try:
        config = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError):
        return False
    return ((folder / "model.safetensors").exists() and config.get("model_type") in SUPPORTED
            and config.get("hidden_act", "gelu") == "gelu"
            and config.get("position_embedding_type", "absolute") == "absolute")


def padded(encodings: Sequence[Encoding]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Token ids, type ids and attention mask of `tokenizers` encodings, as one batch
    padded to the longest."""
    width = max(len(e.ids) for e in encodings)
    batch = np.zeros((3, len(encodings), width), dtype=np.int64)
    for row, e in enumerate(encodings):
        batch[:, row, :len(e.ids)] = (e.ids, e.type_ids, e.attention_mask)
    return batch[0], batch[1], batch[2]


class Bert:
    """`Bert.load(folder)(ids, types, mask)` -> hidden states (batch, tokens, hidden), float32."""

    def __init__(self, tensors: dict[str, np.ndarray], config: dict, prefix: str) -> None:
        def get(name: str) -> np.ndarray:
            return tensors[prefix + name].astype(np.float32)

        def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
            return get(f"{name}.weight"), get(f"{name}.bias")

        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.words = get("embeddings.word_embeddings.weight")
        self.positions = get("embeddings.position_embeddings.weight")
        self.types = get("embeddings.token_type_embeddings.weight")
        self.embedding_norm = norm("embeddings.LayerNorm")
        self.blocks = []
        for i in range(int(config["num_hidden_layers"])):
            layer = f"encoder.layer.{i}."
            parts = [get(f"{layer}attention.self.{p}.weight") for p in ("query", "key", "value")]
            biases = [get(f"{layer}attention.self.{p}.bias") for p in ("query", "key", "value")]
            # Attention divides scores by sqrt(head size): done once here, to the queries.
            scale = np.float32(1 / np.sqrt(config["hidden_size"] // self.heads))
            parts[0], biases[0] = parts[0] * scale, biases[0] * scale
            self.blocks.append(_Block(
                qkv=np.ascontiguousarray(np.concatenate(parts).T), qkv_bias=np.concatenate(biases),
                out=np.ascontiguousarray(get(f"{layer}attention.output.dense.weight").T),
                out_bias=get(f"{layer}attention.output.dense.bias"),
                norm1=norm(f"{layer}attention.output.LayerNorm"),
                up=np.ascontiguousarray(get(f"{layer}intermediate.dense.weight").T),
                up_bias=get(f"{layer}intermediate.dense.bias"),
                down=np.ascontiguousarray(get(f"{layer}output.dense.weight").T),
                down_bias=get(f"{layer}output.dense.bias"),
                norm2=norm(f"{layer}output.LayerNorm")))

    @classmethod
    def load(cls, folder: Path) -> Bert:
        """Weights stored in float16 are widened to float32 once, here."""
        from safetensors.numpy import load_file

        config = json.loads((folder / "config.json").read_text())
        tensors = load_file(folder / "model.safetensors")
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in tensors else ""
        return cls(tensors, config, prefix)

    def __call__(self, ids: np.ndarray, types: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """One BLAS thread: OpenBLAS's threads spin while they wait, and on a busy machine
        two of them made a question 7x slower than one (8.3 s against 1.1 s, measured)."""
        with _one_blas_thread():
            return self._forward(ids, types, mask)

    def _forward(self, ids: np.ndarray, types: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Tokens as rows of one matrix, and every elementwise step in place: at a
        question's 1,500 tokens, temporaries of 9 MB each would cost more than the
        matrix products."""
        batch, length = ids.shape
        x = self.words[ids] + self.positions[:length] + self.types[types]
        x = self._norm(x.reshape(batch * length, -1), self.embedding_norm)
        # Padding is masked out of every softmax by a large negative score, as in BERT.
        padding = None if mask.all() else np.where(
            mask[:, None, None, :] > 0, 0.0, -1e9).astype(np.float32)
        heads, size = self.heads, x.shape[-1] // self.heads
        for block in self.blocks:
            qkv = _dense(x, block.qkv, block.qkv_bias).reshape(batch, length, 3, heads, size)
            q, k, v = qkv.transpose(2, 0, 3, 1, 4)
            scores = q @ k.transpose(0, 1, 3, 2)
            if padding is not None:
                scores += padding
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            attended = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, -1)
            x = self._norm(_dense(attended, block.out, block.out_bias, x), block.norm1)
            up = _gelu(_dense(x, block.up, block.up_bias))
            x = self._norm(_dense(up, block.down, block.down_bias, x), block.norm2)
        return x.reshape(batch, length, -1)

    def _norm(self, x: np.ndarray, weights: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """Layer norm of each row, in place."""
        x -= x.mean(axis=-1, keepdims=True)
        variance = np.einsum("ij,ij->i", x, x)[:, None] / np.float32(x.shape[-1])
        x *= 1.0 / np.sqrt(variance + np.float32(self.eps))
        x *= weights[0]
        x += weights[1]
        return x


def _dense(x: np.ndarray, weight: np.ndarray, bias: np.ndarray,
           residual: np.ndarray | None = None) -> np.ndarray:
    """x @ weight + bias (+ residual), adding into the product's own array."""
    y = x @ weight
    y += bias
    if residual is not None:
        y += residual
    return y


@lru_cache(maxsize=1)
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def _one_blas_thread() -> AbstractContextManager:
    return _blas().limit(limits=1, user_api="blas")


# Abramowitz and Stegun 7.1.26: erf to 1.5e-7, in float32 vector operations that run 2-3x
# faster than scipy.special.erf (which works in float64), over GELU's 2M values a layer,
# a block of rows at a time so that the temporaries stay in the CPU's cache.
_AS_P = np.float32(0.3275911)
_AS_A = [np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)]
_ROWS = 128


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x), in place."""
    for start in range(0, len(x), _ROWS):
        part = x[start:start + _ROWS]
        z = np.abs(part)
        z *= np.float32(np.sqrt(0.5))
        t = _AS_P * z
        t += 1.0
        np.reciprocal(t, out=t)
        poly = _AS_A[0] * t
        for a in _AS_A[1:]:
            poly += a
            poly *= t
        np.square(z, out=z)
        np.negative(z, out=z)
        np.exp(z, out=z)
        poly *= z                       # 1 - erf(|x| / sqrt 2)
        np.subtract(1.0, poly, out=poly)
        np.copysign(poly, part, out=poly)
        poly += 1.0
        poly *= 0.5
        part *= poly
    return x
