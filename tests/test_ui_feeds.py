"""The page and feeds: following a feed on the Articles tab (its last fetch and last error
shown), and the answer to a question where two prints of one AP story and an independent
report disagree: the prints counted as one source and folded under their original, in a
real headless Chromium and through the `/ask` API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client
from playwright.sync_api import Browser, Page, expect

from index import NOT_PUBLIC, Index
from tests.conftest import ask_in_page as ask
from tests.conftest import serve_page
from tests.feed_site import CRASH_QUESTION, Site, serve_feeds
from tests.test_ui_browser import UPLOAD_TIMEOUT
from ui import Backend
from ui.backend import ReadOnly

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")]

TRIBUNE = "127.0.0.1/tribune/2025/11/20/bus-crash"
GAZETTE = "127.0.0.1/gazette/bus-crash"


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serve_feeds() as serving:
        yield serving


@pytest.fixture(scope="module")
def served(site: Site, tmp_path_factory: pytest.TempPathFactory, embedder
           ) -> Iterator[tuple[str, Backend]]:
    """The page over a new, empty index."""
    folder = tmp_path_factory.mktemp("ui-feeds") / "index"
    Index.open(folder).close()
    with serve_page(folder, private_links=True) as serving:
        yield serving


@pytest.mark.browser
def test_following_a_feed_on_the_page_and_asking_where_copies_disagree_with_a_report(
        served, site: Site, browser: Browser) -> None:
    url, _ = served
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page: Page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    page.get_by_role("tab", name="Articles").click()
    expect(page.locator("#nqa-feeds")).to_contain_text("No feeds followed yet")
    page.locator("#nqa-feed textarea, #nqa-feed input").first.fill(f"{site.address}/feeds/crash.rss")
    page.locator("#nqa-follow").click()
    report = page.locator("#nqa-report")
    expect(report).to_contain_text("5 items, 4 added", timeout=UPLOAD_TIMEOUT)
    expect(report).to_contain_text(f"{GAZETTE}` is a copy of `{TRIBUNE}` (an Associated Press story")
    expect(report).to_contain_text("ferry.html: the server answered 500 Internal Server Error "
                                   "(tried again later)")
    feeds = page.locator("#nqa-feeds")
    expect(feeds).to_contain_text("Crash desk")
    expect(feeds).to_contain_text("1 page not read yet")
    expect(page.locator("#nqa-documents")).to_contain_text("coach-overturns")

    page.locator("#nqa-documents").get_by_text(GAZETTE).click()
    expect(page.locator("#nqa-preview")).to_contain_text(
        f"A copy of an Associated Press story: the likely original is {TRIBUNE}")

    page.get_by_role("tab", name="Ask").click()
    answer = ask(page, CRASH_QUESTION)
    conflict = answer.locator(".nqa-conflict")
    expect(conflict).to_contain_text("Sources disagree")
    expect(conflict).to_contain_text("Fifteen")
    expect(conflict).to_contain_text("Twelve")
    expect(conflict.locator(".nqa-badge").first).to_have_text(
        "1 independent source (printed by 2 outlets)")
    expect(conflict.locator(".nqa-prints")).to_contain_text("also printed by Harbour Gazette")
    # Two prints of one story are not a majority over one independent report.
    expect(conflict.locator(".nqa-disputed")).to_have_count(0)
    expect(conflict).not_to_contain_text("Majority")
    sources = page.locator("#nqa-sources")
    expect(sources.locator(".nqa-copies")).to_contain_text("1 other print of this story")
    expect(sources.locator("li.nqa-source")).to_have_count(3)
    expect(sources.locator(".nqa-copies li.nqa-source")).to_contain_text("Harbour Gazette")
    context.close()


def test_the_ask_api_counts_independent_sources_and_names_the_original(served, site: Site) -> None:
    url, backend = served
    if not backend.index.feeds():
        assert backend.follow(f"{site.address}/feeds/crash.rss").report.added == 4
    result = Client(url, verbose=False).predict(CRASH_QUESTION, api_name="/ask")
    by_text = {p["text"]: p for p in result["answers"]}
    assert result["conflict"] is True
    fifteen, twelve = by_text["Fifteen"], by_text["Twelve"]
    assert (fifteen["support"], fifteen["independent_sources"]) == (2, 1)
    assert (twelve["support"], twelve["independent_sources"]) == (1, 1)
    assert {c["doc_id"]: c["copy_of"] for c in fifteen["citations"]} == {TRIBUNE: None,
                                                                         GAZETTE: TRIBUNE}


def test_a_read_only_page_follows_nothing(served, site: Site, tmp_path: Path) -> None:
    _, backend = served
    with pytest.raises(ReadOnly):
        Backend(backend.index, read_only=True).follow(f"{site.address}/feeds/world.atom")
    refused = backend.follow("not a link")
    assert not refused.followed and refused.error.startswith("not a link")


def test_the_page_follows_no_feed_on_this_machine_unless_the_operator_allows_it(
        site: Site, tmp_path: Path) -> None:
    backend = Backend(Index.open(tmp_path / "index"))
    report = backend.follow(f"{site.address}/feeds/crash.rss")
    assert not report.followed and report.error == NOT_PUBLIC
    assert backend.index.feeds() == [] and backend.index.is_empty()
