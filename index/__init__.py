"""Articles in, searchable chunks out: the index every question is answered from.

    from index import Index
    idx = Index.open("my-index")          # or Index.open() for the default folder
    idx.build(["articles/"], prune=True)  # incremental: unchanged articles are skipped
    idx.add(["new-story.txt"]); idx.remove(["old-story"]); idx.status()
    idx.add(["https://example.com/news/talks.html"])  # a page or PDF, id `example.com/news/talks`
    idx.add(["other/new-story.txt"])      # kept apart as `new-story-2`; replace=True replaces
    idx.compact()                         # optional: one segment, replaced chunks dropped
"""

from index.folder.lock import IndexLocked
from index.folder.store import (
    DiskFull,
    EmbedderMismatch,
    Index,
    IndexDamaged,
    IndexError_,
    Passage,
    Report,
    Status,
    default_index_dir,
    open_default,
)
from index.ingest.articles import SUPPORTED_SUFFIXES, Article, Skipped, read_paths
from index.ingest.chunking import Chunk
from index.ingest.ids import Renamed
from index.ingest.links import is_url
from index.ingest.nlp import Entity, Sentence
from index.names import clean_id, counted, shown

__all__ = [
    "SUPPORTED_SUFFIXES", "Article", "Chunk", "DiskFull", "EmbedderMismatch", "Entity", "Index",
    "IndexDamaged", "IndexError_", "IndexLocked", "Passage", "Renamed", "Report", "Sentence",
    "Skipped", "Status", "clean_id", "counted", "default_index_dir", "is_url", "open_default",
    "read_paths", "shown",
]
