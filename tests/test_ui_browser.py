"""The page in a real headless Chromium: disagreement with sources, opening a source with its
quote marked, uploading an article and asking about it, markup in articles not running,
uploads leaving nothing in Gradio's temporary folder, and Remove removing only the article
shown, after naming it and a confirmation.

Set UPDATE_SCREENSHOTS=1 to also write docs/disagreement.png.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio.utils import get_upload_folder
from playwright.sync_api import Browser, Page, expect

from bench.samples import story
from index import NOT_PUBLIC
from tests.conftest import REPO, copy_index, serve_page
from tests.conftest import ask_in_page as ask
from tests.web_site import HITS, PAGE, PAGE_STORY, serve_site

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")]

UPLOAD_TIMEOUT = 180_000
PRIME_MINISTER = "Who is the Prime Minister of Japan?"

MAYOR = ("date 2025-12-01 BRAMBLEWICK: Orla Fenwhistle was sworn in as the mayor of "
         "Bramblewick on Monday, after winning the town's election by 212 votes.\n\n"
         "Fenwhistle, a former ferry captain, promised to reopen the harbour library and "
         "repair the old tide mill.\n")
HOSTILE = ('<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> '
           "Quillmoor gazette\n"
           "date 2025-12-02 QUILLMOOR: The harbour master of Quillmoor is Dessa Marrowby, the "
           "port authority confirmed on Tuesday. <script>window.__pwned=3</script> "
           "${window.__pwned=4} {{constructor.constructor('window.__pwned=5')()}} "
           "<img src=y onerror=window.__pwned=6>\n"
           "Marrowby said the harbour would reopen to ferries next week.\n")


LIGHTHOUSE = ("Ferrydale lighthouse lit again\n\n"
              "date 2025-12-04 FERRYDALE: The Ferrydale lighthouse was lit again on Thursday "
              "after a two-year repair, the harbour trust said.\n")


@pytest.fixture(scope="module")
def url(seeds_build, tmp_path_factory) -> Iterator[str]:
    """The page on a free local port over a private copy of the seeds index; its operator
    lets it fetch links from this machine, where the tests' web site is."""
    folder = copy_index(seeds_build.path, tmp_path_factory.mktemp("ui-browser") / "index")
    with serve_page(folder, private_links=True) as (address, _):
        yield address


@pytest.fixture
def page(browser: Browser, url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    opened.set_default_timeout(60_000)
    opened.goto(url)
    expect(opened.locator("#nqa-question textarea")).to_be_visible()
    yield opened
    context.close()


def upload(page: Page, path: Path) -> None:
    """Add one file on the Articles tab and wait for the report."""
    page.get_by_role("tab", name="Articles").click()
    page.locator("#nqa-files input[type=file]").set_input_files(str(path))
    expect(page.locator("#nqa-report")).to_contain_text("1 added", timeout=UPLOAD_TIMEOUT)
    expect(page.locator("#nqa-documents")).to_contain_text(path.stem)


def test_disagreement_shows_both_answers_with_their_sources(page: Page):
    answer = ask(page, PRIME_MINISTER)
    expect(answer.locator(".nqa-conflict")).to_contain_text("Sources disagree")
    expect(answer).to_contain_text("Sanae Takaichi")
    expect(answer.locator(".nqa-disputed")).to_contain_text("Taro Kono")
    expect(answer.locator(".nqa-disputed")).to_contain_text("Disputed")
    expect(answer.locator("a.nqa-cite")).not_to_have_count(0)
    sources = page.locator("#nqa-sources .nqa-source")
    expect(sources).to_have_count(3)
    for doc_id in ("000_51fa7298afb77037", "001_fb9a544a14055de9", "002_42f7c0e30c3b1ddd"):
        expect(page.locator("#nqa-sources")).to_contain_text(doc_id)
    # Seed 000 carries its date: the source is named by date and title, never by a path.
    expect(sources.filter(has_text="000_51fa7298afb77037")).to_contain_text(
        "17 Nov 2025 · TOKYO: A senior Japanese diplomat")
    expect(page.locator("#nqa-sources")).not_to_contain_text("/")
    page.locator("#nqa-sources .nqa-source a.nqa-open").first.click()
    expect(page.locator("#nqa-viewer mark.nqa-focus")).to_have_text("Sanae Takaichi")
    shot = page.screenshot(full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS"):
        (REPO / "docs" / "disagreement.png").write_bytes(shot)


def test_a_citation_opens_its_article_with_the_quote_marked(page: Page):
    answer = ask(page, PRIME_MINISTER)
    disputed = answer.locator(".nqa-disputed")
    quote = disputed.locator(".nqa-quote b").first.inner_text()
    disputed.locator("a.nqa-cite").first.click()
    viewer = page.locator("#nqa-viewer")
    expect(viewer.locator("mark.nqa-focus")).to_have_text(quote)
    expect(viewer.locator(".nqa-article-title")).to_contain_text("According to Japan")
    expect(viewer).to_contain_text("Kanai Takashi departs for China")   # the full text
    dated = answer.locator(".nqa-position").first.locator("li", has_text="17 Nov 2025")
    dated.locator("a.nqa-cite").first.click()
    expect(viewer.locator(".nqa-article-title")).to_contain_text("17 Nov 2025 · TOKYO")
    expect(viewer.locator("mark.nqa-focus")).to_have_text("Sanae Takaichi")


def test_an_uploaded_article_answers_with_its_citation(page: Page, tmp_path: Path):
    story = tmp_path / "bramblewick.txt"
    story.write_text(MAYOR)
    upload(page, story)
    page.get_by_role("tab", name="Ask").click()
    answer = ask(page, "Who is the mayor of Bramblewick?")
    expect(answer.locator(".nqa-value").first).to_have_text("Orla Fenwhistle")
    expect(page.locator("#nqa-sources")).to_contain_text("bramblewick")
    answer.locator("a.nqa-cite").first.click()
    expect(page.locator("#nqa-viewer mark.nqa-focus")).to_have_text("Orla Fenwhistle")


def test_markup_in_an_article_never_runs(page: Page, tmp_path: Path):
    hostile = tmp_path / "quillmoor.txt"
    hostile.write_text(HOSTILE)
    upload(page, hostile)
    page.locator("#nqa-documents").get_by_text("quillmoor", exact=True).click()
    preview = page.locator("#nqa-preview")
    expect(preview).to_contain_text("<script>window.__pwned=1</script>")
    expect(preview).to_contain_text("${window.__pwned=4}")
    page.get_by_role("tab", name="Ask").click()
    answer = ask(page, "Who is the harbour master of Quillmoor?")
    expect(answer).to_contain_text("Dessa Marrowby")
    answer.locator("a.nqa-cite").first.click()
    viewer = page.locator("#nqa-viewer")
    expect(viewer.locator("mark.nqa-focus")).to_have_text("Dessa Marrowby")
    expect(viewer).to_contain_text('<img src=x onerror="window.__pwned=2">')
    page.wait_for_timeout(500)      # give an injected onerror every chance to fire
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#nqa-viewer img, #nqa-preview img, #nqa-chat img").count() == 0


def test_an_uploaded_file_leaves_no_copy_in_gradios_temporary_folder(page: Page, tmp_path: Path):
    story = tmp_path / f"tempcheck-{uuid.uuid4().hex[:8]}.txt"     # found by name below
    story.write_text(LIGHTHOUSE.replace("Ferrydale", "Tempcheck"))
    upload(page, story)
    assert not list(Path(get_upload_folder()).rglob(story.name))


def test_remove_names_the_article_shown_and_removes_it_only_when_confirmed(page: Page,
                                                                          tmp_path: Path):
    documents, preview = page.locator("#nqa-documents"), page.locator("#nqa-preview")
    page.get_by_role("tab", name="Articles").click()
    seed = "001_fb9a544a14055de9"
    documents.get_by_text(seed, exact=True).filter(visible=True).first.click()
    expect(preview.locator(".nqa-meta")).to_contain_text(seed)
    story = tmp_path / "ferrydale.txt"
    story.write_text(LIGHTHOUSE)
    upload(page, story)
    # The upload chose its article: the preview and the dropdown both show it, not the seed.
    expect(preview.locator(".nqa-article-title")).to_have_text("Ferrydale lighthouse lit again")
    expect(page.locator("#nqa-choice input")).to_have_value("ferrydale")
    page.locator("#nqa-remove").click()
    expect(page.locator("#nqa-confirm-question")).to_have_text(
        "Remove 'Ferrydale lighthouse lit again' (ferrydale) from the index?")
    page.locator("#nqa-confirm-cancel").click()
    expect(page.locator("#nqa-confirm")).to_have_count(0)
    expect(documents).to_contain_text("ferrydale")          # asked, cancelled: still there
    page.locator("#nqa-remove").click()
    page.locator("#nqa-confirm-yes").click()
    expect(page.locator("#nqa-report")).to_contain_text("1 removed")
    expect(documents).not_to_contain_text("ferrydale")
    expect(documents).to_contain_text(seed)
    expect(preview).to_contain_text("Select a document")


def test_on_a_phone_the_question_box_is_above_the_fold(browser: Browser, url: str):
    """At 390x844 (a common phone) the question box shows without scrolling."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, device_scale_factor=3)
    phone = context.new_page()
    try:
        phone.goto(url)
        box = phone.locator("#nqa-question textarea")
        expect(box).to_be_visible(timeout=60_000)
        bounds = box.bounding_box()
        assert bounds is not None
        assert bounds["y"] >= 0 and bounds["y"] + bounds["height"] <= 844, bounds
        assert bounds["x"] >= 0 and bounds["x"] + bounds["width"] <= 390, bounds
        assert phone.evaluate("window.scrollY") == 0
    finally:
        context.close()


def test_a_link_added_on_the_articles_tab_is_indexed_with_its_metadata(page: Page,
                                                                       tmp_path: Path):
    with serve_site(tmp_path) as site:
        page.get_by_role("tab", name="Articles").click()
        page.locator("#nqa-link textarea, #nqa-link input").first.fill(f"{site}/gone.html")
        page.locator("#nqa-add-link").click()
        expect(page.locator("#nqa-report")).to_contain_text(
            "the server answered 404 Not Found", timeout=UPLOAD_TIMEOUT)
        page.locator("#nqa-link textarea, #nqa-link input").first.fill(f"{site}{PAGE}")
        page.locator("#nqa-add-link").click()
        expect(page.locator("#nqa-report")).to_contain_text("1 added", timeout=UPLOAD_TIMEOUT)
    expect(page.locator("#nqa-documents")).to_contain_text("127.0.0.1/news/2025/11/talks")
    # The page's metadata, as a reader names a source: outlet, date, title linked to its URL.
    heading = page.locator("#nqa-preview .nqa-article-title")
    expect(heading).to_have_text(f"Kyodo News · 18 Nov 2025 · {story(PAGE_STORY).title}")
    expect(heading.locator("a")).to_have_attribute("href", re.compile(r"^https://english\.kyodonews"))


@pytest.fixture(scope="module")
def public_page(seeds_build, tmp_path_factory) -> Iterator[str]:
    """A page as `python -m ui` serves it by default: its links reach public addresses only."""
    folder = copy_index(seeds_build.path, tmp_path_factory.mktemp("ui-public") / "index")
    with serve_page(folder) as (address, _):
        yield address


def test_add_a_link_never_fetches_this_machine_or_shows_what_is_there(browser: Browser,
                                                                     public_page: str,
                                                                     tmp_path: Path):
    """Issue 20.5: "Add a link" fetched 127.0.0.1, localhost and 0x7f000001 and showed the
    text in the Articles preview. Each spelling is now the same one refusal, unfetched."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        with serve_site(tmp_path) as site:
            port = site.rsplit(":", 1)[1]
            page.goto(public_page)
            page.get_by_role("tab", name="Articles").click()
            report = page.locator("#nqa-report")
            for link in (f"{site}{PAGE}", f"http://localhost:{port}{PAGE}",
                         f"http://0x7f000001:{port}{PAGE}", f"http://[::1]:{port}{PAGE}"):
                page.locator("#nqa-link textarea, #nqa-link input").first.fill(link)
                page.locator("#nqa-add-link").click()
                expect(report).to_contain_text(f"{link}: {NOT_PUBLIC}", timeout=UPLOAD_TIMEOUT)
            assert HITS[site].total() == 0
        expect(page.locator("#nqa-documents")).not_to_contain_text("news/2025/11/talks")
        expect(page.locator("body")).not_to_contain_text(story(PAGE_STORY).paragraphs[0])
    finally:
        context.close()
