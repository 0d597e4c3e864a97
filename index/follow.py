"""Feeds followed: remembered in the index, their new items' pages indexed, polled with backoff.

    from index.follow import follow, poll, Follower
    follow(index, "https://example.com/rss.xml")   # remembered, and its items read now
    poll(index)                                     # every followed feed that is due
    Follower(index, interval=900).start()           # the same in a thread (`watch`)

One fetch of one feed:

1. The feed is asked for with the validators of its last good fetch (ETag,
   Last-Modified): a server with nothing new answers 304 and that is one request.
2. Each item is known by its GUID, else its link. One already indexed (by GUID or link,
   or its page added before with `index add URL`) is not fetched again, unless the feed
   now dates it later than when it was read.
3. The pages of new and updated items are read by the reader of `index add URL`
   (`index.ingest.links.read_url`), a few at a time, and written in one write; the feed's
   title and date fill what a page lacks.
4. A page that cannot be read is not written at all: it is remembered with its reason,
   named in the report, and tried again at the polls after (5 minutes, then 10, 20 ...
   up to a day) while the feed still lists it.
5. A feed that cannot be fetched or read keeps what it had; it is tried again after the
   interval, twice as long with each failure in a row, up to MAX_BACKOFF.

The articles are written first and the feed's rows after: a poll killed between the two
finds the same items next time, and their pages, read again, are unchanged articles, so
nothing is lost or stored twice.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from index.display import counted, shown
from index.errors import IndexLocked
from index.ingest.articles import Article, Skipped, Unreadable, reason_of
from index.ingest.feeds import Feed, FeedItem, Item, fetch_feed, stamp
from index.ingest.ids import url_id
from index.ingest.links import Allowed, is_url, read_url
from index.results import Report
from index.store import Index

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 15 * 60
MAX_BACKOFF = 24 * 3600
ITEM_RETRY = 5 * 60
FETCHERS = 4  # pages read at once: a feed's first fetch may list fifty


@dataclass(frozen=True)
class FollowReport:
    """What one fetch of one feed did: the write of its items' pages (`report`), how many
    items the feed lists and how many were indexed already, the pages that could not be
    read (tried again later), items it could not use, and, when the feed itself could not
    be read, why (`error`)."""

    feed: str
    title: str = ""
    report: Report = field(default_factory=Report)
    items: int = 0
    known: int = 0
    failed: tuple[Skipped, ...] = ()
    unusable: tuple[str, ...] = ()
    error: str = ""
    not_modified: bool = False
    followed: bool = True  # False: a first fetch failed, so the feed is not remembered
    next_fetch: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.error or self.failed or self.report.skipped)

    def to_dict(self) -> dict:
        return {"feed": self.feed, "title": self.title, "report": self.report.to_dict(),
                "items": self.items, "known": self.known,
                "failed": [s.to_dict() for s in self.failed], "unusable": list(self.unusable),
                "error": self.error, "not_modified": self.not_modified,
                "followed": self.followed, "next_fetch": stamp(self.next_fetch)}

    def headline(self) -> str:
        name = f"feed {shown(self.feed)}" + (f" ({shown(self.title)})" if self.title else "")
        if self.error:
            then = (f"; tried again at {stamp(self.next_fetch)}" if self.followed
                    else "; not followed (fix the address, or try again later)")
            return f"{name}: could not be read: {self.error}{then}"
        r = self.report
        if self.not_modified and not (r.added or r.updated or self.failed):
            said = "not changed since the last fetch"
        else:
            said = (f"{counted(self.items, 'item')}, {r.added} added, {r.updated} updated, "
                    f"{self.known} already indexed, {len(self.failed) + len(r.skipped)} failed")
        return f"{name}: {said}; next fetch {stamp(self.next_fetch)}"

    def details(self) -> list[str]:
        lines = [line for line in self.report.details() if not line.startswith("  skipped")]
        lines += [f"  failed {s.line()} (tried again later)" for s in (*self.failed, *self.report.skipped)]
        return lines + [f"  not used: {shown(u)}" for u in self.unusable]

    def summary(self) -> str:
        return "\n".join([*self.details(), self.headline()])


def backoff(interval: float, failures: int) -> float:
    """Seconds until a feed that failed `failures` times in a row is fetched again."""
    return min(interval * 2 ** max(0, failures - 1), max(interval, MAX_BACKOFF))


def item_retry(tries: int) -> float:
    return min(ITEM_RETRY * 2 ** max(0, tries - 1), MAX_BACKOFF)


def follow(index: Index, url: str, interval: float = DEFAULT_INTERVAL,
           now: float | None = None, allowed: Allowed | None = None) -> FollowReport:
    """Follow the feed at `url` and read its items now (a feed already followed is fetched
    now). A new feed whose first fetch fails is not remembered: a typo must not be polled
    for ever. `allowed`: the addresses the feed and its pages may be fetched from (None:
    any; the page passes `is_public`)."""
    url = url.strip()
    if not is_url(url):
        return FollowReport(url or "(no address)", error="not a link: give the feed's "
                            "address, starting with https://", followed=False)
    now = time.time() if now is None else now
    known = next((f for f in index.feeds() if f.url == url), None)
    return refresh(index, known or Feed(url, added=now), interval, now, new=known is None,
                   allowed=allowed)


def due(index: Index, interval: float = DEFAULT_INTERVAL, now: float | None = None) -> list[Feed]:
    """The feeds to fetch now, at this interval: each `interval` seconds after its last
    fetch, or longer after failures (`backoff`). The interval is the poller's, not the one
    a feed was followed with: `watch --interval 60` fetches every feed every minute."""
    now = time.time() if now is None else now
    return [f for f in index.feeds() if f.last_fetch + backoff(interval, f.failures) <= now]


def poll(index: Index, interval: float = DEFAULT_INTERVAL,
         now: float | None = None) -> list[FollowReport]:
    """Fetch every followed feed that is due."""
    return [refresh(index, feed, interval, now) for feed in due(index, interval, now)]


def refresh(index: Index, feed: Feed, interval: float = DEFAULT_INTERVAL,
            now: float | None = None, new: bool = False,
            allowed: Allowed | None = None) -> FollowReport:
    """One fetch of one feed, its new items' pages indexed (see the module docstring)."""
    now = time.time() if now is None else now
    try:
        fetched = fetch_feed(feed.url, feed.etag, feed.modified, allowed=allowed)
    except Unreadable as error:
        return _failed(index, feed, str(error), interval, now, new)
    except Exception as error:  # whatever a parser raises: this feed's reason, not a crash
        return _failed(index, feed, reason_of(error), interval, now, new)
    states = index.feed_items(feed.url)
    listed = fetched.items if fetched else _still_listed(states, feed)
    by_key = {s.key: s for s in states}
    by_link = {s.link: s for s in states}
    fetch, known, waiting = [], [], []
    for item in listed:
        state = by_key.get(item.key) or by_link.get(item.link) or _indexed_before(index, feed, item)
        if state and state.doc_id and not state.error and item.updated <= state.updated:
            known.append(dataclasses.replace(state, key=item.key, seen=now))
        elif state and state.error and state.next_try > now:
            waiting.append(dataclasses.replace(state, seen=now))
        else:
            fetch.append((item, state))
    articles, failed = _read_pages(fetch, fetched.title if fetched else feed.title, allowed)
    report = index.add_articles(list(articles.values())) if articles else Report()
    ids = _written_ids(articles, report)
    states_now = [*known, *waiting]
    failures: list[Skipped] = [Skipped(s.link, s.error) for s in waiting]
    for item, state in fetch:
        reason = failed.get(item.key) or ("" if item.key in ids else
                                          _skip_reason(report, articles[item.key]))
        if reason:
            tries = (state.tries if state else 0) + 1
            states_now.append(FeedItem(feed.url, item.key, item.link, item.guid, item.updated,
                                       state.doc_id if state else "", reason, tries,
                                       now + item_retry(tries), now))
            if item.key in failed:
                failures.append(Skipped(item.link, reason))
        else:
            states_now.append(FeedItem(feed.url, item.key, item.link, item.guid, item.updated,
                                       ids[item.key], seen=now))
    saved = dataclasses.replace(
        feed, title=(fetched.title if fetched else "") or feed.title,
        etag=fetched.etag if fetched else feed.etag,
        modified=fetched.modified if fetched else feed.modified,
        last_fetch=now, last_ok=now, last_error="", failures=0, next_fetch=now + interval)
    index.save_feed(saved, states_now)
    return FollowReport(feed.url, saved.title, report, len(listed), len(known), tuple(failures),
                        fetched.unusable if fetched else (), not_modified=fetched is None,
                        next_fetch=saved.next_fetch)


def _failed(index: Index, feed: Feed, reason: str, interval: float, now: float,
            new: bool) -> FollowReport:
    """The feed could not be read: remembered with its reason and a later next fetch
    (a new feed is not remembered at all)."""
    failures = feed.failures + 1
    saved = dataclasses.replace(feed, last_fetch=now, last_error=reason, failures=failures,
                                next_fetch=now + backoff(interval, failures))
    if not new:
        index.save_feed(saved)
    return FollowReport(feed.url, feed.title, error=reason, followed=not new,
                        next_fetch=saved.next_fetch)


def _still_listed(states: list[FeedItem], feed: Feed) -> tuple[Item, ...]:
    """The items of a feed that has not changed (304): those its last good fetch listed."""
    return tuple(Item(s.key, s.link, s.guid, updated=s.updated) for s in states
                 if feed.last_ok and s.seen >= feed.last_ok)


def _indexed_before(index: Index, feed: Feed, item: Item) -> FeedItem | None:
    """An item whose page is already an article (added with `index add URL`, or listed
    by another feed): known, so not fetched again."""
    article = index.article(url_id(item.link))
    if article is None or item.link not in (article.url, article.path):
        return None
    return FeedItem(feed.url, item.key, item.link, item.guid, item.updated, article.doc_id)


def _read_pages(fetch: list[tuple[Item, FeedItem | None]], outlet: str, allowed: Allowed | None
                ) -> tuple[dict[str, Article], dict[str, str]]:
    """(the article of each item whose page was read, the reason for each that was not),
    by item key. A few pages are read at once."""
    def read(item: Item) -> tuple[list[Article], list[Skipped]]:
        return read_url(item.link, allowed=allowed)

    articles: dict[str, Article] = {}
    failed: dict[str, str] = {}
    if not fetch:
        return articles, failed
    with ThreadPoolExecutor(min(FETCHERS, len(fetch))) as pool:
        results = list(pool.map(read, (item for item, _ in fetch)))
    for (item, _), (found, skipped) in zip(fetch, results, strict=True):
        if found:
            articles[item.key] = _with_feed(found[0], item, outlet)
        else:
            failed[item.key] = skipped[0].reason if skipped else "no article on the page"
    return articles, failed


def _with_feed(article: Article, item: Item, outlet: str) -> Article:
    """What the page did not say, as the feed says it: title, date, outlet."""
    return dataclasses.replace(article, title=article.title or item.title,
                               date=article.date or item.published or item.updated,
                               source=article.source or outlet)


def _written_ids(articles: dict[str, Article], report: Report) -> dict[str, str]:
    """Each item's article id as the write settled it (one kept apart is renamed)."""
    renamed = {r.path: r.doc_id for r in report.renamed}
    written = {*report.added_ids, *report.updated_ids, *report.unchanged_ids}
    ids = {}
    for key, article in articles.items():
        doc_id = renamed.get(article.path, article.doc_id) if article.path else article.doc_id
        if doc_id in written:
            ids[key] = doc_id
    return ids


def _skip_reason(report: Report, article: Article) -> str:
    """Why the write left out an item's page that was read (it could not be split or
    embedded, or another item of the feed has the same text)."""
    return next((s.reason for s in report.skipped if s.path in (article.path, article.doc_id)),
                "not written")


class Follower:
    """Polls the followed feeds in a background thread; `stop()` ends it. Nothing stops the
    thread: a feed that fails waits longer (`backoff`), a busy index is tried again at the
    next tick, and anything else is reported through `on_error` and logged."""

    def __init__(self, index: Index, interval: float = DEFAULT_INTERVAL, tick: float = 5.0,
                 on_report: Callable[[FollowReport], None] | None = None,
                 on_error: Callable[[str], None] | None = None,
                 allowed: Allowed | None = None) -> None:
        self.index = index
        self.allowed = allowed
        self.interval = interval
        self.tick = min(tick, interval)
        self.on_report = on_report
        self.on_error = on_error
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newsqa-follow", daemon=True)

    def start(self) -> Follower:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                for feed in due(self.index, self.interval):
                    if self._stop.is_set():
                        break
                    report = refresh(self.index, feed, self.interval, allowed=self.allowed)
                    if self.on_report:
                        self.on_report(report)
            except IndexLocked:
                pass  # another writer has the index: the feeds are still due at the next tick
            except Exception as error:  # the thread must outlive any one poll
                message = f"could not poll the feeds: {reason_of(error)}; still following them"
                log.warning(message)
                if self.on_error:
                    self.on_error(message)
            self._stop.wait(self.tick)
