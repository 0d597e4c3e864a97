"""The shipped reader itself: loads offline, finds spans with exact offsets, says "no
answer" to passages that do not answer, and reads text longer than one window."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qa.reader import SHIPPED, Reader, load_reader
from qa.spans import best_span, top_spans

MAYOR = "date 2025-03-02 LYON: The mayor of Brevonne, Claire Dumont, opened the new tramway on Sunday."
FILLER = ("The council met again on Thursday to discuss the budget for the coming year, "
          "and several members asked for more time to read the report. ")


@pytest.fixture(scope="module")
def reader() -> Reader:
    reader = load_reader()
    reader.warm_up()
    return reader


def test_the_weights_ship_in_the_package_small_and_with_their_record() -> None:
    weights = SHIPPED / "model.safetensors"
    assert weights.stat().st_size < 50 * 2**20
    config = json.loads((SHIPPED / "config.json").read_text())
    assert config["torch_dtype" if "torch_dtype" in config else "dtype"] == "float16"
    record = json.loads((SHIPPED / "training.json").read_text())
    assert record["position"] > 0 and record["settings"]["seed"]
    calibration = json.loads((SHIPPED / "calibration.json").read_text())
    assert 0 < calibration["threshold"] < 1 and calibration["scale"] > 0


def test_a_span_is_found_with_exact_offsets(reader: Reader) -> None:
    reading = reader.read_texts("Who is the mayor of Brevonne?", [MAYOR])[0]
    assert MAYOR[reading.start:reading.end] == "Claire Dumont"
    assert reading.confidence >= reader.calibration.threshold
    assert 0.0 <= reading.confidence <= 1.0


def test_a_passage_that_does_not_answer_gives_no_confident_span(reader: Reader) -> None:
    reading = reader.read_texts("Who won the football cup final in Madrid?", [MAYOR])[0]
    assert reading.confidence < reader.calibration.threshold


def test_text_longer_than_a_window_is_read_to_its_end(reader: Reader) -> None:
    text = FILLER * 12 + MAYOR
    reading = reader.read_texts("Who is the mayor of Brevonne?", [text])[0]
    assert text[reading.start:reading.end] == "Claire Dumont"


def test_nothing_to_read_is_nothing_found(reader: Reader) -> None:
    assert reader.read_texts("Who?", []) == []
    assert reader.read("Who?", []) == []


def test_the_next_best_spans_never_overlap_a_better_one() -> None:
    """A window's next readings (qa.spans.top_spans), for when its best is of a kind the
    question rules out: best first, never a piece of a span already given."""
    start = np.array([0.0, 5, 1, 0, 4])
    end = np.array([0.0, 0, 5, 1, 4])
    passage = np.array([False, True, True, True, True])   # position 0 is [CLS], "no answer"
    assert top_spans(start, end, passage, 3) == [(1, 2, 10.0), (4, 4, 8.0), (3, 3, 1.0)]
    assert top_spans(start, end, passage, 1) == [best_span(start, end, passage)]
    assert top_spans(start, end, np.zeros(5, dtype=bool), 3) == []
