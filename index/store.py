"""What an index is, whichever kind holds it: the `Index` interface, and the half both kinds share.

Two kinds of store keep the same articles, chunks, sentences and entities:

    index.folder.FolderIndex      a folder: SQLite rows + FAISS and BM25 segment files;
                                  one writer at a time, on one machine
    index.postgres.PostgresIndex  a PostgreSQL database with pgvector; many writers and
                                  readers on many machines

`Index` is the `typing.Protocol` both implement and everything outside `index/` is typed
against (`qa.ask`, `qa.retrieve`, the page), as Haystack types its components against
`DocumentStore`. `Index.open(location)` is the one door in: `index.location.kind_of`
decides the kind from the location, and nothing after it asks again.

`Store` is the base class both kinds derive from. What is the same in both is written
here once: a write's steps around the kind's own transaction (`build`, `add`,
`add_articles`, `remove`), reads through the kind's row functions (`article`,
`documents`, `chunks`, `passages` with its sentence cut, `status`), and the shape
both keep an article's row in (`ARTICLE_COLUMNS`, `article_from_row`). A kind writes
what differs: how it opens, snapshots, searches, writes, compacts and checks.
"""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from index.errors import ActionNeeded, EmbedderMismatch
from index.ingest.articles import Article, Skipped
from index.ingest.chunking import DEFAULT_MAX_TOKENS, TOKENIZER, Chunk
from index.ingest.copies import CopyGroup
from index.ingest.feeds import Feed, FeedItem
from index.ingest.links import read_sources
from index.ingest.nlp import Entity, Sentence
from index.ingest.skips import remembered
from index.ingest.workers import Embedding, embed_articles
from index.location import open_index
from index.model.embedder import Embedder, load_embedder
from index.results import Findings, Passage, Repair, Report, Status

Progress = Callable[[int, int], None]
# How a write splits and embeds articles: `index.ingest.workers.embed_articles`'s signature.
Embed = Callable[..., Embedding]
Location = str | Path


@runtime_checkable
class Index(Protocol):
    """An index of news articles: open it, write articles in, search it, read passages out.

        idx = Index.open("my-index")      # a folder; or "postgresql://user@host/db"
        idx.build(["articles/"], prune=True); idx.add(["story.txt"]); idx.remove(["old"])
        hits = idx.lexical_search("Takaichi", 10); idx.passages([i for i, _ in hits])

    Reads inside one `snapshot()` see one committed state, whatever writers do meanwhile.
    Writes are whole or not at all, and say what they did in a `Report`.
    """

    path: Location  # where it is, as it may be shown: a URI's password is masked
    embedder_name: str  # the model its vectors were made with (its manifest's)
    manifest: dict  # schema, embedder, dimension, tokenizer, chunk size
    write_wait: float  # seconds a write waits for another writer before giving up

    @staticmethod
    def open(location: Location | None = None, embedder: str | None = None,
             create: bool = True) -> Index:
        """The index at `location` (default: $NEWSQA_INDEX, else the default folder): a
        folder, or a database for a `postgresql://` URI. An existing index must be opened
        with the embedder it was built with; without `create`, a location that holds no
        index is an error and nothing is written to it."""
        return open_index(location, embedder, create)

    @property
    def embedder(self) -> Embedder:
        """The model that embeds questions for `dense_search` (loaded once per process)."""
        ...

    def close(self) -> None: ...

    # Reading
    def snapshot(self) -> AbstractContextManager[Index]:
        """Reads inside see one committed state of the index."""
        ...

    def dense_search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(chunk id, cosine) pairs, best first."""
        ...

    def lexical_search(self, text: str, k: int) -> list[tuple[int, float]]:
        """(chunk id, BM25) pairs, best first."""
        ...

    def is_empty(self) -> bool: ...

    def chunks(self, chunk_ids: Sequence[int]) -> dict[int, Chunk]:
        """Chunk rows by id; ids of chunks removed since are absent."""
        ...

    def passages(self, chunk_ids: Sequence[int]) -> list[Passage]:
        """The chunks with their article, sentences and entities, in the order asked."""
        ...

    def article(self, doc_id: str) -> Article | None: ...

    def documents(self) -> list[dict]:
        """One row per article: doc_id, title, date, path, indexed_at, chunks."""
        ...

    def status(self) -> Status: ...

    def copies(self, doc_ids: Sequence[str]) -> dict[str, CopyGroup]:
        """The group of prints of one story each of these articles is in, for those that
        are in one (`index.ingest.copies`)."""
        ...

    def feeds(self) -> list[Feed]:
        """The feeds followed (`index.follow`), in the order they were followed."""
        ...

    def feed_items(self, url: str) -> list[FeedItem]:
        """What is remembered of the items of the feed at `url`."""
        ...

    def check(self) -> Findings:
        """Every problem of the index, found without writing."""
        ...

    # Writing
    def build(self, paths: Iterable[Location], prune: bool = False,
              progress: Progress | None = None, root: Location | None = None,
              replace: bool = False, workers: int = 1) -> Report:
        """Every article under the paths and at the links; unchanged ones are not embedded
        again; with `prune`, articles no longer found under the paths are removed."""
        ...

    def add(self, paths: Iterable[Location], progress: Progress | None = None,
            root: Location | None = None, replace: bool = False, workers: int = 1) -> Report:
        ...

    def add_articles(self, articles: Sequence[Article], progress: Progress | None = None,
                     replace: bool = False, workers: int = 1) -> Report:
        """Articles made in code rather than read from files (same id rule as `add`)."""
        ...

    def remove(self, doc_ids: Iterable[str]) -> Report: ...

    def compact(self) -> Report:
        """Housekeeping that is never needed for correctness (see each kind's)."""
        ...

    def save_feed(self, feed: Feed, items: Sequence[FeedItem] = ()) -> None:
        """Remember the feed (a new one, or what its last fetch found) and these items."""
        ...

    def forget_feed(self, url: str) -> bool:
        """Stop following the feed; its articles stay. False if it was not followed."""
        ...


class Rows(Protocol):
    """The reads each kind's row module gives (`index.folder.sqlite`, `index.postgres.tables`),
    on the connection of an open snapshot: the shared methods of `Store` read through them."""

    def articles(self, conn: Any, doc_ids: Sequence[str]) -> dict[str, Article]: ...

    def chunks(self, conn: Any, chunk_ids: Sequence[int]) -> dict[int, Chunk]: ...

    def sentences(self, conn: Any, doc_ids: Sequence[str], dimension: int
                  ) -> dict[str, tuple[list[Sentence], np.ndarray]]: ...

    def entities(self, conn: Any, doc_ids: Sequence[str]) -> dict[str, list[Entity]]: ...

    def document_rows(self, conn: Any) -> list[dict]: ...

    def get_meta(self, conn: Any, key: str, default: str = "") -> str: ...

    def copy_groups(self, conn: Any, doc_ids: Sequence[str]) -> dict[str, CopyGroup]: ...

    # The kind's parameter marker ("?" or "%s"), for the rows both kinds keep alike
    # (`read_feeds`, `write_feed` below).
    MARK: str


@dataclass(frozen=True)
class Tally:
    """What a kind counts for `status`: its share of a Status, and how it names its shape."""

    documents: int
    chunks: int
    generation: int
    last_build: str
    size_bytes: int
    segments: int = 0
    layout: str = ""


class Store(ABC):
    """The base of both kinds: the methods of `Index` that read and write the same way in
    both, over the abstract ones each kind writes for itself."""

    kind: ClassVar[str]  # "folder" or "postgres", for Status and Findings
    rows: ClassVar[Rows]  # the kind's row module
    _conn: Any  # the connection reads go through inside a snapshot

    def __init__(self, path: Location, embedder_name: str, manifest: dict) -> None:
        self.path = path
        self.embedder_name = embedder_name
        self.manifest = manifest
        self._lock = threading.RLock()
        self._depth = 0
        # Seconds a write queues behind other writers; a long-running page sets this so
        # that an upload waits for a build instead of failing.
        self.write_wait = 0.0
        # How writes split and embed their articles; a benchmark may swap in its own
        # (bench/stores.py times it, or feeds synthetic vectors through the real writes).
        self.embed: Embed = embed_articles
        # Whether writes look for copies of one story (`index.ingest.copies`); only a
        # benchmark turns it off, to time a write without it.
        self.find_copies = True

    # The kind: a location opened, checked or repaired --------------------------------

    @classmethod
    @abstractmethod
    def open(cls, location: Location, embedder: str | None = None, create: bool = True) -> Store:
        """The index of this kind at `location` (see `Index.open`)."""

    @classmethod
    @abstractmethod
    def check_at(cls, location: Location) -> Findings:
        """What `python -m index check` finds at `location`, even where `open` would
        refuse (a damaged folder)."""

    @classmethod
    @abstractmethod
    def repair_at(cls, location: Location, progress: Progress | None = None,
                  accept_loss: bool = False) -> Repair | Findings:
        """What `python -m index repair` does at `location`: a Repair, or the Findings
        a person must act on when this kind cannot rebuild what is wrong. A repair that
        would leave fewer articles than the index holds (or cannot count them) raises
        RepairWouldLose and changes nothing, unless `accept_loss`."""

    # What each kind does its own way ----------------------------------------------------

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def _read_transaction(self) -> AbstractContextManager[None]:
        """One read transaction on `self._conn`: the body of the outermost `snapshot`."""

    @abstractmethod
    def dense_search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]: ...

    @abstractmethod
    def lexical_search(self, text: str, k: int) -> list[tuple[int, float]]: ...

    @abstractmethod
    def is_empty(self) -> bool: ...

    @abstractmethod
    def check(self) -> Findings: ...

    @abstractmethod
    def compact(self) -> Report: ...

    @abstractmethod
    def _tally(self) -> Tally:
        """The counts of `status`, read inside a snapshot."""

    @abstractmethod
    def _small_write(self) -> AbstractContextManager[Any]:
        """A connection in a write transaction of the kind's own, for rows beside the
        articles (the feeds followed): committed when the block ends, rolled back if it
        raises. No generation is made: readers' snapshots are not disturbed."""

    @abstractmethod
    def _write(self, articles: list[Article], removals: list[str], skipped: list[Skipped],
               progress: Progress | None, started: float, *, replace: bool = False,
               prune: bool = False, remember: bool = False, sources: Iterable[Location] = (),
               workers: int = 1) -> Report:
        """One write, whole or not at all: `articles` in (ids settled by
        `index.ingest.claims` under the kind's locks), `removals` out (ids the index does
        not hold are skipped, see `split_removals`). `prune`: every article not among
        `articles` goes too; `remember`: keep the files skipped for `status`; `sources`:
        the files and folders the articles were read from."""

    # Shared: reading ---------------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        return load_embedder(self.embedder_name)

    @contextmanager
    def snapshot(self) -> Iterator[Store]:
        """Reads inside see one committed state of the index, whatever writers do meanwhile;
        a snapshot inside a snapshot is the same one."""
        with self._lock:
            if self._depth:
                yield self
                return
            with self._read_transaction():
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1

    def chunks(self, chunk_ids: Sequence[int]) -> dict[int, Chunk]:
        """Chunk rows by id; ids of chunks removed since are absent."""
        with self.snapshot():
            return self.rows.chunks(self._conn, list(chunk_ids))

    def passages(self, chunk_ids: Sequence[int]) -> list[Passage]:
        """The chunks with their article, sentences and entities, in the order asked."""
        with self.snapshot():
            found = self.rows.chunks(self._conn, list(chunk_ids))
            docs = sorted({c.doc_id for c in found.values()})
            articles = self.rows.articles(self._conn, docs)
            sentences = self.rows.sentences(self._conn, docs, int(self.manifest["dimension"]))
            entities = self.rows.entities(self._conn, docs)
            groups = self.rows.copy_groups(self._conn, docs)
        return [_passage(found[i], articles[found[i].doc_id], *sentences[found[i].doc_id],
                         entities[found[i].doc_id], groups.get(found[i].doc_id))
                for i in chunk_ids if i in found]

    def article(self, doc_id: str) -> Article | None:
        with self.snapshot():
            return self.rows.articles(self._conn, [doc_id]).get(doc_id)

    def documents(self) -> list[dict]:
        """One row per article: doc_id, title, date, path, indexed_at, chunks."""
        with self.snapshot():
            return self.rows.document_rows(self._conn)

    def copies(self, doc_ids: Sequence[str]) -> dict[str, CopyGroup]:
        """The group of prints of one story each of these articles is in, for those in one."""
        with self.snapshot():
            return self.rows.copy_groups(self._conn, list(doc_ids))

    def feeds(self) -> list[Feed]:
        """The feeds followed, in the order they were followed."""
        with self.snapshot():
            return read_feeds(self._conn, self.rows.MARK)

    def feed_items(self, url: str) -> list[FeedItem]:
        with self.snapshot():
            return read_feed_items(self._conn, self.rows.MARK, url)

    def save_feed(self, feed: Feed, items: Sequence[FeedItem] = ()) -> None:
        with self._small_write() as conn:
            write_feed(conn, self.rows.MARK, feed, items)

    def forget_feed(self, url: str) -> bool:
        """Stop following the feed; its articles stay. False if it was not followed."""
        with self._small_write() as conn:
            return delete_feed(conn, self.rows.MARK, url)

    def status(self) -> Status:
        with self.snapshot():
            tally = self._tally()
            skipped = remembered(self.rows.get_meta(self._conn, "skipped_files", "[]"))
        return Status(str(self.path), tally.documents, tally.chunks, self.embedder_name,
                      int(self.manifest["dimension"]), self.manifest["tokenizer"],
                      tally.generation, tally.segments, tally.size_bytes, tally.last_build,
                      tuple(skipped), kind=self.kind, layout=tally.layout)

    # Shared: writing ---------------------------------------------------------------------

    def build(self, paths: Iterable[Location], prune: bool = False,
              progress: Progress | None = None, root: Location | None = None,
              replace: bool = False, workers: int = 1) -> Report:
        """Index every article under the paths and at the links (`https://...`, see
        `index.ingest.links`); unchanged articles are not embedded again.

        With prune, articles no longer found under the paths are removed. Files named
        directly get ids relative to `root` when given (a watched folder), else their name.
        An id that belongs to another article is never taken over unless `replace`: the
        newcomer is kept apart as `id-2` (see `index.ingest.claims`). A file that cannot
        be read, parsed or split is skipped with its reason; the others go in. `workers`
        > 1 splits and embeds in that many Ray actors or processes (`index.ingest.workers`).
        """
        started = time.perf_counter()
        articles, skipped, files = read_sources(paths, Path(root) if root else None)
        return self._write(articles, [], skipped, progress, started, replace=replace,
                           prune=prune, remember=True, sources=[root] if root else files,
                           workers=workers)

    def add(self, paths: Iterable[Location], progress: Progress | None = None,
            root: Location | None = None, replace: bool = False, workers: int = 1) -> Report:
        return self.build(paths, prune=False, progress=progress, root=root, replace=replace,
                          workers=workers)

    def add_articles(self, articles: Sequence[Article], progress: Progress | None = None,
                     replace: bool = False, workers: int = 1) -> Report:
        """Index articles made in code rather than read from files (same id rule as `add`)."""
        return self._write(list(articles), [], [], progress, time.perf_counter(),
                           replace=replace, workers=workers)

    def remove(self, doc_ids: Iterable[str]) -> Report:
        return self._write([], list(dict.fromkeys(doc_ids)), [], None, time.perf_counter())

    def _embed(self, articles: Sequence[Article], next_id: int, progress: Progress | None = None,
               workers: int = 1) -> Embedding:
        """The articles split and embedded, chunk ids from `next_id`; a write that only
        removes needs no model, so `remove` stays instant, not seconds."""
        if not articles:
            return Embedding([], [], 0, "")
        return self.embed(self.embedder_name, articles, next_id, progress, workers)

    # Shared: opening ---------------------------------------------------------------------

    @staticmethod
    def new_manifest(schema: object, embedder: str) -> dict:
        """The settings a new index of either kind records (the model is loaded once here,
        for its dimension)."""
        return {"schema": schema, "embedder": embedder,
                "dimension": load_embedder(embedder).dimension, "tokenizer": TOKENIZER,
                "chunk_max_tokens": DEFAULT_MAX_TOKENS}

    @staticmethod
    def refuse_unreadable(where: object, manifest: dict, schema: object, embedder: str,
                          place: str) -> None:
        """The checks on opening an index of either kind: its schema must be the one this
        version reads, and its embedder the one asked for (vectors of another model would
        answer with garbage). `place`: what a new index would go in ("folder", "schema")."""
        if manifest.get("schema") != schema:
            raise ActionNeeded(f"{where} has schema {manifest.get('schema')}, this version "
                               f"reads {schema}: rebuild it into a new {place}")
        if manifest["embedder"] != embedder:
            raise EmbedderMismatch(
                f"{where} was built with embedder {manifest['embedder']!r}, not {embedder!r}: "
                f"open it with that embedder or rebuild it into a new {place}")


def split_removals(removals: Iterable[str], known: dict[str, str]
                   ) -> tuple[list[str], tuple[Skipped, ...]]:
    """(the ids to remove, in order and once each; a Skipped line for each the index does
    not hold). `known`: the index's content hashes of the ids, read inside the write."""
    wanted = list(dict.fromkeys(removals))
    missing = tuple(Skipped(d, "no such document in the index") for d in wanted if d not in known)
    return [d for d in wanted if d in known], missing


def _passage(chunk: Chunk, article: Article, spans: list[Sentence], vectors: np.ndarray,
             entities: list[Entity], copies: CopyGroup | None = None) -> Passage:
    """A chunk with the sentences that overlap it (and their vectors), the entities wholly
    inside it, and the group of prints its article is one of."""
    inside = [i for i, s in enumerate(spans) if s.end > chunk.start and s.start < chunk.end]
    return Passage(chunk, article, tuple(spans[i] for i in inside), vectors[inside],
                   tuple(e for e in entities if e.start >= chunk.start and e.end <= chunk.end),
                   copies)


# The rows both kinds keep ----------------------------------------------------------------

# The columns an article is read back from, in `article_from_row`'s order.
ARTICLE_COLUMNS = "doc_id, text, title, date, url, source, path, extra"


def article_from_row(row: Sequence[Any]) -> Article:
    """An article from its row (`ARTICLE_COLUMNS`): `extra` is JSON text in SQLite and a
    decoded jsonb in PostgreSQL, or NULL; a NULL text column reads as ""."""
    *fields, extra = row
    meta = json.loads(extra) if isinstance(extra, str) else extra or {}
    return Article(*(f or "" for f in fields), author=meta.get("author", ""),
                   pages=tuple(meta.get("pages", ())), extracted_by=meta.get("extracted_by", ""))


def sentences_by_article(doc_ids: Sequence[str], rows: Iterable[tuple[str, int, int, bytes]],
                         dimension: int) -> dict[str, tuple[list[Sentence], np.ndarray]]:
    """Per article: its sentences in order and their vectors (float32, one row each), from
    (doc_id, start, end, float16 vector bytes) rows in sentence order."""
    found: dict[str, tuple[list[Sentence], list[bytes]]] = {d: ([], []) for d in doc_ids}
    for doc_id, start, end, vector in rows:
        found[doc_id][0].append(Sentence(start, end))
        found[doc_id][1].append(bytes(vector))
    return {d: (spans, np.frombuffer(b"".join(blobs), dtype=np.float16)
                .reshape(len(spans), dimension).astype(np.float32))
            for d, (spans, blobs) in found.items()}


def entities_by_article(doc_ids: Sequence[str], rows: Iterable[tuple[str, int, int, str]]
                        ) -> dict[str, list[Entity]]:
    """Per article: its entities, from (doc_id, start, end, label) rows in order."""
    found: dict[str, list[Entity]] = {d: [] for d in doc_ids}
    for doc_id, start, end, label in rows:
        found[doc_id].append(Entity(start, end, label))
    return found


# The feeds followed: the same rows in both kinds, in SQL both speak; `mark` is the kind's
# parameter marker. Tables made before feeds existed are added on a writable open; an
# index that could not be written since reads as following none.

FEED_COLUMNS = tuple(f.name for f in fields(Feed))
ITEM_COLUMNS = tuple(f.name for f in fields(FeedItem))


def _missing_table(error: Exception) -> bool:
    return "no such table" in str(error) or "does not exist" in str(error)


def read_feeds(conn: Any, mark: str) -> list[Feed]:
    try:
        rows = conn.execute(f"SELECT {', '.join(FEED_COLUMNS)} FROM feeds ORDER BY added, url"
                            ).fetchall()
    except Exception as error:  # sqlite3 or psycopg: an index older than feeds
        if _missing_table(error):
            return []
        raise
    return [Feed(*row) for row in rows]


def read_feed_items(conn: Any, mark: str, url: str) -> list[FeedItem]:
    try:
        rows = conn.execute(f"SELECT {', '.join(ITEM_COLUMNS)} FROM feed_items WHERE feed = {mark} "
                            f"ORDER BY seen DESC, key", (url,)).fetchall()
    except Exception as error:
        if _missing_table(error):
            return []
        raise
    return [FeedItem(*row) for row in rows]


def _upsert(table: str, columns: Sequence[str], keys: Sequence[str], mark: str) -> str:
    rest = [c for c in columns if c not in keys]
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}) "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in rest))


def write_feed(conn: Any, mark: str, feed: Feed, items: Sequence[FeedItem] = ()) -> None:
    conn.execute(_upsert("feeds", FEED_COLUMNS, ("url",), mark),
                 tuple(getattr(feed, c) for c in FEED_COLUMNS))
    for item in items:
        conn.execute(_upsert("feed_items", ITEM_COLUMNS, ("feed", "key"), mark),
                     tuple(getattr(item, c) for c in ITEM_COLUMNS))


def delete_feed(conn: Any, mark: str, url: str) -> bool:
    conn.execute(f"DELETE FROM feed_items WHERE feed = {mark}", (url,))
    return conn.execute(f"DELETE FROM feeds WHERE url = {mark}", (url,)).rowcount > 0
