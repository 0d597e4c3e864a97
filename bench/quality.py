"""Answer quality on public data: RAMDocs (conflicting sources) and SQuAD v2 (extraction).

    python -m bench.quality ramdocs [--limit N] [--setting closed|open|both]
    python -m bench.quality squad [--limit N]

The data is read from ../shared/eval/data and never copied into the project.
Every citation of every answer is checked against the stored text; one bad
offset fails the run.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import string
import sys
import tempfile
import time
from pathlib import Path

from index import Article, Index
from qa import Answer, ask
from qa.retrieve import retrieve
from qa.values import fold, number_value

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "data"
RESULTS = Path(__file__).resolve().parent / "results"


class CitationError(AssertionError):
    pass


def check_citations(answer: Answer, index: Index) -> int:
    """Number of citations checked; raises at the first that breaks the offset rule."""
    checked = 0
    for position in answer.answers:
        for c in position.citations:
            text = index.article(c.doc_id).text
            if text[c.start:c.end] != c.quote or not (
                    c.sentence_start <= c.start <= c.end <= c.sentence_end):
                raise CitationError(f"{answer.question!r}: bad citation {c}")
            checked += 1
    return checked


def same_answer(gold: str, shown: str) -> bool:
    """A shown position gives the gold answer: equal after folding, equal numbers, or
    the gold's words inside a short position ("Sanae Takaichi" for "Takaichi")."""
    g, s = fold(gold), fold(shown)
    if not g or not s:
        return False
    if g == s:
        return True
    gv, sv = number_value(gold), number_value(shown)
    if gv is not None and sv is not None and gv == sv and re.search(r"\d", g) and re.search(r"\d", s):
        return True
    short, long_ = sorted((g, s), key=len)
    return (f" {short} " in f" {long_} ") and len(long_.split()) <= len(short.split()) + 4


def _ramdocs_rows(limit: int | None) -> list[dict]:
    path = DATA / "ramdocs" / "RAMDocs_test.jsonl"
    rows = [json.loads(line) for line in path.open()]
    return rows[:limit] if limit else rows


def _articles(n: int, row: dict) -> list[Article]:
    return [Article(doc_id=f"q{n:03d}_d{i:02d}", text=d["text"], title=f"q{n:03d} doc {i}")
            for i, d in enumerate(row["documents"])]


def score_ramdocs(answer: Answer, row: dict) -> dict:
    shown = [p.text for p in answer.answers]
    undisputed = [p.text for p in answer.answers if not p.disputed]
    in_conflict = {i for c in answer.conflicts for i in c.answers}
    golds = list(dict.fromkeys(row["gold_answers"]))
    wrongs = [w for w in dict.fromkeys(row["wrong_answers"]) if w]
    found = [any(same_answer(g, s) for s in shown) for g in golds]
    wrong_shown = [i for i, p in enumerate(answer.answers)
                   if any(same_answer(w, p.text) for w in wrongs)]
    return {
        "golds": len(golds), "golds_found": sum(found), "all_gold": all(found),
        "has_wrong": bool(wrongs),
        "wrong_shown": bool(wrong_shown),
        "wrong_flagged": any(i in in_conflict and answer.answers[i].disputed for i in wrong_shown),
        "wrong_in_conflict": any(i in in_conflict for i in wrong_shown),
        "wrong_unflagged": any(i not in in_conflict for i in wrong_shown),
        "strict": all(any(same_answer(g, s) for s in undisputed) for g in golds)
        and not any(same_answer(w, s) for w in wrongs for s in undisputed),
        "no_answer": answer.no_answer,
    }


def summarise_ramdocs(scores: list[dict], citations: int) -> dict:
    n = len(scores)
    with_wrong = [s for s in scores if s["has_wrong"]] or [{}]
    pct = lambda k, rows=scores: round(100 * sum(bool(r.get(k)) for r in rows) / max(len(rows), 1), 1)  # noqa: E731
    return {
        "questions": n, "citations_checked": citations, "citation_validity": 100.0,
        "gold_coverage": round(100 * sum(s["golds_found"] for s in scores)
                               / max(sum(s["golds"] for s in scores), 1), 1),
        "all_gold_rate": pct("all_gold"),
        "misinformation_surfaced": pct("wrong_in_conflict", with_wrong),
        "misinformation_marked_disputed": pct("wrong_flagged", with_wrong),
        "wrong_shown_without_conflict": pct("wrong_unflagged"),
        "strict_em": pct("strict"),
        "no_answer_rate": pct("no_answer"),
    }


def run_ramdocs(setting: str, limit: int | None) -> dict:
    rows = _ramdocs_rows(limit)
    scores, citations, latencies = [], 0, []
    with tempfile.TemporaryDirectory() as tmp:
        if setting == "open":
            index = Index.open(Path(tmp) / "all")
            index.add_articles([a for n, row in enumerate(rows) for a in _articles(n, row)])
        for n, row in enumerate(rows):
            if setting == "closed":
                index = Index.open(Path(tmp) / f"q{n}")
                index.add_articles(_articles(n, row))
            started = time.perf_counter()
            answer = ask(row["question"], index)
            latencies.append(time.perf_counter() - started)
            citations += check_citations(answer, index)
            scores.append(score_ramdocs(answer, row))
            if setting == "closed":
                index.close()
    summary = summarise_ramdocs(scores, citations)
    summary["setting"] = setting
    return summary | latency_summary(latencies)


def latency_summary(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    pick = lambda q: round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)  # noqa: E731
    return {"ask_ms_median": pick(0.5), "ask_ms_p95": pick(0.95)}


# SQuAD v2 ---------------------------------------------------------------------------

def _normalise(text: str) -> str:
    """The official SQuAD normalisation: lower, no punctuation, no articles, one space."""
    text = "".join(c for c in text.lower() if c not in set(string.punctuation))
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def _f1(prediction: str, gold: str) -> float:
    p, g = _normalise(prediction).split(), _normalise(gold).split()
    if not p or not g:
        return float(p == g)
    common = sum((collections.Counter(p) & collections.Counter(g)).values())
    if not common:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def run_squad(limit: int | None) -> dict:
    data = json.loads((DATA / "squad_v2_dev_half" / "dev-v2.0.json").read_text())["data"]
    articles, questions = [], []
    for a, item in enumerate(data):
        for p, paragraph in enumerate(item["paragraphs"]):
            doc_id = f"{a:02d}_{p:03d}"
            articles.append(Article(doc_id=doc_id, text=paragraph["context"], title=item["title"]))
            for qa in paragraph["qas"]:
                golds = [x["text"] for x in qa["answers"]] or [""]
                questions.append((qa["question"], golds, doc_id))
    questions = questions[:limit] if limit else questions
    em = f1 = 0.0
    hits = {1: 0, 5: 0, 10: 0}
    answerable = citations = 0
    latencies = []
    with tempfile.TemporaryDirectory() as tmp:
        index = Index.open(Path(tmp) / "squad")
        index.add_articles(articles)
        for question, golds, doc_id in questions:
            started = time.perf_counter()
            answer = ask(question, index)
            latencies.append(time.perf_counter() - started)
            citations += check_citations(answer, index)
            prediction = "" if answer.no_answer else answer.answers[0].text
            em += max(float(_normalise(prediction) == _normalise(g)) for g in golds)
            f1 += max(_f1(prediction, g) for g in golds)
            if golds != [""]:
                answerable += 1
                vector = index.embedder.encode([question])[0]
                ranked = list(dict.fromkeys(
                    r.passage.chunk.doc_id for r in retrieve(index, question, vector, sources=10,
                                                            per_source=1)))
                for k in hits:
                    hits[k] += doc_id in ranked[:k]
    n = len(questions)
    return {"questions": n, "answerable": answerable, "paragraphs": len(articles),
            "citations_checked": citations, "citation_validity": 100.0,
            "exact_match": round(100 * em / n, 1), "f1": round(100 * f1 / n, 1),
            **{f"recall@{k}": round(100 * v / max(answerable, 1), 1) for k, v in hits.items()},
            **latency_summary(latencies)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__)
    parser.add_argument("dataset", choices=["ramdocs", "squad"])
    parser.add_argument("--limit", type=int, help="only the first N questions (smoke runs)")
    parser.add_argument("--setting", choices=["closed", "open", "both"], default="both")
    args = parser.parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    if args.dataset == "ramdocs":
        settings = ["closed", "open"] if args.setting == "both" else [args.setting]
        results = {s: run_ramdocs(s, args.limit) for s in settings}
    else:
        results = {"squad": run_squad(args.limit)}
    suffix = (f"-{args.setting}" if args.dataset == "ramdocs" and args.setting != "both" else "") + (
        f"-limit{args.limit}" if args.limit else "")
    (RESULTS / f"quality-{args.dataset}{suffix}.json").write_text(json.dumps(results, indent=2))
    for name, summary in results.items():
        print(f"{args.dataset} {name}: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
