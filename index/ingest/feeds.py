"""Feeds: an RSS or Atom feed's items read from its bytes, and what is kept of a feed between fetches.

Why feedparser: real feeds are RSS 0.9x to 2.0, Atom and RDF, with broken XML, relative
links, dates in a dozen formats and no date at all; feedparser reads them all (`bozo`
says what it recovered from), resolves links against the feed's address and gives dates
in UTC. The bytes come through `index.ingest.links.fetch`, so a feed gets the size limit,
deadline and refusals a page gets; asked again with the validators the last answer gave
(ETag, Last-Modified), a server that has nothing new answers 304 and nothing is read.

What a store keeps (`Feed`, `FeedItem`) is plain data; `index.follow` decides what to
fetch, and the stores keep the rows (`index.store.Store.feeds`, `save_feed`).
"""

from __future__ import annotations

import calendar
import time
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from index.display import one_line
from index.ingest.articles import Unreadable
from index.ingest.links import FETCH_TIMEOUT_SECONDS, Allowed, NotModified, fetch

ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
          "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1")
# Feeds are small: a megabyte is thousands of items. A feed over it is refused whole.
MAX_FEED_BYTES = 5 * 2**20


class NotAFeed(Unreadable):
    """What came back is not RSS or Atom that feedparser can read."""


@dataclass(frozen=True)
class Item:
    """One item of a feed as it reads now. `key` is what it is known by from one fetch to
    the next: its GUID (`<guid>`, Atom's `<id>`) when the feed gives one, else its link.
    `published` and `updated` are UTC ISO, "" when the feed gives none or one that is not
    a date."""

    key: str
    link: str
    guid: str = ""
    title: str = ""
    published: str = ""
    updated: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Fetched:
    """A feed read: its address after redirects, title, items in the feed's order, the
    validators to ask with next time, and what feedparser recovered from ("" if nothing),
    and items that could not be used (no link, a link that is not http(s))."""

    url: str
    title: str
    items: tuple[Item, ...]
    etag: str = ""
    modified: str = ""
    recovered: str = ""
    unusable: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feed:
    """A followed feed as the index remembers it. Times are seconds since the epoch, 0 for
    never; `failures` counts fetches failed in a row (the next waits longer each time)."""

    url: str
    title: str = ""
    added: float = 0.0
    etag: str = ""
    modified: str = ""
    last_fetch: float = 0.0
    last_ok: float = 0.0
    last_error: str = ""
    failures: int = 0
    next_fetch: float = 0.0

    def to_dict(self) -> dict:
        data = asdict(self)
        for key in ("added", "last_fetch", "last_ok", "next_fetch"):
            data[key] = stamp(data[key])
        return data


@dataclass(frozen=True)
class FeedItem:
    """What the index remembers of one item of a followed feed: the article its page became
    (`doc_id`, "" until then), the `updated` date it was read at, and for a page that
    could not be read, why, how many tries, and when to try again. `seen`: the last fetch
    of the feed that listed it."""

    feed: str
    key: str
    link: str
    guid: str = ""
    updated: str = ""
    doc_id: str = ""
    error: str = ""
    tries: int = 0
    next_try: float = 0.0
    seen: float = 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "next_try": stamp(self.next_try), "seen": stamp(self.seen)}


def stamp(seconds: float) -> str:
    """Seconds since the epoch as local "YYYY-MM-DD HH:MM:SS", "" for never."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds)) if seconds else ""


def _iso(parsed: Any) -> str:
    """feedparser's UTC struct_time as ISO text."""
    if not parsed:
        return ""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(parsed)))


def _is_web(link: str) -> bool:
    parts = urlsplit(link)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def read_feed(body: bytes, url: str, content_type: str = "") -> Fetched:
    """The feed in `body`, fetched from `url` (relative links resolve against it), or
    NotAFeed saying what came instead."""
    import feedparser

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False)
    problem = one_line(str(parsed.get("bozo_exception") or ""), 120) if parsed.bozo else ""
    if not parsed.version and not parsed.entries:
        kind = content_type or "no content type"
        raise NotAFeed(f"not an RSS or Atom feed (the server sent {kind}"
                       f"{f': {problem}' if problem else ''})")
    items, unusable, keys = [], [], set()
    for entry in parsed.entries:
        link = (entry.get("link") or "").strip()
        guid = (entry.get("id") or "").strip()
        title = " ".join((entry.get("title") or "").split())
        if not _is_web(link):
            unusable.append(f"item {title or guid or '(untitled)'!r}: "
                            + ("no link to its page" if not link else f"link {link!r} is not a web page"))
            continue
        key = guid or link
        if key in keys:  # listed twice: once is enough
            continue
        keys.add(key)
        # Read as a plain dict: feedparser's own lookup of a missing `updated_parsed`
        # falls back to the published date, with a warning.
        published = _iso(dict.get(entry, "published_parsed"))
        items.append(Item(key, link, guid, title, published,
                          _iso(dict.get(entry, "updated_parsed")) or published))
    return Fetched(url, " ".join((parsed.feed.get("title") or "").split()), tuple(items),
                   recovered=problem if items else "", unusable=tuple(unusable))


def fetch_feed(url: str, etag: str = "", modified: str = "",
               timeout: float = FETCH_TIMEOUT_SECONDS, allowed: Allowed | None = None
               ) -> Fetched | None:
    """The feed at `url` read now; None when the server says nothing changed since the
    fetch that gave `etag` / `modified` (304). Unreadable (NotAFeed among them) says why
    it could not be read."""
    conditions = {"Accept": ACCEPT}
    if etag:
        conditions["If-None-Match"] = etag
    if modified:
        conditions["If-Modified-Since"] = modified
    answered: dict[str, str] = {}
    try:
        body, _, final = fetch(url, MAX_FEED_BYTES, timeout, allowed, headers=conditions,
                               any_type=True, answered=answered)
    except NotModified:
        return None
    read = read_feed(body, final, answered.get("content-type", ""))
    return Fetched(read.url, read.title, read.items, answered.get("etag", ""),
                   answered.get("last-modified", ""), read.recovered, read.unusable)
