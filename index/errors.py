"""Errors a person must act on, shared by both kinds of index (a folder, a PostgreSQL database).

Each message says what went wrong and what to do; the command line prints it as one
`error:` line, never a traceback.
"""

from __future__ import annotations

from index.lock import IndexLocked


class IndexError_(Exception):
    """Base for errors a person must act on; the message says what to do."""


class EmbedderMismatch(IndexError_):
    pass


class DiskFull(IndexError_):
    """A write ran out of space; it was rolled back and its temporary files removed."""




class IndexBusy(IndexLocked):
    """Another writer held the articles this write needs for longer than it would wait: a
    kind of IndexLocked, so whoever retries a locked folder (the watcher) retries this too."""
