"""Answer quality: RAMDocs (conflicting sources), SQuAD v2 (extraction), our own
hand-judged set of agreeing, disagreeing and unanswerable questions (false alarms), and
our own paraphrase set (one fact asked three ways must get one verdict).

    python -m bench.quality ramdocs [--limit N] [--setting closed|open|both]
    python -m bench.quality squad [--limit N] [--setting closed|open|both]
    python -m bench.quality conflicts
    python -m bench.quality paraphrases [--limit N]

SQuAD closed reads each question with its own paragraph (the reader alone, as published
readers are scored); open asks the whole pipeline over one index of every paragraph.
The data is read from ../shared/eval/data and never copied into the project. Every
citation of every answer is checked against the stored text; one bad offset fails the run.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
import tempfile
import time
from pathlib import Path

from bench.report import machine
from index import Article, Index
from qa import Answer, ask
from qa.reader import load_reader
from qa.retrieve import retrieve
from qa.values import fold, number_value
from train.metrics import best_em, best_f1

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "data"
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
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
        "conflict": answer.conflict,
    }


def summarise_ramdocs(scores: list[dict], citations: int) -> dict:
    n = len(scores)
    with_wrong = [s for s in scores if s["has_wrong"]] or [{}]
    without_wrong = [s for s in scores if not s["has_wrong"]] or [{}]
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
        "false_alarm_rate": pct("conflict", without_wrong),
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

def _squad_questions() -> tuple[list[Article], list[tuple[str, list[str], str]]]:
    data = json.loads((DATA / "squad_v2_dev_half" / "dev-v2.0.json").read_text())["data"]
    articles, questions = [], []
    for a, item in enumerate(data):
        for p, paragraph in enumerate(item["paragraphs"]):
            doc_id = f"{a:02d}_{p:03d}"
            articles.append(Article(doc_id=doc_id, text=paragraph["context"], title=item["title"]))
            for qa in paragraph["qas"]:
                questions.append((qa["question"], [x["text"] for x in qa["answers"]], doc_id))
    return articles, questions


def _squad_summary(rows: list[tuple[list[str], str]]) -> dict:
    """EM and F1 overall, on answerable (HasAns) and unanswerable (NoAns) questions."""
    def mean(metric, subset) -> float:
        return round(100 * sum(metric(p, g) for g, p in subset) / max(len(subset), 1), 1)

    has = [r for r in rows if r[0]]
    no = [r for r in rows if not r[0]]
    return {"questions": len(rows), "answerable": len(has),
            "exact_match": mean(best_em, rows), "f1": mean(best_f1, rows),
            "has_ans_em": mean(best_em, has), "has_ans_f1": mean(best_f1, has),
            "no_ans_accuracy": mean(best_em, no)}


def run_squad(setting: str, limit: int | None) -> dict:
    articles, questions = _squad_questions()
    questions = questions[:limit] if limit else questions
    texts = {a.doc_id: a.text for a in articles}
    rows, latencies, citations, conflicts = [], [], 0, 0
    hits = {1: 0, 5: 0, 10: 0}
    reader = load_reader()
    with tempfile.TemporaryDirectory() as tmp:
        if setting == "open":
            index = Index.open(Path(tmp) / "squad")
            index.add_articles(articles)
        for question, golds, doc_id in questions:
            started = time.perf_counter()
            if setting == "closed":
                reading = reader.read_texts(question, [texts[doc_id]])[0]
                confident = reading.confidence >= reader.calibration.threshold
                prediction = texts[doc_id][reading.start:reading.end] if confident else ""
                latencies.append(time.perf_counter() - started)
            else:
                answer = ask(question, index)
                latencies.append(time.perf_counter() - started)
                citations += check_citations(answer, index)
                prediction = "" if answer.no_answer else answer.answers[0].text
                conflicts += bool(golds) and answer.conflict
                if golds:
                    vector = index.embedder.encode([question])[0]
                    ranked = list(dict.fromkeys(r.passage.chunk.doc_id for r in retrieve(
                        index, question, vector, sources=10, per_source=1)))
                    for k in hits:
                        hits[k] += doc_id in ranked[:k]
            rows.append((golds, prediction))
    summary = {"setting": setting, "paragraphs": len(articles), **_squad_summary(rows)}
    if setting == "open":
        answerable = summary["answerable"]
        summary |= {"citations_checked": citations, "citation_validity": 100.0,
                    "false_alarm_rate": round(100 * conflicts / max(answerable, 1), 1),
                    **{f"recall@{k}": round(100 * v / max(answerable, 1), 1) for k, v in hits.items()}}
    return summary | latency_summary(latencies)


# Our own judged set --------------------------------------------------------------------

CONFLICT_SET = Path(__file__).resolve().parent / "conflict_set.json"
PARAPHRASE_SET = Path(__file__).resolve().parent / "paraphrase_set.json"


def judged_articles(data: dict) -> dict[str, Article]:
    """A judged set's articles by doc_id, with the seeds (which the conflict set cites by doc_id)."""
    articles = {a["doc_id"]: Article(doc_id=a["doc_id"], text=a["text"], title=a["title"],
                                     date=a.get("date", ""), source=a.get("source", ""))
                for a in data["articles"]}
    for path in sorted(SEEDS.glob("*.txt")):
        articles[path.stem] = Article(doc_id=path.stem, text=path.read_text(), title=path.stem)
    return articles


def ask_judged(questions: list[tuple[str, list[str]]], articles: dict[str, Article]
               ) -> tuple[list[Answer], int, list[float]]:
    """Ask each (question, docs) over an index of just those docs (one index per distinct set,
    shared by the questions on it); every citation is checked. Answers, citations checked,
    seconds per ask."""
    answers, citations, seconds = [], 0, []
    with tempfile.TemporaryDirectory() as tmp:
        indexes: dict[tuple[str, ...], Index] = {}
        for question, docs in questions:
            key = tuple(sorted(docs))
            if key not in indexes:
                indexes[key] = Index.open(Path(tmp) / f"set{len(indexes)}")
                indexes[key].add_articles([articles[d] for d in key])
            started = time.perf_counter()
            answer = ask(question, indexes[key])
            seconds.append(time.perf_counter() - started)
            citations += check_citations(answer, indexes[key])
            answers.append(answer)
        for index in indexes.values():
            index.close()
    return answers, citations, seconds


def _pct(rows: list[dict], key: str) -> float:
    return round(100 * sum(bool(r[key]) for r in rows) / max(len(rows), 1), 1)


def run_conflicts() -> dict:
    """bench/conflict_set.json: questions judged by reading their articles as agreeing,
    disagreeing or unanswerable; each asked over an index of just its articles."""
    data = json.loads(CONFLICT_SET.read_text())
    answers, citations, _ = ask_judged([(q["question"], q["docs"]) for q in data["questions"]],
                                       judged_articles(data))
    outcomes: dict[str, list[dict]] = collections.defaultdict(list)
    for item, answer in zip(data["questions"], answers, strict=True):
        shown = [p.text for p in answer.answers]
        sides = [any(same_answer(form, s) for form in forms for s in shown) for forms in item["answers"]]
        outcomes[item["kind"]].append({"conflict": answer.conflict, "no_answer": answer.no_answer,
                                       "all_sides": all(sides) and bool(sides),
                                       "top_right": bool(shown) and any(
                                           same_answer(f, shown[0]) for f in item["answers"][0])
                                       if item["answers"] else False})
    agree, disagree, none = outcomes["agree"], outcomes["disagree"], outcomes["unanswerable"]
    return {"questions": sum(len(v) for v in outcomes.values()), "agree": len(agree),
            "disagree": len(disagree), "unanswerable": len(none), "citations_checked": citations,
            "false_alarm_rate": _pct(agree + none, "conflict"),
            "false_alarm_agree": _pct(agree, "conflict"), "false_alarm_unanswerable": _pct(none, "conflict"),
            "agree_top_right": _pct(agree, "top_right"),
            "disagreement_flagged": _pct(disagree, "conflict"),
            "disagreement_flagged_all_sides": _pct([r for r in disagree if r["conflict"]], "all_sides")
            if disagree else 0.0,
            "unanswerable_abstained": _pct(none, "no_answer")}


# Paraphrases: one fact asked three ways ----------------------------------------------

EXPECTED_VERDICT = {"disagree": "disagree", "agree": "answer", "single": "answer",
                    "unanswerable": "no answer"}


def verdict(answer: Answer) -> str:
    """What a reader is told first: "disagree" (Sources disagree), "no answer", or "answer"."""
    return "disagree" if answer.conflict else "no answer" if answer.no_answer else "answer"


def _one_value(rows: list[dict]) -> bool:
    """Every phrasing shows the same top value ("" for no answer: all must then be ""): the
    same by same_answer, or forms of one judged side ("Sunday evening" and "February 9")."""
    first, *others = rows
    if not all(r["top"] for r in rows):
        return not any(r["top"] for r in rows)
    return all(same_answer(first["top"], r["top"])
               or (first["side"] is not None and first["side"] == r["side"]) for r in others)


def judged_side(top: str, sides: list[list[str]]) -> int | None:
    """Which judged side (list of forms) the shown answer `top` gives, if any."""
    return next((i for i, forms in enumerate(sides) if top and any(same_answer(f, top) for f in forms)), None)


def paraphrase_summary(facts: list[dict]) -> dict:
    """Facts whose every phrasing got one verdict / one top value, phrasings whose verdict is
    the judged one, top answers that are a judged value; overall and per kind.
    `facts`: [{"kind", "rows": [{"verdict", "top", "side", "correct", "top_judged"}, ...]}, ...]."""
    def scores(subset: list[dict]) -> dict:
        per_fact = [{"verdict": len({r["verdict"] for r in f["rows"]}) == 1,
                     "answer": _one_value(f["rows"]),
                     "all_correct": all(r["correct"] for r in f["rows"])} for f in subset]
        phrasings = [r for f in subset for r in f["rows"]]
        return {"facts": len(subset), "phrasings": len(phrasings),
                "consistent_verdict": _pct(per_fact, "verdict"),
                "consistent_answer": _pct(per_fact, "answer"),
                "correct_verdict": _pct(phrasings, "correct"),
                "top_judged": _pct(phrasings, "top_judged"),
                "all_phrasings_correct": _pct(per_fact, "all_correct")}

    kinds = list(dict.fromkeys(f["kind"] for f in facts))
    return scores(facts) | {"by_kind": {k: scores([f for f in facts if f["kind"] == k]) for k in kinds}}


def run_paraphrases(limit: int | None = None) -> dict:
    """bench/paraphrase_set.json: each judged fact asked three ways over an index of its
    cluster; one row per phrasing (verdict, top answer, every position) for inspection."""
    data = json.loads(PARAPHRASE_SET.read_text())
    data["facts"] = data["facts"][:limit] if limit else data["facts"]
    asked = [(q, fact["docs"]) for fact in data["facts"] for q in fact["phrasings"]]
    answers, citations, seconds = ask_judged(asked, judged_articles(data))
    answers_of = iter(answers)
    facts = []
    for fact in data["facts"]:
        rows = []
        for question in fact["phrasings"]:
            answer = next(answers_of)
            said = verdict(answer)
            top = "" if answer.no_answer else answer.answers[0].text
            side = judged_side(top, fact["answers"])
            rows.append({"question": question, "verdict": said,
                         "correct": said == EXPECTED_VERDICT[fact["kind"]], "top": top, "side": side,
                         "top_judged": side is not None if top else not fact["answers"],
                         "positions": [{"text": p.text, "score": round(p.score, 3), "disputed": p.disputed,
                                        "weak": p.weak, "docs": sorted({c.doc_id for c in p.citations})}
                                       for p in answer.answers],
                         "conflicts": [c.reason for c in answer.conflicts]})
        facts.append({"fact": fact["fact"], "kind": fact["kind"], "rows": rows})
    summary = {"citations_checked": citations, **paraphrase_summary(facts)}
    return summary | latency_summary(seconds) | {"rows": facts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__)
    parser.add_argument("dataset", choices=["ramdocs", "squad", "conflicts", "paraphrases"])
    parser.add_argument("--limit", type=int, help="only the first N questions (smoke runs)")
    parser.add_argument("--setting", choices=["closed", "open", "both"], default="both")
    args = parser.parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    settings = ["closed", "open"] if args.setting == "both" else [args.setting]
    if args.dataset == "ramdocs":
        results = {s: run_ramdocs(s, args.limit) for s in settings}
    elif args.dataset == "squad":
        results = {s: run_squad(s, args.limit) for s in settings}
    elif args.dataset == "conflicts":
        results = {"conflicts": run_conflicts()}
    else:
        results = {"paraphrases": run_paraphrases(args.limit)}
    judged = args.dataset in ("conflicts", "paraphrases")
    suffix = (f"-{args.setting}" if args.setting != "both" and not judged else "") + (
        f"-limit{args.limit}" if args.limit else "")
    written = {"machine": machine(), **results}
    (RESULTS / f"quality-{args.dataset}{suffix}.json").write_text(json.dumps(written, indent=2))
    for name, summary in results.items():
        print(f"{args.dataset} {name}: " + ", ".join(f"{k} {v}" for k, v in summary.items() if k != "rows"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
