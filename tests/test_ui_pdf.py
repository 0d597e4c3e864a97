"""A PDF citation shows the page as printed, with the quote boxed where it is printed: a
real PDF made with reportlab, indexed from disk, asked about, and opened in Chromium.

Where the quote is printed is known independently of PDFium: reportlab drew each line at
a known point in a known font, so the quote's left edge is the line's start plus the
width of the words before it, and its baseline is the line's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from playwright.sync_api import Browser, expect
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from index import Index
from tests.conftest import ask_in_page, copy_index, serve_page
from ui.pdf_page import NotShown, cited_page, quote_indexes, read_pdf_file

FONT, SIZE, LEFT = "Helvetica", 12, 72
# (page, baseline, line): the answer is on page 2, after a word split by a hyphen on page 1.
LINES = [(1, 760, "Quillmoor harbour reopens"),
         (1, 740, "date 2025-12-02 QUILLMOOR: The local govern-"),
         (1, 725, "ment said the harbour would reopen to ferries next week."),
         (2, 760, "The harbour master of Quillmoor is Dessa Marrowby, the port"),
         (2, 745, "authority confirmed on Tuesday.")]
QUOTE = "Dessa Marrowby"
SIZES = {"phone": (390, 844), "laptop": (1280, 800)}


def write_pdf(path: Path, lines: list[tuple[int, int, str]]) -> Path:
    drawing = canvas.Canvas(str(path), pagesize=A4)
    drawing.setTitle("Quillmoor harbour reopens")
    page = 1
    for number, baseline, line in lines:
        if number != page:
            drawing.showPage()
            page = number
        drawing.setFont(FONT, SIZE)
        drawing.drawString(LEFT, baseline, line)
    drawing.save()
    return path


@pytest.fixture(scope="module")
def indexed(seeds_build, tmp_path_factory) -> tuple[Path, Path]:
    """(index folder, the PDF it read): the seeds and one PDF added from disk."""
    work = tmp_path_factory.mktemp("ui-pdf")
    pdf = write_pdf(work / "quillmoor.pdf", LINES)
    folder = copy_index(seeds_build.path, work / "index")
    index = Index.open(folder)
    assert "quillmoor" in index.add([pdf]).added_ids
    index.close()
    return folder, pdf


@pytest.fixture(scope="module")
def article(indexed):
    index = Index.open(indexed[0])
    try:
        return index.article("quillmoor")
    finally:
        index.close()


def printed(pdf: Path, page: int, indexes: list[int]) -> str:
    """The characters at `indexes` of a page, as PDFium reads them from the file itself."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        textpage = document[page].get_textpage()
        return "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage, i)) for i in indexes)
    finally:
        document.close()


def test_a_quote_names_exactly_the_characters_printed(indexed, article):
    pdf = indexed[1]
    raw = read_pdf_file(article.path)
    for quote, page in ((QUOTE, 1), ("government said", 0)):
        start = article.text.index(quote)
        end = start + len(quote)
        found_page, indexes = quote_indexes(raw, article.text, article.pages, start, end)
        assert found_page == page
        # "govern-" + "ment": PDFium marks the line-end hyphen (U+0002); reading dropped it.
        assert printed(pdf, page, indexes) == quote
        assert article.text[start:end] == quote


def test_a_pdf_changed_since_it_was_indexed_is_said_not_guessed(indexed, article, tmp_path):
    other = write_pdf(tmp_path / "quillmoor.pdf",
                      [(n, y, line.replace("Dessa", "Nessa")) for n, y, line in LINES])
    start = article.text.index(QUOTE)
    with pytest.raises(NotShown, match="changed since it was indexed"):
        cited_page(other.read_bytes(), article.text, article.pages,
                   [(start, start + len(QUOTE), (1,))], start)
    with pytest.raises(NotShown, match="not kept"):
        read_pdf_file("")                               # an upload keeps no file
    with pytest.raises(NotShown, match="no longer where"):
        read_pdf_file(str(tmp_path / "gone.pdf"))


@pytest.fixture(scope="module")
def url(indexed) -> Iterator[str]:
    with serve_page(indexed[0]) as (address, _):
        yield address


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")
@pytest.mark.parametrize("size", SIZES)
def test_a_pdf_citation_opens_the_printed_page_with_the_quote_boxed(browser: Browser, url: str,
                                                                     size: str):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  is_mobile=size == "phone")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(url)
        answer = ask_in_page(page, "Who is the harbour master of Quillmoor?")
        expect(answer.locator(".nqa-value").first).to_have_text(QUOTE)
        answer.locator("a.nqa-cite").first.click()
        viewer = page.locator("#nqa-viewer")
        expect(viewer.locator(".nqa-pdf-meta")).to_have_text("Page 2 of 2, as printed")
        image = viewer.locator(".nqa-pdf-page img")
        expect(image).to_be_visible()
        assert image.evaluate("(img) => img.complete && img.naturalWidth > 0")
        mark = viewer.locator(".nqa-pdf-page mark.nqa-focus")
        expect(mark).to_have_count(1)                       # one printed line, one box
        mark.scroll_into_view_if_needed()
        folder = os.environ.get("NEWSQA_SCREENSHOTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"pdf-{size}.png"))
        shown, boxed = image.bounding_box(), mark.bounding_box()
        assert shown and boxed
        # Where reportlab printed the quote, in points from the page's top left.
        page_width, page_height = A4
        line = LINES[3][2]
        left = LEFT + stringWidth(line[:line.index(QUOTE)], FONT, SIZE)
        right = left + stringWidth(QUOTE, FONT, SIZE)
        baseline = page_height - LINES[3][1]
        points = shown["width"] / page_width                # CSS pixels per point
        x0, x1 = (boxed["x"] - shown["x"]) / points, (boxed["x"] + boxed["width"] - shown["x"]) / points
        y0, y1 = (boxed["y"] - shown["y"]) / points, (boxed["y"] + boxed["height"] - shown["y"]) / points
        assert abs(x0 - left) < 1.5 and abs(x1 - right) < 1.5, (x0, left, x1, right)
        assert baseline - SIZE <= y0 < baseline < y1 <= baseline + SIZE / 2, (y0, y1, baseline)
        # The text as indexed is still there, folded, with the quote marked in it.
        expect(viewer.locator("details.nqa-indexed mark.nqa-focus")).to_have_text(QUOTE)
    finally:
        context.close()
