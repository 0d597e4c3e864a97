"""What an index gives back, whatever its kind: a write's Report, a Status, retrieved Passages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from index.ingest.articles import Article, Skipped
from index.ingest.chunking import Chunk
from index.ingest.ids import Renamed
from index.ingest.nlp import Entity, Sentence
from index.names import counted, shown

# Ids listed by name in a human summary; --json lists them all.
NAMED_IDS = 10


def _named(ids: Sequence[str]) -> str:
    more = f" and {len(ids) - NAMED_IDS} more" if len(ids) > NAMED_IDS else ""
    return ", ".join(f"`{shown(d)}`" for d in ids[:NAMED_IDS]) + more


@dataclass(frozen=True)
class Report:
    """What a write did, article by article: the CLI's summary and its --json object.

    Every id is named: added (new ids, including those kept apart), updated (the same
    file re-read with new text, or replaced when asked), unchanged, removed; `renamed`
    says which articles were kept apart under a numbered id and why; `skipped` which
    files or records were not indexed and why.
    """

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    chunks_embedded: int = 0
    skipped: tuple[Skipped, ...] = ()
    seconds: float = 0.0
    added_ids: tuple[str, ...] = field(default=(), repr=False)
    updated_ids: tuple[str, ...] = field(default=(), repr=False)
    unchanged_ids: tuple[str, ...] = field(default=(), repr=False)
    removed_ids: tuple[str, ...] = field(default=(), repr=False)
    renamed: tuple[Renamed, ...] = ()
    workers: int = 0  # that split and embedded the articles; 0 when none were
    pool: str = ""  # where they ran: in-process, ray or processes (see index.ingest.workers)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["skipped"] = [s.to_dict() for s in self.skipped]
        data["renamed"] = [r.to_dict() for r in self.renamed]
        data["seconds"] = round(self.seconds, 3)
        return data

    @property
    def done_nothing(self) -> bool:
        """Files were asked for and not one of them could be read or indexed."""
        return bool(self.skipped) and not (self.added or self.updated or self.unchanged
                                           or self.removed)

    def headline(self) -> str:
        return (f"{self.added} added, {self.updated} updated, {self.removed} removed, "
                f"{self.unchanged} unchanged, {len(self.skipped)} skipped; "
                f"{counted(self.chunks_embedded, 'chunk')} embedded in {self.seconds:.1f}s"
                f"{self._by_whom()}")

    def _by_whom(self) -> str:
        if not self.workers:
            return ""
        pool = {"ray": " (Ray)", "processes": " (processes)"}.get(self.pool, "")
        return f" by {counted(self.workers, 'worker')}{pool}"

    def details(self) -> list[str]:
        """A line per kind of id touched, per article kept apart, per file skipped."""
        lines = [f"  {verb}: {_named(ids)}" for verb, ids in (
            ("added", self.added_ids), ("updated", self.updated_ids),
            ("removed", self.removed_ids)) if ids]
        lines += [f"  kept apart: {r.line()}" for r in self.renamed]
        return lines + [f"  skipped {s.line()}" for s in self.skipped]

    def summary(self) -> str:
        """The details, then the one-line summary: the summary is always last, where a
        person (or `tail -1`) looks for it."""
        return "\n".join([*self.details(), self.headline()])


@dataclass(frozen=True)
class Status:
    """An index at a glance. `generation` counts committed writes; `segments` is the folder
    kind's count of segment files (a PostgreSQL index has none: its tables are the index)."""

    path: str
    documents: int
    chunks: int
    embedder: str
    dimension: int
    tokenizer: str
    generation: int
    segments: int
    size_bytes: int
    last_build: str
    skipped: tuple[Skipped, ...] = ()  # files the writes could not read, still unread
    kind: str = "folder"  # or "postgres"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["skipped"] = [s.to_dict() for s in self.skipped]
        return data

    def summary(self) -> str:
        """A line per file not indexed and why, then the one-line status."""
        skipped = f", {counted(len(self.skipped), 'file')} skipped" if self.skipped else ""
        return "\n".join([*(f"  skipped {s.line()}" for s in self.skipped),
                          f"{shown(self.path)}: {counted(self.documents, 'document')}, "
                          f"{counted(self.chunks, 'chunk')}, {self.size_bytes / 2**20:.1f} MB, "
                          f"embedder {self.embedder}, generation {self.generation}"
                          f"{self._layout()}, "
                          f"last build {self.last_build or 'never'}{skipped}"])


    def _layout(self) -> str:
        return f" ({counted(self.segments, 'segment')})" if self.kind == "folder" else " (PostgreSQL)"


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with everything the answerer reads, all from one generation."""

    chunk: Chunk
    article: Article
    sentences: tuple[Sentence, ...]
    sentence_vectors: np.ndarray
    entities: tuple[Entity, ...]


