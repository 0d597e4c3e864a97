"""A span comes from a sentence about the question (qa.focus): a value read in a sentence
about something else is no answer, so it neither answers nor makes a disagreement.
Real index, real embedder, the shipped reader and its calibration; the stories are
written for these tests."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from index import Article, Index
from qa import ask
from qa.focus import focus_scores, on_topic
from qa.reader import Span, load_reader
from qa.retrieve import retrieve
from qa.windows import windows

CRASH = (
    "VISEU, Portugal, 19 November (Beira Post) - Fourteen people were killed when a coach carrying "
    "pilgrims left the A25 motorway near Viseu and rolled down an embankment on Wednesday night, "
    "the civil protection agency said.\n\nThe coach, run by Douro Tours, was travelling from Fatima "
    "to Guarda with 48 people on board. Firefighters worked through the night to free passengers "
    "trapped in the wreck.")
REOPENING = (
    "VISEU, Portugal, 21 November (Centro Radio) - The A25 motorway near Viseu reopened to traffic "
    "at 07:30 on Friday, 21 November, after engineers repaired the crash barrier the coach broke "
    "through, the motorway operator said.\n\nInvestigators are examining the coach's brakes.")
QUESTIONS = ["When did the A25 motorway reopen?", "When was the A25 opened to traffic again?"]


@pytest.fixture(scope="module")
def motorway(tmp_path_factory: pytest.TempPathFactory, embedder) -> Index:
    index = Index.open(Path(tmp_path_factory.mktemp("motorway")) / "index")
    index.add_articles([Article("coach-crash", CRASH, title="Fourteen killed as coach leaves A25",
                                date="2026-11-19"),
                        Article("a25-reopens", REOPENING, title="A25 reopens after coach crash",
                                date="2026-11-21")])
    return index


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_day_of_another_event_is_not_an_answer(motorway: Index, question: str) -> None:
    answer = ask(question, motorway)
    assert answer.answers, answer.to_text()
    assert any(part in answer.answers[0].text for part in ("07:30", "Friday", "21 November"))
    assert not answer.conflict, answer.to_text()
    assert not any("Wednesday" in p.text for p in answer.answers), answer.to_text()


def _spans(index: Index, question: str) -> list[Span]:
    """What ask() gives qa.focus: the reader's spans in the windows it reads."""
    vector = index.embedder.encode([question])[0]
    passages = [r.passage for r in retrieve(index, question, vector)]
    return load_reader().read(question, windows(passages, question, vector))


def test_the_reader_reads_the_crash_day_and_focus_sets_it_aside(motorway: Index) -> None:
    spans = _spans(motorway, QUESTIONS[0])
    calibration = load_reader().calibration
    assert math.isfinite(calibration.off_topic)
    crash_day = [s for s in spans if "Wednesday" in s.text and s.confidence >= calibration.floor]
    assert crash_day, "the reader no longer reads the crash day: this test checks nothing"
    kept = on_topic(spans, QUESTIONS[0], calibration)
    assert not any("Wednesday" in s.text for s in kept)
    assert any("07:30" in s.text for s in kept)
    assert on_topic(spans, QUESTIONS[0], replace(calibration, off_topic=math.inf)) == spans


def test_a_lone_span_is_never_set_aside(motorway: Index) -> None:
    calibration = load_reader().calibration
    for span in _spans(motorway, QUESTIONS[0]):
        assert on_topic([span], QUESTIONS[0], calibration) == [span]


def test_words_every_sentence_read_holds_tell_none_apart() -> None:
    question = "When did the A25 motorway reopen?"
    read = ["The A25 motorway reopened at 07:30 on Friday.",
            "A coach left the A25 motorway on Wednesday night."]
    assert focus_scores(read, [True, True], question) == [1.0, 0.0]
    # A sentence no span was found in does not make the shared words telling.
    unread = "Engineers repaired the barrier."
    assert focus_scores([*read, unread], [True, True, False], question) == [1.0, 0.0, 0.0]
    # When every sentence read holds the same words, those words are all there is.
    assert focus_scores(read[:1], [True], question) == [1.0]


def test_a_word_and_a_longer_word_it_begins_or_ends_are_one_word() -> None:
    """"Who was driving?" is answered by "The driver, Markus Feldner": stemmed, "drive" and
    "driver" differ, and the right answer was set aside as off the question. So were
    "centred" beside "epicentre" and "quake" beside "earthquake"."""
    read = ["The driver, Markus Feldner, was hurt.", "Police said the train derailed."]
    assert focus_scores(read, [True, True], "Who was driving the train that derailed?") == pytest.approx(
        [1 / 3, 2 / 3])
    assert focus_scores(["The epicentre was near Llaqtamarca.", "The earthquake struck at 04:12."],
                        [True, True], "Where was the quake centred?") == [0.5, 0.5]
    # Short stems only match whole: "run" is not in "runway".
    assert focus_scores(["The runway was closed.", "Halonen runs the airport."], [True, True],
                        "Who runs the airport?") == [0.0, 1.0]
