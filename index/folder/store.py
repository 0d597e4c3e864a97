"""An index folder: SQLite rows and the segments of vectors and postings that always agree.

Layout of the folder:

    manifest.json          schema version, embedder, dimension, tokenizer
    index.sqlite           articles, chunks, sentences (with vectors), entities,
                           tombstones, the list of live segments and the generation
    vectors.<n>.faiss      chunk vectors of segment <n>, ids = chunk ids
    lexical.<n>.npz        BM25 postings of the same chunks
    write.lock             held by the one process that may write

A write saves its segment files first, then commits the rows, the new segment
list and generation N+1 in one SQLite transaction. Until that commit readers use
N; a writer killed before it leaves N as it was (and an orphan file the next
write removes). Readers check the number at each snapshot and load only the
segments they lack, so a long-running page sees new articles without a restart.
See `index.folder.segments` for why writes never rewrite what the index already holds.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.errors import (
    DiskFull,
    EmbedderMismatch,  # noqa: F401  (re-exported: index/__init__ imports it from here)
    IndexError_,
    refuse_unreadable,
)
from index.folder import sqlite as database
from index.folder.check import MANIFEST, holds_index, inspect, one_line, read_manifest, repair_command
from index.folder.lock import WriteLock
from index.folder.postings import LexicalIndex, terms
from index.folder.segments import (
    Segment,
    files,
    free_number,
    merge_count,
    number_of,
    one_search_thread,
    write_atomically,
)
from index.ingest.articles import Article, Skipped
from index.ingest.chunking import DEFAULT_MAX_TOKENS, TOKENIZER, Chunk
from index.ingest.ids import assign
from index.ingest.links import read_sources
from index.ingest.skips import remember as remember_skips
from index.ingest.skips import remembered
from index.ingest.workers import Embedding, embed_articles
from index.location import default_location, is_postgres
from index.model.embedder import Embedder, configured_model, load_embedder
from index.results import Passage, Report, Status

SCHEMA_VERSION = 2
SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
# `PRAGMA quick_check` on open reads the whole database: 0.3 s warm and 5 s cold for 300 MB
# (about 100k chunks). Larger databases skip it on open; damage found later while reading
# is still reported as IndexDamaged, and `python -m index check` always checks every page.
QUICK_CHECK_MAX_BYTES = 64 * 2**20
# Errors of a write that mean the disk (or the file size limit) is full.
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
Progress = Callable[[int, int], None]
if TYPE_CHECKING:
    from index.postgres.store import PostgresIndex


class IndexDamaged(IndexError_):
    """Files of the index are missing, unreadable or disagree: nothing is written to it
    until `python -m index repair` has rebuilt it. `problems` lists what `check` found."""

    def __init__(self, folder: Path, problems: Sequence[object], cause: str = "") -> None:
        self.problems = tuple(problems)
        shown = [p.summary() for p in self.problems[:4]] or [cause]
        more = f"; and {len(self.problems) - 4} more" if len(self.problems) > 4 else ""
        super().__init__(f"index {folder} is damaged: {'; '.join(shown)}{more}. Nothing was "
                         f"written to it; run `{repair_command(folder)}` to rebuild it from "
                         f"what remains (damaged files are moved aside, not deleted)")


class _Unreadable(Exception):
    """A segment of the generation being loaded cannot be read, or the counts disagree."""


def _damaged(folder: Path, cause: str) -> IndexDamaged:
    """IndexDamaged listing every problem `check` finds, or `cause` when it finds none."""
    return IndexDamaged(folder, inspect(folder, "quick_check").problems, cause)


def default_index_dir() -> str | Path:
    """NEWSQA_INDEX if set (a folder or a `postgresql://` URI), else
    ~/.local/share/newsqa/index (XDG_DATA_HOME respected). Show it with `masked`."""
    return default_location()


def open_default(path: str | Path | None = None,
                 log: Callable[[str], None] | None = None) -> Index | PostgresIndex:
    """The index a question is asked of. Only the default folder, the first time it is
    used, is built from the seeds; a folder or database named by `path` or NEWSQA_INDEX
    must already hold an index (a typo must not become a new index), and nothing here
    writes to one that exists, even when all its articles were removed."""
    if path or os.environ.get("NEWSQA_INDEX"):
        return Index.open(path or default_location(), create=False)
    folder = default_index_dir()
    if holds_index(folder) or not SEEDS_DIR.is_dir():
        return Index.open(folder)
    index = Index.open(folder)
    if log:
        log(f"index {index.path} is new; adding the articles in {SEEDS_DIR}")
    report = index.add([SEEDS_DIR])
    if log:
        log(report.headline())
    return index


@dataclass
class _Generation:
    number: int
    segments: dict[int, Segment]
    dead: np.ndarray  # the tombstones its segments are masked with
    lexical: LexicalIndex


class Index:
    """A folder of indexed articles: `Index.open(dir)`, then `add`, `remove`, `build`, search."""

    kind = "folder"  # `index.postgres.store.PostgresIndex` is the other

    def __init__(self, path: Path, embedder_name: str, manifest: dict,
                 create: bool = False) -> None:
        self.path = path
        self.embedder_name = embedder_name
        self.manifest = manifest
        self._db = database.connect(path / "index.sqlite", create=create)
        self._lock = threading.RLock()
        self._generation: _Generation | None = None
        self._depth = 0
        # Seconds a write queues behind another writer before IndexLocked; a long-running
        # page sets this so that an upload waits for a build instead of failing.
        self.write_wait = 0.0

    @classmethod
    def open(cls, path: str | Path | None = None, embedder: str | None = None,
             create: bool = True) -> Index | PostgresIndex:
        """Open (or create) an index; an existing one must be opened with the embedder it
        was built with. Opening checks that its files are whole and agree (IndexDamaged
        lists every problem); a folder holding any file of an index is never made anew.

        The one place where the kind is chosen: a `postgresql://` URI opens a
        `PostgresIndex` (same methods), anything else a folder."""
        location = path or default_location()
        if is_postgres(location):
            from index.postgres.store import PostgresIndex

            return PostgresIndex.open(str(location), embedder, create)
        folder = Path(location)
        name = Embedder.canonical(embedder or configured_model())
        manifest_path = folder / MANIFEST
        if holds_index(folder):
            try:
                manifest = read_manifest(folder)
            except ValueError as error:
                raise _damaged(folder, str(error)) from None
            refuse_unreadable(folder, manifest, SCHEMA_VERSION, name, "folder")
            try:
                index = cls(folder, name, manifest)
            except sqlite3.Error as error:
                raise _damaged(folder, str(error)) from error
            return index._verified()
        if not create:
            raise IndexError_(f"no index at {folder}: build one with "
                              f"`python -m index build PATH --index {folder}`")
        folder.mkdir(parents=True, exist_ok=True)
        manifest = {"schema": SCHEMA_VERSION, "embedder": name,
                    "dimension": load_embedder(name).dimension, "tokenizer": TOKENIZER,
                    "chunk_max_tokens": DEFAULT_MAX_TOKENS}
        write_atomically(manifest_path, json.dumps(manifest, indent=2).encode())
        return cls(folder, name, manifest, create=True)

    @property
    def embedder(self) -> Embedder:
        return load_embedder(self.embedder_name)

    def close(self) -> None:
        self._db.close()

    def _verified(self) -> Index:
        """Check on open what is cheap to check: SQLite's own quick_check on a database of
        ordinary size, then every segment of the current generation read and counted."""
        try:
            if (self.path / "index.sqlite").stat().st_size <= QUICK_CHECK_MAX_BYTES:
                verdict = self._db.execute("PRAGMA quick_check").fetchone()[0]
                if verdict != "ok":
                    raise _damaged(self.path, f"index.sqlite is damaged ({one_line(verdict)})")
            with self.snapshot():
                pass
        except BaseException:
            self.close()
            raise
        return self

    # Reading ---------------------------------------------------------------

    @contextmanager
    def snapshot(self) -> Iterator[Index]:
        """Reads inside see one generation, even while a writer commits the next."""
        with self._lock:
            if self._depth:
                yield self
                return
            try:
                self._begin()
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
            except sqlite3.DatabaseError as error:
                if database.is_damage(error):
                    raise _damaged(self.path, f"index.sqlite: {error}") from error
                raise
            finally:
                if self._db.in_transaction:
                    self._db.execute("COMMIT")

    def _begin(self) -> None:
        """Begin a read transaction whose generation is loaded.

        The writer deletes a segment's files once two newer generations no longer list
        it, so a reader that read the list just before two quick commits may find a file
        gone. That is not damage: the generation moved on, and the reader starts again
        at the new one, as Lucene's readers do when a commit lands under them. A file
        missing from the generation that is still current is damage."""
        while True:
            self._db.execute("BEGIN")
            number = int(database.get_meta(self._db, "generation", "0"))
            if self._generation is not None and self._generation.number == number:
                return
            try:
                self._generation = self._load_generation(number)
                return
            except _Unreadable as error:
                self._db.execute("COMMIT")
                if int(database.get_meta(self._db, "generation", "0")) == number:
                    raise _damaged(self.path, str(error)) from error

    def dense_search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(chunk id, cosine) pairs, best first."""
        query = vector.reshape(1, -1).astype(np.float32)
        with self.snapshot(), one_search_thread():
            hits = [hit for segment in self._generation.segments.values()
                    for hit in segment.search(query, k)]
        return sorted(hits, key=lambda hit: (-hit[1], hit[0]))[:k]

    def lexical_search(self, text: str, k: int) -> list[tuple[int, float]]:
        """(chunk id, BM25) pairs, best first."""
        with self.snapshot():
            return self._generation.lexical.search(terms(text), k)

    def is_empty(self) -> bool:
        with self.snapshot():
            return not any(s.size for s in self._generation.segments.values())

    def chunks(self, chunk_ids: Sequence[int]) -> dict[int, Chunk]:
        """Chunk rows by id; ids of chunks removed since are absent."""
        with self.snapshot():
            return database.chunks(self._db, list(chunk_ids))

    def passages(self, chunk_ids: Sequence[int]) -> list[Passage]:
        """The chunks with their article, sentences and entities, in the order asked."""
        with self.snapshot():
            found = database.chunks(self._db, list(chunk_ids))
            docs: dict[str, tuple] = {}
            result = []
            for chunk_id in chunk_ids:
                chunk = found.get(chunk_id)
                if chunk is None:
                    continue
                if chunk.doc_id not in docs:
                    spans, vectors = database.sentences(self._db, chunk.doc_id)
                    docs[chunk.doc_id] = (database.article(self._db, chunk.doc_id), spans,
                                          vectors, database.entities(self._db, chunk.doc_id))
                article, spans, vectors, ents = docs[chunk.doc_id]
                inside = [i for i, s in enumerate(spans) if s.end > chunk.start and s.start < chunk.end]
                result.append(Passage(
                    chunk, article, tuple(spans[i] for i in inside), vectors[inside],
                    tuple(e for e in ents if e.start >= chunk.start and e.end <= chunk.end)))
            return result

    def article(self, doc_id: str) -> Article | None:
        with self.snapshot():
            return database.article(self._db, doc_id)

    def documents(self) -> list[dict]:
        """One row per article: doc_id, title, date, path, indexed_at, chunks."""
        with self.snapshot():
            return database.document_rows(self._db)

    def status(self) -> Status:
        with self.snapshot():
            docs, n_chunks = database.counts(self._db)
            generation = int(database.get_meta(self._db, "generation", "0"))
            segments = len(_segment_list(self._db))
            last = database.get_meta(self._db, "last_build")
            skipped = remembered(database.get_meta(self._db, "skipped_files", "[]"))
        size = _folder_bytes(self.path)
        return Status(str(self.path), docs, n_chunks, self.embedder_name,
                      int(self.manifest["dimension"]), self.manifest["tokenizer"],
                      generation, segments, size, last, tuple(skipped))

    def _load_generation(self, number: int) -> _Generation:
        """Only segments new to this reader are read from disk, and held ones are masked
        only with tombstones new since: after one add, a reader does work for one article."""
        held = self._generation.segments if self._generation else {}
        dead = database.dead_chunks(self._db)
        new_dead = np.setdiff1d(dead, self._generation.dead) if self._generation else dead
        segments = {}
        for n, _ in _segment_list(self._db):
            if n in held:
                segments[n] = held[n]
                segments[n].drop(new_dead)
                continue
            try:
                segments[n] = Segment.load(self.path, n)
            # Whatever faiss or numpy raise for a missing or truncated file (RuntimeError,
            # BadZipFile, EOFError, ValueError...), the segment cannot be read.
            except Exception as error:
                raise _Unreadable(f"segment {n} of generation {number} cannot be read") \
                    from error
            segments[n].drop(dead)
        live = sum(s.size for s in segments.values())
        rows = database.counts(self._db)[1]
        if live != rows:
            raise _Unreadable(f"generation {number} has {rows} chunks in index.sqlite but "
                              f"{live} in its segments")
        return _Generation(number, segments, dead,
                           LexicalIndex([s.postings for s in segments.values()]))

    # Writing ---------------------------------------------------------------

    def build(self, paths: Iterable[str | Path], prune: bool = False,
              progress: Progress | None = None, root: str | Path | None = None,
              replace: bool = False, workers: int = 1) -> Report:
        """Index every article under the paths and at the links (`https://...`, see
        `index.ingest.links`); unchanged articles are not embedded again.

        With prune, articles no longer found under the paths are removed. Files named
        directly get ids relative to `root` when given (a watched folder), else their name.
        An id that belongs to another article is never taken over unless `replace`: the
        newcomer is kept apart as `id-2` (see `index.ingest.ids`). A file that cannot be read,
        parsed or split is skipped with its reason; the others go in. `workers` > 1 splits
        and embeds in that many Ray actors or processes (see `index.ingest.workers`).
        """
        started = time.perf_counter()
        articles, skipped, files = read_sources(paths, Path(root) if root else None)
        with WriteLock(self.path, self.write_wait):
            return self._write(articles, [], skipped, progress, started, replace=replace,
                               prune=prune, remember=True, sources=[root] if root else files,
                               workers=workers)

    def add(self, paths: Iterable[str | Path], progress: Progress | None = None,
            root: str | Path | None = None, replace: bool = False, workers: int = 1) -> Report:
        return self.build(paths, prune=False, progress=progress, root=root, replace=replace,
                          workers=workers)

    def add_articles(self, articles: Sequence[Article], progress: Progress | None = None,
                     replace: bool = False, workers: int = 1) -> Report:
        """Index articles made in code rather than read from files (same id rule as `add`)."""
        with WriteLock(self.path, self.write_wait):
            return self._write(list(articles), [], [], progress, time.perf_counter(),
                               replace=replace, workers=workers)

    def remove(self, doc_ids: Iterable[str]) -> Report:
        started = time.perf_counter()
        with WriteLock(self.path, self.write_wait):
            wanted = list(dict.fromkeys(doc_ids))
            known = database.hashes(self._db, wanted)
            missing = tuple(Skipped(d, "no such document in the index")
                            for d in wanted if d not in known)
            return self._write([], [d for d in wanted if d in known], list(missing), None, started)

    def compact(self) -> Report:
        """Fold every segment into one and drop tombstoned chunks for good: worth running
        after many updates or removals, never needed for correctness."""
        started = time.perf_counter()
        with WriteLock(self.path, self.write_wait):
            return self._write([], [], [], None, started, compact=True)

    def _remember(self, paths: Iterable[str | Path]) -> Path | None:
        """Record in the manifest the files and folders articles come from, so `repair` can
        read them again if index.sqlite is lost. Those gone since (an upload's temporary
        folder) are forgotten. Called under the write lock; returns a hard link to the
        manifest it replaced, which a write that fails renames back: a rename needs no
        space on a full disk, where writing the old bytes again could fail."""
        try:
            manifest = read_manifest(self.path)
        except ValueError as error:
            raise _damaged(self.path, f"{MANIFEST} is {error}") from None
        known = [p for p in manifest.get("sources", []) if Path(p).exists()]
        sources = list(dict.fromkeys(known + [str(Path(p).resolve()) for p in paths]))
        if sources == manifest.get("sources"):
            return None
        previous = self.path / f"{MANIFEST}.previous"
        previous.unlink(missing_ok=True)
        os.link(self.path / MANIFEST, previous)
        write_atomically(self.path / MANIFEST,
                         json.dumps({**manifest, "sources": sources}, indent=2).encode())
        self.manifest = {**manifest, "sources": sources}
        return previous

    def _write(self, articles: list[Article], removals: list[str], skipped: list[Skipped],
               progress: Progress | None, started: float, compact: bool = False,
               replace: bool = False, prune: bool = False, remember: bool = False,
               sources: Iterable[str | Path] = (), workers: int = 1) -> Report:
        """One transaction; the segment files it saved are removed again if it fails, and a
        full disk is said so. Nothing is written to an index whose files are not all there.
        `sources`: the files and folders the articles were read from, for `_remember`;
        `remember`: keep the files skipped for `status`."""
        # A connection of its own, so readers of this object keep answering meanwhile.
        try:
            db = database.connect(self.path / "index.sqlite", create=False)
        except sqlite3.Error as error:
            raise _damaged(self.path, f"index.sqlite cannot be opened ({error})") from error
        saved: list[int] = []
        previous_manifest = None
        try:
            with _clear_write_errors(self.path):
                db.execute("BEGIN IMMEDIATE")
                try:
                    absent = [f.name for n, _ in _segment_list(db) for f in files(self.path, n)
                              if not f.exists()]
                    if absent or not (self.path / MANIFEST).exists():
                        raise _damaged(self.path, f"{', '.join(absent)} missing")
                    previous_manifest = self._remember(sources) if sources else None
                    # Ids are settled inside the transaction: no other writer can take one.
                    named = assign(articles, lambda ids: database.sources(db, ids),
                                   lambda doc_id: database.numbered_sources(db, doc_id), replace)
                    if prune:
                        seen = {a.doc_id for a in named.articles}
                        removals = [d for d in database.hashes(db) if d not in seen]
                    report = self._write_in_transaction(
                        db, list(named.articles), removals, [*skipped, *named.skipped], progress,
                        started, compact, saved, workers)
                    report = dataclasses.replace(report, renamed=named.renamed)
                    if remember:
                        database.set_meta(db, skipped_files=remember_skips(
                            database.get_meta(db, "skipped_files", "[]"), articles,
                            report.skipped))
                    db.execute("COMMIT")
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    for path in (f for n in saved for f in files(self.path, n)):
                        path.unlink(missing_ok=True)
                    if previous_manifest is not None:
                        os.replace(previous_manifest, self.path / MANIFEST)
                        self.manifest = read_manifest(self.path)
                    raise
            if previous_manifest is not None:
                previous_manifest.unlink()
            self._drop_old_files(db)
        finally:
            db.close()
        return report

    def _write_in_transaction(self, db, articles, removals, skipped, progress, started,
                              compact, saved: list[int], workers: int = 1) -> Report:
        known = database.hashes(db, [a.doc_id for a in articles])
        fresh = [a for a in articles if known.get(a.doc_id) != a.content_hash]
        unchanged = tuple(a.doc_id for a in articles if known.get(a.doc_id) == a.content_hash)
        listed = _segment_list(db)
        worth_compacting = compact and (len(listed) > 1 or (listed and len(database.dead_chunks(db))))
        if not fresh and not removals and not worth_compacting:
            return Report(unchanged=len(unchanged), skipped=tuple(skipped),
                          seconds=time.perf_counter() - started, unchanged_ids=unchanged)
        number = int(database.get_meta(db, "generation", "0"))
        next_id = int(database.get_meta(db, "next_chunk_id", "1"))
        # A write that only removes needs no model: `remove` stays instant, not seconds.
        # Every article is split and embedded before anything is deleted: one that fails
        # is skipped, and the version the index holds of it stays.
        embedding = embed_articles(self.embedder_name, fresh, next_id, progress, workers) \
            if fresh else Embedding([], [], 0, "")
        embedded = embedding.rows
        skipped = [*skipped, *embedding.skipped]
        replaced = [row[0].doc_id for row in embedded if row[0].doc_id in known]
        database.bury(db, database.chunk_ids_of(db, replaced + removals))
        database.delete_documents(db, replaced + removals)
        now = time.time()
        ids, vectors, spans = [], [], []
        for article, chunks, sentences, sentence_vectors, entities, chunk_vectors in embedded:
            database.insert_document(db, article, now, chunks, sentences, sentence_vectors,
                                     entities)
            ids += [c.chunk_id for c in chunks]
            vectors.append(chunk_vectors)
            spans += [(c.chunk_id, article.text, c.start, c.end) for c in chunks]
        new = number + 1
        segment_number = free_number(self.path, new)
        # Terms are made as the postings are filled, not held as lists for every chunk at
        # once: at 100k chunks those lists alone would take most of a gigabyte.
        lexical_rows = ((chunk_id, terms(text[start:end])) for chunk_id, text, start, end in spans)
        parts = ([Segment.create(segment_number, np.array(ids), np.vstack(vectors), lexical_rows)]
                 if ids else [])
        # How many of the newest existing segments fold into the one this write saves.
        folding = 0
        if compact:
            folding = len(listed)
        elif ids:
            folding = merge_count([n for _, n in listed] + [len(ids)]) - 1
        if folding:
            dead = database.dead_chunks(db)
            older = [Segment.load(self.path, n) for n, _ in listed[-folding:]]
            for segment in older:
                database.forget_dead(db, np.intersect1d(segment.postings.chunk_ids, dead))
                segment.drop(dead)
            parts = [Segment.merged(segment_number, older + parts)]
            listed = listed[:-folding]
        for segment in parts:
            if segment.size:
                saved.append(segment_number)
                segment.save(self.path)
                listed.append((segment_number, segment.size))
        database.set_meta(db, generation=new, next_chunk_id=next_id + len(ids),
                          manifest=json.dumps(self.manifest),
                          segments=json.dumps(listed),
                          previous_segments=database.get_meta(db, "segments", "[]"),
                          last_build=time.strftime("%Y-%m-%d %H:%M:%S"))
        gone = tuple(dict.fromkeys(removals))
        written = [row[0].doc_id for row in embedded]
        return Report(added=len(written) - len(replaced), updated=len(replaced), removed=len(gone),
                      unchanged=len(unchanged), chunks_embedded=len(ids), skipped=tuple(skipped),
                      workers=embedding.workers, pool=embedding.pool,
                      seconds=time.perf_counter() - started,
                      added_ids=tuple(d for d in written if d not in known),
                      updated_ids=tuple(replaced), unchanged_ids=unchanged, removed_ids=gone)

    def _drop_old_files(self, db) -> None:
        """Keep the segments of this generation and of the one before it: a reader may be
        loading that one now. Files of a write killed before its commit go too."""
        keep = {n for key in ("segments", "previous_segments")
                for n, _ in json.loads(database.get_meta(db, key, "[]"))}
        for file in self.path.iterdir():
            number = number_of(file)
            if number is not None and number not in keep:
                with suppress(FileNotFoundError):
                    file.unlink()


@contextmanager
def _clear_write_errors(folder: Path) -> Iterator[None]:
    """A full disk (or file size limit) as DiskFull naming the file being written, and a
    database found damaged as IndexDamaged; other errors as they are."""
    try:
        yield
    except OSError as error:
        if error.errno not in _FULL:
            raise
        raise DiskFull(f"{error.strerror[:1].lower()}{error.strerror[1:]} while writing "
                       f"{error.filename or 'the index'}; nothing was changed") from error
    except sqlite3.Error as error:
        if database.is_full(error):
            raise DiskFull(f"no space left on device while writing index.sqlite ({error}); "
                           f"nothing was changed") from error
        if database.is_damage(error):
            raise _damaged(folder, f"index.sqlite: {error}") from error
        raise


def _folder_bytes(folder: Path) -> int:
    """Bytes of the files in the folder; a writer may remove one while they are counted."""
    total = 0
    for entry in os.scandir(folder):
        with suppress(FileNotFoundError):
            total += entry.stat().st_size if entry.is_file() else 0
    return total


def _segment_list(db) -> list[tuple[int, int]]:
    """(segment number, chunks when written), oldest first."""
    return [tuple(pair) for pair in json.loads(database.get_meta(db, "segments", "[]"))]


