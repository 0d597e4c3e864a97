"""What an index gives back, whatever its kind: plain data, the same for a folder and a database.

A write's `Report`, a `Status`, retrieved `Passage`s, what `check` finds (`Findings`, one
`Problem` each) and what `repair` did (`Repair`). Each can say itself as lines for a
person (`summary`) and as a JSON object for a script (`to_dict`). Where the two kinds
differ in what a person should read (a folder's segments, the command that mends it),
the store that made the result puts the words in (`layout`, `advice`): nothing here
asks which kind it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from index.display import counted, shown
from index.ingest.articles import Article, Skipped
from index.ingest.chunking import Chunk
from index.ingest.claims import Renamed
from index.ingest.copies import Copy, CopyGroup
from index.ingest.nlp import Entity, Sentence

# Ids listed by name in a human summary; --json lists them all.
NAMED_IDS = 10


def _named(ids: Sequence[str]) -> str:
    more = f" and {len(ids) - NAMED_IDS} more" if len(ids) > NAMED_IDS else ""
    return ", ".join(f"`{shown(d)}`" for d in ids[:NAMED_IDS]) + more


def _words(value: object) -> dict:
    """A result as JSON: its fields, less the words a store gave its summary (`layout`,
    `advice`), which a script reads from the fields themselves."""
    data = asdict(value)
    for key in ("layout", "advice"):
        data.pop(key, None)
    return data


@dataclass(frozen=True)
class Report:
    """What a write did, article by article: the CLI's summary and its --json object.

    Every id is named: added (new ids, including those kept apart), updated (the same
    file re-read with new text, or replaced when asked), unchanged, removed; `renamed`
    says which articles were kept apart under a numbered id and why; `copies` which
    articles written print a story another article already tells (`index.ingest.copies`);
    `skipped` which files or records were not indexed and why.
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
    copies: tuple[Copy, ...] = ()  # articles written that print a story the index holds

    def to_dict(self) -> dict:
        data = asdict(self)
        data["skipped"] = [s.to_dict() for s in self.skipped]
        data["renamed"] = [r.to_dict() for r in self.renamed]
        data["copies"] = [c.to_dict() for c in self.copies]
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
        lines += [f"  copy: {c.line()}" for c in self.copies]
        return lines + [f"  skipped {s.line()}" for s in self.skipped]

    def summary(self) -> str:
        """The details, then the one-line summary: the summary is always last, where a
        person (or `tail -1`) looks for it."""
        return "\n".join([*self.details(), self.headline()])


@dataclass(frozen=True)
class Status:
    """An index at a glance. `generation` counts committed writes; `segments` is the folder
    kind's count of segment files (a PostgreSQL index has none: its tables are the index);
    `layout` is how the store names its shape in the summary ("3 segments", "PostgreSQL")."""

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
    layout: str = field(default="", repr=False)

    def to_dict(self) -> dict:
        data = _words(self)
        data["skipped"] = [s.to_dict() for s in self.skipped]
        return data

    def summary(self) -> str:
        """A line per file not indexed and why, then the one-line status."""
        skipped = f", {counted(len(self.skipped), 'file')} skipped" if self.skipped else ""
        layout = f" ({self.layout})" if self.layout else ""
        return "\n".join([*(f"  skipped {s.line()}" for s in self.skipped),
                          f"{shown(self.path)}: {counted(self.documents, 'document')}, "
                          f"{counted(self.chunks, 'chunk')}, {self.size_bytes / 2**20:.1f} MB, "
                          f"embedder {self.embedder}, generation {self.generation}{layout}, "
                          f"last build {self.last_build or 'never'}{skipped}"])


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with everything the answerer reads, all from one generation.
    `copies`: the group of prints of one story its article is in, if it is in one."""

    chunk: Chunk
    article: Article
    sentences: tuple[Sentence, ...]
    sentence_vectors: np.ndarray
    entities: tuple[Entity, ...]
    copies: CopyGroup | None = None

    @property
    def copy_of(self) -> str | None:
        """The id of the likely original of the story this article prints, when it is a
        copy of another article; None for an original or an article printed once."""
        return self.copies.copy_of(self.article.doc_id) if self.copies else None


@dataclass(frozen=True)
class Problem:
    """One thing wrong, with the part of the index it is in: a file of the folder, or a
    table or index of the database."""

    file: str
    kind: str  # missing, unreadable, damaged, disagrees
    detail: str

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        return f"{self.file} {self.detail}"


@dataclass(frozen=True)
class Findings:
    """All problems of one index, what could be counted on the way, and what to do:
    `advice` is the store's own line for an index with problems (the folder's repair
    command, with the location as given), `layout` its shape for a healthy one."""

    path: str
    problems: tuple[Problem, ...]
    documents: int = 0
    chunks: int = 0
    segments: int = 0
    generation: int = 0
    kind: str = "folder"  # or "postgres": tables, no segment files
    layout: str = field(default="", repr=False)
    advice: str = field(default="", repr=False)

    @property
    def healthy(self) -> bool:
        return not self.problems

    @property
    def ok(self) -> bool:
        """What the command's exit status says: 0 when healthy."""
        return self.healthy

    def to_dict(self) -> dict:
        return {**_words(self), "problems": [p.to_dict() for p in self.problems],
                "healthy": self.healthy}

    def summary(self) -> str:
        """One line per problem, then the one-line verdict."""
        if self.healthy:
            return (f"{self.path}: healthy; {counted(self.documents, 'document')}, "
                    f"{counted(self.chunks, 'chunk')}, generation {self.generation} "
                    f"({self.layout})")
        lines = [f"  {p.summary()}" for p in self.problems]
        return "\n".join([*lines, f"{self.path}: {counted(len(self.problems), 'problem')}; "
                                  f"{self.advice}"])


@dataclass(frozen=True)
class Repair:
    """What a repair found and did: the CLI's summary and its --json object. A folder is
    rebuilt whole from its stored texts and sources (`restored`, `reread`, `lost`, the
    damaged files `moved_to` a folder); a PostgreSQL index has the parts its rows can make
    again `rebuilt` in place, and names what only a person can mend (`unmended`, with the
    store's `advice`). A healthy index gives an empty Repair."""

    path: str
    problems: tuple[Problem, ...] = ()
    moved_to: str = ""
    restored: tuple[str, ...] = ()  # from the texts stored in index.sqlite
    reread: tuple[str, ...] = ()  # from the source files
    lost: tuple[str, ...] = ()
    catalogue_lost: bool = False  # index.sqlite unreadable: what it held cannot all be named
    sources_missing: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    seconds: float = 0.0
    rebuilt: tuple[str, ...] = ()  # parts made again in place, as `check` names them
    unmended: tuple[Problem, ...] = ()  # problems still there afterwards
    advice: str = field(default="", repr=False)

    @property
    def complete(self) -> bool:
        return not self.lost and not self.catalogue_lost

    @property
    def ok(self) -> bool:
        """What the command's exit status says: 0 when every article came back and no
        problem is left."""
        return self.complete and not self.unmended

    def to_dict(self) -> dict:
        data = _words(self)
        data.update(problems=[p.to_dict() for p in self.problems],
                    unmended=[p.to_dict() for p in self.unmended],
                    skipped=[s.to_dict() for s in self.skipped], complete=self.complete,
                    seconds=round(self.seconds, 3))
        return data

    def summary(self) -> str:
        if not self.problems:
            return f"{self.path}: healthy; nothing to repair"
        lines = [f"  lost {doc_id}: its text could not be read and no source file has it"
                 for doc_id in self.lost]
        lines += [f"  source {s} no longer exists" for s in self.sources_missing]
        lines += [f"  skipped {s.path}: {s.reason}" for s in self.skipped]
        lines += [f"  still: {p.summary()}" for p in self.unmended]
        if self.catalogue_lost:
            lines.append("  index.sqlite could not be read: articles that were not under the "
                         "remembered sources (uploads, files since moved) cannot be named")
        if self.moved_to:
            # With index.sqlite unreadable, the articles nothing else names are lost uncounted.
            lost = (f"{len(self.lost)} known lost and an unknown number more"
                    if self.catalogue_lost else f"{len(self.lost)} lost")
            done = (f"{counted(len(self.restored), 'article')} restored from stored texts, "
                    f"{len(self.reread)} re-read from sources, {lost}; damaged files moved to "
                    f"{self.moved_to}")
        else:
            done = f"rebuilt {', '.join(self.rebuilt) or 'nothing'} from the stored rows"
        left = (f"; {counted(len(self.unmended), 'problem')} left: {self.advice}"
                if self.unmended else "")
        lines.append(f"repaired {self.path}: {done} ({self.seconds:.1f}s){left}")
        return "\n".join(lines)
