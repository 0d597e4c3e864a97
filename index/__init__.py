"""Articles in, searchable chunks out: the index every question is answered from.

    from index import Index
    idx = Index.open("my-index")          # or Index.open() for the default folder
    idx.build(["articles/"], prune=True)  # incremental: unchanged articles are skipped
    idx.add(["new-story.txt"]); idx.remove(["old-story"]); idx.status()
    idx.add(["https://example.com/news/talks.html"])  # a page or PDF, id `example.com/news/talks`
    idx.add(["other/new-story.txt"])      # kept apart as `new-story-2`; replace=True replaces
    idx.copies(["wire-story"])            # the prints of one wire story it is in, if any
    idx.compact()                         # optional: one segment, replaced chunks dropped

`Index.open("postgresql://user@host/db")` opens the same interface on PostgreSQL instead.

The map of the package, by what each part is:

    store.py     `Index`, the interface both kinds implement, and `Store`, the code they share
    location.py  where an index lives; `kind_of` is the one place the kind is decided
    results.py   what an index gives back: Report, Status, Passage, Findings, Repair
    errors.py    every error a person must act on
    display.py   counts, names and errors as a person reads them
    cli.py       `python -m index`;  watch.py  a folder kept indexed as files arrive
    follow.py    feeds followed: their new items' pages indexed as they are published
    ingest/      files and links -> articles -> ids -> sentences, chunks, terms, vectors
    model/       the embedder, the numpy BERT runtime and the precision both models run in
    folder/      the folder kind: SQLite, FAISS + BM25 segments, write lock, check, repair
    postgres/    the PostgreSQL kind: its tables and BM25 in SQL

Everything below is importable from here; `qa/` and `ui/` use this face, plus
`index.ingest.terms` and `index.ingest.nlp` for questions and `index.model` for the reader.
"""

from index.display import counted, shown
from index.errors import (
    ActionNeeded,
    DiskFull,
    EmbedderMismatch,
    IndexBusy,
    IndexDamaged,
    IndexLocked,
    PermissionDenied,
    RepairWouldLose,
    WorkersFailed,
)
from index.ingest.articles import SUPPORTED_SUFFIXES, Article, Skipped, read_paths
from index.ingest.chunking import Chunk
from index.ingest.claims import Renamed
from index.ingest.copies import Copy, CopyGroup
from index.ingest.feeds import Feed, FeedItem
from index.ingest.ids import clean_id
from index.ingest.links import NOT_PUBLIC, as_link, is_public, is_url, read_url
from index.ingest.nlp import Entity, Sentence
from index.location import default_index_dir, default_shown, masked, open_default
from index.results import Findings, Passage, Problem, Repair, Report, Status
from index.store import Index

__all__ = [
    "NOT_PUBLIC", "SUPPORTED_SUFFIXES", "ActionNeeded", "Article", "Chunk", "Copy", "CopyGroup",
    "DiskFull", "EmbedderMismatch", "Entity", "Feed", "FeedItem", "Findings", "Index",
    "IndexBusy", "IndexDamaged", "IndexLocked", "Passage", "PermissionDenied", "Problem",
    "Renamed", "Repair", "RepairWouldLose", "Report", "Sentence", "Skipped", "Status",
    "WorkersFailed", "as_link", "clean_id", "counted", "default_index_dir", "default_shown",
    "is_public", "is_url", "masked", "open_default", "read_paths", "read_url", "shown",
]
