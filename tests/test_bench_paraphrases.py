"""bench/paraphrase_set.json is well formed, and its scores count what they say (no model run)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.quality import PARAPHRASE_SET, judged_side, paraphrase_summary

CONFLICT_SET = Path(PARAPHRASE_SET).with_name("conflict_set.json")


def test_paraphrase_set_is_well_formed() -> None:
    data = json.loads(PARAPHRASE_SET.read_text())
    texts = {a["doc_id"]: a["text"] for a in data["articles"]}
    assert len(texts) == len(data["articles"]) and data["about"]
    facts = data["facts"]
    assert len(facts) >= 30 and len({f["fact"] for f in facts}) == len(facts)
    kinds = {f["kind"] for f in facts}
    assert kinds == {"disagree", "agree", "single", "unanswerable"}
    for f in facts:
        assert set(f["docs"]) <= texts.keys() and len(f["docs"]) >= 2, f["fact"]
        assert len(f["phrasings"]) == 3 and len({q.lower() for q in f["phrasings"]}) == 3, f["fact"]
        assert all(q.endswith("?") for q in f["phrasings"]), f["fact"]
        sides = {"disagree": lambda n: n >= 2, "unanswerable": lambda n: n == 0}.get(
            f["kind"], lambda n: n == 1)
        assert sides(len(f["answers"])), f["fact"]
        for forms in f["answers"]:
            assert forms and all(any(form in texts[d] for d in f["docs"]) for form in forms), f["fact"]
        assert f["note"], f["fact"]


def test_paraphrase_set_is_independent_of_the_conflict_set() -> None:
    ours = json.loads(PARAPHRASE_SET.read_text())
    theirs = json.loads(CONFLICT_SET.read_text())
    assert not {a["doc_id"] for a in ours["articles"]} & {a["doc_id"] for a in theirs["articles"]}
    asked = {q for f in ours["facts"] for q in f["phrasings"]}
    assert not asked & {q["question"] for q in theirs["questions"]}


def test_paraphrase_summary_counts_facts_and_phrasings() -> None:
    def row(verdict: str, top: str, correct: bool, side: int | None = 0) -> dict:
        return {"verdict": verdict, "top": top, "side": side, "correct": correct, "top_judged": correct}

    facts = [{"kind": "agree", "rows": [row("answer", "four", True), row("answer", "4", True),
                                        row("answer", "Four", True)]},
             {"kind": "disagree", "rows": [row("disagree", "12", True), row("answer", "15", False, side=1),
                                           row("disagree", "12", True)]},
             {"kind": "unanswerable", "rows": [row("no answer", "", True, side=None)] * 3}]
    summary = paraphrase_summary(facts)
    assert summary["facts"] == 3 and summary["phrasings"] == 9
    assert summary["consistent_verdict"] == 66.7
    assert summary["correct_verdict"] == 88.9
    assert summary["by_kind"]["disagree"]["consistent_verdict"] == 0.0
    assert summary["by_kind"]["disagree"]["consistent_answer"] == 0.0
    assert summary["by_kind"]["unanswerable"]["consistent_answer"] == 100.0
    assert summary["by_kind"]["agree"]["consistent_answer"] == 100.0    # one judged side, two wordings


def test_judged_side_names_the_side_a_shown_answer_gives() -> None:
    sides = [["140 passengers", "140"], ["About 170 people", "170"]]
    assert judged_side("about 170", sides) == 1 and judged_side("140", sides) == 0
    assert judged_side("Twenty-three", sides) is None and judged_side("", sides) is None
