"""The SQLite half of an index folder: articles, chunks, sentences, entities and tombstones.

SQLite is the source of truth and the unit of atomicity: a write puts its rows,
the list of segments and the generation number in one transaction, so a write
killed at any point leaves the previous generation whole. The reads `Store` shares
between the kinds (`articles`, `chunks`, `sentences`, `entities`, `document_rows`,
`get_meta`) have the same signatures as `index.postgres.tables`'s.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from urllib.parse import quote

import numpy as np

from index.ingest.articles import Article
from index.ingest.chunking import Chunk
from index.ingest.copies import CopyGroup, Signature, groups_from_rows
from index.ingest.nlp import Entity, Sentence
from index.store import (
    ARTICLE_COLUMNS,
    article_from_row,
    entities_by_article,
    sentences_by_article,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, path TEXT, hash TEXT NOT NULL, title TEXT, date TEXT,
    url TEXT, source TEXT, text TEXT NOT NULL, indexed_at REAL NOT NULL, extra TEXT);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL, n_tokens INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS sentences (
    doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL, start INTEGER NOT NULL,
    end INTEGER NOT NULL, vector BLOB, PRIMARY KEY (doc_id, ordinal)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entities (
    doc_id TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, label TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS entities_by_doc ON entities(doc_id);
CREATE TABLE IF NOT EXISTS dead_chunks (chunk_id INTEGER PRIMARY KEY);
"""
# Tables added since the first release: made with the others in a new index, and on the
# first writable open of an older one (`_upgrade`). Copies of one story
# (`index.ingest.copies`): each article's signature and the original of its group, its
# LSH band keys, and the pairs found to be copies (both ways round). Followed feeds
# (`index.follow`) and what is remembered of their items.
ADDED_TABLES = """
CREATE TABLE IF NOT EXISTS copies (
    doc_id TEXT PRIMARY KEY, shingles INTEGER NOT NULL, minhash BLOB NOT NULL,
    wire TEXT NOT NULL, by_wire INTEGER NOT NULL, published TEXT NOT NULL, original TEXT);
CREATE INDEX IF NOT EXISTS copies_by_original ON copies(original);
CREATE TABLE IF NOT EXISTS copy_bands (
    key INTEGER NOT NULL, doc_id TEXT NOT NULL, PRIMARY KEY (key, doc_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS copy_links (
    doc_id TEXT NOT NULL, other TEXT NOT NULL, shared REAL NOT NULL,
    PRIMARY KEY (doc_id, other)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY, title TEXT NOT NULL, added REAL NOT NULL, etag TEXT NOT NULL,
    modified TEXT NOT NULL, last_fetch REAL NOT NULL, last_ok REAL NOT NULL,
    last_error TEXT NOT NULL, failures INTEGER NOT NULL, next_fetch REAL NOT NULL);
CREATE TABLE IF NOT EXISTS feed_items (
    feed TEXT NOT NULL, key TEXT NOT NULL, link TEXT NOT NULL, guid TEXT NOT NULL,
    updated TEXT NOT NULL, doc_id TEXT NOT NULL, error TEXT NOT NULL, tries INTEGER NOT NULL,
    next_try REAL NOT NULL, seen REAL NOT NULL, PRIMARY KEY (feed, key)) WITHOUT ROWID;
"""
MARK = "?"

# Columns added since the first release, with their type: an index made before them gets
# them on its first writable open (`_upgrade`), and reads of one that cannot be written
# (`check`, a read-only mount) see them as NULL.
_ADDED_COLUMNS = {"documents": {"extra": "TEXT"}}
TABLES = ("meta", "documents", "chunks", "sentences", "entities", "dead_chunks")
# Primary result codes (https://sqlite.org/rescode.html).
SQLITE_READONLY, SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = (
    8, 10, 11, 13, 14, 26)


def connect(path: Path, create: bool = True, read_only: bool = False) -> sqlite3.Connection:
    """Autocommit connection in WAL mode: readers keep a snapshot while a writer commits.

    Without `create` the file must exist and is not given tables: an index whose
    database was deleted or emptied must be reported, never replaced by an empty one
    that would then overwrite the segments of the old one. `read_only`: a reader's
    connection (`open_reader`), which no statement can write through.
    """
    if read_only:
        return open_reader(path)[0]
    db = _open(path, None if create else "rw")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    if create:
        db.executescript(SCHEMA)
    _upgrade(db)
    return db


def _open(path: Path, mode: str | None) -> sqlite3.Connection:
    target = f"file:{quote(str(path))}?mode={mode}" if mode else path
    return sqlite3.connect(target, uri=bool(mode), isolation_level=None,
                           check_same_thread=False, timeout=30)


def open_reader(path: Path) -> tuple[sqlite3.Connection, bool]:
    """(a connection that reads and never writes, whether it is `immutable`).

    Reading needs no write access, and leaves no file behind. Where this user may write
    the database and its folder, the file is opened for writing (SQLite then folds the WAL
    back into the file when the last connection closes, and removes the -wal and -shm
    files) and `query_only` refuses every statement that writes. Where it may not, a reader
    could neither remove the -wal and -shm files it made nor, in a folder it cannot
    write, make them at all: while no writer is at work (no -shm file) the file is read
    as it is on disk (`immutable`), and such a reader reopens as an ordinary one once a
    writer has made the -shm file (`is_stale`), sharing it read-only.
    """
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    if writable or Path(f"{path}-shm").exists():
        try:
            return _probed(path, "rw"), False
        except sqlite3.OperationalError:
            if writable:
                raise
    return _probed(path, "ro&immutable=1"), True


def _probed(path: Path, mode: str) -> sqlite3.Connection:
    """A query-only connection in `mode` that has read the schema (where opening fails)."""
    db = _open(path, mode)
    try:
        db.execute("PRAGMA query_only=ON")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        db.close()
        raise
    return db


def is_stale(path: Path, immutable: bool) -> bool:
    """Whether an immutable reader of `path` must reopen: a writer has begun meanwhile."""
    return immutable and Path(f"{path}-shm").exists()


def _upgrade(db: sqlite3.Connection) -> None:
    """Add the columns and tables an older index lacks (SQLite adds a column without
    rewriting rows). A database that cannot be written keeps its columns; `_doc_columns`
    reads around them, and the added tables' readers read none."""
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'documents'").fetchone():
        with suppress(sqlite3.OperationalError):  # read-only file: read around it
            db.executescript(ADDED_TABLES)
    for table, columns in _ADDED_COLUMNS.items():
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if not have:
            continue
        for name, kind in columns.items():
            if name not in have:
                with suppress(sqlite3.OperationalError):  # read-only file: read around it
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")


def _doc_columns(db: sqlite3.Connection) -> str:
    """The article columns to select, with NULL for any an unwritable old index lacks."""
    have = {row[1] for row in db.execute("PRAGMA table_info(documents)")}
    return ", ".join(c if c in have else f"NULL AS {c}" for c in ARTICLE_COLUMNS.split(", "))


def is_damage(error: sqlite3.Error) -> bool:
    """Whether SQLite says the file itself is bad (corrupt, not a database, unreadable),
    rather than busy or misused."""
    return getattr(error, "sqlite_errorcode", 0) & 0xFF in (SQLITE_IOERR, SQLITE_CORRUPT,
                                                            SQLITE_CANTOPEN, SQLITE_NOTADB)


def is_read_only(error: BaseException) -> bool:
    """SQLite's "attempt to write a readonly database" (a file or folder it may not write)."""
    return getattr(error, "sqlite_errorcode", 0) & 0xFF == SQLITE_READONLY


def is_full(error: BaseException) -> bool:
    """SQLite's "database or disk is full"."""
    return getattr(error, "sqlite_errorcode", 0) & 0xFF == SQLITE_FULL


def get_meta(db: sqlite3.Connection, key: str, default: str = "") -> str:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else default


def set_meta(db: sqlite3.Connection, **values: object) -> None:
    db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                   [(k, str(v)) for k, v in values.items()])


def _in_batches(db: sqlite3.Connection, query: str, values: Iterable) -> list[tuple]:
    """Rows of `query` (with one `IN ({marks})`) for any number of values."""
    values = list(values)
    rows: list[tuple] = []
    for i in range(0, len(values), 500):
        part = values[i:i + 500]
        rows += db.execute(query.format(marks=",".join("?" * len(part))), part).fetchall()
    return rows


def hashes(db: sqlite3.Connection, doc_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Content hashes of the documents named (of all, without names): a write that adds one
    article reads one row, not one per article in the index."""
    if doc_ids is None:
        return dict(db.execute("SELECT doc_id, hash FROM documents"))
    return dict(_in_batches(db, "SELECT doc_id, hash FROM documents WHERE doc_id IN ({marks})",
                            doc_ids))


def sources(db: sqlite3.Connection, doc_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(path, content hash) of the documents named: whose the ids a write wants already are."""
    return {doc_id: (path or "", content_hash) for doc_id, path, content_hash in _in_batches(
        db, "SELECT doc_id, path, hash FROM documents WHERE doc_id IN ({marks})", doc_ids)}


def numbered_sources(db: sqlite3.Connection, doc_id: str) -> dict[str, tuple[str, str]]:
    """The same for `doc_id-2`, `doc_id-3`, ...: where a clashing article may already sit."""
    rows = db.execute("SELECT doc_id, path, hash FROM documents WHERE substr(doc_id, 1, ?) = ? "
                      "AND substr(doc_id, ?) GLOB '[0-9]*' AND substr(doc_id, ?) NOT GLOB '*[^0-9]*'",
                      (len(doc_id) + 1, doc_id + "-", len(doc_id) + 2, len(doc_id) + 2))
    return {d: (path or "", content_hash) for d, path, content_hash in rows}


def chunk_ids_of(db: sqlite3.Connection, doc_ids: Iterable[str]) -> list[int]:
    return [r[0] for r in _in_batches(db, "SELECT chunk_id FROM chunks WHERE doc_id IN ({marks})",
                                      doc_ids)]


def documents_of(db: sqlite3.Connection, chunk_ids: Iterable[int]) -> list[str]:
    """The articles the chunks belong to, sorted."""
    return sorted({r[0] for r in _in_batches(
        db, "SELECT DISTINCT doc_id FROM chunks WHERE chunk_id IN ({marks})", chunk_ids)})


def dead_chunks(db: sqlite3.Connection) -> np.ndarray:
    """Chunks replaced or removed whose vectors still sit in a segment file."""
    return np.array([r[0] for r in db.execute("SELECT chunk_id FROM dead_chunks")], dtype=np.int64)


def bury(db: sqlite3.Connection, chunk_ids: Iterable[int]) -> None:
    db.executemany("INSERT OR IGNORE INTO dead_chunks VALUES (?)", [(int(c),) for c in chunk_ids])


def forget_dead(db: sqlite3.Connection, chunk_ids: Iterable[int]) -> None:
    """Tombstones of chunks a merge has left out of every segment are no longer needed."""
    db.executemany("DELETE FROM dead_chunks WHERE chunk_id = ?", [(int(c),) for c in chunk_ids])


def delete_documents(db: sqlite3.Connection, doc_ids: Iterable[str]) -> None:
    """The articles' rows; their copies' rows go first, through `Copies.remove`."""
    for table in ("documents", "chunks", "sentences", "entities"):
        db.executemany(f"DELETE FROM {table} WHERE doc_id = ?", [(d,) for d in doc_ids])


def insert_document(db: sqlite3.Connection, article: Article, now: float, chunks: Sequence[Chunk],
                    sentences: Sequence[Sentence], vectors: np.ndarray,
                    entities: Sequence[Entity]) -> None:
    a = article
    db.execute("INSERT INTO documents (doc_id, path, hash, title, date, url, source, text, "
               "indexed_at, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               (a.doc_id, a.path, a.content_hash, a.title, a.date, a.url, a.source, a.text, now,
                json.dumps(a.extra) if a.extra else None))
    db.executemany("INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
                   [(c.chunk_id, a.doc_id, c.ordinal, c.start, c.end, c.n_tokens) for c in chunks])
    db.executemany("INSERT INTO sentences VALUES (?, ?, ?, ?, ?)",
                   [(a.doc_id, i, s.start, s.end, v.astype(np.float16).tobytes())
                    for i, (s, v) in enumerate(zip(sentences, vectors, strict=True))])
    db.executemany("INSERT INTO entities VALUES (?, ?, ?, ?)",
                   [(a.doc_id, e.start, e.end, e.label) for e in entities])


def articles(db: sqlite3.Connection, doc_ids: Sequence[str]) -> dict[str, Article]:
    rows = _in_batches(db, f"SELECT {_doc_columns(db)} FROM documents WHERE doc_id IN ({{marks}})",
                       doc_ids)
    return {row[0]: article_from_row(row) for row in rows}


def document_rows(db: sqlite3.Connection) -> list[dict]:
    query = """SELECT d.doc_id, d.title, d.date, d.path, d.indexed_at, COUNT(c.chunk_id)
               FROM documents d LEFT JOIN chunks c ON c.doc_id = d.doc_id
               GROUP BY d.doc_id ORDER BY d.doc_id"""
    keys = ("doc_id", "title", "date", "path", "indexed_at", "chunks")
    return [dict(zip(keys, row, strict=True)) for row in db.execute(query)]


def chunks(db: sqlite3.Connection, chunk_ids: Sequence[int]) -> dict[int, Chunk]:
    marks = ",".join("?" * len(chunk_ids))
    rows = db.execute(f"SELECT doc_id, ordinal, start, end, n_tokens, chunk_id FROM chunks "
                      f"WHERE chunk_id IN ({marks})", list(chunk_ids))
    return {row[5]: Chunk(*row) for row in rows}


def sentences(db: sqlite3.Connection, doc_ids: Sequence[str], dimension: int
              ) -> dict[str, tuple[list[Sentence], np.ndarray]]:
    """Per article: its sentences in order and their vectors (float32, one row each)."""
    return sentences_by_article(doc_ids, _in_batches(
        db, "SELECT doc_id, start, end, vector FROM sentences WHERE doc_id IN ({marks}) "
            "ORDER BY doc_id, ordinal", doc_ids), dimension)


def entities(db: sqlite3.Connection, doc_ids: Sequence[str]) -> dict[str, list[Entity]]:
    return entities_by_article(doc_ids, _in_batches(
        db, "SELECT doc_id, start, end, label FROM entities WHERE doc_id IN ({marks}) "
            "ORDER BY doc_id, start", doc_ids))


def salvage(db: sqlite3.Connection) -> tuple[list[Article], set[str], bool]:
    """What can still be read of a damaged database: the articles whose rows read, the ids
    of every article any table still names, and whether the documents table read whole
    (if not, articles may be gone that nothing names). Rows are read from both ends, so
    a bad page in the middle costs only the rows on it."""
    found: dict[str, Article] = {}
    known: set[str] = set()
    whole = True
    try:
        columns = _doc_columns(db)
    except sqlite3.Error:
        columns = ARTICLE_COLUMNS.replace(", extra", ", NULL AS extra")
    queries = [(f"SELECT {columns} FROM documents", True)]
    queries += [(f"SELECT doc_id FROM {table}", False) for table in ("chunks", "entities")]
    for query, documents in queries:
        for order in ("ASC", "DESC"):
            try:
                for row in db.execute(f"{query} ORDER BY rowid {order}"):
                    if documents:
                        found.setdefault(row[0], article_from_row(row))
                    known.add(row[0])
                break
            except sqlite3.Error:
                whole = whole and not documents
    return list(found.values()), known, whole


def counts(db: sqlite3.Connection) -> tuple[int, int]:
    docs = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    n_chunks = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    return docs, n_chunks


def _has_copies(db: sqlite3.Connection) -> bool:
    """Whether the copies tables are there: an old index opened read-only has none."""
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = 'copies'").fetchone() is not None


def copy_groups(db: sqlite3.Connection, doc_ids: Sequence[str]) -> dict[str, CopyGroup]:
    """The group of prints each of the articles is in, for those in one."""
    if not doc_ids or not _has_copies(db):
        return {}
    heads = {r[0] for r in _in_batches(db, "SELECT original FROM copies WHERE doc_id IN ({marks}) "
                                           "AND original IS NOT NULL", doc_ids)}
    return groups_from_rows(_in_batches(db, "SELECT doc_id, original, wire FROM copies "
                                            "WHERE original IN ({marks})", heads))


class Copies:
    """`index.ingest.copies.CopyRows` in SQLite, on the write's connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def unsigned(self) -> list[Article]:
        """Looked for only until every article has been signed once (a meta flag)."""
        if get_meta(self.db, "copies_signed") == "1":
            return []
        ids = [r[0] for r in self.db.execute(
            "SELECT doc_id FROM documents WHERE doc_id NOT IN (SELECT doc_id FROM copies)")]
        set_meta(self.db, copies_signed=1)
        return list(articles(self.db, ids).values()) if ids else []

    def unsign(self) -> tuple:
        """A write that did not look for copies: the next one that does signs what it left."""
        set_meta(self.db, copies_signed=0)
        return ()

    def add_signatures(self, signatures: Sequence[Signature]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO copies VALUES (?, ?, ?, ?, ?, ?, NULL)",
                            [(s.doc_id, s.shingles, s.minhash, s.wire, int(s.by_wire), s.published)
                             for s in signatures])
        self.db.executemany("INSERT OR IGNORE INTO copy_bands VALUES (?, ?)",
                            [(key, s.doc_id) for s in signatures for key in s.band_keys])

    def signatures(self, doc_ids: Iterable[str]) -> dict[str, Signature]:
        rows = _in_batches(self.db, "SELECT doc_id, shingles, minhash, wire, by_wire, published "
                                    "FROM copies WHERE doc_id IN ({marks})", doc_ids)
        return {r[0]: Signature(r[0], r[1], bytes(r[2]), r[3], bool(r[4]), r[5]) for r in rows}

    def sharing(self, keys: Iterable[int]) -> list[tuple[int, str]]:
        return _in_batches(self.db, "SELECT key, doc_id FROM copy_bands WHERE key IN ({marks})", keys)

    def add_links(self, links: Sequence[tuple[str, str, float]]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO copy_links VALUES (?, ?, ?)",
                            [row for a, b, shared in links for row in ((a, b, shared), (b, a, shared))])

    def linked(self, doc_ids: Iterable[str]) -> set[str]:
        return {r[0] for r in _in_batches(self.db, "SELECT other FROM copy_links "
                                                   "WHERE doc_id IN ({marks})", doc_ids)}

    def group_of(self, doc_ids: Iterable[str]) -> set[str]:
        ids = list(doc_ids)
        heads = {r[0] for r in _in_batches(self.db, "SELECT original FROM copies WHERE doc_id IN "
                                                    "({marks}) AND original IS NOT NULL", ids)}
        return set(ids) | {r[0] for r in _in_batches(
            self.db, "SELECT doc_id FROM copies WHERE original IN ({marks})", heads)}

    def set_originals(self, originals: dict[str, str | None]) -> None:
        self.db.executemany("UPDATE copies SET original = ? WHERE doc_id = ?",
                            [(head, doc_id) for doc_id, head in originals.items()])

    def remove(self, doc_ids: Iterable[str]) -> None:
        ids = list(doc_ids)
        for doc_id, signature in self.signatures(ids).items():
            self.db.executemany("DELETE FROM copy_bands WHERE key = ? AND doc_id = ?",
                                [(key, doc_id) for key in signature.band_keys])
        others = _in_batches(self.db, "SELECT other, doc_id FROM copy_links WHERE doc_id IN ({marks})", ids)
        self.db.executemany("DELETE FROM copy_links WHERE doc_id = ? AND other = ?", others)
        self.db.executemany("DELETE FROM copy_links WHERE doc_id = ?", [(d,) for d in ids])
        self.db.executemany("DELETE FROM copies WHERE doc_id = ?", [(d,) for d in ids])
