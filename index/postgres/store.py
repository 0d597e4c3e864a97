"""The PostgreSQL kind of `index.store.Index`: pgvector and BM25 tables, shared by many processes.

    idx = Index.open("postgresql://user@db.example/news")   # a PostgresIndex
    idx.build(["articles/"]); idx.lexical_search("Takaichi", 10); idx.status()

Why it exists: a folder has one writer and lives on one machine. Here every page
server, `watch` and build on any machine reads and writes one database at once.

- Reads: each `snapshot()` is one REPEATABLE READ, READ ONLY transaction, so a
  question's dense search, BM25 and passages see one state of the index while
  writers commit; the next snapshot sees their articles at once.
- Writes: articles are read and embedded outside any transaction (the slow part, so a
  long build holds no lock), then one short transaction takes an advisory lock per
  article id (two writers of one article queue, writers of different ones do not),
  settles the ids (`index.ingest.claims.assign`) and the unchanged articles again under those
  locks, replaces rows and commits. A writer killed at any point leaves nothing half
  written: PostgreSQL rolls its transaction back.
- Lexical search is BM25 computed in SQL from term frequencies (see `index.postgres.bm25`).

What both kinds do alike is in `index.store.Store`, which this class derives from.
psycopg and pgvector are imported only here, and only when a `postgresql://` index is
opened: the folder index never needs them.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shlex
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote

import numpy as np

from index.display import one_line
from index.errors import ActionNeeded, DiskFull, IndexBusy
from index.ingest import copies
from index.ingest.articles import Article, Skipped
from index.ingest.chunking import DEFAULT_MAX_TOKENS
from index.ingest.claims import assign
from index.ingest.skips import remember as remember_skips
from index.location import masked
from index.model.embedder import Embedder, configured_model
from index.postgres import bm25, tables
from index.results import Findings, Problem, Repair, Report
from index.store import Location, Progress, Rows, Store, Tally, split_removals

# How long a write waits for another writer of the same articles before IndexBusy, when
# the caller set no longer `write_wait`: such waits last one short transaction.
LOCK_WAIT_SECONDS = 30.0
# A write that loses a race (a deadlock between two writers' locks, an id taken meanwhile)
# starts its transaction again, at most this many times.
WRITE_ATTEMPTS = 5
CONNECT_TIMEOUT_SECONDS = 10
# The parts `check` names that `repair` makes again from the rows: the HNSW index, and
# BM25's tables, which are always made together.
_VECTOR_INDEX = "index chunks_embedding"
_COUNTED = ("table postings", "table vocabulary", "table totals")
# Serializes schema creation across processes (pg_advisory_xact_lock's key).
_CREATE_LOCK = 0x6E657773
# Serializes the copy finding of writes (`index.ingest.copies`).
_COPIES_LOCK = 0x636F7079
DEFAULT_SCHEMA = "newsqa"


# psycopg logs the errors it meets while cleaning up after another (a COPY ended by a
# server that went away: "error ignored terminating <Copy>"). With no handler anywhere,
# Python would print them to stderr above the one `error:` line that already says what
# happened; a program that configures logging still gets them.
logging.getLogger("psycopg").addHandler(logging.NullHandler())


def _driver() -> Any:
    """psycopg, or an error saying which extra to install."""
    try:
        import pgvector.psycopg  # noqa: F401  (checked here, used in _connect)
        import psycopg
    except ImportError as error:
        raise ActionNeeded("a postgresql:// index needs the postgres extra: "
                           "pip install 'newsqa[postgres]' (psycopg and pgvector)") from error
    return psycopg


def split_schema(uri: str) -> tuple[str, str]:
    """(the URI for libpq, the schema the index's tables live in): `?schema=NAME` picks
    one (several indexes in one database), else `newsqa`. libpq itself knows no such
    parameter, so it is taken out here, and nothing else is touched: a URI taken apart
    and put together again loses the `//` of one with no host (`postgresql:///news`)."""
    base, hashmark, fragment = uri.strip().partition("#")
    head, _, query = base.partition("?")
    schema = next((v for k, v in parse_qsl(query, keep_blank_values=True) if k == "schema"),
                  "") or DEFAULT_SCHEMA
    kept = "&".join(part for part in query.split("&")
                    if part and unquote(part.split("=", 1)[0]) != "schema")
    return f"{head}{'?' if kept else ''}{kept}{hashmark}{fragment}", schema


def _reason(error: BaseException, secret: str = "") -> str:
    """A driver error as one line, without the password even if the driver quoted it."""
    text = one_line(str(error).removeprefix("connection failed: "), 240)
    return text.replace(secret, "***") if secret else text


@dataclasses.dataclass(frozen=True)
class _Target:
    """Where to connect: libpq's URI, the schema of the index's tables, and how to show it."""

    uri: str
    schema: str
    shown: str
    password: str

    @classmethod
    def parse(cls, location: str) -> _Target:
        psycopg = _driver()
        uri, schema = split_schema(location)
        try:
            password = psycopg.conninfo.conninfo_to_dict(uri).get("password") or ""
        except psycopg.Error as error:
            raise ActionNeeded(f"{masked(location)} is not a PostgreSQL URI libpq can read: "
                               f"{_reason(error)}") from None
        return cls(uri, schema, masked(location), str(password))


class PostgresIndex(Store):
    """An index in a PostgreSQL database: `Index.open("postgresql://...")`."""

    kind: ClassVar[str] = "postgres"
    rows: ClassVar[Rows] = tables
    path: str

    def __init__(self, target: _Target, embedder_name: str, manifest: dict) -> None:
        # `path`: where it is, as it may be shown: never the password. `write_wait`: how
        # long a write waits for other writers of the same articles (the page sets 120).
        super().__init__(target.shown, embedder_name, manifest)
        self._target = target
        self._conn: Any = None

    # Opening ---------------------------------------------------------------

    @classmethod
    def open(cls, location: Location, embedder: str | None = None,
             create: bool = True) -> PostgresIndex:
        """Open the index in the database at `location`; with `create`, make its tables
        (and the pgvector extension) when the schema has none. Without `create`, a
        database that holds no index is an error and nothing is written to it."""
        target = _Target.parse(str(location))
        name = Embedder.canonical(embedder or configured_model())
        with _connection(target, vectors=False) as conn:
            manifest = _read_manifest(conn, target)
            if manifest is None:
                if not create:
                    raise ActionNeeded(f"no index at {target.shown}: build one with "
                                       f"`python -m index build PATH --index {target.shown}`")
                manifest = _create(conn, target, name)
            else:
                _add_tables(conn)
        cls.refuse_unreadable(target.shown, manifest, str(tables.SCHEMA_VERSION), name, "schema")
        manifest = {**manifest, "dimension": int(manifest["dimension"]),
                    "chunk_max_tokens": int(manifest.get("chunk_max_tokens", DEFAULT_MAX_TOKENS))}
        return cls(target, name, manifest)

    @classmethod
    def check_at(cls, location: Location) -> Findings:
        """What `check` finds in the database's index (which must exist)."""
        index = cls.open(location, create=False)
        try:
            return index.check()
        finally:
            index.close()

    @classmethod
    def repair_at(cls, location: Location, progress: Progress | None = None,
                  accept_loss: bool = False) -> Repair:
        """What the stored rows can make again, made again: the HNSW index from the chunks'
        vectors, and BM25's postings, vocabulary and totals from the articles' texts, in one
        transaction that writers wait behind. Nothing is deleted that a row does not give
        back, so no article can be lost (`accept_loss` has nothing to accept). What only a
        person can mend (the extension, chunks or sentences that are gone) is left, named."""
        started = time.perf_counter()
        index = cls.open(location, create=False)
        try:
            findings = index.check()
            if findings.healthy:
                return Repair(findings.path)
            rebuilt = index._rebuild([p.file for p in findings.problems])
            left = index.check()
        finally:
            index.close()
        return Repair(findings.path, findings.problems, rebuilt=rebuilt, unmended=left.problems,
                      advice=left.advice, seconds=time.perf_counter() - started)

    def _rebuild(self, broken: Sequence[str]) -> tuple[str, ...]:
        """Make again the parts named in `broken` (as `check` names them) that the rows
        hold; the parts made."""
        psycopg = _driver()
        counted = [part for part in _COUNTED if part in broken]
        vectors = _VECTOR_INDEX in broken
        try:
            with _connection(self._target) as conn, conn.transaction():
                if counted:
                    conn.execute("LOCK TABLE chunks, postings, vocabulary, totals "
                                 "IN SHARE ROW EXCLUSIVE MODE")
                    tables.recount_terms(conn)
                if vectors:
                    conn.execute("DROP INDEX IF EXISTS chunks_embedding")
                    conn.execute(tables.HNSW_INDEX)
        except psycopg.Error as error:
            raise ActionNeeded(f"repairing {self.path} failed, nothing was changed: "
                               f"{_reason(error, self._target.password)}") from error
        # Postings, vocabulary and totals are made together: one disagreeing means all are.
        return (*([_VECTOR_INDEX] if vectors else []), *(_COUNTED if counted else []))

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # Reading ---------------------------------------------------------------

    @contextmanager
    def _read_transaction(self) -> Iterator[None]:
        """One REPEATABLE READ, READ ONLY transaction on this object's connection (made
        again if it was lost); a driver error as one line without the password."""
        psycopg = _driver()
        try:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = _connect(self._target)
            with self._conn.transaction():
                self._conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield
        except psycopg.Error as error:
            raise ActionNeeded(f"reading {self.path} failed: "
                               f"{_reason(error, self._target.password)}") from error

    def dense_search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(chunk id, cosine) pairs, best first."""
        with self.snapshot():
            return tables.dense(self._conn, vector, k)

    def lexical_search(self, text: str, k: int) -> list[tuple[int, float]]:
        """(chunk id, BM25) pairs, best first."""
        with self.snapshot():
            return bm25.search(self._conn, text, k)

    def is_empty(self) -> bool:
        with self.snapshot():
            return self._conn.execute("SELECT NOT EXISTS (SELECT 1 FROM chunks)").fetchone()[0]

    def _tally(self) -> Tally:
        conn = self._conn
        docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        n_chunks = conn.execute("SELECT coalesce(sum(chunks), 0) FROM totals").fetchone()[0]
        generation, last = conn.execute(
            "SELECT count(*), coalesce(to_char(max(at), 'YYYY-MM-DD HH24:MI:SS'), '') "
            "FROM writes").fetchone()
        return Tally(int(docs), int(n_chunks), int(generation), last,
                     int(_schema_bytes(conn, self._target.schema)), layout="PostgreSQL")

    # Writing ---------------------------------------------------------------

    @contextmanager
    def _small_write(self) -> Iterator[Any]:
        """One transaction on a connection of its own."""
        psycopg = _driver()
        try:
            with _connection(self._target, vectors=False) as conn, conn.transaction():
                yield conn
        except psycopg.Error as error:
            raise ActionNeeded(f"writing to {self.path} failed, nothing was changed: "
                               f"{_reason(error, self._target.password)}") from error

    def compact(self) -> Report:
        """PostgreSQL's housekeeping: the per-write `totals` rows folded into one, terms no
        chunk holds any more dropped from `vocabulary`, then
        VACUUM ANALYZE, which frees the space of replaced rows (and their HNSW entries)
        for reuse and refreshes the planner's statistics. Never needed for correctness;
        autovacuum does the same in time."""
        started = time.perf_counter()
        psycopg = _driver()
        try:
            with _connection(self._target) as conn:
                with conn.transaction():
                    conn.execute("LOCK TABLE totals IN EXCLUSIVE MODE")
                    conn.execute("WITH gone AS (DELETE FROM totals RETURNING chunks, length) "
                                 "INSERT INTO totals SELECT coalesce(sum(chunks), 0), "
                                 "coalesce(sum(length), 0) FROM gone")
                    conn.execute("DELETE FROM vocabulary WHERE df = 0")
                for table in tables.TABLES:
                    conn.execute(f"VACUUM (ANALYZE) {table}")
        except psycopg.Error as error:
            raise ActionNeeded(f"compacting {self.path} failed: "
                               f"{_reason(error, self._target.password)}") from error
        return Report(seconds=time.perf_counter() - started)

    def _write(self, articles: list[Article], removals: list[str], skipped: list[Skipped],
               progress: Progress | None, started: float, *, replace: bool = False,
               prune: bool = False, remember: bool = False, sources: Iterable[Location] = (),
               workers: int = 1) -> Report:
        """Embed what looks new outside any transaction, then write in one transaction
        (retried when it loses a race with another writer). `sources` are not kept: a
        database is never rebuilt from files, so `repair` needs none."""
        psycopg = _driver()
        with self.snapshot():
            planned = assign(articles, lambda ids: tables.sources(self._conn, ids),
                             lambda doc_id: tables.numbered_sources(self._conn, doc_id), replace)
            known = tables.hashes(self._conn, [a.doc_id for a in planned.articles])
        fresh = [a for a in planned.articles if known.get(a.doc_id) != a.content_hash]
        embedding = self._embed(fresh, 0, progress, workers)
        embedded = {row[0].content_hash: row for row in embedding.rows}
        failed = embedding.skipped
        try:
            with _connection(self._target) as conn:
                for attempt in range(WRITE_ATTEMPTS):
                    try:
                        with conn.transaction():
                            report = self._write_in_transaction(
                                conn, articles, removals, [*skipped, *failed], embedded,
                                {a.content_hash for a in fresh}, replace, prune, remember,
                                started)
                        report = dataclasses.replace(report, workers=embedding.workers,
                                                     pool=embedding.pool)
                        break
                    except (psycopg.errors.DeadlockDetected, psycopg.errors.UniqueViolation,
                            psycopg.errors.SerializationFailure):
                        if attempt == WRITE_ATTEMPTS - 1:
                            raise
                        time.sleep(0.05 * (attempt + 1))
        except psycopg.errors.DiskFull as error:
            raise DiskFull(f"the database server of {self.path} is out of space "
                           f"({_reason(error, self._target.password)}); nothing was changed"
                           ) from error
        except psycopg.errors.LockNotAvailable as error:
            raise IndexBusy(f"index {self.path}: another writer held these articles for over "
                            f"{self._lock_wait():.0f} s; try again when it has finished") from error
        except psycopg.Error as error:
            raise ActionNeeded(f"writing to {self.path} failed, nothing was changed: "
                               f"{_reason(error, self._target.password)}") from error
        return report

    def _lock_wait(self) -> float:
        return max(self.write_wait, LOCK_WAIT_SECONDS)

    def _write_in_transaction(self, conn: Any, articles: list[Article], removals: list[str],
                              skipped: list[Skipped], embedded: dict[str, tuple],
                              tried: set[str], replace: bool, prune: bool, remember: bool,
                              started: float) -> Report:
        """Lock the articles' ids, settle them, replace their rows. `embedded`: rows made
        before the transaction, by content hash; `tried`: the hashes embedding was tried
        for (those that failed are in `skipped`). An article found to need rows only now,
        changed back by another writer meanwhile, is embedded here."""
        conn.execute("SELECT set_config('lock_timeout', %s, true)",
                     (f"{int(self._lock_wait() * 1000)}ms",))
        _lock_ids(conn, [a.doc_id for a in articles] + removals)
        named = assign(articles, lambda ids: tables.sources(conn, ids),
                       lambda doc_id: tables.numbered_sources(conn, doc_id), replace)
        targets = [a.doc_id for a in named.articles]
        if prune:
            seen = set(targets)
            removals = [d for d in tables.hashes(conn) if d not in seen]
        _lock_ids(conn, targets + removals)
        known = tables.hashes(conn, targets + removals)
        removals, missing = split_removals(removals, known)
        fresh = [a for a in named.articles if known.get(a.doc_id) != a.content_hash]
        unchanged = tuple(a.doc_id for a in named.articles if known.get(a.doc_id) == a.content_hash)
        skipped = [*skipped, *named.skipped, *missing]
        late = [a for a in fresh if a.content_hash not in tried]
        if late:
            again = self._embed(late, 0)
            embedded = {**embedded, **{row[0].content_hash: row for row in again.rows}}
            skipped += again.skipped
        rows = [_as(embedded[a.content_hash], a) for a in fresh if a.content_hash in embedded]
        rows = _numbered(conn, rows)
        replaced = [row[0].doc_id for row in rows if row[0].doc_id in known]
        if remember:
            previous = tables.get_meta(conn, "skipped_files", "[]", lock=True)
            tables.set_meta(conn, skipped_files=remember_skips(previous, articles, skipped))
        if not rows and not removals:
            return Report(unchanged=len(unchanged), skipped=tuple(skipped),
                          seconds=time.perf_counter() - started, unchanged_ids=unchanged,
                          renamed=named.renamed)
        # Copies are looked for one writer at a time: two writers of prints of one story
        # must each see the other's signatures.
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_COPIES_LOCK,))
        copy_rows = tables.Copies(conn)
        regroup = copies.forget(copy_rows, replaced + removals)
        gone_chunks, gone_length, gone_terms = tables.delete_documents(conn, replaced + removals)
        new_chunks, new_length, new_terms = tables.insert_documents(conn, rows, time.time())
        found = copies.settle(copy_rows, [row[0] for row in rows], regroup) \
            if self.find_copies else copy_rows.unsign()
        conn.execute("INSERT INTO totals VALUES (%s, %s)",
                     (new_chunks - gone_chunks, new_length - gone_length))
        new_terms.subtract(gone_terms)
        bm25.count_terms(conn, new_terms)  # last: its row locks are held the shortest
        written = [row[0].doc_id for row in rows]
        report = Report(added=len(written) - len(replaced), updated=len(replaced),
                        removed=len(removals), unchanged=len(unchanged),
                        chunks_embedded=new_chunks, skipped=tuple(skipped),
                        seconds=time.perf_counter() - started,
                        added_ids=tuple(d for d in written if d not in known),
                        updated_ids=tuple(replaced), unchanged_ids=unchanged,
                        removed_ids=tuple(removals), renamed=named.renamed, copies=found)
        conn.execute("INSERT INTO writes (added, updated, removed, chunks) VALUES (%s, %s, %s, %s)",
                     (report.added, report.updated, report.removed, report.chunks_embedded))
        return report

    # Checking --------------------------------------------------------------

    def check(self) -> Findings:
        """What is wrong with the index, found without writing: the extension and the HNSW
        index present and valid, and the tables agreeing with each other."""
        with self.snapshot():
            problems = _inspect(self._conn, int(self.manifest["dimension"]))
            conn = self._conn
            docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
            n_chunks = conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
            generation = conn.execute("SELECT count(*) FROM writes").fetchone()[0]
        return Findings(self.path, tuple(problems), int(docs), int(n_chunks), 0, int(generation),
                        kind=self.kind, layout="PostgreSQL", advice=self._advice(problems))

    def _advice(self, problems: Sequence[Problem]) -> str:
        """What to do about the problems: `repair` for what the rows can make again, the
        database itself for the rest. The URI is the one given, its password masked."""
        where = shlex.quote(self.path)
        mendable = [p for p in problems if p.file in (_VECTOR_INDEX, *_COUNTED)]
        repair = f"`python -m index repair --index {where}` rebuilds "
        if len(mendable) == len(problems):
            return f"{repair}them from the stored rows"
        by_hand = (f"mend {'the rest' if mendable else 'them'} in the database, then "
                   f"`python -m index check --index {where}`")
        if not mendable:
            return by_hand
        return f"{repair}{', '.join(p.file for p in mendable)} from the stored rows; {by_hand}"


def _connect(target: _Target, vectors: bool = True) -> Any:
    """An autocommit connection whose search_path starts at the index's schema; `vectors`:
    with pgvector's types registered (the extension must exist)."""
    psycopg = _driver()
    try:
        conn = psycopg.connect(target.uri, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS,
                               application_name=f"newsqa pid {os.getpid()}")
    except psycopg.Error as error:
        raise ActionNeeded(f"cannot connect to {target.shown}: {_reason(error, target.password)}"
                          ) from None
    try:
        conn.execute("SELECT set_config('search_path', quote_ident(%s) || ', ' || "
                     "current_setting('search_path'), false)", (target.schema,))
        if vectors:
            from pgvector.psycopg import register_vector

            register_vector(conn)
    except psycopg.ProgrammingError as error:  # pgvector: "vector type not found"
        conn.close()
        raise ActionNeeded(f"{target.shown} has no pgvector extension (was it dropped?): "
                           f"{_reason(error, target.password)}; `CREATE EXTENSION vector` there "
                           f"brings it back") from None
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def _connection(target: _Target, vectors: bool = True) -> Iterator[Any]:
    psycopg = _driver()
    conn = _connect(target, vectors)
    try:
        yield conn
    except psycopg.errors.UndefinedTable as error:
        raise ActionNeeded(f"{target.shown} lacks a table of the index "
                           f"({_reason(error, target.password)}); run `python -m index check "
                           f"--index {target.shown}`") from error
    finally:
        conn.close()


def _read_manifest(conn: Any, target: _Target) -> dict | None:
    """The index's settings from its `meta` table; None when the schema holds no index."""
    exists = conn.execute("SELECT to_regclass(quote_ident(%s) || '.meta') IS NOT NULL",
                          (target.schema,)).fetchone()[0]
    if not exists:
        return None
    return dict(conn.execute("SELECT key, value FROM meta WHERE key IN "
                             "('schema', 'embedder', 'dimension', 'tokenizer', "
                             "'chunk_max_tokens')").fetchall())


def _create(conn: Any, target: _Target, name: str) -> dict:
    """Make the extension, the schema and its tables, once even if several processes try."""
    psycopg = _driver()
    # Loaded before the lock is taken: other processes need not wait for the model.
    manifest = {k: str(v) for k, v in Store.new_manifest(tables.SCHEMA_VERSION, name).items()}
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_CREATE_LOCK,))
            found = _read_manifest(conn, target)
            if found is not None:
                return found
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(target.schema)}")
            for statement in tables.schema_sql(int(manifest["dimension"])):
                conn.execute(statement)
            tables.set_meta(conn, **manifest)
    except (psycopg.errors.FeatureNotSupported, psycopg.errors.UndefinedFile,
            psycopg.errors.UndefinedObject) as error:
        raise ActionNeeded(f"{target.shown} has no pgvector extension to create: install "
                           f"pgvector on the server (https://github.com/pgvector/pgvector) "
                          f"({_reason(error, target.password)})") from None
    except psycopg.errors.InsufficientPrivilege as error:
        raise ActionNeeded(f"cannot create the index in {target.shown}: "
                           f"{_reason(error, target.password)} (a superuser can run "
                           f"`CREATE EXTENSION vector` there first)") from None
    return manifest


def _add_tables(conn: Any) -> None:
    """The tables added since the first release, made in an older index's schema (once,
    whoever opens it first). A user who may not create tables reads around them."""
    if tables.has_added_tables(conn):
        return
    psycopg = _driver()
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_CREATE_LOCK,))
            for statement in tables.ADDED_TABLES:
                conn.execute(statement)
    except psycopg.errors.InsufficientPrivilege:
        pass


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lock_ids(conn: Any, doc_ids: Sequence[str]) -> None:
    """One transaction-scoped advisory lock per article id, taken in one order by every
    writer; a lock already held by this transaction is taken again at no cost."""
    ids = sorted(set(doc_ids))
    if ids:
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(id, 0)) "
                     "FROM unnest(%s::text[]) AS id ORDER BY id COLLATE \"C\"", (ids,))


def _as(row: tuple, article: Article) -> tuple:
    """A row embedded for an article of the same text, under this article's id and path
    (the id may be settled differently once the write holds its locks)."""
    old, chunks, *rest = row
    if old.doc_id == article.doc_id and old.path == article.path:
        return row
    return (article, [dataclasses.replace(c, doc_id=article.doc_id) for c in chunks], *rest)


def _numbered(conn: Any, rows: list[tuple]) -> list[tuple]:
    """The rows with chunk ids from the database's sequence, unique across all writers."""
    count = sum(len(row[1]) for row in rows)
    ids = [r[0] for r in conn.execute("SELECT nextval('chunk_ids') FROM generate_series(1, %s)",
                                      (count,))] if count else []
    numbered, used = [], 0
    for article, chunks, *rest in rows:
        chunks = [dataclasses.replace(c, chunk_id=ids[used + i]) for i, c in enumerate(chunks)]
        used += len(chunks)
        numbered.append((article, chunks, *rest))
    return numbered


def _schema_bytes(conn: Any, schema: str) -> int:
    """Disk used by the index's tables, their indexes and TOAST."""
    return conn.execute("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = %s AND c.relkind = 'r'", (schema,)).fetchone()[0]


def _inspect(conn: Any, dimension: int) -> list[Problem]:
    """Every disagreement among the tables (see `PostgresIndex.check`)."""
    problems = []
    version = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
    if version is None:
        problems.append(Problem("extension vector", "missing", "is not installed in the database"))
    valid = conn.execute("SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = "
                         "to_regclass('chunks_embedding')").fetchone()
    if valid is None or not valid[0]:
        problems.append(Problem("index chunks_embedding", "missing" if valid is None else "damaged",
                                "(HNSW) is missing: dense search scans every row" if valid is None
                                else "(HNSW) is not valid: run REINDEX INDEX chunks_embedding"))
    real = conn.execute("SELECT count(*), coalesce(sum(length), 0) FROM chunks").fetchone()
    kept = conn.execute("SELECT coalesce(sum(chunks), 0), coalesce(sum(length), 0) FROM totals"
                        ).fetchone()
    if tuple(map(int, real)) != tuple(map(int, kept)):
        problems.append(Problem("table totals", "disagrees",
                                f"counts {int(kept[0])} chunks of {int(kept[1])} terms; table "
                                f"chunks holds {int(real[0])} of {int(real[1])}: BM25's corpus "
                                f"statistics are off"))
    wrong = conn.execute("SELECT count(*) FROM chunks c LEFT JOIN (SELECT chunk_id, sum(tf) AS n "
                         "FROM postings GROUP BY chunk_id) p USING (chunk_id) "
                         "WHERE c.length <> coalesce(p.n, 0)").fetchone()[0]
    if wrong:
        problems.append(Problem("table postings", "disagrees",
                                f"lacks or has extra terms of {wrong} chunk(s)"))
    miscounted = conn.execute(
        "SELECT count(*) FROM (SELECT term, count(*) AS n FROM postings GROUP BY term) p "
        "FULL JOIN vocabulary v USING (term) WHERE coalesce(p.n, 0) <> coalesce(v.df, 0)").fetchone()[0]
    if miscounted:
        problems.append(Problem("table vocabulary", "disagrees",
                                f"has the wrong document frequency for {miscounted} term(s): "
                                f"BM25 scores are off"))
    bare = conn.execute("SELECT count(*) FROM documents d WHERE NOT EXISTS "
                        "(SELECT 1 FROM chunks c WHERE c.doc_id = d.doc_id)").fetchone()[0]
    if bare:
        problems.append(Problem("table chunks", "disagrees",
                                f"has no chunk of {bare} article(s): they cannot be found"))
    unsentenced = conn.execute(
        "SELECT count(*) FROM sentences WHERE length(vector) <> %s", (2 * dimension,)).fetchone()[0]
    if unsentenced:
        problems.append(Problem("table sentences", "damaged",
                                f"has {unsentenced} vector(s) that are not {dimension}-dimensional"))
    return problems
