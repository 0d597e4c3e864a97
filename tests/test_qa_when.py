"""Time in questions and sources: the period a question names (qa.when), and `ask()` putting
the sources of that period first without dropping the others. End to end on a small real
index: real embedder, FAISS, SQLite, reader."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from index import Article, Index
from qa import ask
from qa.when import period_of, prefer, readable_date

# One story from 2023 names the mayor then; two from 2025 name the next one. Asked without a
# time, the 2025 mayor leads (two sources); asked "in 2023", the 2023 source must lead.
MAYORS = {
    "tarnwick-2023": ("2023-05-02", "Tarnwick council news",
                      "Helen Voss is the mayor of Tarnwick. Mayor Voss opened the new harbour "
                      "bridge on Tuesday and promised lower ferry fares."),
    "tarnwick-2025a": ("2025-06-10", "Tarnwick swears in a mayor",
                       "Piet Aldous is the mayor of Tarnwick after the June election. Aldous "
                       "said the harbour bridge would be repainted."),
    "tarnwick-2025b": ("2025-07-01", "Tarnwick budget",
                       "The mayor of Tarnwick, Piet Aldous, presented the town budget on "
                       "Monday, with money for the library."),
}


@pytest.mark.parametrize(("question", "first", "last"), [
    ("Who was mayor in 2023?", date(2023, 1, 1), date(2023, 12, 31)),
    ("What happened in October 2025?", date(2025, 10, 1), date(2025, 10, 31)),
    ("What did she say in Sept. 2021?", date(2021, 9, 1), date(2021, 9, 30)),
    ("Who led the party before 2024?", date.min, date(2023, 12, 31)),
    ("Who has led it since March 2022?", date(2022, 3, 1), date.max),
    ("Who won the 2024 election?", date(2024, 1, 1), date(2024, 12, 31)),
    ("Who was prime minister on 3 November 2025?", date(2025, 11, 3), date(2025, 11, 3)),
    ("Who spoke on November 3rd, 2025?", date(2025, 11, 3), date(2025, 11, 3)),
    ("What was said before 2025-11-03?", date.min, date(2025, 11, 2)),
    ("Who has led it since Nov. 3 2025?", date(2025, 11, 3), date.max),
])
def test_the_period_a_question_names(question: str, first: date, last: date) -> None:
    period = period_of(question)
    assert period is not None and (period.start, period.end) == (first, last)


@pytest.mark.parametrize("question", ["Who is the Prime Minister of Japan?",
                                      "How many of the 150 seats did it win?",
                                      "What happened on 31 February 2025?"])
def test_a_question_without_a_time_names_no_period(question: str) -> None:
    assert period_of(question) is None


def test_dates_read_as_people_write_them() -> None:
    assert readable_date("2025-11-18") == "18 Nov 2025"
    assert readable_date("2025-11-03T09:30:00+09:00") == "3 Nov 2025"
    assert readable_date("2025-11") == "Nov 2025"
    assert readable_date("") == "" and readable_date("last week") == "last week"


def test_preferring_a_period_moves_its_sources_first_and_drops_none() -> None:
    items = [("a", "2025-06-10"), ("b", ""), ("c", "2023-05-02"), ("d", "2023-11-30")]
    assert prefer(items, period_of("in 2023"), lambda item: item[1]) == [
        items[2], items[3], items[0], items[1]]
    assert prefer(items, None, lambda item: item[1]) == items


@pytest.fixture(scope="module")
def mayors(tmp_path_factory: pytest.TempPathFactory, embedder) -> Index:
    index = Index.open(Path(tmp_path_factory.mktemp("mayors")) / "index")
    index.add_articles([Article(doc_id, text, title=title, date=day, source="Tarnwick Post")
                        for doc_id, (day, title, text) in MAYORS.items()])
    return index


def test_a_question_about_2023_puts_the_2023_source_first(mayors: Index) -> None:
    plain = ask("Who is the mayor of Tarnwick?", mayors)
    assert [(p.text, p.support) for p in plain.answers] == [("Piet Aldous", 2), ("Helen Voss", 1)]
    assert plain.answers[1].disputed
    # The two mayors, two years apart: a change over time, not a bare contradiction.
    assert plain.conflicts[0].in_time and plain.conflicts[0].timeline == (
        "the newer sources, 10 Jun 2025 to 1 Jul 2025, say 'Piet Aldous'; "
        "the older, 2 May 2023, says 'Helen Voss'")
    asked = ask("Who was the mayor of Tarnwick in 2023?", mayors)
    assert [p.text for p in asked.answers] == ["Helen Voss", "Piet Aldous"]   # none dropped
    assert [c.doc_id for c in asked.answers[0].citations] == ["tarnwick-2023"]
    assert not asked.answers[0].disputed and asked.answers[1].support == 2


@pytest.mark.parametrize(("question", "newest", "first", "last"), [
    ("How many had died as of Monday, November 4?", date(2024, 11, 6), date.min, date(2024, 11, 4)),
    ("What happened on 30 December?", date(2025, 1, 2), date(2024, 12, 30), date(2024, 12, 30)),
    ("Who spoke on Nov. 3?", date(2025, 11, 18), date(2025, 11, 3), date(2025, 11, 3)),
])
def test_a_day_without_its_year_is_read_in_the_year_of_the_sources(
        question: str, newest: date, first: date, last: date) -> None:
    period = period_of(question, newest)
    assert period is not None and (period.start, period.end) == (first, last)
    assert period_of(question) is None      # no sources, no year: no period


FLOODS = {
    "flood-monday": ("2024-11-04", "Three people have died in the Calvera floods, emergency services "
                     "said on Monday. The Olmeta river burst its banks after two days of rain."),
    "flood-wednesday": ("2024-11-06", "Seven people have now died in the Calvera floods, the regional "
                        "government said on Wednesday. Rescuers found four more bodies."),
}


def test_a_question_pinned_to_a_day_is_answered_for_that_day_without_a_false_alarm(
        tmp_path: Path, embedder) -> None:
    """The toll rose from three to seven over two days. Asked as of the first day, three is
    the answer and the later seven is not a disagreement; asked without a day, both are
    shown as a change over time."""
    index = Index.open(tmp_path / "index")
    index.add_articles([Article(doc_id, text, title=doc_id, date=day, source="Iberia Wire")
                        for doc_id, (day, text) in FLOODS.items()])
    pinned = ask("How many people had died in the Calvera floods as of Monday, November 4?", index)
    assert pinned.answers[0].text == "Three" and not pinned.conflicts
    plain = ask("How many people died in the Calvera floods?", index)
    assert plain.conflicts and plain.conflicts[0].in_time
