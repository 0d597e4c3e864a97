"""Where an index write spends its time, measured without changing the index code.

`StageTimers` wraps the functions a folder index's write calls at each stage
(reading, spaCy, chunking, embedding, BM25, FAISS, SQLite) with timers for as long
as it is active, and restores them afterwards. Time is counted exclusively: a
stage nested in another (the embedder's tokenizer inside chunking, the forward
pass inside embedding) is taken out of its parent, so the stages add up to the
measured total, and what no stage covers is reported as "other".
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

# (owner path, attribute, stage label). Owners are imported lazily.
_FUNCTIONS = [
    ("index.ingest.links", "read_paths", "read article files"),
    ("index.ingest.prepare", "analyse", "spaCy sentences + NER"),
    ("index.ingest.prepare", "chunk_article", "chunking: tiktoken + packing"),
    ("index.model.embedder:Embedder", "count_pieces", "chunking: embedder tokenizer (fits)"),
    ("index.model.embedder:Embedder", "encode_with_spans", "embedding: offsets + sentence pooling"),
    ("index.folder.store", "terms", "BM25: tokenise + stem"),
    ("index.folder.segments:Segment", "create", "segment: FAISS add + BM25 postings"),
    ("index.folder.segments:Segment", "load", "segment: read files (merge)"),
    ("index.folder.segments:Segment", "merged", "segment: merge"),
    ("index.folder.segments:Segment", "save", "segment: write files + fsync"),
    ("index.folder.store:FolderIndex", "_load_generation", "reader: load new segments"),
    ("index.folder.sqlite", "insert_document", "SQLite: insert rows"),
    ("index.folder.sqlite", "delete_documents", "SQLite: delete rows"),
    ("index.folder.sqlite", "hashes", "SQLite: read hashes"),
    ("index.folder.sqlite", "chunk_ids_of", "SQLite: read chunk ids"),
]


def _owner(path: str) -> Any:
    import importlib

    module, _, attr = path.partition(":")
    owner = importlib.import_module(module)
    return getattr(owner, attr) if attr else owner


class StageTimers:
    """Exclusive seconds per stage while active; use as a context manager."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._stack: list[float] = []      # child time accumulated per open frame
        self._restore: list[tuple[Any, str, Any]] = []
        self._models: list[Any] = []

    def timed(self, label: str, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self._stack.append(0.0)
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                children = self._stack.pop()
                self.seconds[label] = self.seconds.get(label, 0.0) + elapsed - children
                self.calls[label] = self.calls.get(label, 0) + 1
                if self._stack:
                    self._stack[-1] += elapsed
        return wrapper

    def _patch(self, owner: Any, name: str, replacement: Any) -> None:
        self._restore.append((owner, name, owner.__dict__[name] if isinstance(owner, type)
                              else getattr(owner, name)))
        setattr(owner, name, replacement)

    def __enter__(self) -> StageTimers:
        for path, name, label in _FUNCTIONS:
            owner = _owner(path)
            original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
            if isinstance(original, classmethod):
                self._patch(owner, name, classmethod(self.timed(label, original.__func__)))
            else:
                self._patch(owner, name, self.timed(label, original))
        self._patch_sqlite()
        self._patch_forward_pass()
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, original in reversed(self._restore):
            setattr(owner, name, original)
        self._restore.clear()
        for model in self._models:
            model.__dict__.pop("encode", None)
        self._models.clear()

    def _patch_sqlite(self) -> None:
        """Time COMMIT on the connections the index opens for writing."""
        from index.folder import sqlite

        timers = self
        connect = sqlite.connect

        class TimedConnection:
            def __init__(self, inner: Any) -> None:
                self._inner = inner

            def execute(self, sql: str, *args: Any) -> Any:
                if sql.strip().upper() == "COMMIT":
                    return timers.timed("SQLite: commit", self._inner.execute)(sql, *args)
                return self._inner.execute(sql, *args)

            def __getattr__(self, name: str) -> Any:
                return getattr(self._inner, name)

        self._patch(sqlite, "connect", lambda path, **kw: TimedConnection(connect(path, **kw)))

    def _patch_forward_pass(self) -> None:
        """The model's encode inside encode_with_spans is the transformer forward pass."""
        from index.model.embedder import Embedder

        timers = self
        original = Embedder.__dict__["encode_with_spans"]

        def encode_with_spans(embedder: Any, *args: Any, **kwargs: Any) -> Any:
            model = embedder.model
            if not getattr(model.encode, "_bench_timed", False):
                wrapped = timers.timed("embedding: transformer forward pass", model.encode)
                wrapped._bench_timed = True  # type: ignore[attr-defined]
                model.encode = wrapped
                timers._models.append(model)
            return original(embedder, *args, **kwargs)

        self._patch(Embedder, "encode_with_spans", encode_with_spans)

    def breakdown(self, total: float) -> list[dict[str, object]]:
        """Stages by time spent, with "other" for the rest of `total`, as rows for a table."""
        rows = [{"stage": label, "seconds": round(s, 6), "share": round(s / total, 4) if total else 0,
                 "calls": self.calls[label]}
                for label, s in sorted(self.seconds.items(), key=lambda kv: -kv[1])]
        other = total - sum(self.seconds.values())
        rows.append({"stage": "other (Python glue, lock, manifest)", "seconds": round(other, 6),
                     "share": round(other / total, 4) if total else 0, "calls": None})
        return rows

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()
