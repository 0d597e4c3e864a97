"""The project's answers against Haystack 2.x's ExtractiveReader: same retrieval, same weights.

    python -m bench.haystack_reader [--questions 500] [--threads N] [--haystack-reads chunks|windows]

SQuAD v2 dev half, open setting: every paragraph is one article in one project index,
and an evenly spaced sample of the questions (a fixed stride over all of them) is asked
two ways, question by question, alternating which side goes first so that machine
noise hits both alike:

- project: `qa.ask(question, index)`, its top position's text, or "" when it abstains;
- Haystack: the same embedding and `qa.retrieve.retrieve(index, question, vector,
  sources=12)` call that ask() makes, whose passages' chunk texts
  (`article.text[chunk.start:chunk.end]`, up to 2 chunks from each of 12 articles) go as
  Documents into `haystack.components.readers.ExtractiveReader` loaded offline from the
  same qa/reader_model folder (top_k=1, no_answer=True); it abstains when its top answer
  is the no-answer one (data None). With --haystack-reads windows it gets instead the
  very windows ask() reads (`qa.windows.windows`), so both read identical text.

Why it is fair: the same retrieval, the same trained weights (qa.reader runs their int8
ONNX export, train/onnx.py; Haystack runs them in float32 through torch), the same token windows
(qa.reader's max length and stride), the same questions in the same process, and
latency on both sides includes embedding the question and retrieving. What differs is
what each does around the model:

- what is read: ask() reads not whole chunks but qa.windows' choice of at most 12
  stretches of about 480 characters (the sentences most like the question, one source
  at a time), so by default Haystack reads several times more text;
  --haystack-reads windows removes that difference;
- batching: qa.reader sorts token windows by length into batches of 32; Haystack pads
  all of them into one batch;
- span post-processing: qa.reader caps spans at 30 tokens, trims edge punctuation and
  scores a span by its margin over the [CLS] no-answer logit against a calibrated
  threshold, and ask() merges what the sources say into positions. Haystack scores each
  span as sigmoid(0.1 * (start + end logit)) with no length cap and ignores [CLS]; its
  no-answer score is the product of (1 - score) over the top_k answers, so with top_k=1
  it abstains exactly when the best span's logit sum is below 0;
- Haystack feeds the model no token_type_ids (it was written for RoBERTa), so our
  BERT-style reader sees question and passage as one segment.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.report import RESULTS, machine, peak_rss_mb, summarise, table, write_json

os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SOURCES = 12          # ask()'s default k: articles read per question
DEFAULT_QUESTIONS = 500
NAME = "haystack_reader"
NOTE = ("Same retrieval (qa.retrieve, 12 sources), same reader weights, same questions; the sides "
        "differ in what is read (ask() reads qa.windows' windows; Haystack the whole chunks unless "
        "--haystack-reads windows), batching and span post-processing (see bench/haystack_reader.py).")

Question = tuple[str, list[str], str]   # question, gold answers ([] = unanswerable), doc_id


def missing() -> str:
    """Why the Haystack side cannot run, or "" when it can."""
    try:
        import haystack  # noqa: F401
    except ImportError:
        return "haystack reader comparison skipped: haystack-ai is not installed (pip install -e '.[bench]')"
    try:
        import accelerate  # noqa: F401
    except ImportError:
        return ("haystack reader comparison skipped: ExtractiveReader needs accelerate "
                "(pip install accelerate)")
    return ""


def sample(questions: list[Question], n: int) -> tuple[list[Question], int]:
    """An evenly spaced, deterministic sample of n questions and the stride used."""
    stride = max(1, len(questions) // max(n, 1))
    return questions[::stride][:n], stride


def haystack_reader(model: Path) -> Any:
    """ExtractiveReader on our reader folder, on the CPU, in float32, warmed up."""
    import torch
    from haystack.components.readers import ExtractiveReader
    from haystack.utils import ComponentDevice

    # Windows cut as ours are: the settings recorded beside the weights.
    settings = json.loads((model / "training.json").read_text())["settings"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)   # "moving to transformers-haystack in 3.0"
        reader = ExtractiveReader(model=str(model), device=ComponentDevice.from_str("cpu"), token=None,
                                  top_k=1, no_answer=True, max_seq_length=settings["max_len"],
                                  stride=settings["stride"],
                                  model_kwargs={"dtype": torch.float32})
    reader.warm_up()
    return reader


def run(n: int, threads: int | None = None, reads: str = "chunks") -> dict:
    import haystack
    import torch
    import transformers
    from haystack import Document

    from bench.quality import _squad_questions, _squad_summary
    from index import Index
    from qa import ask
    from qa.reader import load_reader
    from qa.retrieve import retrieve
    from qa.windows import windows
    from train.metrics import normalise

    if threads:
        import faiss

        torch.set_num_threads(threads)
        faiss.omp_set_num_threads(threads)
    articles, questions = _squad_questions()
    chosen, stride = sample(questions, n)
    ours = load_reader()
    ours.warm_up()
    theirs = haystack_reader(ours.path)

    with tempfile.TemporaryDirectory() as tmp:
        index = Index.open(Path(tmp) / "squad")
        started = time.perf_counter()
        index.add_articles(articles)
        build_s = time.perf_counter() - started

        def project(question: str) -> tuple[str, float | None]:
            answer = ask(question, index, k=SOURCES)
            return ("", None) if answer.no_answer else (answer.answers[0].text, None)

        def hay(question: str) -> tuple[str, float | None]:
            question = question.strip()
            with index.snapshot():
                vector = index.embedder.encode([question])[0]
                retrieved = retrieve(index, question, vector, sources=SOURCES)
            passages = [r.passage for r in retrieved]
            if reads == "windows":
                documents = [Document(id=f"{w.passage.chunk.chunk_id}:{w.start}", content=w.text,
                                      meta={"doc_id": w.passage.chunk.doc_id})
                             for w in windows(passages, question, vector)]
            else:
                documents = [Document(id=str(p.chunk.chunk_id), meta={"doc_id": p.chunk.doc_id},
                                      content=p.article.text[p.chunk.start:p.chunk.end]) for p in passages]
            answers = theirs.run(query=question, documents=documents, top_k=1, no_answer=True)["answers"]
            span = next((a for a in answers if a.data is not None), None)
            score = span.score if span else None
            if not answers or answers[0].data is None:
                return "", score
            return answers[0].data, score

        sides: dict[str, Callable[[str], tuple[str, float | None]]] = {"project": project, "haystack": hay}
        for question, _, _ in chosen[:2]:          # warm both: first calls load caches and kernels
            project(question)
            hay(question)
        times: dict[str, list[float]] = {name: [] for name in sides}
        predictions: dict[str, list[str]] = {name: [] for name in sides}
        scores: list[float] = []       # Haystack's best span score (it abstains below 0.5 with top_k=1)
        for i, (question, _, _) in enumerate(chosen):
            order = ("project", "haystack") if i % 2 == 0 else ("haystack", "project")
            for name in order:
                begin = time.perf_counter()
                text, score = sides[name](question)
                times[name].append(time.perf_counter() - begin)
                predictions[name].append(text)
                if score is not None:
                    scores.append(score)
        index.close()

    result: dict[str, Any] = {
        "haystack_version": haystack.__version__, "transformers_version": transformers.__version__,
        "questions": len(chosen), "of_questions": len(questions), "sample_stride": stride,
        "paragraphs": len(articles), "sources": SOURCES, "haystack_reads": reads,
        "index_build_s": round(build_s, 1), "reader_model": str(ours.path),
        "precision": "float32",
        "torch_threads": torch.get_num_threads(),
    }
    for name in sides:
        rows = [(golds, p) for (_, golds, _), p in zip(chosen, predictions[name], strict=True)]
        answered = [p for p in predictions[name] if p]
        result[name] = {**_squad_summary(rows), "latency": summarise(times[name]),
                        "abstained": round(100 * (len(chosen) - len(answered)) / max(len(chosen), 1), 1),
                        "answer_words_mean": round(sum(len(p.split()) for p in answered)
                                                   / max(len(answered), 1), 2)}
    if scores:
        ordered = sorted(scores)
        result["haystack"]["span_score_median"] = round(ordered[len(ordered) // 2], 4)
    ours_ms, theirs_ms = result["project"]["latency"], result["haystack"]["latency"]
    result["ratio_median_project_over_haystack"] = (
        round(ours_ms["median_ms"] / theirs_ms["median_ms"], 3) if theirs_ms.get("median_ms") else None)
    agree = [normalise(a) == normalise(b)
             for a, b in zip(predictions["project"], predictions["haystack"], strict=True)]
    result["agreement"] = round(100 * sum(agree) / max(len(agree), 1), 1)
    result["peak_rss_mb"] = peak_rss_mb()
    result["machine"] = machine()
    result["note"] = NOTE
    return result


def render(result: dict) -> str:
    ours, theirs = result["project"], result["haystack"]
    rows = [[label, ours.get(key), theirs.get(key)] for label, key in (
        ("EM", "exact_match"), ("F1", "f1"), ("HasAns F1", "has_ans_f1"),
        ("NoAns accuracy", "no_ans_accuracy"), ("abstained %", "abstained"),
        ("mean answer words", "answer_words_mean"))]
    rows += [["latency median ms", ours["latency"].get("median_ms"), theirs["latency"].get("median_ms")],
             ["latency p95 ms", ours["latency"].get("p95_ms"), theirs["latency"].get("p95_ms")]]
    lines = [f"## project ask() vs Haystack {result['haystack_version']} ExtractiveReader: "
             f"SQuAD v2 dev half, open, {result['questions']} of {result['of_questions']} questions (stride "
             f"{result['sample_stride']}), {result['paragraphs']} paragraphs", "",
             table(["measure", "project", "haystack"], rows), "",
             f"ratio of median latencies project/haystack: {result['ratio_median_project_over_haystack']}; "
             f"answers agree (normalised): {result['agreement']}%; {result['precision']}, "
             f"{result['torch_threads']} torch thread(s); Haystack read {result['haystack_reads']}", "",
             result["note"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.haystack_reader", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=DEFAULT_QUESTIONS,
                        help=f"how many questions, evenly spaced over all (default {DEFAULT_QUESTIONS})")
    parser.add_argument("--threads", type=int,
                        help="torch and FAISS threads for both sides (default: torch's and FAISS's own)")
    parser.add_argument("--haystack-reads", choices=["chunks", "windows"], default="chunks",
                        help="what Haystack reads: the retrieved chunks (default) or the windows ask() reads")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder for haystack_reader.json")
    args = parser.parse_args(argv)
    if args.questions < 1:
        parser.error("--questions must be at least 1")
    why = missing()
    if why:
        print(why)
        return 2
    from qa.reader import configured_reader

    if not (configured_reader() / "config.json").exists():
        print(f"haystack reader comparison skipped: no trained reader in {configured_reader()}")
        return 2
    result = run(args.questions, args.threads, args.haystack_reads)
    path = write_json(NAME, result, args.results)
    print(render(result) + f"\nwritten: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
