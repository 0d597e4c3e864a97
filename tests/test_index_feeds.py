"""Following feeds against a real local news site (`tests/feed_site.py`): the shapes feeds
come in (RSS 2.0, Atom, relative links, a date that is not one, not XML, a redirect, a
304), the feed remembered in both kinds of index, items read once, a page that fails
named and tried again later, and the command line: follow, --list, --remove, watch."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from index import Index
from index.follow import follow, poll
from index.ingest.articles import Unreadable
from index.ingest.feeds import NotAFeed, fetch_feed
from tests.feed_site import Site, serve_feeds

pytestmark = pytest.mark.slow

FIVE = ("127.0.0.1/tribune/2025/11/20/bus-crash", "127.0.0.1/gazette/bus-crash",
        "127.0.0.1/centro/coach-overturns", "127.0.0.1/tribune/library")


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_feeds() as serving:
        yield serving


def _pages(site: Site) -> list[str]:
    """The article pages the site was asked for, in order."""
    return [path for path, _ in site.requests if not path.startswith("/feeds/")]


# The shapes of feeds ------------------------------------------------------------------


def test_rss_items_with_relative_links_a_bad_date_and_no_guid(site: Site) -> None:
    feed = fetch_feed(f"{site.address}/feeds/crash.rss")
    assert feed.title == "Crash desk" and feed.etag == site.etag
    assert feed.modified == "Thu, 20 Nov 2025 12:00:00 GMT"
    links = [i.link.removeprefix(site.address) for i in feed.items]
    assert links == ["/tribune/2025/11/20/bus-crash.html", "/gazette/bus-crash.html",
                     "/centro/coach-overturns.html", "/tribune/library.html", "/gazette/ferry.html"]
    tribune, gazette = feed.items[:2]
    assert (tribune.key, tribune.published) == ("tribune-1001", "2025-11-20T08:10:00Z")
    # No GUID: known by its link. "yesterday-ish" is no date: none rather than a wrong one.
    assert (gazette.key, gazette.published, gazette.updated) == (gazette.link, "", "")


def test_atom_entries_resolve_against_xml_base(site: Site) -> None:
    feed = fetch_feed(f"{site.address}/feeds/world.atom")
    assert feed.title == "Valley Tribune: world"
    assert [(i.key, i.link.removeprefix(site.address), i.updated) for i in feed.items] == [
        ("urn:tribune:1001", "/tribune/2025/11/20/bus-crash.html", "2025-11-20T08:10:00Z"),
        ("urn:tribune:998", "/tribune/library.html", "2025-11-19T16:00:00Z")]


def test_a_redirect_is_followed_and_a_304_reads_nothing(site: Site) -> None:
    moved = fetch_feed(f"{site.address}/feeds/moved")
    assert moved.url == f"{site.address}/feeds/crash.rss" and len(moved.items) == 5
    assert fetch_feed(f"{site.address}/feeds/crash.rss", etag=moved.etag) is None
    assert site.requests[-1] == ("/feeds/crash.rss", site.etag)


@pytest.mark.parametrize(("path", "kind", "reason"), [
    ("/feeds/not-xml", NotAFeed, "not an RSS or Atom feed (the server sent text/html"),
    ("/feeds/broken", NotAFeed, "not an RSS or Atom feed (the server sent application/octet-stream"),
    ("/feeds/gone.rss", Unreadable, "the server answered 404 Not Found"),
])
def test_what_is_not_a_feed_is_one_line_saying_what_came(site: Site, path: str, kind: type,
                                                         reason: str) -> None:
    with pytest.raises(kind) as raised:
        fetch_feed(f"{site.address}{path}")
    assert str(raised.value).startswith(reason) and "\n" not in str(raised.value)


# Following, in both kinds of index ------------------------------------------------------


def test_a_followed_feed_is_remembered_its_items_read_once_and_a_failed_page_retried(
        site: Site, new_location, embedder) -> None:
    index = Index.open(new_location())
    url = f"{site.address}/feeds/crash.rss"
    first = follow(index, url, interval=60, now=1000.0)
    assert sorted(first.report.added_ids) == sorted(FIVE)
    assert [(s.path.removeprefix(site.address), s.reason) for s in first.failed] == [
        ("/gazette/ferry.html", "the server answered 500 Internal Server Error")]
    assert first.items == 5 and not first.ok
    [feed] = index.feeds()
    assert (feed.url, feed.title, feed.etag, feed.last_error, feed.next_fetch) == (
        url, "Crash desk", site.etag, "", 1060.0)
    # The page without a date has the published date its page gives; the bad feed date
    # took nothing from it.
    assert index.article("127.0.0.1/gazette/bus-crash").published.startswith("2025-11-20")
    assert index.copies(["127.0.0.1/gazette/bus-crash"])["127.0.0.1/gazette/bus-crash"].original \
        == "127.0.0.1/tribune/2025/11/20/bus-crash"
    read = len(_pages(site))

    # Not due yet: nothing fetched. Due, but nothing new: a 304, the failed page not yet
    # tried again (it waits five minutes).
    assert poll(index, interval=60, now=1030.0) == []
    [again] = poll(index, interval=60, now=1100.0)
    assert again.not_modified and again.known == 4 and len(again.failed) == 1
    assert len(_pages(site)) == read
    # Later, the page answers: it goes in, and nothing else is read.
    [retried] = poll(index, interval=60, now=1500.0)
    assert retried.report.added_ids == ("127.0.0.1/gazette/ferry",) and retried.ok
    assert _pages(site)[read:] == ["/gazette/ferry.html"]
    assert all(not item.error for item in index.feed_items(url))

    # A new item is published: only its page is read.
    site.add_item("/tribune/driver.html", "tribune-1002")
    [newer] = poll(index, interval=60, now=1600.0)
    assert newer.report.added_ids == ("127.0.0.1/tribune/driver",) and newer.known == 5
    assert _pages(site)[read + 1:] == ["/tribune/driver.html"]
    # Another feed that lists a page already indexed does not read it again.
    atom = follow(index, f"{site.address}/feeds/world.atom", now=1700.0)
    assert atom.known == 2 and not atom.report.added_ids
    assert len(_pages(site)) == read + 2
    assert index.forget_feed(url) and [f.url for f in index.feeds()] == [atom.feed]
    assert not index.feed_items(url)
    assert index.article("127.0.0.1/gazette/bus-crash") is not None  # articles stay
    index.close()


def test_an_item_the_feed_says_was_updated_is_read_again(site: Site, tmp_path: Path,
                                                         embedder) -> None:
    index = Index.open(tmp_path / "index")
    url = f"{site.address}/feeds/crash.rss"
    site.flaky_failures = 0
    follow(index, url, now=1000.0)
    read = len(_pages(site))
    site.items[0] = site.items[0].replace("Thu, 20 Nov 2025 08:10:00 GMT",
                                          "Thu, 20 Nov 2025 18:00:00 GMT")
    site.version += 1
    [updated] = poll(index, now=1000.0 + 3600)
    assert _pages(site)[read:] == ["/tribune/2025/11/20/bus-crash.html"]
    assert updated.report.unchanged_ids == ("127.0.0.1/tribune/2025/11/20/bus-crash",)


def test_a_feed_that_fails_waits_longer_each_time_and_a_new_one_is_not_remembered(
        site: Site, tmp_path: Path, embedder) -> None:
    index = Index.open(tmp_path / "index")
    refused = follow(index, f"{site.address}/feeds/not-xml", interval=60, now=1000.0)
    assert not refused.followed and refused.error.startswith("not an RSS or Atom feed")
    assert "not followed" in refused.headline() and index.feeds() == []
    site.flaky_failures = 0
    follow(index, f"{site.address}/feeds/crash.rss", interval=60, now=1000.0)
    site.down = True
    waits = []
    for now in (2000.0, 3000.0, 4000.0):
        [failed] = poll(index, interval=60, now=now)
        assert failed.error == "the server answered 503 Service Unavailable"
        feed = index.feeds()[0]
        assert (feed.last_error, feed.last_ok) == (failed.error, 1000.0)
        waits.append(feed.next_fetch - now)
    assert waits == [60.0, 120.0, 240.0]
    site.down = False
    [back] = poll(index, interval=60, now=5000.0)
    assert back.not_modified and index.feeds()[0].failures == 0
    assert len(index.documents()) == 5  # nothing was lost meanwhile


# The command line -----------------------------------------------------------------------


def test_follow_list_and_remove_on_the_command_line(site: Site, tmp_path: Path, run_cli) -> None:
    where = str(tmp_path / "index")
    url = f"{site.address}/feeds/crash.rss"
    done = run_cli("follow", url, "--index", where)
    assert done.returncode == 1, done.stderr  # one page failed: named, tried again later
    lines = done.stdout.strip().splitlines()
    assert lines[-1].startswith(f"feed {url} (Crash desk): 5 items, 4 added, 0 updated, "
                                f"0 already indexed, 1 failed; next fetch ")
    assert f"  failed {site.address}/gazette/ferry.html: the server answered 500 Internal " \
           f"Server Error (tried again later)" in lines
    assert ("  copy: `127.0.0.1/gazette/bus-crash` is a copy of "
            "`127.0.0.1/tribune/2025/11/20/bus-crash` (an Associated Press story, 2 prints; "
            in done.stdout)
    listed = run_cli("follow", "--list", "--index", where)
    assert listed.returncode == 0
    assert listed.stdout.startswith(f"{url} (Crash desk): 4 articles, 1 failing; last fetch ")
    assert json.loads(run_cli("follow", "--list", "--json", "--index", where).stdout)[0][
        "failing"][0]["link"] == f"{site.address}/gazette/ferry.html"
    again = run_cli("follow", url, "--index", where, "--json")
    report = json.loads(again.stdout)
    assert (report["not_modified"], report["known"], report["report"]["added"]) == (True, 4, 0)
    gone = run_cli("follow", "--remove", url, "--index", where)
    assert gone.returncode == 0 and gone.stdout.startswith(f"no longer following {url}; its "
                                                           f"4 articles stay in the index")
    assert run_cli("follow", "--list", "--index", where).stdout.strip() == \
        f"0 feeds followed in {where}"


@pytest.mark.parametrize(("args", "said"), [
    (["follow", "feeds/crash.rss"], "feed feeds/crash.rss: could not be read: not a link"),
    (["follow", "--remove", "http://127.0.0.1:9/x.rss"], "error: not following http://127.0.0.1:9/x.rss"),
    (["follow"], "error: give one of FEED_URL, --list or --remove FEED_URL"),
    (["watch"], "error: nothing to watch: give a FOLDER, or follow a feed first"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, run_cli, args, said) -> None:
    done = run_cli(*args, "--index", str(tmp_path / "index"))
    assert done.returncode == 2
    assert said in done.stdout + done.stderr and "Traceback" not in done.stderr


def test_watch_polls_the_followed_feeds(site: Site, tmp_path: Path, run_cli, spawn_python) -> None:
    where = str(tmp_path / "index")
    site.flaky_failures = 0
    assert run_cli("follow", f"{site.address}/feeds/crash.rss", "--index", where).returncode == 0
    watch = spawn_python("import runpy, sys; sys.argv = ['index', *sys.argv[1:]]; "
                         "runpy.run_module('index', run_name='__main__')",
                         "watch", "--interval", "1", "--index", where)
    watch.wait_for("watching 1 feed every 1 s", timeout=120)
    site.add_item("/tribune/driver.html", "tribune-1002")
    watch.wait_for("  added: `127.0.0.1/tribune/driver`", timeout=120)
    watch.wait_for(f"feed {site.address}/feeds/crash.rss (Crash desk): 6 items, 1 added",
                   timeout=30)
    watch.stop()
    ids = {row["doc_id"] for row in Index.open(where).documents()}
    assert ids == {*FIVE, "127.0.0.1/gazette/ferry", "127.0.0.1/tribune/driver"}


def test_repair_keeps_the_feeds_followed(seeds_copy: Path, embedder) -> None:
    from index.folder.store import FolderIndex
    from index.ingest.feeds import Feed, FeedItem

    index = Index.open(seeds_copy)
    feed = Feed("https://news.example/rss.xml", "Example", added=1.0, etag='"v3"', last_fetch=2.0)
    item = FeedItem(feed.url, "g-1", "https://news.example/a.html", doc_id="news.example/a", seen=2.0)
    index.save_feed(feed, [item])
    index.close()
    (seeds_copy / "lexical.1.npz").unlink()
    repaired = FolderIndex.repair_at(seeds_copy)
    assert repaired.complete and repaired.problems
    index = Index.open(seeds_copy)
    assert index.feeds() == [feed] and index.feed_items(feed.url) == [item]
