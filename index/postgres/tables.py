"""The tables of an index in PostgreSQL, and the SQL that reads and writes their rows.

    meta       key/value: schema version, embedder, dimension, tokenizer, skipped files
    documents  one row per article: text and metadata (`extra` as JSON)
    chunks     offsets into the article, the chunk vector (HNSW, inner product) and
               its BM25 length (number of terms)
    postings   (term, chunk, term frequency, chunk length): BM25 scored at query time
    vocabulary each term's document frequency
    sentences  offsets and float16 vector of each sentence
    entities   spaCy entities of each article
    totals     insert-only (chunks, length) deltas, one row per write: the corpus size
               and average length BM25 needs, kept without a row every writer updates
    writes     one row per committed write: its number is the index's generation
    copies, copy_bands, copy_links   prints of one wire story (`index.ingest.copies`)
    feeds, feed_items                the feeds followed (`index.follow`)

Why BM25 from postings rather than precomputed weights (a `sparsevec` of tf-norms):
a weight depends on the average chunk length of the whole index, which every write
changes, so stored weights drift and would need rewriting; term frequencies never do.
`index.postgres.bm25` scores them at query time, exactly as the folder index does.

The reads `index.store.Store` shares between the kinds (`articles`, `chunks`,
`sentences`, `entities`, `document_rows`, `get_meta`) have the same signatures as
`index.folder.sqlite`'s, and decode rows with the same functions.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from index.ingest.articles import Article
from index.ingest.chunking import Chunk
from index.ingest.copies import CopyGroup, Signature, groups_from_rows
from index.ingest.nlp import Entity, Sentence
from index.ingest.terms import terms
from index.postgres.bm25 import terms_of
from index.store import (
    ARTICLE_COLUMNS,
    article_from_row,
    entities_by_article,
    sentences_by_article,
)

SCHEMA_VERSION = 1
TABLES = ("meta", "documents", "chunks", "postings", "vocabulary", "sentences", "entities",
          "totals", "writes", "copies", "copy_bands", "copy_links", "feeds", "feed_items")
# HNSW graph settings (pgvector's defaults; docs/scaling.md discusses larger ones).
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
# ef_search is raised to k for deeper searches; over this, pgvector's limit, the search is exact.
HNSW_EF_SEARCH_MAX = 1000
HNSW_EF_SEARCH_MIN = 40

Connection = Any  # psycopg.Connection, imported lazily
# The dense search's index: made with the tables, and again by `repair`.
HNSW_INDEX = (f"CREATE INDEX chunks_embedding ON chunks USING hnsw (embedding vector_ip_ops) "
              f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})")


def schema_sql(dimension: int) -> list[str]:
    """Statements that create the tables in the current schema (the first of search_path)."""
    return [
        "CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL)",
        """CREATE TABLE documents (
            doc_id text PRIMARY KEY, path text, hash text NOT NULL, title text, date text,
            url text, source text, text text NOT NULL, indexed_at double precision NOT NULL,
            extra jsonb)""",
        f"""CREATE TABLE chunks (
            chunk_id bigint PRIMARY KEY,
            doc_id text NOT NULL REFERENCES documents ON DELETE CASCADE,
            ordinal integer NOT NULL, start_char integer NOT NULL, end_char integer NOT NULL,
            n_tokens integer NOT NULL, length integer NOT NULL,
            embedding vector({int(dimension)}) NOT NULL)""",
        "CREATE INDEX chunks_by_doc ON chunks (doc_id)",
        HNSW_INDEX,
        # The primary key carries tf and length, so scoring a term is an index-only scan.
        """CREATE TABLE postings (
            term text NOT NULL, chunk_id bigint NOT NULL REFERENCES chunks ON DELETE CASCADE,
            tf integer NOT NULL, length integer NOT NULL,
            PRIMARY KEY (term, chunk_id) INCLUDE (tf, length))""",
        "CREATE INDEX postings_by_chunk ON postings (chunk_id)",
        "CREATE TABLE vocabulary (term text PRIMARY KEY, df integer NOT NULL)",
        """CREATE TABLE sentences (
            doc_id text NOT NULL REFERENCES documents ON DELETE CASCADE,
            ordinal integer NOT NULL, start_char integer NOT NULL, end_char integer NOT NULL,
            vector bytea NOT NULL, PRIMARY KEY (doc_id, ordinal))""",
        """CREATE TABLE entities (
            doc_id text NOT NULL REFERENCES documents ON DELETE CASCADE,
            start_char integer NOT NULL, end_char integer NOT NULL, label text NOT NULL)""",
        "CREATE INDEX entities_by_doc ON entities (doc_id)",
        "CREATE TABLE totals (chunks bigint NOT NULL, length bigint NOT NULL)",
        """CREATE TABLE writes (
            write_id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(),
            added integer NOT NULL, updated integer NOT NULL, removed integer NOT NULL,
            chunks integer NOT NULL)""",
        "CREATE SEQUENCE chunk_ids",
        *ADDED_TABLES,
    ]


# Tables added since the first release: made with the others in a new schema, and on the
# first open of an older one (`index.postgres.store`). Copies of one story
# (`index.ingest.copies`): each article's signature and its group's original, its LSH band
# keys, and the pairs found to be copies (both ways round); they go with their article.
# Followed feeds (`index.follow`) and what is remembered of their items.
ADDED_TABLES = [
    """CREATE TABLE IF NOT EXISTS copies (
        doc_id text PRIMARY KEY REFERENCES documents ON DELETE CASCADE,
        shingles integer NOT NULL, minhash bytea NOT NULL, wire text NOT NULL,
        by_wire boolean NOT NULL, published text NOT NULL, original text)""",
    "CREATE INDEX IF NOT EXISTS copies_by_original ON copies (original)",
    """CREATE TABLE IF NOT EXISTS copy_bands (
        key bigint NOT NULL, doc_id text NOT NULL, PRIMARY KEY (key, doc_id))""",
    """CREATE TABLE IF NOT EXISTS copy_links (
        doc_id text NOT NULL, other text NOT NULL, shared real NOT NULL,
        PRIMARY KEY (doc_id, other))""",
    "CREATE INDEX IF NOT EXISTS copy_links_by_other ON copy_links (other)",
    """CREATE TABLE IF NOT EXISTS feeds (
        url text PRIMARY KEY, title text NOT NULL, added double precision NOT NULL,
        etag text NOT NULL, modified text NOT NULL, last_fetch double precision NOT NULL,
        last_ok double precision NOT NULL, last_error text NOT NULL, failures integer NOT NULL,
        next_fetch double precision NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS feed_items (
        feed text NOT NULL, key text NOT NULL, link text NOT NULL, guid text NOT NULL,
        updated text NOT NULL, doc_id text NOT NULL, error text NOT NULL, tries integer NOT NULL,
        next_try double precision NOT NULL, seen double precision NOT NULL,
        PRIMARY KEY (feed, key))""",
]
MARK = "%s"


def get_meta(conn: Connection, key: str, default: str = "", lock: bool = False) -> str:
    """A meta value; `lock`: held (the row made first if missing) until the transaction
    ends, so that two writers updating it in turn lose neither update."""
    if lock:
        conn.execute("INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO NOTHING", (key, default))
    row = conn.execute("SELECT value FROM meta WHERE key = %s" + (" FOR UPDATE" if lock else ""),
                       (key,)).fetchone()
    return row[0] if row else default


def set_meta(conn: Connection, **values: object) -> None:
    for key, value in values.items():
        conn.execute("INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "
                     "SET value = excluded.value", (key, str(value)))


def dense(conn: Connection, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
    """(chunk id, inner product) best first: HNSW up to its limit, an exact scan beyond."""
    query = np.asarray(vector, dtype=np.float32).ravel()
    if k > HNSW_EF_SEARCH_MAX:
        # `+ 0` keeps the planner off the HNSW index: every row is scored.
        sql = ("SELECT chunk_id, -(embedding <#> %s) FROM chunks "
               "ORDER BY (embedding <#> %s) + 0, chunk_id LIMIT %s")
        return [(int(i), float(s)) for i, s in conn.execute(sql, (query, query, k))]
    conn.execute("SELECT set_config('hnsw.ef_search', %s, true)",
                 (str(max(HNSW_EF_SEARCH_MIN, k)),))
    rows = conn.execute("SELECT chunk_id, -(embedding <#> %s) FROM chunks "
                        "ORDER BY embedding <#> %s LIMIT %s", (query, query, k)).fetchall()
    return sorted(((int(i), float(s)) for i, s in rows), key=lambda hit: (-hit[1], hit[0]))


def hashes(conn: Connection, doc_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Content hashes of the documents named (of all, without names)."""
    if doc_ids is None:
        return dict(conn.execute("SELECT doc_id, hash FROM documents").fetchall())
    return dict(conn.execute("SELECT doc_id, hash FROM documents WHERE doc_id = ANY(%s)",
                             (list(doc_ids),)).fetchall())


def sources(conn: Connection, doc_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """(path, content hash) of the documents named: `index.ingest.claims.assign`'s lookup."""
    rows = conn.execute("SELECT doc_id, path, hash FROM documents WHERE doc_id = ANY(%s)",
                        (list(doc_ids),))
    return {doc_id: (path or "", content_hash) for doc_id, path, content_hash in rows}


def numbered_sources(conn: Connection, doc_id: str) -> dict[str, tuple[str, str]]:
    """The same for `doc_id-2`, `doc_id-3`, ...: `index.ingest.claims.assign`'s siblings."""
    rows = conn.execute("SELECT doc_id, path, hash FROM documents WHERE starts_with(doc_id, %s) "
                        "AND substr(doc_id, %s) ~ '^[0-9]+$'", (doc_id + "-", len(doc_id) + 2))
    return {d: (path or "", content_hash) for d, path, content_hash in rows}


def delete_documents(conn: Connection, doc_ids: Sequence[str]) -> tuple[int, int, Counter[str]]:
    """Delete the articles and everything of theirs; (chunks, BM25 length, chunks per
    term) removed."""
    if not doc_ids:
        return 0, 0, Counter()
    ids, lengths = [], 0
    for chunk_id, length in conn.execute("SELECT chunk_id, length FROM chunks WHERE doc_id = ANY(%s)",
                                         (list(doc_ids),)):
        ids.append(chunk_id)
        lengths += length
    holding = terms_of(conn, ids)
    conn.execute("DELETE FROM documents WHERE doc_id = ANY(%s)", (list(doc_ids),))
    return len(ids), lengths, holding


def _storable(text: str | None) -> str | None:
    """PostgreSQL text and jsonb refuse NUL ("text fields cannot contain NUL"), which some
    binary-garbage articles hold: NUL is stored as U+FFFD, one character for one, so every
    offset into the text still holds. The folder index stores NUL as it is."""
    if text is None:
        return None
    return text.replace("\x00", "\ufffd")


def _storable_json(value: object) -> object:
    """`value` with `_storable` applied to every string in it (jsonb refuses \\u0000 too)."""
    if isinstance(value, str):
        return _storable(value)
    if isinstance(value, dict):
        return {_storable(k): _storable_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable_json(v) for v in value]
    return value


def insert_documents(conn: Connection, rows: Sequence[tuple], now: float
                     ) -> tuple[int, int, Counter[str]]:
    """COPY the articles with their chunks (`rows` as `index.ingest.workers.embed_articles` gives
    them, chunk ids final); (chunks, BM25 length, chunks per term) added."""
    added_chunks = added_length = 0
    holding: Counter[str] = Counter()
    with conn.cursor() as cur:
        with cur.copy("COPY documents (doc_id, path, hash, title, date, url, source, text, "
                      "indexed_at, extra) FROM STDIN") as copy:
            for a, *_ in rows:
                copy.write_row((*map(_storable, (a.doc_id, a.path, a.content_hash, a.title,
                                                  a.date, a.url, a.source, a.text)), now,
                                json.dumps(_storable_json(a.extra)) if a.extra else None))
        postings = []
        with cur.copy("COPY chunks (chunk_id, doc_id, ordinal, start_char, end_char, n_tokens, "
                      "length, embedding) FROM STDIN") as copy:
            for a, pieces, _, _, _, vectors in rows:
                for chunk, vector in zip(pieces, vectors, strict=True):
                    counts, length = chunk_terms(a.text, chunk.start, chunk.end)
                    copy.write_row((chunk.chunk_id, a.doc_id, chunk.ordinal, chunk.start,
                                    chunk.end, chunk.n_tokens, length,
                                    np.asarray(vector, dtype=np.float32)))
                    postings += [(t, chunk.chunk_id, n, length) for t, n in counts.items()]
                    holding.update(counts.keys())
                    added_chunks += 1
                    added_length += length
        with cur.copy("COPY postings (term, chunk_id, tf, length) FROM STDIN") as copy:
            for row in postings:
                copy.write_row(row)
        with cur.copy("COPY sentences (doc_id, ordinal, start_char, end_char, vector) "
                      "FROM STDIN") as copy:
            for a, _, sentences, vectors, _, _ in rows:
                for i, (s, v) in enumerate(zip(sentences, vectors, strict=True)):
                    copy.write_row((a.doc_id, i, s.start, s.end, v.astype(np.float16).tobytes()))
        with cur.copy("COPY entities (doc_id, start_char, end_char, label) FROM STDIN") as copy:
            for a, _, _, _, entities, _ in rows:
                for e in entities:
                    copy.write_row((a.doc_id, e.start, e.end, e.label))
    return added_chunks, added_length, holding


def chunk_terms(text: str, start: int, end: int) -> tuple[Counter[str], int]:
    """The BM25 terms of the chunk `text[start:end]` with their frequencies, and its length
    (number of terms): what its postings rows hold, written and rebuilt alike."""
    counts = Counter(terms(text[start:end]))
    return counts, sum(counts.values())


def recount_terms(conn: Connection, batch: int = 200) -> None:
    """BM25's tables made again from the stored rows, inside the caller's transaction: each
    chunk's terms from its article's text (postings, and the chunk's length), each term's
    document frequency (vocabulary) and the corpus totals. What `repair` does when check
    finds them disagreeing. Articles are read `batch` at a time from a server-side cursor,
    each batch's postings copied in before the next is fetched (the connection does one
    thing at a time), so memory holds one batch, not the index."""
    conn.execute("CREATE TEMP TABLE lengths (chunk_id bigint PRIMARY KEY, length integer) "
                 "ON COMMIT DROP")
    conn.execute("DELETE FROM postings")
    with conn.cursor(name="recount_terms") as articles, conn.cursor() as cur:
        articles.execute("SELECT d.text, array_agg(c.chunk_id ORDER BY c.chunk_id), "
                         "array_agg(c.start_char ORDER BY c.chunk_id), "
                         "array_agg(c.end_char ORDER BY c.chunk_id) "
                         "FROM documents d JOIN chunks c USING (doc_id) GROUP BY d.doc_id")
        while rows := articles.fetchmany(batch):
            postings, lengths = [], []
            for text, chunk_ids, starts, ends in rows:
                for chunk_id, start, end in zip(chunk_ids, starts, ends, strict=True):
                    counts, length = chunk_terms(text, start, end)
                    lengths.append((chunk_id, length))
                    postings += [(term, chunk_id, n, length) for term, n in counts.items()]
            for table, values in (("postings (term, chunk_id, tf, length)", postings),
                                  ("lengths (chunk_id, length)", lengths)):
                with cur.copy(f"COPY {table} FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
    conn.execute("UPDATE chunks c SET length = l.length FROM lengths l "
                 "WHERE c.chunk_id = l.chunk_id AND c.length <> l.length")
    conn.execute("DELETE FROM vocabulary")
    conn.execute("INSERT INTO vocabulary (term, df) SELECT term, count(*) FROM postings "
                 "GROUP BY term")
    conn.execute("DELETE FROM totals")
    conn.execute("INSERT INTO totals SELECT count(*), coalesce(sum(length), 0) FROM chunks")


def articles(conn: Connection, doc_ids: Sequence[str]) -> dict[str, Article]:
    rows = conn.execute(f"SELECT {ARTICLE_COLUMNS} FROM documents WHERE doc_id = ANY(%s)",
                        (list(doc_ids),))
    return {row[0]: article_from_row(row) for row in rows}


def chunks(conn: Connection, chunk_ids: Sequence[int]) -> dict[int, Chunk]:
    rows = conn.execute("SELECT doc_id, ordinal, start_char, end_char, n_tokens, chunk_id "
                        "FROM chunks WHERE chunk_id = ANY(%s)", ([int(c) for c in chunk_ids],))
    return {row[5]: Chunk(*row) for row in rows}


def sentences(conn: Connection, doc_ids: Sequence[str], dimension: int
              ) -> dict[str, tuple[list[Sentence], np.ndarray]]:
    """Per article: its sentences in order and their vectors (float32, one row each)."""
    return sentences_by_article(doc_ids, conn.execute(
        "SELECT doc_id, start_char, end_char, vector FROM sentences WHERE doc_id = ANY(%s) "
        "ORDER BY doc_id, ordinal", (list(doc_ids),)), dimension)


def entities(conn: Connection, doc_ids: Sequence[str]) -> dict[str, list[Entity]]:
    return entities_by_article(doc_ids, conn.execute(
        "SELECT doc_id, start_char, end_char, label FROM entities WHERE doc_id = ANY(%s) "
        "ORDER BY doc_id, start_char", (list(doc_ids),)))


def document_rows(conn: Connection) -> list[dict]:
    query = """SELECT d.doc_id, d.title, d.date, d.path, d.indexed_at, count(c.chunk_id)
               FROM documents d LEFT JOIN chunks c ON c.doc_id = d.doc_id
               GROUP BY d.doc_id ORDER BY d.doc_id COLLATE "C"
            """
    keys = ("doc_id", "title", "date", "path", "indexed_at", "chunks")
    return [dict(zip(keys, row, strict=True)) for row in conn.execute(query)]


def has_added_tables(conn: Connection) -> bool:
    return conn.execute("SELECT to_regclass('feed_items') IS NOT NULL").fetchone()[0]


def copy_groups(conn: Connection, doc_ids: Sequence[str]) -> dict[str, CopyGroup]:
    """The group of prints each of the articles is in, for those in one."""
    if not doc_ids:
        return {}
    return groups_from_rows(conn.execute(
        "SELECT doc_id, original, wire FROM copies WHERE original IN "
        "(SELECT original FROM copies WHERE doc_id = ANY(%s) AND original IS NOT NULL)",
        (list(doc_ids),)).fetchall())


class Copies:
    """`index.ingest.copies.CopyRows` in PostgreSQL, on the write's connection; the writer
    holds `COPIES_LOCK`, so that two writers of copies of one story see each other's."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def unsigned(self) -> list[Article]:
        """Looked for only until every article has been signed once (a meta flag)."""
        if get_meta(self.conn, "copies_signed") == "1":
            return []
        ids = [r[0] for r in self.conn.execute(
            "SELECT doc_id FROM documents d WHERE NOT EXISTS "
            "(SELECT 1 FROM copies c WHERE c.doc_id = d.doc_id)")]
        set_meta(self.conn, copies_signed=1)
        return list(articles(self.conn, ids).values()) if ids else []

    def unsign(self) -> tuple:
        set_meta(self.conn, copies_signed=0)
        return ()

    def add_signatures(self, signatures: Sequence[Signature]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany("INSERT INTO copies VALUES (%s, %s, %s, %s, %s, %s, NULL) "
                            "ON CONFLICT (doc_id) DO UPDATE SET shingles = excluded.shingles, "
                            "minhash = excluded.minhash, wire = excluded.wire, "
                            "by_wire = excluded.by_wire, published = excluded.published",
                            [(_storable(s.doc_id), s.shingles, s.minhash, _storable(s.wire),
                              s.by_wire, s.published) for s in signatures])
            cur.executemany("INSERT INTO copy_bands VALUES (%s, %s) ON CONFLICT DO NOTHING",
                            [(key, s.doc_id) for s in signatures for key in s.band_keys])

    def signatures(self, doc_ids: Iterable[str]) -> dict[str, Signature]:
        rows = self.conn.execute("SELECT doc_id, shingles, minhash, wire, by_wire, published "
                                 "FROM copies WHERE doc_id = ANY(%s)", (list(doc_ids),))
        return {r[0]: Signature(r[0], r[1], bytes(r[2]), r[3], bool(r[4]), r[5]) for r in rows}

    def sharing(self, keys: Iterable[int]) -> list[tuple[int, str]]:
        return self.conn.execute("SELECT key, doc_id FROM copy_bands WHERE key = ANY(%s)",
                                 (list(keys),)).fetchall()

    def add_links(self, links: Sequence[tuple[str, str, float]]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany("INSERT INTO copy_links VALUES (%s, %s, %s) ON CONFLICT (doc_id, other) "
                            "DO UPDATE SET shared = excluded.shared",
                            [row for a, b, shared in links for row in ((a, b, shared), (b, a, shared))])

    def linked(self, doc_ids: Iterable[str]) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT other FROM copy_links WHERE doc_id = ANY(%s)",
                                                (list(doc_ids),))}

    def group_of(self, doc_ids: Iterable[str]) -> set[str]:
        ids = list(doc_ids)
        return set(ids) | {r[0] for r in self.conn.execute(
            "SELECT doc_id FROM copies WHERE original IN (SELECT original FROM copies "
            "WHERE doc_id = ANY(%s) AND original IS NOT NULL)", (ids,))}

    def set_originals(self, originals: dict[str, str | None]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany("UPDATE copies SET original = %s WHERE doc_id = %s",
                            [(head, doc_id) for doc_id, head in originals.items()])

    def remove(self, doc_ids: Iterable[str]) -> None:
        ids = list(doc_ids)
        keys = [(key, doc_id) for doc_id, s in self.signatures(ids).items() for key in s.band_keys]
        with self.conn.cursor() as cur:
            cur.executemany("DELETE FROM copy_bands WHERE key = %s AND doc_id = %s", keys)
        self.conn.execute("DELETE FROM copy_links WHERE doc_id = ANY(%s) OR other = ANY(%s)",
                          (ids, ids))
        self.conn.execute("DELETE FROM copies WHERE doc_id = ANY(%s)", (ids,))
