"""How often a follow-up question is read as a person means it (qa.followup).

    python -m bench.followups

The cases are tests/data/followups.json: earlier turns (the question as understood, the
top answer, its entity label, whether the sources disagreed) and a follow-up with the
reading judged by hand. Prints the accuracy and every miss; tests/test_qa_followup.py
holds the same set to a floor.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.report import write_json
from qa.followup import resolve
from qa.result import Answer, Conflict, Position

CASES = Path(__file__).resolve().parent.parent / "tests" / "data" / "followups.json"


def history_of(turns: list) -> list[Answer]:
    """Earlier answers as ask() returns them: the top position, and a rival when disputed."""
    history = []
    for question, text, label, disputed in turns:
        top = Position(text, 1.0, 1, False, (), label)
        rival = Position(f"not {text}", 1.0, 1, True, (), label)
        history.append(Answer(question, (top, rival), (Conflict((0, 1), "differ"),)) if disputed
                       else Answer(question, (top,)))
    return history


def evaluate() -> dict:
    """Accuracy over the judged cases, and each miss as (follow-up, read as, meant)."""
    cases = json.loads(CASES.read_text())["cases"]
    misses = [(c["question"], got, c["expected"]) for c in cases
              if (got := resolve(c["question"], history_of(c["history"]))) != c["expected"]]
    changed = sum(c["expected"] != c["question"] for c in cases)
    return {"cases": len(cases), "to_rewrite": changed, "left_as_asked": len(cases) - changed,
            "right": len(cases) - len(misses),
            "accuracy": round(100 * (1 - len(misses) / len(cases)), 1), "misses": misses}


def main() -> int:
    result = evaluate()
    for asked, got, meant in result["misses"]:
        print(f"  miss: {asked!r} read as {got!r}; meant {meant!r}")
    path = write_json("followups", result)
    print(f"{result['right']} of {result['cases']} follow-ups read as meant "
          f"({result['accuracy']}%); {result['to_rewrite']} needed rewriting; wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
