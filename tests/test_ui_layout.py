"""The page as a phone (390x844) and a laptop (1280x800) show it, in a real Chromium: a new
answer opens at its top, the chat's "Answers" label never covers what it labels, and the
theme follows the system until the person picks one, which the browser then keeps.

Screenshots of each size go to $NEWSQA_SCREENSHOTS when it names a folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from index import Index
from tests.conftest import ask_in_page, copy_index, serve_page

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")]

SIZES = {"phone": (390, 844), "laptop": (1280, 800)}
PRIME_MINISTER = "Who is the Prime Minister of Japan?"
DARK = re.compile(r"\bdark\b")
FIRST = "Which Chinese official did Kanai meet?"


# Three more prime ministers: the answer then runs taller than the chat at either size,
# so where it opens shows.
MORE_PRIME_MINISTERS = {
    "moriyama": "date 2025-11-19 OSAKA: Japanese Prime Minister Kenji Moriyama opened the Osaka "
                "trade fair on Wednesday, officials said.\n\nMoriyama told exhibitors that the "
                "government would widen support for small exporters.\n",
    "hoshida": "date 2025-11-19 SAPPORO: Japan's Prime Minister Ayane Hoshida visited flood-hit "
               "towns in Hokkaido on Wednesday, the cabinet office said.\n\nHoshida promised "
               "emergency funds for the rebuilding of bridges and schools.\n",
    "tanabe": "date 2025-11-19 NAGOYA: Prime Minister of Japan Ryota Tanabe met car makers in "
              "Nagoya on Wednesday to discuss tariffs, his office said.\n\nTanabe said the "
              "talks had been frank and useful.\n",
}


@pytest.fixture(scope="module")
def url(seeds_build, tmp_path_factory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("ui-layout")
    folder = copy_index(seeds_build.path, work / "index")
    for name, text in MORE_PRIME_MINISTERS.items():
        (work / f"{name}.txt").write_text(text)
    index = Index.open(folder)
    assert index.add([work / f"{name}.txt" for name in MORE_PRIME_MINISTERS]).added_ids
    index.close()
    with serve_page(folder) as (address, _):
        yield address


def open_page(browser: Browser, url: str, size: str, scheme: str = "light") -> Page:
    """The page at one of SIZES, a phone being a touch screen, in a fresh browser profile."""
    width, height = SIZES[size]
    phone = size == "phone"
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=phone,
                                  has_touch=phone, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    expect(page.locator("#nqa-question textarea")).to_be_visible()
    return page


def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("NEWSQA_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def visible_box(page: Page, selector: str) -> dict:
    """The element's box on screen and the chat's scrolling area's box, in one snapshot."""
    return page.evaluate("""(selector) => {
        const box = (e) => { const r = e.getBoundingClientRect();
                             return {top: r.top, bottom: r.bottom}; };
        const log = document.querySelector('#nqa-chat [role="log"]');
        return {element: box(document.querySelectorAll(selector)[
                    document.querySelectorAll(selector).length - 1]),
                log: box(log), scrolled: log.scrollTop, height: window.innerHeight};
    }""", selector)


@pytest.mark.parametrize("size", SIZES)
def test_a_new_answer_opens_at_its_top(browser: Browser, url: str, size: str):
    page = open_page(browser, url, size)
    try:
        ask_in_page(page, FIRST)
        answer = ask_in_page(page, PRIME_MINISTER)
        heading = answer.locator(".nqa-conflict-title")
        expect(heading).to_contain_text("Sources disagree")
        page.wait_for_timeout(800)    # anything that would scroll after the answer has
        seen = visible_box(page, "#nqa-chat .nqa-conflict-title")
        top = visible_box(page, "#nqa-chat .message:has(.nqa-answer)")
        screenshot(page, f"answer-{size}")
        # The heading is on screen, inside the part of the chat that shows ...
        assert seen["element"]["top"] >= 0 and seen["element"]["bottom"] <= seen["height"], seen
        assert seen["log"]["top"] <= seen["element"]["top"], seen
        assert seen["element"]["bottom"] <= seen["log"]["bottom"], seen
        # ... because the chat scrolled to the answer's top, past the earlier answer: the
        # answer is taller than the chat, so its end would hide its top.
        assert top["element"]["bottom"] - top["element"]["top"] > top["log"]["bottom"] - top["log"]["top"]
        assert seen["scrolled"] > 0, seen
        assert abs(top["element"]["top"] - top["log"]["top"]) < 40, top
    finally:
        page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_answers_label_covers_no_message_text(browser: Browser, url: str, size: str):
    page = open_page(browser, url, size)
    try:
        ask_in_page(page, FIRST)
        ask_in_page(page, PRIME_MINISTER)
        label = page.locator("#nqa-chat [data-testid='block-label']")
        expect(label).to_have_text("Answers")
        log = page.locator("#nqa-chat [role='log']")
        heights = log.evaluate("(log) => [log.scrollHeight, log.clientHeight]")
        assert heights[0] > heights[1], "the chat must be scrolled for this test to mean anything"
        for fraction in (0.25, 0.5, 0.75, 1.0):
            log.evaluate("(log, f) => { log.scrollTop = (log.scrollHeight - log.clientHeight) * f; }",
                         fraction)
            page.wait_for_timeout(100)
            covered = page.evaluate("""() => {
                const label = document.querySelector('#nqa-chat [data-testid="block-label"]')
                                      .getBoundingClientRect();
                const log = document.querySelector('#nqa-chat [role="log"]');
                const view = log.getBoundingClientRect();
                const walker = document.createTreeWalker(log, NodeFilter.SHOW_TEXT);
                const hits = [];
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                    if (!node.textContent.trim()) continue;
                    const range = document.createRange();
                    range.selectNodeContents(node);
                    for (const r of range.getClientRects()) {
                        const top = Math.max(r.top, view.top), bottom = Math.min(r.bottom, view.bottom);
                        if (bottom <= top) continue;            // scrolled out of sight
                        if (r.right > label.left && r.left < label.right &&
                            bottom > label.top && top < label.bottom) hits.push(node.textContent.trim());
                    }
                }
                return hits;
            }""")
            if covered:
                screenshot(page, f"label-{size}")
            assert covered == [], f"the label covers {covered[:3]} at {fraction:.0%} scrolled"
    finally:
        page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_theme_follows_the_system_until_one_is_picked(browser: Browser, url: str, size: str):
    dark = open_page(browser, url, size, scheme="dark")
    try:
        expect(dark.locator("body")).to_have_class(DARK)
    finally:
        dark.context.close()
    page = open_page(browser, url, size, scheme="light")
    try:
        body = page.locator("body")
        expect(body).not_to_have_class(DARK)
        chat = page.locator("#nqa-chat")
        light_background = chat.evaluate("(c) => getComputedStyle(c).backgroundColor")
        page.locator("#nqa-theme").click()
        expect(body).to_have_class(DARK)
        assert chat.evaluate("(c) => getComputedStyle(c).backgroundColor") != light_background
        screenshot(page, f"dark-{size}")
        page.reload()                        # the choice is kept, over the system's light
        expect(page.locator("#nqa-question textarea")).to_be_visible()
        expect(body).to_have_class(DARK)
        page.locator("#nqa-theme").click()
        expect(body).not_to_have_class(DARK)
    finally:
        page.context.close()
