"""Prints of one wire story found at ingest, in both kinds of index: edited, cut and retitled
copies grouped under their likely original; independent reports of the same event kept
apart; groups mended when a print is removed or replaced; an index made before copies
were looked for signed at its next write."""

from __future__ import annotations

import dataclasses
import json
import random
import sqlite3
from pathlib import Path

import pytest

from bench.copies import as_wire, judged_reports, reprint
from index import Article, Index
from index.ingest import copies

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reports() -> dict[str, Article]:
    return {a.doc_id: a for a in judged_reports()}


def _prints(reports: dict[str, Article], doc_id: str, outlets: list[str], strength: str = "medium",
            wire: str = "Reuters") -> list[Article]:
    """The report as the agency's story, then as each outlet prints it."""
    base = reports[doc_id]
    story = as_wire(f"{doc_id}-wire", base.title or doc_id, base.text, base.date, wire)
    rng = random.Random(doc_id)
    return [story, *(reprint(story, outlet, strength, rng, n) for n, outlet in enumerate(outlets, 1))]


def _group_of(index: Index, doc_id: str) -> tuple[str, tuple[str, ...]] | None:
    group = index.copies([doc_id]).get(doc_id)
    return (group.original, group.members) if group else None


def test_prints_are_grouped_under_the_agency_and_independent_reports_stay_apart(
        reports, new_location, embedder) -> None:
    index = Index.open(new_location())
    fire = _prints(reports, "fire-a", ["Harbour Gazette", "Valley Tribune", "Metro Ledger"], "heavy")
    # The prints arrive before the agency's own story, in two writes.
    first = index.add_articles([fire[2], fire[3], reports["fire-b"], reports["fire-c"]])
    head = copies.original([copies.signature(fire[2]), copies.signature(fire[3])]).doc_id
    [other] = {fire[2].doc_id, fire[3].doc_id} - {head}
    assert [(c.doc_id, c.original, c.wire) for c in first.copies] == [(other, head, "Reuters")]
    second = index.add_articles([fire[0], fire[1], *(reports[d] for d in ("rail-a", "rail-b", "rail-c"))])
    assert {c.doc_id for c in second.copies} == {"fire-a-wire-print1"}
    # Now the agency's own print is the original of all four.
    wire_id = "fire-a-wire"
    members = (wire_id, "fire-a-wire-print1", "fire-a-wire-print2", "fire-a-wire-print3")
    for doc_id in members:
        assert _group_of(index, doc_id) == (wire_id, members)
    # Three reports of one fire and three of one derailment, each by its own reporter.
    for doc_id in ("fire-b", "fire-c", "rail-a", "rail-b", "rail-c"):
        assert _group_of(index, doc_id) is None
    passage = index.passages([i for i, _ in index.lexical_search("Kessler warehouse", 20)])
    copy_of = {p.article.doc_id: p.copy_of for p in passage}
    assert copy_of.get("fire-a-wire-print1") == wire_id and copy_of.get(wire_id) is None
    assert copy_of.get("fire-b") is None

    # The original goes: the likeliest of the prints left takes its place (one that kept
    # the agency's dateline, else the earliest); one print goes: the others stay together.
    index.remove([wire_id])
    left = ("fire-a-wire-print1", "fire-a-wire-print2", "fire-a-wire-print3")
    earliest = copies.original([copies.signature(index.article(d)) for d in left]).doc_id
    assert _group_of(index, "fire-a-wire-print3") == (earliest, (earliest, *sorted(set(left) - {earliest})))
    index.remove([d for d in left if d != earliest][:1])
    assert len(_group_of(index, earliest)[1]) == 2
    index.close()


def test_a_print_replaced_by_other_text_leaves_its_group(reports, tmp_path: Path, embedder) -> None:
    index = Index.open(tmp_path / "index")
    rail = _prints(reports, "rail-a", ["Bay Chronicle"], "light", wire="AFP")
    index.add_articles(rail)
    assert _group_of(index, "rail-a-wire-print1") == ("rail-a-wire", ("rail-a-wire", "rail-a-wire-print1"))
    other = dataclasses.replace(reports["rail-b"], doc_id="rail-a-wire-print1")
    report = index.add_articles([other], replace=True)
    assert report.updated == 1 and report.copies == ()
    assert _group_of(index, "rail-a-wire") is None and _group_of(index, "rail-a-wire-print1") is None


def test_the_original_is_the_agencys_own_print_else_the_earliest(reports) -> None:
    wire = _prints(reports, "flood-a", ["Metro Ledger"], "light", wire="Associated Press")[0]
    sign = copies.signature
    own = sign(wire)
    assert (own.wire, own.by_wire) == ("Associated Press", True)
    credited = sign(dataclasses.replace(wire, doc_id="p1", source="Metro Ledger", url="",
                                        date="2024-11-03"))
    plain = sign(dataclasses.replace(wire, doc_id="p2", source="Bay Chronicle", url="",
                                     text=wire.text.replace("(AP)", ""), date="2024-11-01"))
    assert (credited.wire, credited.by_wire, plain.wire) == ("Associated Press", False, "")
    assert copies.original([credited, plain, own]).doc_id == wire.doc_id
    assert copies.original([credited, plain]).doc_id == "p1"  # it kept the agency's dateline
    undated = dataclasses.replace(plain, doc_id="p3", published="")
    assert copies.original([plain, undated]).doc_id == "p2"
    # A byline names the agency without the outlet being it: a credit, not the agency's print.
    assert copies.wire_of(Article("x", "text", author="Jane Doe, Associated Press")) == (
        "Associated Press", False)
    assert copies.wire_of(Article("x", "Two letters: AP and AFP in a sentence.")) == ("", False)


def test_short_articles_are_never_called_copies(tmp_path: Path, embedder) -> None:
    index = Index.open(tmp_path / "index")
    brief = "The council meets on Monday at noon in the town hall to vote on the budget."
    report = index.add_articles([Article("a", brief), Article("b", brief + " All welcome.")])
    assert report.copies == () and index.copies(["a", "b"]) == {}


def test_an_index_made_before_copies_is_signed_at_its_next_write(reports, tmp_path: Path,
                                                                 embedder, run_cli) -> None:
    index = Index.open(tmp_path / "index")
    index.add_articles(_prints(reports, "ferry-a", ["Harbour Gazette"], "light"))
    index.close()
    # As an index written before this release: no copies tables at all.
    db = sqlite3.connect(tmp_path / "index" / "index.sqlite")
    db.executescript("DROP TABLE copies; DROP TABLE copy_bands; DROP TABLE copy_links; "
                     "DELETE FROM meta WHERE key = 'copies_signed';")
    db.close()
    reopened = Index.open(tmp_path / "index")
    assert reopened.copies(["ferry-a-wire"]) == {}
    report = reopened.add_articles([reports["deal-a"]])
    assert [(c.doc_id, c.original) for c in report.copies] == [("ferry-a-wire-print1", "ferry-a-wire")]
    checked = json.loads(run_cli("check", "--json", "--index", str(tmp_path / "index")).stdout)
    assert checked["healthy"]
