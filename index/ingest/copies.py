"""Copies: one wire story printed by several outlets, found at ingest so it is counted once.

Why: a Reuters or AP story runs in dozens of papers with small edits (a new headline, the
last paragraphs cut, a word changed). Counted as separate sources, one story printed three
times outweighs an independent report, and syndication manufactures a majority.

How, for every article a write stores:

    text -> words -> SHINGLE_WORDS-word shingles -> MinHash (datasketch, PERMUTATIONS)
         -> LSH band keys (datasketch's bands and rows for CANDIDATE_JACCARD)

The band keys are stored in the index (`copy_bands`), so a write looks up only the keys of
its own articles, never every article: any article sharing a key is a candidate. A
candidate is a copy when the two share at least SAME_STORY of the smaller one's
shingles, estimated from the signatures (a paper that cut half a story still prints a
subset of it, so containment, not Jaccard, is the test). Groups are the connected
copies; each names its likely original (`original`): the wire's own print, else the one
that credits the wire, else the earliest dated, else the fullest. Tuned on made copies
and on independent reports of one event, which must stay apart (`bench/copies.py`,
BENCHMARKS.md).

Nothing here knows where the rows go: each kind gives `settle` its `CopyRows`.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from typing import Protocol

import numpy as np

from index.display import shown
from index.ingest.articles import Article

# Tuned on `bench/copies.py`'s made copies (edits, cut paragraphs, new headlines) against
# independent reports of the same events: see BENCHMARKS.md, "Copies of a wire story".
SHINGLE_WORDS = 3
PERMUTATIONS = 128
CANDIDATE_JACCARD = 0.15
SAME_STORY = 0.3
# Fewer shingles than this is too little text to tell a copy from a shared quote.
MIN_SHINGLES = 30
# A copy is linked to at most this many of the most similar earlier prints: enough to
# keep a group connected, without a pair for every two of a story printed 500 times.
MAX_LINKS = 8

_WORD = re.compile(r"\w+", re.UNICODE)

# Wire agencies, by the name a reader knows, with the ways outlets and datelines name them.
WIRES: dict[str, tuple[str, ...]] = {
    "Reuters": ("reuters",),
    "Associated Press": ("associated press", "ap", "apnews"),
    "AFP": ("agence france-presse", "agence france presse", "afp"),
    "Kyodo News": ("kyodo",),
    "Xinhua": ("xinhua",),
    "dpa": ("dpa", "deutsche presse-agentur"),
    "EFE": ("efe",),
    "ANSA": ("ansa",),
    "PA Media": ("pa media", "press association"),
    "AAP": ("australian associated press", "aap"),
    "UPI": ("united press international", "upi"),
    "Yonhap": ("yonhap",),
    "Jiji Press": ("jiji",),
    "Anadolu": ("anadolu",),
    "The Canadian Press": ("canadian press",),
    "Press Trust of India": ("press trust of india", "pti"),
    "Bloomberg": ("bloomberg",),
}
# Short names are credits only in parentheses or at a dateline's dash: "AP" in a story
# is often just two letters.
_AMBIGUOUS = {"ap", "afp", "efe", "pti", "upi", "aap", "dpa", "ansa"}
_NAMES = sorted(((name, wire) for wire, names in WIRES.items() for name in names),
                key=lambda pair: -len(pair[0]))
_ANY_NAME = "|".join(re.escape(name) for name, _ in _NAMES)
# "(Reuters) -", "(AP) —", "— AFP", "By ASSOCIATED PRESS", "Reporting by ... (Reuters)"
_CREDIT = re.compile(rf"\(\s*({_ANY_NAME})\s*\)|[-–—]\s*({_ANY_NAME})\s*$|^\s*by\s+(?:the\s+)?"
                     rf"({_ANY_NAME})\b", re.IGNORECASE | re.MULTILINE)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?")
CREDIT_CHARS = 400


@dataclass(frozen=True)
class Signature:
    """What is kept of an article to find its copies: how many shingles it has, its MinHash
    (uint32 values), and what `original` ranks it by."""

    doc_id: str
    shingles: int
    minhash: bytes
    wire: str = ""  # the agency the article is by or credits
    by_wire: bool = False  # published by the agency itself (outlet, author or address)
    published: str = ""  # UTC ISO, sortable; "" when undated

    @property
    def values(self) -> np.ndarray:
        return np.frombuffer(self.minhash, dtype=np.uint32)

    @property
    def comparable(self) -> bool:
        return self.shingles >= MIN_SHINGLES

    @cached_property
    def band_keys(self) -> list[int]:
        """One key per LSH band: two signatures that agree on every row of a band share it."""
        return band_keys(self.values) if self.comparable else []


@dataclass(frozen=True)
class Copy:
    """An article found to be a print of a story the index holds: `doc_id` is in the group
    whose likely original is `original`. `shared`: the share of the shorter text's
    shingles that the two have in common (estimated)."""

    doc_id: str
    original: str
    shared: float
    wire: str = ""
    members: int = 2

    def to_dict(self) -> dict:
        return {**asdict(self), "shared": round(self.shared, 3)}

    def line(self) -> str:
        story = story_name(self.wire) if self.wire else "the same story"
        return (f"`{shown(self.doc_id)}` is a copy of `{shown(self.original)}` ({story}, "
                f"{self.members} prints; {self.shared:.0%} of the text in common)")


@dataclass(frozen=True)
class CopyGroup:
    """Articles that are prints of one story: the likely original first, then the others."""

    original: str
    members: tuple[str, ...]
    wire: str = ""

    def copy_of(self, doc_id: str) -> str | None:
        """The original's id for a copy; None for the original itself."""
        return None if doc_id == self.original else self.original

    @property
    def story(self) -> str:
        """"an Associated Press story", "a story": what the group prints."""
        return story_name(self.wire)

    def to_dict(self) -> dict:
        return {"original": self.original, "members": list(self.members), "wire": self.wire}


class CopyRows(Protocol):
    """The reads and writes `settle` makes, inside the write's transaction, in each kind's
    SQL (`index.folder.sqlite.Copies`, `index.postgres.tables.Copies`)."""

    def unsigned(self) -> list[Article]:
        """Articles without a signature (stored before copies were looked for)."""
        ...

    def add_signatures(self, signatures: Sequence[Signature]) -> None: ...

    def signatures(self, doc_ids: Iterable[str]) -> dict[str, Signature]: ...

    def sharing(self, keys: Iterable[int]) -> list[tuple[int, str]]:
        """(band key, doc id) of every stored article with one of the keys."""
        ...

    def add_links(self, links: Sequence[tuple[str, str, float]]) -> None:
        """(doc id, other, shared) pairs, stored both ways."""
        ...

    def linked(self, doc_ids: Iterable[str]) -> set[str]:
        """Every article linked to one of these."""
        ...

    def group_of(self, doc_ids: Iterable[str]) -> set[str]:
        """Every article in the same group as one of these (themselves included)."""
        ...

    def set_originals(self, originals: dict[str, str | None]) -> None: ...

    def remove(self, doc_ids: Iterable[str]) -> None:
        """The articles' signatures, band keys and links."""
        ...


def story_name(wire: str) -> str:
    """"an AFP story", "a Reuters story" (by the sound of the first letter), "a story"."""
    if not wire:
        return "a story"
    return f"{'an' if wire[:1].upper() in 'AEFHILMNORSX' else 'a'} {wire} story"


# Signatures ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def lsh_shape() -> tuple[int, int]:
    """(bands, rows per band) that datasketch's MinHashLSH picks for CANDIDATE_JACCARD:
    the split that weighs missed copies and needless candidates equally."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=CANDIDATE_JACCARD, num_perm=PERMUTATIONS)
    return lsh.b, lsh.r


def band_keys(values: np.ndarray) -> list[int]:
    """Each band's rows folded into one signed 64-bit key (both kinds store bigint), the
    band's number mixed in so that equal rows in different bands do not meet: SplitMix64's
    mixer (a bijection), all bands at once."""
    bands, rows = lsh_shape()
    table = values[:bands * rows].astype(np.uint64).reshape(bands, rows)
    keys = np.arange(1, bands + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    for row in range(rows):
        keys = _mix(keys ^ table[:, row])
    return keys.view(np.int64).tolist()


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@lru_cache(maxsize=1)
def _permutations() -> tuple[object, str]:
    """datasketch's permutations for PERMUTATIONS and their scheme, made once: each new
    MinHash would make them again."""
    from datasketch import MinHash

    first = MinHash(num_perm=PERMUTATIONS)
    return first.permutations, first.scheme


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def shingles(text: str) -> set[bytes]:
    """Every run of SHINGLE_WORDS consecutive words, lower-cased, punctuation dropped."""
    found, size = words(text), SHINGLE_WORDS
    return {" ".join(found[i:i + size]).encode() for i in range(max(0, len(found) - size + 1))}


def minhash(parts: set[bytes]) -> np.ndarray:
    from datasketch import MinHash

    permutations, scheme = _permutations()
    # CRC-32 (in C) rather than datasketch's default SHA-1 per shingle: over twice as fast,
    # and the random permutations on top are what make the signature a MinHash.
    sketch = MinHash(num_perm=PERMUTATIONS, permutations=permutations, scheme=scheme,
                     hashfunc=zlib.crc32)
    if parts:
        sketch.update_batch(list(parts))
    return sketch.hashvalues.astype(np.uint32)


def signature(article: Article) -> Signature:
    parts = shingles(article.text)
    wire, by_wire = wire_of(article)
    return Signature(article.doc_id, len(parts), minhash(parts).tobytes(), wire, by_wire,
                     utc(article.date))


def jaccard(a: Signature, b: Signature) -> float:
    """The share of MinHash values the two agree on: an estimate of their Jaccard."""
    return float(np.mean(a.values == b.values))


def shared(a: Signature, b: Signature) -> float:
    """The share of the smaller text's shingles the two have in common, estimated from the
    Jaccard and the two sizes: |A and B| = J (|A| + |B|) / (1 + J)."""
    if not (a.comparable and b.comparable):
        return 0.0
    j = jaccard(a, b)
    both = j * (a.shingles + b.shingles) / (1 + j)
    return min(1.0, both / min(a.shingles, b.shingles))


def utc(value: str) -> str:
    """A date as sortable UTC ISO text ("2025-11-18T00:30:00"), "" when not ISO."""
    match = _ISO.match((value or "").strip())
    if not match:
        return ""
    try:
        moment = datetime.fromisoformat(match.group(0).replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")


def _agency(text: str, strict: bool) -> str:
    """The agency `text` names; `strict`: short names ("AP") only as the whole text."""
    low = " ".join(text.lower().split())
    for name, wire in _NAMES:
        if name in _AMBIGUOUS:
            if low == name or (not strict and re.search(rf"\b{re.escape(name)}\b", low)):
                return wire
        elif re.search(rf"\b{re.escape(name)}\b", low):
            return wire
    return ""


def wire_of(article: Article) -> tuple[str, bool]:
    """(the agency the article is by or credits, whether the agency published it itself).
    Published by: its outlet or web address is the agency's ("Reuters", apnews.com).
    Credits: its byline ("Jane Doe, Associated Press"), or a dateline or sign-off in the
    text ("LONDON (Reuters) -", "(AP) —", "— AFP")."""
    host = re.sub(r"^https?://(www\.)?", "", article.url.lower()).split("/", 1)[0]
    for field in (article.source, host.split(".")[0] if host else ""):
        if field and (wire := _agency(field, strict=True)):
            return wire, True
    if article.author and (wire := _agency(article.author, strict=False)):
        return wire, False
    text = article.text
    for part in (text[:CREDIT_CHARS], text[-CREDIT_CHARS:]):
        for match in _CREDIT.finditer(part):
            name = next(g for g in match.groups() if g)
            return dict(_NAMES)[name.lower()], False
    return "", False


def original(members: Sequence[Signature]) -> Signature:
    """The likely original of a group: the agency's own print, then one that credits an
    agency (an outlet that kept the wire's dateline), then the earliest dated, then the
    fullest (papers cut stories, they rarely add to them), then by id."""
    return min(members, key=lambda s: (not s.by_wire, not s.wire, not s.published,
                                       s.published, -s.shingles, s.doc_id))


# Settling a write ---------------------------------------------------------------------


def settle(rows: CopyRows, written: Sequence[Article], regroup: Iterable[str] = ()) -> tuple[Copy, ...]:
    """Sign the articles a write stores (and any stored before copies were looked for),
    link each to the prints it copies, and name every touched group's original again.
    `regroup`: articles whose group lost a member in this write (a copy replaced or
    removed may have joined two halves, or been the original). Returns a `Copy` for each
    article signed now that is a copy of another."""
    articles = [*written, *rows.unsigned()]
    signed = [signature(a) for a in articles]
    rows.add_signatures(signed)
    keys = {s.doc_id: s.band_keys for s in signed}
    holders: dict[int, set[str]] = {}
    for key, doc_id in rows.sharing({k for ks in keys.values() for k in ks}):
        holders.setdefault(key, set()).add(doc_id)
    candidates = {s.doc_id: {d for k in keys[s.doc_id] for d in holders.get(k, ())} - {s.doc_id}
                  for s in signed}
    known = rows.signatures({d for found in candidates.values() for d in found})
    links: dict[tuple[str, str], float] = {}
    for sig in signed:
        scored = sorted(((shared(sig, known[d]), d) for d in candidates[sig.doc_id] if d in known),
                        reverse=True)
        for score, other in [pair for pair in scored if pair[0] >= SAME_STORY][:MAX_LINKS]:
            links[tuple(sorted((sig.doc_id, other)))] = score
    rows.add_links([(a, b, score) for (a, b), score in links.items()])
    touched = {s.doc_id for s in signed} | set(regroup)
    groups = _components(rows, touched)
    originals: dict[str, str | None] = {}
    found: list[Copy] = []
    mine = {a.doc_id for a in articles}
    best = {d: score for (a, b), score in links.items() for d in (a, b)}
    for group in groups:
        if len(group) < 2:
            originals.update(dict.fromkeys(group))
            continue
        members = rows.signatures(group)
        head = original(list(members.values()))
        wire = head.wire or next((s.wire for s in members.values() if s.wire), "")
        originals.update(dict.fromkeys(group, head.doc_id))
        found += [Copy(d, head.doc_id, best.get(d, SAME_STORY), wire, len(group))
                  for d in sorted(group & mine) if d != head.doc_id]
    rows.set_originals(originals)
    return tuple(found)


def forget(rows: CopyRows, doc_ids: Sequence[str]) -> set[str]:
    """Drop what is kept of the articles a write replaces or removes, before their rows go;
    returns the rest of their groups, for `settle` to group again."""
    if not doc_ids:
        return set()
    mates = rows.group_of(doc_ids) - set(doc_ids)
    rows.remove(doc_ids)
    return mates


def _components(rows: CopyRows, start: set[str]) -> list[set[str]]:
    """The groups the articles in `start` are in now: copies linked directly or through
    others (an article with no copy is a group of one)."""
    seen: set[str] = set()
    groups = []
    for doc_id in sorted(start):
        if doc_id in seen:
            continue
        group, frontier = {doc_id}, {doc_id}
        while frontier:
            frontier = rows.linked(frontier) - group
            group |= frontier
        seen |= group
        groups.append(group)
    return groups


def groups_from_rows(rows: Iterable[tuple[str, str, str]]) -> dict[str, CopyGroup]:
    """Each article's group, from (doc id, original, wire) rows of every member of the
    groups asked for; the original first, the others in id order."""
    members: dict[str, list[str]] = {}
    wires: dict[str, str] = {}
    for doc_id, head, wire in rows:
        members.setdefault(head, []).append(doc_id)
        if wire and not wires.get(head):
            wires[head] = wire
    found = {}
    for head, docs in members.items():
        if len(docs) < 2:
            continue
        group = CopyGroup(head, (head, *sorted(d for d in docs if d != head)), wires.get(head, ""))
        found.update(dict.fromkeys(docs, group))
    return found
