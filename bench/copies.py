"""Copies of a wire story: how well the index groups them, what it costs, what it changes.

    python -m bench.copies                 # grouping, build time, answers (minutes)
    python -m bench.copies --tune          # shingle sizes and thresholds side by side
    python -m bench.copies --skip-answers  # grouping and build time only
    python -m bench.copies --scale 0       # without the 10,000-article growing index

The corpus is made here, from texts people wrote (the judged sets' invented reports,
the seeds, SQuAD paragraphs grouped three to an article): each text becomes a wire story
("MADRID, Nov 3 (Reuters) - ...", published by the agency) that 1 to 4 outlets reprint
with the edits papers make: a new headline, the last paragraphs cut, words and clauses
changed, the dateline's credit dropped or moved to a sign-off, a line of their own added.
Edits come in five strengths: light, medium, heavy, "noisy" (one word in seven garbled
too) and "scanned" (three words in ten garbled, as an OCR'd page of NEWS-COPY's old papers:
about a third of the 3-word shingles survive). The independent reports of one
event in the judged sets (fire-a, fire-b, fire-c ...), the three seeds, and the parts
of one Wikipedia page are the pairs that must NOT be grouped.

Grouping is scored on pairs, as text-dedup scores NEWS-COPY: a pair of articles is
found when both land in one group; precision and recall over all pairs. Build time is
the write with copy finding against the same write without it, per 1,000 articles: the
made corpus with the real embedder, and writes of 1,000 into an index growing to 10,000
with made-up vectors (where the store's work is all there is).
Answers: questions of the judged conflict set asked of its clusters, then again with
the side one article takes printed by three more outlets, grouped and not grouped:
how many answers change their majority (the answer more independent sources give than
any other; none in a tie).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import random
import re
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.corpus import SQUAD
from index.ingest.articles import Article

BENCH = Path(__file__).resolve().parent
SEEDS = BENCH.parent / "seeds"
WIRES = ("Reuters", "Associated Press", "AFP")
WIRE_CREDIT = {"Reuters": "Reuters", "Associated Press": "AP", "AFP": "AFP"}
OUTLETS = ("Harbour Gazette", "Valley Tribune", "Northern Echo Daily", "Coastline Herald",
           "Metro Ledger", "Prairie Sentinel", "Lakeside Courier", "Capital Dispatch",
           "Riverside Post", "Hill Country Times", "Bay Chronicle", "Midland Observer")
# (edited sentences, shortest share of paragraphs kept, garbled words)
STRENGTHS = {"light": (0.1, 0.8, 0.0), "medium": (0.3, 0.5, 0.0), "heavy": (0.6, 0.4, 0.0),
             "noisy": (0.2, 0.6, 0.14), "scanned": (0.1, 0.8, 0.3)}
SWAPS = (("said", "says"), ("officials", "authorities"), ("about", "around"),
         ("more than", "over"), ("because", "as"), ("however", "but"), ("people", "residents"),
         ("government", "administration"), ("company", "firm"), ("police", "officers"),
         ("began", "started"), ("announced", "said"), ("the city", "the town"),
         ("large", "big"), ("also", "as well"), ("according to", "citing"),
         ("would", "will"), ("was", "had been"), ("during", "in"), ("after", "following"))
ADDITIONS = ("local time", "on Tuesday", "according to officials", "the statement said",
             "a spokesperson said", "in a brief statement", "officials confirmed")
OWN_LINES = ("Our reporters are following the story and will update this page.",
             "This article has been edited for length by {outlet} staff.",
             "Readers can send tips to the {outlet} newsdesk.",
             "Local officials said they were watching developments closely.")
NUMBER_WORDS = {"2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven",
                "8": "eight", "9": "nine", "10": "ten", "12": "twelve", "15": "fifteen"}


@dataclass(frozen=True)
class Made:
    """The made corpus: articles, the story each print is of (its truth), and the pairs
    of independent reports that must stay apart."""

    articles: tuple[Article, ...]
    story: dict[str, str]  # doc id -> the story it prints (its own id for a lone report)
    strength: dict[str, str]  # copy id -> how hard it was edited
    independent: tuple[tuple[str, str], ...]  # same event or page, written apart


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _sentences(paragraph: str) -> list[str]:
    return re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", paragraph)


def _garble(word: str, rng: random.Random) -> str:
    """A word as a scanner misreads it: a letter dropped, doubled or swapped."""
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("eaoinlrc") + word[i + 1:]


def _edit(sentence: str, rng: random.Random) -> str:
    """One edit a copy desk makes to a sentence."""
    kind = rng.randrange(6)
    if kind == 0:
        present = [(a, b) for a, b in SWAPS if re.search(rf"\b{a}\b", sentence)]
        if present:
            a, b = rng.choice(present)
            return re.sub(rf"\b{a}\b", b, sentence, count=1)
    if kind == 1 and ", " in sentence:
        head = sentence.rsplit(", ", 1)[0]
        return head + sentence[-1] if sentence[-1] in ".!?" else head
    if kind == 2:
        words = sentence.split()
        at = rng.randrange(1, max(2, len(words)))
        return " ".join([*words[:at], rng.choice(ADDITIONS) + ",", *words[at:]])
    if kind == 3:
        return re.sub(r"\b(\d{1,2})\b", lambda m: NUMBER_WORDS.get(m.group(1), m.group(1)),
                      sentence, count=1)
    if kind == 4:
        words = sentence.split()
        if len(words) > 8:
            at = rng.randrange(2, len(words) - 2)
            return " ".join(words[:at] + words[at + 2:])
    return ""  # the sentence cut


def reprint(wire: Article, outlet: str, strength: str, rng: random.Random, number: int) -> Article:
    """`wire` as `outlet` prints it, edited with `strength`."""
    edits, keep, garble = STRENGTHS[strength]
    paragraphs = _paragraphs(wire.text)
    kept = paragraphs[:max(1, round(len(paragraphs) * rng.uniform(keep, 1.0)))]
    out = []
    for paragraph in kept:
        sentences = [(_edit(s, rng) if rng.random() < edits else s) for s in _sentences(paragraph)]
        text = " ".join(s for s in sentences if s)
        if garble:
            text = " ".join(_garble(w, rng) if rng.random() < garble else w for w in text.split())
        if text:
            out.append(text)
    if out and rng.random() < 0.5:  # the credit dropped from the dateline...
        out[0] = re.sub(r"\s*\((Reuters|AP|AFP)\)\s*-", " -", out[0], count=1)
        if rng.random() < 0.5:  # ...and put at the end instead
            out.append(f"— {WIRE_CREDIT.get(wire.source, wire.source)}")
    if rng.random() < 0.5:
        out.append(rng.choice(OWN_LINES).format(outlet=outlet))
    day = wire.date[:10] if wire.date else "2025-01-01"
    published = f"{day}T{rng.randint(9, 22):02d}:{rng.randint(0, 59):02d}:00+00:00"
    return Article(doc_id=f"{wire.doc_id}-print{number}", text="\n\n".join(out),
                   title=_headline(wire.title, rng), date=published, source=outlet,
                   url=f"https://{outlet.lower().replace(' ', '')}.example/{wire.doc_id}")


def _headline(title: str, rng: random.Random) -> str:
    choice = rng.randrange(3)
    if choice == 0:
        return f"{title.split(';')[0].split(',')[0]}: what we know"
    if choice == 1:
        return title.upper()[:1] + title[1:].lower()
    return f"UPDATE: {title}"


def as_wire(doc_id: str, title: str, text: str, date: str, wire: str) -> Article:
    """A text as the agency's own story: its dateline credits the agency."""
    paragraphs = _paragraphs(text)
    first = re.sub(r"^([A-Z][A-Za-z0-9 .,'-]{2,60}?)\s*(\([^)]*\))?\s*[-–—:]\s*", "", paragraphs[0])
    place = "LONDON" if first == paragraphs[0] else paragraphs[0].split(",")[0].split(" (")[0]
    paragraphs[0] = f"{place} ({WIRE_CREDIT[wire]}) - {first}"
    return Article(doc_id=doc_id, text="\n\n".join(paragraphs), title=title,
                   date=f"{date[:10]}T06:00:00+00:00", source=wire,
                   url=f"https://{wire.lower().replace(' ', '')}.example/{doc_id}")


def judged_reports() -> list[Article]:
    """The invented reports of the conflict and paraphrase sets, and the seeds."""
    found = []
    for name in ("conflict_set.json", "paraphrase_set.json"):
        for a in json.loads((BENCH / name).read_text())["articles"]:
            if "text" in a:
                found.append(Article(a["doc_id"], a["text"], a.get("title", ""), a.get("date", ""),
                                     source=a.get("source", "")))
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text()
        found.append(Article(path.stem, text, date=(re.findall(r"\d{4}-\d{2}-\d{2}", text[:40])
                                                     or ["2025-11-17"])[0]))
    return found


def squad_pages(pages: int) -> list[list[Article]]:
    """SQuAD paragraphs, three to an article, grouped by the Wikipedia page they are from."""
    data = json.loads(SQUAD.read_text())["data"][:pages]
    found = []
    for n, page in enumerate(data):
        contexts = [p["context"].strip() for p in page["paragraphs"]]
        parts = ["\n\n".join(contexts[i:i + 3]) for i in range(0, len(contexts), 3)]
        found.append([Article(f"squad-{n}-{i}", text, page["title"].replace("_", " "),
                              f"2024-{1 + n % 12:02d}-{1 + i % 28:02d}")
                      for i, text in enumerate(parts) if len(text.split()) > 40])
    return found


def made_corpus(pages: int = 48, seed: int = 0) -> Made:
    """Every judged report and SQuAD article as a wire story; half of them reprinted by 1
    to 4 outlets at each strength in turn."""
    rng = random.Random(seed)
    reports = judged_reports()
    by_page = squad_pages(pages)
    bases = reports + [a for page in by_page for a in page]
    articles: list[Article] = []
    story: dict[str, str] = {}
    strength: dict[str, str] = {}
    levels = itertools.cycle(STRENGTHS)
    for n, base in enumerate(bases):
        wire = as_wire(base.doc_id, base.title or base.doc_id, base.text, base.date or "2025-01-01",
                       WIRES[n % len(WIRES)])
        articles.append(wire)
        story[wire.doc_id] = wire.doc_id
        if n % 2:
            continue
        level = next(levels)
        for number, outlet in enumerate(rng.sample(OUTLETS, rng.randint(1, 4)), start=1):
            copy = reprint(wire, outlet, level, rng, number)
            articles.append(copy)
            story[copy.doc_id] = wire.doc_id
            strength[copy.doc_id] = level
    independent = []
    clusters: dict[str, list[str]] = {}
    for a in reports:
        clusters.setdefault(a.doc_id.rsplit("-", 1)[0] if "-" in a.doc_id else "seeds", []).append(a.doc_id)
    for page in by_page:
        clusters[page[0].doc_id.rsplit("-", 1)[0] if page else ""] = [a.doc_id for a in page]
    for docs in clusters.values():
        independent += list(itertools.combinations(sorted(docs), 2))
    return Made(tuple(articles), story, strength, tuple(independent))


# Grouping ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grouping:
    """Pairs of prints of one story found and missed, and pairs put together wrongly."""

    true_pairs: int
    found: int
    wrong: int
    independent_pairs: int
    independent_grouped: int
    recall_by_strength: dict[str, float]

    @property
    def precision(self) -> float:
        return self.found / max(1, self.found + self.wrong)

    @property
    def recall(self) -> float:
        return self.found / max(1, self.true_pairs)

    def to_dict(self) -> dict:
        return {**dataclasses.asdict(self), "precision": round(self.precision, 4),
                "recall": round(self.recall, 4)}


def score(made: Made, group_of: dict[str, str]) -> Grouping:
    """`group_of`: each article's group (its original's id; its own id when alone)."""
    ids = [a.doc_id for a in made.articles]
    truth = {(a, b) for a, b in itertools.combinations(sorted(ids), 2) if made.story[a] == made.story[b]}
    predicted = {(a, b) for members in _members(group_of).values()
                 for a, b in itertools.combinations(sorted(members), 2)}
    by_strength: dict[str, list[bool]] = {}
    for a, b in truth:
        copy = a if a in made.strength else b
        by_strength.setdefault(made.strength[copy], []).append((a, b) in predicted)
    wire_id = {d: made.story[d] for d in ids}
    independent = {(wire_id.get(a, a), wire_id.get(b, b)) for a, b in made.independent}
    return Grouping(len(truth), len(truth & predicted), len(predicted - truth), len(independent),
                    sum(1 for a, b in independent if group_of.get(a, a) == group_of.get(b, b)),
                    {k: round(sum(v) / len(v), 4) for k, v in sorted(by_strength.items())})


def _members(group_of: dict[str, str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for doc_id, head in group_of.items():
        found.setdefault(head, []).append(doc_id)
    return found


def groups_in_memory(articles: Sequence[Article], size: int, candidate: float,
                     same: float) -> dict[str, str]:
    """The grouping `index.ingest.copies.settle` makes, with other settings, without an
    index: for --tune."""
    from index.ingest import copies

    saved = (copies.SHINGLE_WORDS, copies.CANDIDATE_JACCARD, copies.SAME_STORY)
    copies.SHINGLE_WORDS, copies.CANDIDATE_JACCARD, copies.SAME_STORY = size, candidate, same
    copies.lsh_shape.cache_clear()
    try:
        rows = MemoryRows()
        copies.settle(rows, articles)
    finally:
        copies.SHINGLE_WORDS, copies.CANDIDATE_JACCARD, copies.SAME_STORY = saved
        copies.lsh_shape.cache_clear()
    return {d: rows.originals.get(d) or d for d in rows.sigs}


class MemoryRows:
    """`index.ingest.copies.CopyRows` in dictionaries: the tables of a write, for --tune."""

    def __init__(self) -> None:
        self.sigs: dict = {}
        self.bands: dict[int, set[str]] = {}
        self.links: dict[str, set[str]] = {}
        self.originals: dict[str, str | None] = {}

    def unsigned(self) -> list[Article]:
        return []

    def add_signatures(self, signatures) -> None:
        for s in signatures:
            self.sigs[s.doc_id] = s
            for key in s.band_keys:
                self.bands.setdefault(key, set()).add(s.doc_id)

    def signatures(self, doc_ids) -> dict:
        return {d: self.sigs[d] for d in doc_ids if d in self.sigs}

    def sharing(self, keys) -> list[tuple[int, str]]:
        return [(k, d) for k in keys for d in self.bands.get(k, ())]

    def add_links(self, links) -> None:
        for a, b, _ in links:
            self.links.setdefault(a, set()).add(b)
            self.links.setdefault(b, set()).add(a)

    def linked(self, doc_ids) -> set[str]:
        return {o for d in doc_ids for o in self.links.get(d, ())}

    def group_of(self, doc_ids) -> set[str]:
        heads = {self.originals.get(d) or d for d in doc_ids}
        return {d for d in self.sigs if (self.originals.get(d) or d) in heads}

    def set_originals(self, originals) -> None:
        self.originals.update(originals)


def tune(made: Made) -> list[dict]:
    """Shingle sizes and thresholds side by side on the made corpus."""
    rows = []
    from datasketch import MinHashLSH

    for size, candidate, same in itertools.product((2, 3, 4), (0.1, 0.15, 0.2, 0.3),
                                                   (0.25, 0.3, 0.4, 0.5)):
        result = score(made, groups_in_memory(made.articles, size, candidate, same))
        bands = MinHashLSH(threshold=candidate, num_perm=128).b
        rows.append({"shingle_words": size, "candidate_jaccard": candidate, "same_story": same,
                     "bands": bands, **result.to_dict()})
        print(json.dumps(rows[-1]), flush=True)
    return rows


# Build time ----------------------------------------------------------------------------


def build_seconds(made: Made, find_copies: bool, folder: Path) -> tuple[float, dict[str, str]]:
    """Seconds to write the made corpus into a new folder index in one write (vectors of
    the real embedder), and each article's group."""
    from index import Index

    index = Index.open(folder)
    index.find_copies = find_copies
    started = time.perf_counter()
    index.add_articles(list(made.articles))
    seconds = time.perf_counter() - started
    ids = [a.doc_id for a in made.articles]
    groups = index.copies(ids)
    index.close()
    return seconds, {d: groups[d].original if d in groups else d for d in ids}


def copy_seconds(made: Made, repeats: int = 3) -> float:
    """Seconds the copy finding alone takes for the whole corpus (signatures, bands,
    links, groups), in memory: the part of a write that this feature adds, apart from
    its rows."""
    from index.ingest import copies

    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        copies.settle(MemoryRows(), made.articles)
        best = min(best, time.perf_counter() - started)
    return best


def scale_seconds(total: int, batch: int, folder: Path) -> dict:
    """Seconds per write of `batch` articles into a folder index grown to `total`, with and
    without copy finding, vectors made up (only the store's `embed` is replaced): what
    copy finding adds to a write as the index grows. The articles are RAMDocs documents
    and SQuAD articles (`bench.corpus`), each base again with an edition line after the
    first pass, so later writes meet many prints of what is stored."""
    import numpy as np

    from bench.corpus import base_articles
    from index import Index
    from index.ingest.chunking import Chunk
    from index.ingest.nlp import Sentence
    from index.ingest.workers import Embedding

    bases = base_articles()
    rng = np.random.default_rng(0)

    def synthetic(embedder_name: str, articles: Sequence[Article], next_id: int,
                  progress: object = None, workers: int = 1) -> Embedding:
        rows = []
        for n, a in enumerate(articles):
            vector = rng.standard_normal((1, 384)).astype(np.float32)
            vector /= np.linalg.norm(vector)
            rows.append((a, [Chunk(a.doc_id, 0, 0, len(a.text), 100, next_id + n)],
                         [Sentence(0, len(a.text))], vector, [], vector))
        return Embedding(rows, [], 1, "synthetic")

    timings: dict[str, list[float]] = {"with": [], "without": []}
    for label in timings:
        index = Index.open(folder / label)
        index.embed = synthetic
        index.find_copies = label == "with"
        for first in range(0, total, batch):
            articles = []
            for n in range(first, min(total, first + batch)):
                base = bases[n % len(bases)]
                edition = n // len(bases)
                text = base.text if not edition else f"{base.text} (Edition {edition}.)"
                articles.append(Article(f"{base.key}-e{edition}", text, base.title,
                                        f"2025-01-{1 + edition % 28:02d}"))
            started = time.perf_counter()
            index.add_articles(articles)
            timings[label].append(time.perf_counter() - started)
        index.close()
    per_1k = 1000 / batch
    return {"articles": total, "batch": batch,
            "first_write_added_s_per_1k": round((timings["with"][0] - timings["without"][0]) * per_1k, 2),
            "last_write_added_s_per_1k": round((timings["with"][-1] - timings["without"][-1]) * per_1k, 2),
            "last_write_without_s_per_1k": round(timings["without"][-1] * per_1k, 2),
            "copies_tables_mb": round(_copies_bytes(folder / "with") / 2**20, 1)}


def _copies_bytes(folder: Path) -> int:
    """Bytes of the copies tables in a folder index (SQLite's dbstat)."""
    import sqlite3

    db = sqlite3.connect(folder / "index.sqlite")
    try:
        return db.execute("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'cop%'"
                          ).fetchone()[0]
    except sqlite3.OperationalError:  # SQLite built without dbstat
        return 0
    finally:
        db.close()


# Answers -------------------------------------------------------------------------------


def majority_changes(work: Path) -> dict:
    """The conflict set's questions asked of each cluster, then of the cluster with its
    last article as a Reuters story that three outlets reprint: answers whose majority
    (`_majority`) changes, with copies grouped and with copy finding turned off."""
    from index import Index
    from qa import ask

    data = json.loads((BENCH / "conflict_set.json").read_text())
    reports = {a.doc_id: a for a in judged_reports()}
    rng = random.Random(7)
    asked = [q for q in data["questions"] if q["kind"] in ("disagree", "agree")]
    clusters = sorted({tuple(q["docs"]) for q in asked})
    counts = {"questions": 0, "changed_grouped": 0, "changed_ungrouped": 0}
    changes: list[dict] = []
    for n, docs in enumerate(clusters):
        base = [reports[d] for d in docs]
        wire = as_wire(f"{docs[-1]}-wire", base[-1].title or docs[-1], base[-1].text,
                       base[-1].date or "2025-01-01", "Reuters")
        prints = [reprint(wire, outlet, "light", rng, k)
                  for k, outlet in enumerate(OUTLETS[:3], start=1)]
        syndicated = [*base[:-1], wire, *prints]
        firsts: dict[str, list[str]] = {}
        for label, articles, grouped in (("plain", base, True), ("grouped", syndicated, True),
                                         ("ungrouped", syndicated, False)):
            folder = work / f"c{n}-{label}"
            index = Index.open(folder)
            index.find_copies = grouped
            index.add_articles(articles)
            firsts[label] = [_majority(ask(q["question"], index=index))
                             for q in asked if tuple(q["docs"]) == docs]
            index.close()
        counts["questions"] += len(firsts["plain"])
        for label in ("grouped", "ungrouped"):
            counts[f"changed_{label}"] += sum(a != b for a, b in zip(firsts["plain"], firsts[label],
                                                                     strict=True))
        questions = [q["question"] for q in asked if tuple(q["docs"]) == docs]
        changes += [{"question": q, **{label: firsts[label][i] for label in firsts}}
                    for i, q in enumerate(questions)
                    if len({firsts[label][i] for label in firsts}) > 1]
    return {**counts, "changes": changes}


def _majority(answer) -> str:
    """The answer more independent sources give than any other, "" when none does (a tie,
    or no answer): what a reader takes as what most sources say."""
    ranked = sorted(answer.answers, key=lambda p: -p.independent_sources)
    if not ranked or (len(ranked) > 1 and ranked[1].independent_sources == ranked[0].independent_sources):
        return ""
    return ranked[0].text.lower()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.copies", description=__doc__.split("\n")[0])
    parser.add_argument("--tune", action="store_true", help="compare shingle sizes and thresholds")
    parser.add_argument("--skip-answers", action="store_true", help="no questions asked")
    parser.add_argument("--pages", type=int, default=48, help="SQuAD pages to make articles of")
    parser.add_argument("--scale", type=int, default=10_000, metavar="N",
                        help="articles the growing index reaches (0: skip)")
    args = parser.parse_args(argv)
    made = made_corpus(args.pages)
    print(f"{len(made.articles)} articles, {len(set(made.story.values()))} stories, "
          f"{len(made.strength)} prints, {len(made.independent)} independent pairs", flush=True)
    if args.tune:
        tune(made)
        return 0
    result: dict = {"articles": len(made.articles)}
    with _work() as work:
        with_copies, groups = build_seconds(made, True, work / "with")
        without, _ = build_seconds(made, False, work / "without")
        result["grouping"] = score(made, groups).to_dict()
        thousands = len(made.articles) / 1000
        result["build_seconds"] = {"with_copies": round(with_copies, 2), "without": round(without, 2),
                                   "added_per_1k_articles": round((with_copies - without) / thousands, 2),
                                   "copy_finding_alone_per_1k": round(copy_seconds(made) / thousands, 3)}
        print(json.dumps(result, indent=1), flush=True)
        if args.scale:
            result["scale"] = scale_seconds(args.scale, 1000, work / "scale")
            print(json.dumps(result["scale"]), flush=True)
        if not args.skip_answers:
            result["answers"] = majority_changes(work)
    print(json.dumps(result, indent=1))
    return 0


@contextmanager
def _work() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="newsqa-copies-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
