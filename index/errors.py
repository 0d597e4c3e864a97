"""Errors a person must act on, shared by both kinds of index (a folder, a PostgreSQL database).

Each message says what went wrong and what to do; the command line prints it as one
`error:` line, never a traceback.
"""

from __future__ import annotations

from index.folder.lock import IndexLocked


class IndexError_(Exception):
    """Base for errors a person must act on; the message says what to do."""


class EmbedderMismatch(IndexError_):
    pass


class DiskFull(IndexError_):
    """A write ran out of space; it was rolled back and its temporary files removed."""


class IndexBusy(IndexLocked):
    """Another writer held the articles this write needs for longer than it would wait: a
    kind of IndexLocked, so whoever retries a locked folder (the watcher) retries this too."""


def refuse_unreadable(where: object, manifest: dict, schema: object, embedder: str,
                      place: str) -> None:
    """The checks on opening an index of either kind: its schema must be the one this
    version reads, and its embedder the one asked for (vectors of another model would
    answer with garbage). `place`: what a new index would go in ("folder", "schema")."""
    if manifest.get("schema") != schema:
        raise IndexError_(f"{where} has schema {manifest.get('schema')}, this version "
                          f"reads {schema}: rebuild it into a new {place}")
    if manifest["embedder"] != embedder:
        raise EmbedderMismatch(
            f"{where} was built with embedder {manifest['embedder']!r}, not {embedder!r}: "
            f"open it with that embedder or rebuild it into a new {place}")
