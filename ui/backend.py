"""The page's only door to `qa` and `index`: their public API, nothing of its own.

The page answers while it indexes: reads go through the shared `Index` object,
writes open their own connection inside `Index`. Writes (an upload, a removal,
the folder watcher, a build in another process) queue behind each other on the
index's write lock for up to WRITE_WAIT_SECONDS instead of failing.

A read-only backend (`python -m ui --read-only`) refuses every write itself, so a page
that shows no upload or remove control is not the only thing standing between a
visitor and the index.

A link added on the page is fetched for whoever can reach the page, so by default it may
only reach public addresses (`index.ingest.links.is_public`): otherwise a visitor could
read the server's own and its network's pages through it. The operator may allow them
(`python -m ui --allow-private-links`, `private_links=True`).
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from index import (
    Article,
    CopyGroup,
    Feed,
    FeedItem,
    Index,
    Report,
    Skipped,
    Status,
    as_link,
    is_public,
    open_default,
    read_paths,
    read_url,
)
from qa import Answer, ask, warm_up
from ui.examples import Doc, example_questions
from ui.uploads import MAX_UPLOAD_BYTES, stage

if TYPE_CHECKING:  # watchdog starts threads: loaded only when a folder is watched
    from index.follow import Follower, FollowReport
    from index.ingest.links import Allowed
    from index.watch import Watcher

WRITE_WAIT_SECONDS = 120.0
EXAMPLE_ARTICLES = 200

Progress = Callable[[int, int], None]


class ReadOnly(PermissionError):
    """A write asked of a backend opened read-only."""


class Backend:
    """One index and the question answerer, as the page uses them."""

    def __init__(self, index: Index, read_only: bool = False, private_links: bool = False) -> None:
        self.index = index
        self.read_only = read_only
        self.private_links = private_links
        self.index.write_wait = WRITE_WAIT_SECONDS
        self._watchers: list[Watcher] = []
        self._follower: Follower | None = None

    @classmethod
    def open(cls, path: str | Path | None = None, log: Callable[[str], None] = print,
             read_only: bool = False, private_links: bool = False) -> Backend:
        """Open the index (default: $NEWSQA_INDEX); the default one, when new, is first
        filled from seeds/. Read-only opens only an index that exists, and writes nothing.
        `private_links`: links may reach this machine and private networks too."""
        if read_only:
            return cls(Index.open(path, create=False), read_only=True)
        return cls(open_default(path, log=log), private_links=private_links)

    # Reading ---------------------------------------------------------------

    def warm_up(self) -> None:
        warm_up(self.index)

    def ask(self, question: str, history: Sequence[Answer] = ()) -> Answer:
        """`history`: the conversation's earlier answers, so follow-ups are understood."""
        return ask(question, index=self.index, history=history)

    def status(self) -> Status:
        return self.index.status()

    def documents(self) -> list[dict]:
        return self.index.documents()

    def article(self, doc_id: str) -> Article | None:
        return self.index.article(doc_id)

    def copies(self, doc_id: str) -> CopyGroup | None:
        """The prints of one story the article is one of, if it is one."""
        return self.index.copies([doc_id]).get(doc_id)

    def feeds(self) -> list[tuple[Feed, list[FeedItem]]]:
        """The feeds followed, each with what is remembered of its items."""
        return [(feed, self.index.feed_items(feed.url)) for feed in self.index.feeds()]

    def examples(self, limit: int = 5, newest: int = EXAMPLE_ARTICLES) -> list[str]:
        """Example questions from the newest articles indexed right now (a bounded number,
        since every page load asks for them)."""
        rows = sorted(self.documents(), key=lambda r: (r["date"] or "", r["indexed_at"]))
        docs = []
        for row in rows[-newest:]:
            article = self.article(row["doc_id"])
            if article is not None:
                docs.append(Doc(article.doc_id, article.title, article.date, article.text))
        return example_questions(docs, limit)

    # Writing ---------------------------------------------------------------

    @property
    def _allowed(self) -> Allowed | None:
        """The addresses the page may fetch links and feeds from: public ones, unless the
        operator allowed this machine and private networks too."""
        return None if self.private_links else is_public

    def _writable(self) -> None:
        if self.read_only:
            raise ReadOnly(f"the page on {self.index.path} is read-only (started with "
                           f"--read-only): it answers questions but adds and removes nothing")

    def add(self, paths: Iterable[str | Path], progress: Progress | None = None,
            root: str | Path | None = None, replace: bool = False) -> Report:
        self._writable()
        return self.index.add(paths, progress=progress, root=root, replace=replace)

    def add_url(self, url: str, progress: Progress | None = None,
                replace: bool = False) -> Report:
        """Fetch a web page or PDF and index it with its metadata (see `index.ingest.links`); a
        link that cannot be fetched or read, or that leads to an address the page may not
        reach, is the report's one skipped line."""
        self._writable()
        link = as_link(url)   # `www.example.com/news`, as an address bar shows it, is https
        if link is None:
            return Report(skipped=(Skipped(url.strip() or "(no link)",
                                           "not a link: give an address like "
                                           "https://www.example.com/news"),))
        articles, failed = read_url(link, allowed=self._allowed)
        report = self.index.add_articles(articles, progress, replace) if articles else Report()
        return dataclasses.replace(report, skipped=(*failed, *report.skipped))

    def remove(self, doc_ids: Iterable[str]) -> Report:
        self._writable()
        return self.index.remove(doc_ids)

    def add_uploads(self, files: Iterable[tuple[str | Path, str]],
                    progress: Progress | None = None,
                    max_bytes: int = MAX_UPLOAD_BYTES, replace: bool = False) -> Report:
        """Index uploaded files: (path on disk, name given) pairs, copied under safe names.

        The copies live in a temporary folder only while they are indexed: the index keeps
        the text, and the file names become the document ids. An upload whose name belongs
        to another article is kept apart as `name-2` unless `replace` (the page's "Replace
        articles with the same name" box): nobody replaces an article by accident.
        """
        self._writable()
        with tempfile.TemporaryDirectory(prefix="newsqa-upload-") as folder:
            staged, skipped = stage(files, Path(folder), max_bytes)
            articles, unread = read_paths(staged)
        # An upload has no file to read again: with no path, no later upload can pass for
        # an edit of it, so one with its name and other text is kept apart, not swapped in.
        articles = [dataclasses.replace(a, path="") for a in articles]
        report = self.index.add_articles(articles, progress, replace) if articles else Report()
        # The temporary copies' paths mean nothing to the person: name the files instead.
        every = [*skipped, *unread, *report.skipped]
        return dataclasses.replace(report, skipped=tuple(Skipped(Path(s.path).name, s.reason)
                                                         for s in every))

    def follow(self, url: str, interval: float | None = None) -> FollowReport:
        """Follow the RSS or Atom feed at `url`: its items' pages are indexed now, and new
        ones while the page runs (`poll_feeds`). A link that is not a feed is the report's
        error, and nothing is remembered."""
        from index.follow import DEFAULT_INTERVAL, follow

        self._writable()
        report = follow(self.index, url, interval or DEFAULT_INTERVAL, allowed=self._allowed)
        if report.followed:
            self.poll_feeds(interval)
        return report

    # Watching --------------------------------------------------------------

    def poll_feeds(self, interval: float | None = None,
                   on_report: Callable[[FollowReport], None] | None = None) -> Follower:
        """Fetch the followed feeds' new items while the page runs (once per page; a second
        call returns the poller already running)."""
        from index.follow import DEFAULT_INTERVAL, Follower

        self._writable()
        if self._follower is None:
            self._follower = Follower(self.index, interval or DEFAULT_INTERVAL,
                                      on_report=on_report, allowed=self._allowed).start()
        return self._follower

    def watch(self, folder: str | Path,
              on_report: Callable[[Report], None] | None = None) -> Watcher:
        """Index the files in `folder`, then those dropped there later, without a restart."""
        from index.watch import Watcher

        self._writable()
        Path(folder).mkdir(parents=True, exist_ok=True)
        report = self.add([folder])
        if on_report:
            on_report(report)
        watcher = Watcher(self.index, folder, on_report=on_report)
        self._watchers.append(watcher.start())
        return watcher

    def close(self) -> None:
        for watcher in self._watchers:
            watcher.stop()
        self._watchers.clear()
        if self._follower is not None:
            self._follower.stop()
            self._follower = None

