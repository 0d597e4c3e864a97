"""Questions are embedded through numpy (`index.model.bert`) and read through ONNX Runtime,
ingest and training run through torch: both must give the same numbers for the same
weights, and answering must not load torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.model.bert import padded
from index.model.embedder import Embedder
from qa.reader import SHIPPED, Reader
from tests.conftest import REPO

QUESTIONS = ["Who is the Prime Minister of Japan?", "what did she say about taiwan",
             "Combien de personnes ont été blessées à Zürich ?", "日本の首相は誰ですか"]
TEXT = ("TOKYO (Kyodo) -- Japanese Prime Minister Sanae Takaichi said on Monday that her "
        "government would keep talking with Beijing, after Takashi Kanai, director general of "
        "the Asian and Oceanian Affairs Bureau, met Liu Jinsong in China. ") * 4


def test_question_vectors_match_sentence_transformers(embedder: Embedder) -> None:
    ours = embedder.encode([*QUESTIONS, TEXT * 3])     # the last one past the 256-piece window
    theirs = embedder.model.encode([*QUESTIONS, TEXT * 3], normalize_embeddings=True,
                                   convert_to_numpy=True)
    assert ours.shape == theirs.shape == (len(QUESTIONS) + 1, embedder.dimension)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert (ours * theirs).sum(axis=1).min() > 0.99999


def test_the_int8_reader_is_the_export_of_the_shipped_weights() -> None:
    """qa/reader_model/model.int8.onnx (what questions run through) gives the float weights'
    logits up to int8 rounding, and the same best start and end: an export of other
    weights, or a stale one, fails here."""
    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(SHIPPED)
    batch = tokenizer(QUESTIONS, [TEXT] * len(QUESTIONS), padding=True, truncation="only_second",
                      max_length=192, return_tensors="np")
    model = AutoModelForQuestionAnswering.from_pretrained(SHIPPED, dtype=torch.float32).eval()
    with torch.inference_mode():
        out = model(**{key: torch.tensor(value) for key, value in batch.items()})
    floats = np.stack([out.start_logits.numpy(), out.end_logits.numpy()], axis=-1)
    reader = Reader()
    reader.warm_up()
    int8 = reader._logits(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
    real = batch["attention_mask"].astype(bool)
    assert np.abs(int8[real] - floats[real]).mean() < 0.25
    for row in range(len(QUESTIONS)):
        width = int(real[row].sum())
        assert (int8[row, :width].argmax(axis=0) == floats[row, :width].argmax(axis=0)).all()


def test_reader_windows_are_cut_as_in_training() -> None:
    """The reader's `tokenizers` windows equal what transformers' tokenizer gives in
    training (train/reader.py): same ids, types, offsets and overflow."""
    from transformers import AutoTokenizer

    settings = json.loads((SHIPPED / "training.json").read_text())["settings"]
    reader = Reader()
    reader.warm_up()
    long_text = TEXT * 6
    theirs = AutoTokenizer.from_pretrained(SHIPPED)(
        [QUESTIONS[0]] * 2, [long_text, TEXT], truncation="only_second",
        max_length=settings["max_len"], stride=settings["stride"],
        return_overflowing_tokens=True, return_offsets_mapping=True)
    ours = [e for first in reader._tokenizer.encode_batch([(QUESTIONS[0], long_text),
                                                           (QUESTIONS[0], TEXT)])
            for e in (first, *first.overflowing)]
    assert len(ours) == len(theirs["input_ids"]) > 2
    for i, encoding in enumerate(ours):
        assert encoding.ids == theirs["input_ids"][i]
        assert encoding.type_ids == theirs["token_type_ids"][i]
        assert [tuple(o) for o in encoding.offsets] == [tuple(o) for o in theirs["offset_mapping"][i]]
    ids, _, mask = padded(ours)
    assert ids.shape == (len(ours), max(len(e.ids) for e in ours)) and mask.sum() == sum(
        len(e.ids) for e in ours)


def test_a_one_shot_question_loads_neither_torch_nor_spacy(seeds_build) -> None:
    """What makes `python -m qa "..."` start in about a second: answering imports no torch,
    transformers, sentence-transformers or spaCy."""
    script = ("import sys; from qa import ask; a = ask('Who is the Prime Minister of Japan?', "
              f"{str(seeds_build.path)!r}); print(a.answers[0].text); "
              "print(sorted(m for m in ('torch', 'spacy', 'transformers', "
              "'sentence_transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True,
                         check=True, timeout=120).stdout.splitlines()
    assert out[0] in {"Sanae Takaichi", "Taro Kono"}
    assert out[1] == "[]"


@pytest.mark.parametrize("folder", [Path("/nonexistent"), REPO / "seeds"])
def test_a_folder_that_is_not_a_bert_checkpoint_is_refused(folder: Path) -> None:
    from index.model.bert import supports

    assert not supports(folder)
