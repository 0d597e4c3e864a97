"""Positions count independent sources: prints of one wire story are one source, cannot
make a majority by themselves, and when they differ on a fact (an outlet edited it) the
disagreement is still shown, explained as the same wire story, edited. Spans are placed by
hand on passages of a real index, as in test_qa_positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import Article, Index, Passage
from qa.positions import weigh
from qa.reader import Span
from qa.result import Answer

WIRE = ("COIMBRA, Portugal (AP) - Fifteen people were killed and 32 were injured when a tourist "
        "bus plunged off the IC6 highway near Coimbra on Wednesday evening, Portugal's civil "
        "protection agency said. The bus, operated by the Lisbon company Rota Norte, was "
        "returning from a day trip to the Serra da Estrela mountains when it left the road on "
        "a sharp bend and rolled down an embankment, regional commander Paulo Sequeira told "
        "reporters at the scene. Rescue teams worked through the night to free passengers.")
INDEPENDENT = ("Twelve people were killed when a coach overturned on the IC6 near Coimbra late on "
               "Wednesday, the district hospital said in a statement on Thursday. Witnesses said "
               "the vehicle swerved to avoid a lorry before it came off the carriageway.")
STORIES = {
    "tribune": (WIRE, "Valley Tribune", "2025-11-20T08:10:00Z"),
    "gazette": (WIRE.replace("told reporters", "said").replace("and 32 were", "and 34 were"),
                "Harbour Gazette", "2025-11-20T11:40:00Z"),
    "ledger": (WIRE.replace("plunged off", "crashed off"), "Metro Ledger", "2025-11-20T12:00:00Z"),
    "centro": (INDEPENDENT, "Diario do Centro", "2025-11-20T09:30:00Z"),
    "post": ("Rescuers recovered the bodies of twelve passengers, Twelve passengers in all, from "
             "the wreck of a Rota Norte coach that left the road near Coimbra, police told the "
             "Post on Thursday. The coach had been carrying a group of retired teachers home "
             "from the mountains, and several survivors described a loud bang before the "
             "driver lost control on a bend.", "Riverside Post", "2025-11-20T10:00:00Z"),
}


@pytest.fixture(scope="module")
def passages(tmp_path_factory: pytest.TempPathFactory, embedder) -> dict[str, Passage]:
    index = Index.open(Path(tmp_path_factory.mktemp("copies")) / "index")
    index.add_articles([Article(d, text, title=d, date=date, source=outlet)
                        for d, (text, outlet, date) in STORIES.items()])
    return {p.chunk.doc_id: p for p in index.passages(range(1, 100))}


def span(passages: dict[str, Passage], doc_id: str, quote: str, confidence: float = 0.9) -> Span:
    passage = passages[doc_id]
    start = passage.article.text.index(quote)
    return Span(passage, start, start + len(quote), margin=1.0, confidence=confidence)


def test_the_prints_are_one_group_and_the_independent_reports_two(passages) -> None:
    groups = {d: p.copies.original if p.copies else None for d, p in passages.items()}
    assert groups == {"tribune": "tribune", "gazette": "tribune", "ledger": "tribune",
                      "centro": None, "post": None}
    assert passages["gazette"].copy_of == "tribune" and passages["tribune"].copy_of is None


def test_three_prints_of_one_story_do_not_outvote_two_independent_reports(passages) -> None:
    positions, conflicts = weigh([span(passages, d, "Fifteen") for d in ("tribune", "gazette", "ledger")]
                                 + [span(passages, d, "Twelve") for d in ("centro", "post")],
                                 "How many people were killed in the bus crash near Coimbra?")
    by_text = {p.text: p for p in positions}
    fifteen, twelve = by_text["Fifteen"], by_text["Twelve"]
    assert (fifteen.support, fifteen.independent_sources) == (3, 1)
    assert (twelve.support, twelve.independent_sources) == (2, 2)
    assert positions[0] is twelve and fifteen.disputed and not twelve.disputed
    assert fifteen.sources_text() == "1 independent source (printed by 3 outlets)"
    assert {c.doc_id: c.copy_of for c in fifteen.citations} == {
        "tribune": None, "gazette": "tribune", "ledger": "tribune"}
    # Three prints read alike are one reading, not three chances to be right.
    assert fifteen.score == pytest.approx(0.9)
    [conflict] = conflicts
    assert not conflict.edited
    assert "'Fifteen' (1 independent source (printed by 3 outlets))" in conflict.reason
    data = Answer("How many?", tuple(positions), tuple(conflicts)).to_dict()
    assert [p["independent_sources"] for p in data["answers"]] == [2, 1]
    assert data["answers"][1]["citations"][1]["copy_of"] == "tribune"


def test_two_independent_sources_one_printed_by_three_outlets(passages) -> None:
    positions, _ = weigh([span(passages, d, "Fifteen") for d in ("tribune", "gazette", "ledger")]
                         + [span(passages, "centro", "Twelve", 0.3)]
                         + [span(passages, "post", "Twelve passengers", 0.95)],
                         "How many people were killed in the bus crash near Coimbra?")
    text = Answer("How many?", positions).to_text()
    assert "Fifteen" in text and "1 independent source (printed by 3 outlets)" in text
    assert "(a copy of tribune)" in text


def test_prints_that_differ_on_a_fact_still_disagree_as_the_same_story_edited(passages) -> None:
    positions, conflicts = weigh([span(passages, "tribune", "32"), span(passages, "gazette", "34")],
                                 "How many people were injured in the bus crash near Coimbra?")
    assert {p.text for p in positions} == {"32", "34"}
    [conflict] = conflicts
    assert conflict.edited and conflict.to_dict()["edited"]
    assert conflict.reason.endswith("the same wire story, edited: Valley Tribune prints '32', "
                                    "Harbour Gazette prints '34'") or conflict.reason.endswith(
        "the same wire story, edited: Harbour Gazette prints '34', Valley Tribune prints '32'")
    assert not any(p.disputed for p in positions)
