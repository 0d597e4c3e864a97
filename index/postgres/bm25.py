"""BM25 in PostgreSQL, scored exactly as the folder index scores it (`index.folder.postings`).

The statistics BM25 needs live in tables the writes keep: N and the total length in
`totals` (insert-only deltas), each term's document frequency in `vocabulary` (one row
per term, updated in term order so that writers never deadlock), term frequencies and
chunk lengths in `postings`. Scores are computed at query time, so a write never
rewrites old rows when the average length or a df changes.

Common terms are what makes exact BM25 slow: "said" is in a third of all news chunks,
and scoring it means reading a third of the postings. So the search is MaxScore
(Turtle & Flood, 1995), which keeps results exact: terms in more than PRUNE_DF chunks
are "non-essential". Chunks are ranked by their essential terms first; a common term
adds less than its idf to any chunk (tf / (tf + norm) < 1), so only chunks whose
partial score plus the common terms' idfs could still reach the k-th full score are
scored in full, from their own postings rows (primary-key lookups), and a chunk with no
essential term at all cannot enter the top k once the k-th score reaches that sum.
When it cannot be shown, the query is scored in full in SQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from index.ingest.terms import K1, B, terms

# A term in more chunks than this is scored only for the chunks that may make the top k.
PRUNE_DF = 2000

# Every chunk holding a query term, scored in the server: the fallback.
_FULL_QUERY = f"""
SELECT p.chunk_id, sum(q.w * p.tf / (p.tf + {K1} * (1 - {B} + {B} * p.length / %(avgdl)s))) AS score
FROM postings p JOIN unnest(%(terms)s::text[], %(idf)s::float8[]) AS q(term, w) ON p.term = q.term
GROUP BY p.chunk_id ORDER BY score DESC, p.chunk_id LIMIT %(k)s
"""

# The rare terms' scores of the chunks that hold one, less those that cannot reach the
# k-th (`bound` under it; ties kept): every chunk, when there are fewer than k.
_PARTIAL_QUERY = f"""
WITH partial AS (
    SELECT p.chunk_id, sum(q.w * p.tf / (p.tf + {K1} * (1 - {B} + {B} * p.length / %(avgdl)s))) AS score
    FROM postings p JOIN unnest(%(terms)s::text[], %(idf)s::float8[]) AS q(term, w) ON p.term = q.term
    GROUP BY p.chunk_id),
kth AS (SELECT score FROM partial ORDER BY score DESC LIMIT 1 OFFSET %(k)s - 1)
SELECT chunk_id, score FROM partial
WHERE score + %(bound)s >= coalesce((SELECT score FROM kth), '-infinity'::float8)
"""

# What the common terms add to the chunks named: one primary-key probe per (term, chunk).
_EXTRA_QUERY = f"""
SELECT p.chunk_id, sum(q.w * p.tf / (p.tf + {K1} * (1 - {B} + {B} * p.length / %(avgdl)s)))
FROM unnest(%(terms)s::text[], %(idf)s::float8[]) AS q(term, w)
CROSS JOIN unnest(%(chunks)s::bigint[]) AS c(chunk_id)
JOIN postings p ON p.term = q.term AND p.chunk_id = c.chunk_id
GROUP BY p.chunk_id
"""

Connection = Any  # psycopg.Connection, imported lazily


def search(conn: Connection, text: str, k: int, prune_df: int = PRUNE_DF
           ) -> list[tuple[int, float]]:
    """Top-k (chunk id, BM25 score) for the query, best first; only chunks sharing a term."""
    wanted = sorted(set(terms(text)))
    n, total = conn.execute("SELECT coalesce(sum(chunks), 0), coalesce(sum(length), 0) "
                            "FROM totals").fetchone()
    if not wanted or not n or k <= 0:
        return []
    avgdl = float(total) / float(n)
    df = dict(conn.execute("SELECT term, df FROM vocabulary WHERE term = ANY(%s) AND df > 0",
                           (wanted,)).fetchall())
    idf = {t: float(np.log(1 + (float(n) - d + 0.5) / (d + 0.5))) for t, d in df.items()}
    common = sorted(t for t, d in df.items() if d > prune_df)
    rare = sorted(t for t in df if t not in common)
    if rare:
        found = _pruned(conn, rare, common, idf, avgdl, k)
        if found is not None:
            return found
    ordered = sorted(idf)
    rows = conn.execute(_FULL_QUERY, {"terms": ordered, "idf": [idf[t] for t in ordered],
                                      "avgdl": avgdl, "k": k}).fetchall()
    return [(int(i), float(s)) for i, s in rows]


def _pruned(conn: Connection, rare: list[str], common: list[str], idf: dict[str, float],
            avgdl: float, k: int) -> list[tuple[int, float]] | None:
    """MaxScore over `rare` (essential) and `common` terms; None when exactness cannot be
    shown this way (too few candidates, or a k-th score below the common terms' bound)."""
    bound = sum(idf[t] for t in common)  # more than the common terms add to any chunk
    # Chunks ranked by their rare terms; the k-th full score is at least the k-th partial
    # one, so a chunk whose partial score plus `bound` stays below that cannot rise.
    partial = dict(conn.execute(_PARTIAL_QUERY, {
        "terms": rare, "idf": [idf[t] for t in rare], "avgdl": avgdl, "k": k,
        "bound": bound}).fetchall())
    if not common:
        return _top(partial, k)
    if len(partial) < k:
        return None
    extra = dict(conn.execute(_EXTRA_QUERY, {
        "terms": common, "idf": [idf[t] for t in common], "avgdl": avgdl,
        "chunks": list(partial)}).fetchall())
    best = _top({c: s + extra.get(c, 0.0) for c, s in partial.items()}, k)
    # A chunk with none of the rare terms scores under `bound`: it must not reach the top.
    return best if best[-1][1] >= bound else None


def _top(scores: dict[int, float], k: int) -> list[tuple[int, float]]:
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
    return [(int(c), float(s)) for c, s in ranked]


def terms_of(conn: Connection, chunk_ids: Sequence[int]) -> Counter[str]:
    """Per term, how many of the chunks hold it: what their removal takes off its df
    (read before their postings are deleted)."""
    if not chunk_ids:
        return Counter()
    return Counter(dict(conn.execute("SELECT term, count(*)::integer FROM postings "
                                     "WHERE chunk_id = ANY(%s) GROUP BY term",
                                     (list(chunk_ids),)).fetchall()))


def count_terms(conn: Connection, delta: Counter[str]) -> None:
    """Add a write's change of each term's df (chunks added holding it, less those removed)
    to `vocabulary`, in term order: two writers that share terms queue, never deadlock."""
    changed = sorted(t for t, d in delta.items() if d)
    if changed:
        conn.execute("INSERT INTO vocabulary (term, df) SELECT term, df FROM "
                     "unnest(%s::text[], %s::integer[]) AS u(term, df) ORDER BY term "
                     "ON CONFLICT (term) DO UPDATE SET df = vocabulary.df + excluded.df",
                     (changed, [delta[t] for t in changed]))
