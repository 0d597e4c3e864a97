"""A conversation on the page that outlives a reload, in a real Chromium: the questions and
answers come back, follow-ups still know what came before, "Start over" forgets it all, and
an answer downloads as Markdown and JSON whose citations hold against the stored articles.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import ask_in_page, copy_index, serve_page

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")]

KANAI = "Which Chinese official did Kanai meet?"
FOLLOW_UP = "What is his position?"
PRIME_MINISTER = "Who is the Prime Minister of Japan?"
SIZES = {"phone": (390, 844), "laptop": (1280, 800)}


@pytest.fixture(scope="module")
def served(seeds_build, tmp_path_factory) -> Iterator[tuple[str, object]]:
    folder = copy_index(seeds_build.path, tmp_path_factory.mktemp("ui-conversation") / "index")
    with serve_page(folder) as (address, backend):
        yield address, backend


def open_page(browser: Browser, url: str, size: str = "laptop") -> Page:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  is_mobile=size == "phone", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    expect(page.locator("#nqa-question textarea")).to_be_visible()
    return page


def reload(page: Page) -> None:
    page.reload()
    expect(page.locator("#nqa-question textarea")).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_a_reload_keeps_the_conversation_and_its_thread(browser: Browser, served, size: str):
    page = open_page(browser, served[0], size)
    try:
        first = ask_in_page(page, KANAI)
        expect(first.locator(".nqa-value").first).to_have_text("Liu Jinsong")
        reload(page)
        answers = page.locator("#nqa-chat .nqa-answer")
        expect(answers).to_have_count(1)
        expect(answers.first.locator(".nqa-value").first).to_have_text("Liu Jinsong")
        expect(page.locator("#nqa-chat")).to_contain_text(KANAI)
        expect(page.locator("#nqa-sources")).to_contain_text(f"Sources for “{KANAI}”")
        # The restored answer is the conversation's, not a picture of it: a follow-up is read
        # in its light, and its citations open their article with the quote marked.
        second = ask_in_page(page, FOLLOW_UP)
        expect(second.locator(".nqa-understood")).to_have_text(
            "Understood as: What is Liu Jinsong's position?")
        reload(page)
        expect(answers).to_have_count(2)
        answers.first.locator("a.nqa-cite").first.click()
        expect(page.locator("#nqa-viewer mark.nqa-focus")).to_have_text("Liu Jinsong")
    finally:
        page.context.close()


def test_start_over_forgets_the_conversation_here_and_after_a_reload(browser: Browser, served):
    page = open_page(browser, served[0])
    try:
        ask_in_page(page, KANAI)
        expect(page.locator("#nqa-export-markdown")).to_be_visible()
        page.locator("#nqa-start-over").click()
        answers = page.locator("#nqa-chat .nqa-answer")
        expect(answers).to_have_count(0)
        expect(page.locator("#nqa-chat")).not_to_contain_text(KANAI)
        expect(page.locator("#nqa-sources")).to_contain_text("Ask a question")
        expect(page.locator("#nqa-export-markdown")).to_be_hidden()
        reload(page)
        expect(page.locator("#nqa-chat .placeholder-content")).to_be_visible()
        expect(answers).to_have_count(0)
        follow_up = ask_in_page(page, FOLLOW_UP)      # nothing before it to be read against
        expect(follow_up.locator(".nqa-understood")).to_have_count(0)
    finally:
        page.context.close()


def test_another_browser_has_its_own_conversation(browser: Browser, served):
    mine, theirs = open_page(browser, served[0]), open_page(browser, served[0])
    try:
        ask_in_page(mine, KANAI)
        reload(theirs)
        expect(theirs.locator("#nqa-chat .nqa-answer")).to_have_count(0)
    finally:
        mine.context.close()
        theirs.context.close()


def test_an_answer_downloads_with_citations_that_hold(browser: Browser, served, tmp_path: Path):
    url, backend = served
    page = open_page(browser, url)
    try:
        ask_in_page(page, PRIME_MINISTER)
        files = {}
        for kind in ("markdown", "json"):
            with page.expect_download() as download:
                page.locator(f"#nqa-export-{kind}").click()
            files[kind] = tmp_path / download.value.suggested_filename
            download.value.save_as(files[kind])
    finally:
        page.context.close()
    assert files["json"].name == "answer-who-is-the-prime-minister-of-japan.json"
    exported = json.loads(files["json"].read_text(encoding="utf-8"))
    assert exported["question"] == PRIME_MINISTER and exported["conflict"] is True
    citations = [c for p in exported["answers"] for c in p["citations"]]
    assert {p["text"] for p in exported["answers"]} >= {"Sanae Takaichi", "Taro Kono"}
    for citation in citations:
        text = backend.article(citation["doc_id"]).text
        assert text[citation["start"]:citation["end"]] == citation["quote"], citation
    written = files["markdown"].read_text(encoding="utf-8")
    assert written.startswith(f"# {PRIME_MINISTER}\n")
    assert "**Sources disagree:**" in written
    # Each quote line names its document and offsets, which hold against the article too.
    quoted = re.findall(r"^\d+\. “(.+?)” — .*?, `([^`]+)` characters (\d+)-(\d+)\n   > (.*)$",
                        written, re.MULTILINE)
    assert len(quoted) == len(citations), written
    for quote, doc_id, start, end, sentence in quoted:
        shown = re.sub(r"\\(.)", r"\1", quote)          # Markdown's escapes undone
        stored = backend.article(doc_id).text[int(start):int(end)]
        assert " ".join(stored.split()) == shown
        assert f"**{quote}**" in sentence and len(sentence) > len(quote) + 4   # in its sentence
