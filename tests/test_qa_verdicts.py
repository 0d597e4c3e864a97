"""Questions a new user asks of plain news text, end to end with the shipped reader: a
short match report is read, and a disagreement between two reports of one accident gets
the same verdict however the question is worded. The stories are written for these tests
(none of them is a benchmark's), so the reader is checked on text it never saw."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import Article, Index
from qa import ask

MATCH = ("Ajaccio edged Bastia 3-2 at the Stade Francois Coty on Sunday afternoon. Striker Yanis "
         "Morel headed the winner in stoppage time after Bastia had come back from two goals down.")

FERRY_FIRST = (
    "MYTILENE, Greece, March 4 (Aegean Press) - Nine people died when a passenger ferry capsized "
    "in rough seas off the island of Lesbos on Tuesday, the coast guard said.\n\n"
    "The Aphrodite II, run by Kalloni Lines, was carrying 84 passengers and crew from Mytilene to "
    "the port of Ayvalik when it listed and overturned about four nautical miles from shore.\n\n"
    "\"The waves were higher than anything the crew had seen,\" said coast guard spokesman Nikos "
    "Pappas. Rescue boats and two helicopters pulled survivors from the water through the "
    "afternoon.\n\nThe port of Mytilene was closed to passenger traffic while divers searched the wreck.")
FERRY_LATER = (
    "MYTILENE, Greece, March 4 (Island Herald) - Eleven people are now known to have died after "
    "the Aphrodite II ferry capsized off Lesbos on Tuesday, the coast guard said, after divers "
    "recovered two more bodies from the wreck.\n\nSixty-one survivors were taken to hospital in "
    "Mytilene, six of them in serious condition.\n\nThe port of Mytilene reopened to passenger "
    "ferries at noon on 5 March 2026, the port authority said. Prosecutors have opened an inquiry "
    "into the sinking.")


@pytest.fixture(scope="module")
def match(tmp_path_factory: pytest.TempPathFactory, embedder) -> Index:
    index = Index.open(Path(tmp_path_factory.mktemp("match")) / "index")
    index.add_articles([Article("derby", MATCH, title="Ajaccio edge Bastia")])
    return index


@pytest.fixture(scope="module")
def ferry(tmp_path_factory: pytest.TempPathFactory, embedder) -> Index:
    index = Index.open(Path(tmp_path_factory.mktemp("ferry")) / "index")
    index.add_articles([Article("ferry-a", FERRY_FIRST, title="Nine dead after ferry capsizes off Lesbos"),
                        Article("ferry-b", FERRY_LATER, title="Lesbos ferry toll rises to eleven")])
    return index


# Known limit of the shipped reader (issue 18): on a two-sentence report it finds these
# spans but scores them below its learned "no answer" (margins -6 to 2), so the product
# abstains. Strict: the day a reader answers them, these turn into failures to un-mark.
@pytest.mark.xfail(strict=True, reason="the shipped reader abstains on plain match reports")
@pytest.mark.parametrize(("question", "expected"), [
    ("Which team beat Bastia?", "Ajaccio"),
    ("Who scored the winning goal?", "Yanis Morel"),
    ("Where was the match played?", "Stade Francois Coty"),
])
def test_a_plain_match_report_is_read(match: Index, question: str, expected: str) -> None:
    answer = ask(question, match)
    assert answer.answers, f"no answer to {question!r}"
    assert expected in answer.answers[0].text
    assert not answer.conflict


TOLL_QUESTIONS = [
    "How many people died when the ferry capsized off Lesbos?",
    "How many people were killed in the Lesbos ferry disaster?",
    "How many died when the Aphrodite II sank?",
]


@pytest.mark.parametrize("question", TOLL_QUESTIONS)
def test_both_death_tolls_are_shown_however_it_is_asked(ferry: Index, question: str) -> None:
    answer = ask(question, ferry)
    shown = {p.text.lower(): p for p in answer.answers}
    assert {"nine", "eleven"} <= set(shown), shown


@pytest.mark.parametrize("question", [
    *TOLL_QUESTIONS[:2],
    # The wording dependence issue 18 measures: here the reader reads "Nine" under
    # the calibrated 0.48, so it is listed as a weaker reading and not flagged.
    pytest.param(TOLL_QUESTIONS[2], marks=pytest.mark.xfail(
        strict=True, reason="one side read under the disagreement threshold")),
])
def test_two_death_tolls_are_a_disagreement(ferry: Index, question: str) -> None:
    assert ask(question, ferry).conflict


def test_a_fact_one_report_gives_is_not_called_a_disagreement(ferry: Index) -> None:
    answer = ask("When did the port of Mytilene reopen?", ferry)
    assert answer.answers and "5 March 2026" in answer.answers[0].text
    assert not answer.conflict
