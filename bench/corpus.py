"""A benchmark corpus of a chosen size, made from the public evaluation data in ../shared.

Base articles: every RAMDocs document (one source's passage about an ambiguous
question) and SQuAD v2 paragraphs, three consecutive paragraphs of one Wikipedia
page to an article. To reach a size the base articles are replicated; each copy
gets its own id and a small change to its text and date, so ids and content
hashes all differ, as they would for a stream of syndicated stories.

Sizes are asked for in chunks and reached approximately: chunks per article are
estimated from cl100k token counts the way the chunker packs them; the real
count is what the index reports after the build.

The data is read from ../shared/eval/data (beside the repository) and never copied
into the project; the articles are written as .jsonl files into a work folder.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "data"
RAMDOCS = DATA / "ramdocs" / "RAMDocs_test.jsonl"
SQUAD = DATA / "squad_v2_dev_half" / "dev-v2.0.json"
PARAGRAPHS_PER_ARTICLE = 3
RECORDS_PER_FILE = 2000
BASE_YEAR = 2025


@dataclass(frozen=True)
class BaseArticle:
    key: str            # ramdocs-<row>-<doc> or squad-<page>-<first paragraph>
    title: str
    text: str
    source: str
    est_chunks: int


@dataclass(frozen=True)
class Question:
    text: str
    base_keys: tuple[str, ...]   # the base articles it was asked about


@dataclass(frozen=True)
class Corpus:
    folder: Path
    articles: int
    est_chunks: int
    replicas: int
    base_keys: tuple[str, ...]   # base articles present at least once

    def to_dict(self) -> dict:
        return {"folder": str(self.folder), "articles": self.articles,
                "est_chunks": self.est_chunks, "max_replicas": self.replicas}


def estimate_chunks(text: str, max_tokens: int = 160, overlap: int = 40) -> int:
    """Chunks the index will make, roughly: runs of `max_tokens` that overlap by `overlap`."""
    from index.ingest.chunking import count_tokens

    tokens = count_tokens(text)
    return 1 if tokens <= max_tokens else 1 + math.ceil((tokens - max_tokens) / (max_tokens - overlap))


@lru_cache(maxsize=1)
def base_articles() -> tuple[BaseArticle, ...]:
    """RAMDocs documents and SQuAD paragraph groups, interleaved so any prefix has both."""
    ramdocs, squad = [], []
    with open(RAMDOCS) as handle:
        for row_no, line in enumerate(handle):
            row = json.loads(line)
            topic = (row.get("disambig_entity") or [row["question"]])[0]
            for doc_no, doc in enumerate(row["documents"]):
                text = " ".join(doc["text"].split())
                if text:
                    ramdocs.append(BaseArticle(f"ramdocs-{row_no}-{doc_no}", f"{topic} ({doc_no + 1})",
                                               text, "ramdocs", estimate_chunks(text)))
    for page_no, page in enumerate(json.loads(SQUAD.read_text())["data"]):
        paragraphs = page["paragraphs"]
        for first in range(0, len(paragraphs), PARAGRAPHS_PER_ARTICLE):
            text = "\n\n".join(p["context"].strip()
                               for p in paragraphs[first:first + PARAGRAPHS_PER_ARTICLE])
            title = f"{page['title'].replace('_', ' ')} (part {first // PARAGRAPHS_PER_ARTICLE + 1})"
            squad.append(BaseArticle(f"squad-{page_no}-{first}", title, text, "squad",
                                     estimate_chunks(text)))
    # Interleave, so a small corpus has both kinds.
    return tuple(_interleave(ramdocs, squad))


def _interleave(a: list[BaseArticle], b: list[BaseArticle]) -> list[BaseArticle]:
    """Both lists whole, b's items spread evenly among a's."""
    out: list[BaseArticle] = []
    every = max(1, round(len(a) / max(1, len(b))))
    bi = iter(b)
    for i, item in enumerate(a):
        out.append(item)
        if i % every == every - 1:
            nxt = next(bi, None)
            if nxt is not None:
                out.append(nxt)
    out.extend(bi)
    return out


@lru_cache(maxsize=1)
def questions() -> tuple[Question, ...]:
    """Real questions: RAMDocs rows (about all that row's documents) and answerable SQuAD ones."""
    found: list[Question] = []
    with open(RAMDOCS) as handle:
        for row_no, line in enumerate(handle):
            row = json.loads(line)
            keys = tuple(f"ramdocs-{row_no}-{d}" for d in range(len(row["documents"])))
            found.append(Question(row["question"], keys))
    for page_no, page in enumerate(json.loads(SQUAD.read_text())["data"]):
        for p_no, paragraph in enumerate(page["paragraphs"]):
            first = p_no - p_no % PARAGRAPHS_PER_ARTICLE
            for qa in paragraph["qas"]:
                if not qa.get("is_impossible"):
                    found.append(Question(qa["question"].strip(), (f"squad-{page_no}-{first}",)))
    return tuple(found)


def sample_questions(base_keys: set[str] | tuple[str, ...], n: int, seed: int = 0) -> list[str]:
    """n questions about articles in the corpus, half RAMDocs and half SQuAD where possible."""
    present = set(base_keys)
    pool = [q for q in questions() if any(k in present for k in q.base_keys)]
    rng = random.Random(seed)
    ram = [q.text for q in pool if q.base_keys[0].startswith("ramdocs")]
    squad = [q.text for q in pool if q.base_keys[0].startswith("squad")]
    rng.shuffle(ram)
    rng.shuffle(squad)
    half = min(len(ram), n // 2)
    picked = ram[:half] + squad[:n - half]
    if len(picked) < n:
        picked += ram[half:half + n - len(picked)]
    return picked


def variant(base: BaseArticle, replica: int) -> dict:
    """One copy of a base article as a .jsonl record; replica 0 is the original text."""
    day_of_year = replica % 336
    date = f"{BASE_YEAR + replica // 336:04d}-{1 + day_of_year // 28:02d}-{1 + day_of_year % 28:02d}"
    text = base.text if replica == 0 else f"{base.text} (Edition {replica}.)"
    return {"id": f"{base.key}-r{replica}", "title": base.title, "date": date,
            "source": base.source, "text": text}


def make_corpus(target_chunks: int, folder: Path, first_replica: int = 0) -> Corpus:
    """Write about `target_chunks` chunks of articles as .jsonl files into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.jsonl"):
        old.unlink()
    bases = base_articles()
    records: list[dict] = []
    chunks = 0
    replica = first_replica
    used: set[str] = set()
    while chunks < target_chunks:
        for base in bases:
            if chunks >= target_chunks:
                break
            records.append(variant(base, replica))
            used.add(base.key)
            chunks += base.est_chunks
        replica += 1
    for n in range(0, len(records), RECORDS_PER_FILE):
        with open(folder / f"articles-{n // RECORDS_PER_FILE:04d}.jsonl", "w") as handle:
            for record in records[n:n + RECORDS_PER_FILE]:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return Corpus(folder, len(records), chunks, replica - first_replica, tuple(sorted(used)))


def extra_articles(n: int, replica: int = 10_000) -> list[dict]:
    """Articles not in any corpus (a replica number no corpus reaches), for timing one add."""
    bases = base_articles()
    return [variant(bases[i * 7 % len(bases)], replica + i) for i in range(n)]
