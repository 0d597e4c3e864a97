"""Which id each article of a write gets: its own name, or a numbered one beside it.

Ids are made from names by `index.ingest.ids`; this module settles the claims.

A name is a claim, not a licence to overwrite. An article keeps the id its name
gives it when that id is free, holds the same text already, or holds the article
last read from the same file (the file was edited: an update). A different
article that happens to share the name (`article.txt` from another folder, a
second upload called `article.txt`) is kept apart as `article-2`, `article-3`,
... unless the caller asked to replace. Within one write, two files that would
get one id are both kept the same way. Rebuilding a folder finds the numbered
id a file was kept apart under before, so ids stay stable from one build to the
next.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from index.display import shown
from index.ingest.articles import Article, Skipped
from index.ingest.ids import numbered

# (doc_id -> (path, content hash)) of the rows the index holds for the ids asked
Lookup = Callable[[Sequence[str]], dict[str, tuple[str, str]]]
# the same for every numbered sibling (`id-2`, `id-3`, ...) of one id
Siblings = Callable[[str], dict[str, tuple[str, str]]]


@dataclass(frozen=True)
class Renamed:
    """An article kept under a numbered id because its own name belongs to another."""

    path: str
    wanted: str
    doc_id: str
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        source = f" from {shown(self.path)}" if self.path else ""
        return f"`{self.wanted}`{source}: {self.reason}, kept as `{self.doc_id}`"


@dataclass(frozen=True)
class Assignment:
    articles: tuple[Article, ...]
    renamed: tuple[Renamed, ...]
    skipped: tuple[Skipped, ...]


def _from(path: str) -> str:
    return f" (from {shown(path)})" if path else ""


def _same_source(row: tuple[str, str], article: Article) -> bool:
    """Same text, or re-read from the same file (an article made in code has no file)."""
    path, content_hash = row
    return content_hash == article.content_hash or bool(path and path == article.path)


def assign(articles: Sequence[Article], lookup: Lookup, siblings: Siblings,
           replace: bool = False) -> Assignment:
    """Final ids for `articles`, in order; see the module docstring for the rule."""
    existing = lookup([a.doc_id for a in articles])
    run: dict[str, Article] = {}
    renamed: list[Renamed] = []
    skipped: list[Skipped] = []
    for article in articles:
        wanted = article.doc_id
        first = run.get(wanted)
        if first is not None and first.content_hash == article.content_hash:
            if not (first.path and first.path == article.path):  # not one file given twice
                skipped.append(Skipped(article.path or wanted,
                                       f"same text as `{wanted}`{_from(first.path)}: indexed once"))
            continue
        row = existing.get(wanted)
        if first is None and (row is None or replace or _same_source(row, article)):
            run[wanted] = article
            continue
        doc_id = _numbered_id(article, run, siblings(wanted))
        if first is not None:
            reason = f"name also given to another article in this write{_from(first.path)}"
        else:
            reason = f"name taken by another article{_from(row[0])}"
        renamed.append(Renamed(article.path, wanted, doc_id, reason))
        run[doc_id] = dataclasses.replace(article, doc_id=doc_id)
    return Assignment(tuple(run.values()), tuple(renamed), tuple(skipped))


def _numbered_id(article: Article, run: dict[str, Article],
                 rows: dict[str, tuple[str, str]]) -> str:
    """The sibling id this article was kept apart under before, else the first free one."""
    for doc_id, row in sorted(rows.items()):
        if doc_id not in run and _same_source(row, article):
            return doc_id
    n = 2
    while numbered(article.doc_id, n) in run or numbered(article.doc_id, n) in rows:
        n += 1
    return numbered(article.doc_id, n)
