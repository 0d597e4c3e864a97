"""The folder kind of `index.store.Index`: SQLite rows and segments of vectors and postings that always agree.

Layout of the folder:

    manifest.json          schema version, embedder, dimension, tokenizer
    index.sqlite           articles, chunks, sentences (with vectors), entities,
                           tombstones, the list of live segments and the generation;
                           copies of one story and the feeds followed
    vectors.<n>.faiss      chunk vectors of segment <n>, ids = chunk ids
    lexical.<n>.npz        BM25 postings of the same chunks
    write.lock             held by the one process that may write

A write saves its segment files first, then commits the rows, the new segment
list and generation N+1 in one SQLite transaction. Until that commit readers use
N; a writer killed before it leaves N as it was (and an orphan file the next
write removes). Readers check the number at each snapshot and load only the
segments they lack, so a long-running page sees new articles without a restart.
See `index.folder.segments` for why writes never rewrite what the index already holds.
One process writes at a time (`index.folder.lock`); what both kinds do alike is in
`index.store.Store`, which this class derives from.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from index.display import counted, one_line
from index.errors import ActionNeeded, DiskFull, IndexDamaged
from index.folder import sqlite
from index.folder.access import WRITING, check_readable, check_writable, denied, is_denied
from index.folder.check import DATABASE, MANIFEST, holds_index, inspect, read_manifest, repair_command
from index.folder.lock import WriteLock
from index.folder.postings import LexicalIndex
from index.folder.segments import (
    Segment,
    files,
    free_number,
    merge_count,
    number_of,
    one_search_thread,
    write_atomically,
)
from index.ingest import copies
from index.ingest.articles import Article, Skipped
from index.ingest.claims import assign
from index.ingest.skips import remember as remember_skips
from index.ingest.terms import terms
from index.model.embedder import Embedder, configured_model
from index.results import Findings, Repair, Report
from index.store import Location, Progress, Rows, Store, Tally, split_removals

SCHEMA_VERSION = 2
# `PRAGMA quick_check` on open reads the whole database: 0.3 s warm and 5 s cold for 300 MB
# (about 100k chunks). Larger databases skip it on open; damage found later while reading
# is still reported as IndexDamaged, and `python -m index check` always checks every page.
QUICK_CHECK_MAX_BYTES = 64 * 2**20
# Errors of a write that mean the disk (or the file size limit) is full.
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class _Unreadable(Exception):
    """A segment of the generation being loaded cannot be read, or the counts disagree."""


def _damaged(folder: Path, cause: str) -> IndexDamaged:
    """IndexDamaged listing every problem `check` finds, or `cause` when it finds none."""
    return IndexDamaged(folder, inspect(folder, "quick_check").problems, cause,
                        repair_command(folder))


def _existing(location: Location) -> Path:
    """The folder at `location`, which must hold an index (that this user may read) for
    check and repair."""
    folder = Path(location)
    check_readable(folder)
    if not holds_index(folder):
        raise ActionNeeded(f"no index at {folder}")
    return folder


@dataclass
class _Generation:
    number: int
    segments: dict[int, Segment]
    dead: np.ndarray  # the tombstones its segments are masked with
    lexical: LexicalIndex


class FolderIndex(Store):
    """A folder of indexed articles: `Index.open(dir)`, then `add`, `remove`, `build`, search."""

    kind: ClassVar[str] = "folder"
    rows: ClassVar[Rows] = sqlite
    path: Path

    def __init__(self, path: Path, embedder_name: str, manifest: dict) -> None:
        super().__init__(path, embedder_name, manifest)
        # Reads need no write access: this connection never writes (writes open their own).
        self._conn, self._immutable = sqlite.open_reader(path / DATABASE)
        self._generation: _Generation | None = None

    # Opening ---------------------------------------------------------------

    @staticmethod
    def holds_index(folder: Path) -> bool:
        """Whether any file of an index is in `folder`: such a folder is never made anew."""
        return holds_index(folder)

    @classmethod
    def open(cls, location: Location, embedder: str | None = None,
             create: bool = True) -> FolderIndex:
        """Open (or create) the index in the folder; an existing one must be opened with the
        embedder it was built with. Opening checks that its files are whole and agree
        (IndexDamaged lists every problem); a folder holding any file of an index is never
        made anew."""
        folder = Path(location)
        name = Embedder.canonical(embedder or configured_model())
        check_readable(folder)
        if holds_index(folder):
            try:
                manifest = read_manifest(folder)
            except ValueError as error:
                raise _damaged(folder, str(error)) from None
            cls.refuse_unreadable(folder, manifest, SCHEMA_VERSION, name, "folder")
            try:
                index = cls(folder, name, manifest)
            except sqlite3.Error as error:
                raise _damaged(folder, str(error)) from error
            return index._verified()
        if not create:
            raise ActionNeeded(f"no index at {folder}: build one with "
                               f"`python -m index build PATH --index {folder}`")
        manifest = cls.new_manifest(SCHEMA_VERSION, name)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomically(folder / MANIFEST, json.dumps(manifest, indent=2).encode())
            sqlite.connect(folder / DATABASE, create=True).close()
        except OSError as error:
            if not is_denied(error):
                raise
            raise denied(_nearest_existing(folder), "write", "to make a new index there"
                         ) from None
        return cls(folder, name, manifest)

    @classmethod
    def check_at(cls, location: Location) -> Findings:
        """Every problem of the folder's files, read without opening the index, which a
        damaged one would refuse."""
        return inspect(_existing(location))

    @classmethod
    def repair_at(cls, location: Location, progress: Progress | None = None,
                  accept_loss: bool = False) -> Repair:
        """The folder rebuilt from what remains, if check finds problems (`index.folder.repair`);
        one that would lose articles only with `accept_loss`."""
        from index.folder.repair import repair

        return repair(_existing(location), progress, accept_loss)

    def close(self) -> None:
        self._conn.close()

    def _verified(self) -> FolderIndex:
        """Check on open what is cheap to check: SQLite's own quick_check on a database of
        ordinary size, the manifest's dimension against the copy each write keeps in
        index.sqlite, then every segment of the current generation read, counted and
        measured against that dimension."""
        try:
            if (self.path / DATABASE).stat().st_size <= QUICK_CHECK_MAX_BYTES:
                verdict = self._conn.execute("PRAGMA quick_check").fetchone()[0]
                if verdict != "ok":
                    raise _damaged(self.path, f"index.sqlite is damaged ({one_line(verdict)})")
            written = _written_dimension(self._conn)
            if written is not None and written != int(self.manifest["dimension"]):
                raise _damaged(self.path, f"{MANIFEST} says {self.manifest['dimension']} "
                                          f"dimensions; the index was written with {written}")
            with self.snapshot():
                pass
        except BaseException:
            self.close()
            raise
        return self

    # Reading ---------------------------------------------------------------

    @contextmanager
    def _read_transaction(self) -> Iterator[None]:
        """A read transaction whose generation is loaded; SQLite's word that the file is
        bad becomes IndexDamaged."""
        try:
            self._begin()
            yield
        except sqlite3.DatabaseError as error:
            if sqlite.is_damage(error):
                raise _damaged(self.path, f"index.sqlite: {error}") from error
            raise
        finally:
            if self._conn.in_transaction:
                self._conn.execute("COMMIT")

    def _begin(self) -> None:
        """Begin a read transaction whose generation is loaded.

        The writer deletes a segment's files once two newer generations no longer list
        it, so a reader that read the list just before two quick commits may find a file
        gone. That is not damage: the generation moved on, and the reader starts again
        at the new one, as Lucene's readers do when a commit lands under them. A file
        missing from the generation that is still current is damage."""
        if sqlite.is_stale(self.path / DATABASE, self._immutable):
            self._conn.close()
            self._conn, self._immutable = sqlite.open_reader(self.path / DATABASE)
            self._generation = None
        while True:
            self._conn.execute("BEGIN")
            number = int(sqlite.get_meta(self._conn, "generation", "0"))
            if self._generation is not None and self._generation.number == number:
                return
            try:
                self._generation = self._load_generation(number)
                return
            except _Unreadable as error:
                self._conn.execute("COMMIT")
                if int(sqlite.get_meta(self._conn, "generation", "0")) == number:
                    raise _damaged(self.path, str(error)) from error

    def _loaded(self) -> _Generation:
        """The generation of the open snapshot."""
        assert self._generation is not None
        return self._generation

    def dense_search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(chunk id, cosine) pairs, best first."""
        query = vector.reshape(1, -1).astype(np.float32)
        with self.snapshot(), one_search_thread():
            hits = [hit for segment in self._loaded().segments.values()
                    for hit in segment.search(query, k)]
        return sorted(hits, key=lambda hit: (-hit[1], hit[0]))[:k]

    def lexical_search(self, text: str, k: int) -> list[tuple[int, float]]:
        """(chunk id, BM25) pairs, best first."""
        with self.snapshot():
            return self._loaded().lexical.search(terms(text), k)

    def is_empty(self) -> bool:
        with self.snapshot():
            return not any(s.size for s in self._loaded().segments.values())

    def check(self) -> Findings:
        """Every problem of the folder (`index.folder.check`), read without writing."""
        return inspect(self.path)

    def _tally(self) -> Tally:
        docs, n_chunks = sqlite.counts(self._conn)
        segments = len(_segment_list(self._conn))
        return Tally(docs, n_chunks, int(sqlite.get_meta(self._conn, "generation", "0")),
                     sqlite.get_meta(self._conn, "last_build"), _folder_bytes(self.path),
                     segments, counted(segments, "segment"))

    def _load_generation(self, number: int) -> _Generation:
        """Only segments new to this reader are read from disk, and held ones are masked
        only with tombstones new since: after one add, a reader does work for one article."""
        held = self._generation.segments if self._generation else {}
        dead = sqlite.dead_chunks(self._conn)
        new_dead = np.setdiff1d(dead, self._generation.dead) if self._generation else dead
        dimension = int(self.manifest["dimension"])
        segments = {}
        for n, _ in _segment_list(self._conn):
            if n in held:
                segments[n] = held[n]
                segments[n].drop(new_dead)
                continue
            try:
                segments[n] = Segment.load(self.path, n)
            # Whatever faiss or numpy raise for a missing or truncated file (RuntimeError,
            # BadZipFile, EOFError, ValueError...), the segment cannot be read.
            except Exception as error:
                check_readable(self.path)  # a file this user may not read is no damage
                raise _Unreadable(f"segment {n} of generation {number} cannot be read") \
                    from error
            if segments[n].vectors.d != dimension:
                # A search would end in a faiss assertion, a merge in a ValueError.
                raise _Unreadable(f"segment {n} holds {segments[n].vectors.d}-dimensional "
                                  f"vectors; the index's are {dimension}")
            segments[n].drop(dead)
        live = sum(s.size for s in segments.values())
        rows = sqlite.counts(self._conn)[1]
        if live != rows:
            raise _Unreadable(f"generation {number} has {rows} chunks in index.sqlite but "
                              f"{live} in its segments")
        return _Generation(number, segments, dead,
                           LexicalIndex([s.postings for s in segments.values()]))

    # Writing ---------------------------------------------------------------

    @contextmanager
    def _small_write(self) -> Iterator[sqlite3.Connection]:
        """Under the write lock, one transaction on a connection of its own."""
        with WriteLock(self.path, self.write_wait):
            try:
                db = sqlite.connect(self.path / "index.sqlite", create=False)
            except sqlite3.Error as error:
                raise _damaged(self.path, f"index.sqlite cannot be opened ({error})") from error
            try:
                with _clear_write_errors(self.path):
                    db.execute("BEGIN IMMEDIATE")
                    try:
                        yield db
                        db.execute("COMMIT")
                    except BaseException:
                        if db.in_transaction:
                            db.execute("ROLLBACK")
                        raise
            finally:
                db.close()

    def compact(self) -> Report:
        """Fold every segment into one and drop tombstoned chunks for good: worth running
        after many updates or removals, never needed for correctness."""
        return self._write([], [], [], None, time.perf_counter(), compact=True)

    def _remember(self, paths: Iterable[Location]) -> Path | None:
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
               progress: Progress | None, started: float, *, replace: bool = False,
               prune: bool = False, remember: bool = False, sources: Iterable[Location] = (),
               workers: int = 1, compact: bool = False) -> Report:
        """Under the write lock, one transaction; the segment files it saved are removed
        again if it fails, and a full disk is said so. Nothing is written to an index whose
        files are not all there, and nothing is begun in a folder this user may not write.
        `sources` are remembered in the manifest (`_remember`); `compact`: fold the
        segments even if nothing else changes."""
        check_writable(self.path)
        with WriteLock(self.path, self.write_wait):
            return self._write_locked(articles, removals, skipped, progress, started,
                                      replace=replace, prune=prune, remember=remember,
                                      sources=sources, workers=workers, compact=compact)

    def _write_locked(self, articles: list[Article], removals: list[str], skipped: list[Skipped],
                      progress: Progress | None, started: float, *, replace: bool, prune: bool,
                      remember: bool, sources: Iterable[Location], workers: int,
                      compact: bool) -> Report:
        # A connection of its own, so readers of this object keep answering meanwhile.
        try:
            db = sqlite.connect(self.path / "index.sqlite", create=False)
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
                    named = assign(articles, lambda ids: sqlite.sources(db, ids),
                                   lambda doc_id: sqlite.numbered_sources(db, doc_id), replace)
                    if prune:
                        seen = {a.doc_id for a in named.articles}
                        removals = [d for d in sqlite.hashes(db) if d not in seen]
                    removals, missing = split_removals(removals, sqlite.hashes(db, removals))
                    report = self._write_in_transaction(
                        db, list(named.articles), removals,
                        [*skipped, *missing, *named.skipped], progress, started, compact, saved,
                        workers)
                    report = dataclasses.replace(report, renamed=named.renamed)
                    if remember:
                        sqlite.set_meta(db, skipped_files=remember_skips(
                            sqlite.get_meta(db, "skipped_files", "[]"), articles,
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

    def _write_in_transaction(self, db: sqlite3.Connection, articles: list[Article],
                              removals: list[str], skipped: list[Skipped],
                              progress: Progress | None, started: float, compact: bool,
                              saved: list[int], workers: int) -> Report:
        known = sqlite.hashes(db, [a.doc_id for a in articles])
        fresh = [a for a in articles if known.get(a.doc_id) != a.content_hash]
        unchanged = tuple(a.doc_id for a in articles if known.get(a.doc_id) == a.content_hash)
        listed = _segment_list(db)
        worth_compacting = compact and (len(listed) > 1 or (listed and len(sqlite.dead_chunks(db))))
        if not fresh and not removals and not worth_compacting:
            return Report(unchanged=len(unchanged), skipped=tuple(skipped),
                          seconds=time.perf_counter() - started, unchanged_ids=unchanged)
        number = int(sqlite.get_meta(db, "generation", "0"))
        next_id = int(sqlite.get_meta(db, "next_chunk_id", "1"))
        # Every article is split and embedded before anything is deleted: one that fails
        # is skipped, and the version the index holds of it stays.
        embedding = self._embed(fresh, next_id, progress, workers)
        embedded = embedding.rows
        made = {row[5].shape[1] for row in embedded if len(row[5])}
        if made - {int(self.manifest["dimension"])}:
            raise _damaged(self.path, f"the embedder made {made.pop()}-dimensional vectors; "
                                      f"{MANIFEST} says {self.manifest['dimension']}")
        skipped = [*skipped, *embedding.skipped]
        replaced = [row[0].doc_id for row in embedded if row[0].doc_id in known]
        sqlite.bury(db, sqlite.chunk_ids_of(db, replaced + removals))
        copy_rows = sqlite.Copies(db)
        regroup = copies.forget(copy_rows, replaced + removals)
        sqlite.delete_documents(db, replaced + removals)
        now = time.time()
        ids, vectors, spans = [], [], []
        for article, chunks, sentences, sentence_vectors, entities, chunk_vectors in embedded:
            sqlite.insert_document(db, article, now, chunks, sentences, sentence_vectors,
                                   entities)
            ids += [c.chunk_id for c in chunks]
            vectors.append(chunk_vectors)
            spans += [(c.chunk_id, article.text, c.start, c.end) for c in chunks]
        found = copies.settle(copy_rows, [row[0] for row in embedded], regroup) \
            if self.find_copies else copy_rows.unsign()
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
            dead = sqlite.dead_chunks(db)
            older = [Segment.load(self.path, n) for n, _ in listed[-folding:]]
            for segment in older:
                sqlite.forget_dead(db, np.intersect1d(segment.postings.chunk_ids, dead))
                segment.drop(dead)
            parts = [Segment.merged(segment_number, older + parts)]
            listed = listed[:-folding]
        for segment in parts:
            if segment.size:
                saved.append(segment_number)
                segment.save(self.path)
                listed.append((segment_number, segment.size))
        sqlite.set_meta(db, generation=new, next_chunk_id=next_id + len(ids),
                        manifest=json.dumps(self.manifest),
                        segments=json.dumps(listed),
                        previous_segments=sqlite.get_meta(db, "segments", "[]"),
                        last_build=time.strftime("%Y-%m-%d %H:%M:%S"))
        gone = tuple(dict.fromkeys(removals))
        written = [row[0].doc_id for row in embedded]
        return Report(added=len(written) - len(replaced), updated=len(replaced), removed=len(gone),
                      unchanged=len(unchanged), chunks_embedded=len(ids), skipped=tuple(skipped),
                      workers=embedding.workers, pool=embedding.pool,
                      seconds=time.perf_counter() - started,
                      added_ids=tuple(d for d in written if d not in known),
                      updated_ids=tuple(replaced), unchanged_ids=unchanged, removed_ids=gone,
                      copies=found)

    def _drop_old_files(self, db: sqlite3.Connection) -> None:
        """Keep the segments of this generation and of the one before it: a reader may be
        loading that one now. Files of a write killed before its commit go too."""
        keep = {n for key in ("segments", "previous_segments")
                for n, _ in json.loads(sqlite.get_meta(db, key, "[]"))}
        for file in self.path.iterdir():
            number = number_of(file)
            if number is not None and number not in keep:
                with suppress(FileNotFoundError):
                    file.unlink()


@contextmanager
def _clear_write_errors(folder: Path) -> Iterator[None]:
    """A full disk (or file size limit) as DiskFull naming the file being written, a
    permission as PermissionDenied (should one change after `check_writable` asked), and
    a database found damaged as IndexDamaged; other errors as they are."""
    try:
        yield
    except OSError as error:
        if is_denied(error):
            raise denied(error.filename or folder, "write", WRITING) from error
        if error.errno not in _FULL:
            raise
        raise DiskFull(f"{error.strerror[:1].lower()}{error.strerror[1:]} while writing "
                       f"{error.filename or 'the index'}; nothing was changed") from error
    except sqlite3.Error as error:
        if sqlite.is_full(error):
            raise DiskFull(f"no space left on device while writing index.sqlite ({error}); "
                           f"nothing was changed") from error
        if sqlite.is_read_only(error):
            raise denied(folder / DATABASE, "write", WRITING) from error
        if sqlite.is_damage(error):
            raise _damaged(folder, f"index.sqlite: {error}") from error
        raise


def _nearest_existing(folder: Path) -> Path:
    """The folder itself, or the nearest of its parents that exists: where a new index
    would be made."""
    return next((p for p in (folder, *folder.parents) if p.exists()), folder)


def _written_dimension(db: sqlite3.Connection) -> int | None:
    """The dimension the last write recorded in index.sqlite's copy of the manifest."""
    try:
        return int(json.loads(sqlite.get_meta(db, "manifest", "{}"))["dimension"])
    except (KeyError, TypeError, ValueError):
        return None


def _folder_bytes(folder: Path) -> int:
    """Bytes of the files in the folder; a writer may remove one while they are counted."""
    total = 0
    for entry in os.scandir(folder):
        with suppress(FileNotFoundError):
            total += entry.stat().st_size if entry.is_file() else 0
    return total


def _segment_list(db: sqlite3.Connection) -> list[tuple[int, int]]:
    """(segment number, chunks when written), oldest first."""
    return [tuple(pair) for pair in json.loads(sqlite.get_meta(db, "segments", "[]"))]


