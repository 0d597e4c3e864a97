"""A cited PDF page as it was printed: the page rendered, with each quote's characters boxed.

The index keeps a PDF as the text of its text layer, page after page (read by PDFium
through pypdfium2: each page's text with "\\r\\n" made "\\n", words a soft hyphen split at
a line end joined, the page trimmed, pages joined by a blank line; `Article.pages` holds
where each page starts). Here the same page is opened again and its stored text is walked
along the page's own characters, one by one: a stored character is the next PDF character
that equals it, and the only PDF characters passed over are those that reading dropped
(carriage returns, line breaks after a soft hyphen, the soft hyphens themselves, space at
either end of the page). So a quote's offsets name exactly the characters PDFium placed,
and their boxes are where the quote is printed. When the walk fails the file is not the
one that was indexed (it was edited or replaced since): that is said, never guessed at.
"""

from __future__ import annotations

import bisect
import ctypes
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

SCALE = 1.5                 # pixels per PDF point: a page about 900 pixels wide
MAX_PDF_BYTES = 200 * 2**20
_DROPPED = frozenset("\r\n\u00ad\u0002\ufffe")    # what reading a page may leave out
_PAGE_GAP = 2                                      # "\n\n" between pages in the stored text


class NotShown(Exception):
    """The page cannot be shown; the message says why, in words for the reader."""


@dataclass(frozen=True)
class Box:
    """A rectangle on the rendered page, as fractions of its width and height from its
    top left corner, so it stays in place at any size the page is shown."""

    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class Mark:
    """One quote (or overlapping quotes: `numbers`) on the page, a box per printed line."""

    numbers: tuple[int, ...]
    boxes: tuple[Box, ...]


@dataclass(frozen=True)
class PageView:
    page: int                   # from 1
    pages: int                  # in the document
    png: bytes
    width: int                  # pixels
    height: int
    marks: tuple[Mark, ...]


def read_pdf_file(path: str) -> bytes:
    """The bytes of the file an article was read from, or NotShown saying why not."""
    if not path:
        raise NotShown("the PDF itself is not kept (it was uploaded, or fetched from a link)")
    file = Path(path)
    if file.suffix.lower() != ".pdf":
        raise NotShown("the article was not read from a PDF file")
    try:
        if file.stat().st_size > MAX_PDF_BYTES:
            raise NotShown("the PDF is too large to show here")
        return file.read_bytes()
    except OSError:
        raise NotShown("the PDF is no longer where it was indexed from") from None


def page_of(starts: Sequence[int], offset: int) -> int:
    """The page (from 0) whose stored text holds `offset`."""
    return max(bisect.bisect_right(starts, offset) - 1, 0)


def _page_text(text: str, starts: Sequence[int], page: int) -> str:
    end = starts[page + 1] - _PAGE_GAP if page + 1 < len(starts) else len(text)
    return text[starts[page]:end]


def _characters(textpage: pdfium.PdfTextPage) -> list[tuple[str, int]]:
    """The page's characters in PDFium's order with their indexes; a character outside
    the Basic Multilingual Plane, which PDFium holds as two (UTF-16), is made one again."""
    codes = [pdfium_c.FPDFText_GetUnicode(textpage, i) for i in range(textpage.count_chars())]
    out, i = [], 0
    while i < len(codes):
        code = codes[i]
        if 0xD800 <= code < 0xDC00 and i + 1 < len(codes) and 0xDC00 <= codes[i + 1] < 0xE000:
            out.append((chr(0x10000 + ((code - 0xD800) << 10) + codes[i + 1] - 0xDC00), i))
            i += 2
            continue
        out.append((chr(code), i))
        i += 1
    return out


def align(page_text: str, characters: Sequence[tuple[str, int]]) -> list[int] | None:
    """For each character of the stored page text, the index of the PDF character it was
    read from; None when the stored text is not what this page reads as (see above)."""
    indexes: list[int] = []
    k = 0
    for wanted in page_text:
        while True:
            if k == len(characters):
                return None
            char, index = characters[k]
            k += 1
            if char == wanted or (char == "\r" and wanted == "\n"):
                indexes.append(index)
                break
            if char not in _DROPPED and not (char.isspace() and not indexes):
                return None
    if any(char not in _DROPPED and not char.isspace() for char, _ in characters[k:]):
        return None
    return indexes


def quote_indexes(pdf: bytes, text: str, starts: Sequence[int], start: int, end: int
                  ) -> tuple[int, list[int]]:
    """(page from 0, the PDF characters of text[start:end] on it) for a stored span."""
    with _opened(pdf) as document:
        number = page_of(starts, start)
        page, indexes = _aligned(document, text, starts, number)
        page.close()
        first = starts[number]
        return number, indexes[start - first:end - first]


def cited_page(pdf: bytes, text: str, starts: Sequence[int],
               spans: Iterable[tuple[int, int, tuple[int, ...]]], focus_start: int) -> PageView:
    """The page holding offset `focus_start`, rendered, with a Mark for each (start, end,
    numbers) span on it; NotShown when the PDF cannot be read or is not the one indexed."""
    if not starts:
        raise NotShown("the article has no pages")
    page_number = page_of(starts, focus_start)
    with _opened(pdf) as document:
        page, indexes = _aligned(document, text, starts, page_number)
        textpage = page.get_textpage()
        try:
            image = page.render(scale=SCALE).to_pil()
            width, height = image.size
            first, last = starts[page_number], starts[page_number] + len(indexes)
            marks = []
            for start, end, numbers in spans:
                if end <= first or start >= last:
                    continue
                chosen = indexes[max(start, first) - first:min(end, last) - first]
                boxes = _line_boxes(page, textpage, chosen, width, height)
                if boxes:
                    marks.append(Mark(tuple(numbers), boxes))
            png = io.BytesIO()
            image.save(png, format="PNG", optimize=True)
        finally:
            textpage.close()
            page.close()
        return PageView(page_number + 1, len(document), png.getvalue(), width, height, tuple(marks))


class _opened:
    """A PdfDocument for `with`, its failure to open a NotShown."""

    def __init__(self, pdf: bytes) -> None:
        try:
            self.document = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError:
            raise NotShown("the PDF can no longer be opened") from None

    def __enter__(self) -> pdfium.PdfDocument:
        return self.document

    def __exit__(self, *exc: object) -> None:
        self.document.close()


def _aligned(document: pdfium.PdfDocument, text: str, starts: Sequence[int], number: int
             ) -> tuple[pdfium.PdfPage, list[int]]:
    changed = NotShown("the PDF has changed since it was indexed")
    if number >= len(document) or len(starts) != len(document):
        raise changed
    page = document[number]
    textpage = page.get_textpage()
    try:
        indexes = align(_page_text(text, starts, number), _characters(textpage))
    finally:
        textpage.close()
    if indexes is None:
        page.close()
        raise changed
    return page, indexes


def _line_boxes(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, indexes: Sequence[int],
                width: int, height: int) -> tuple[Box, ...]:
    """The printed characters' boxes joined into one box per line, in page fractions."""
    lines: list[list[float]] = []       # [left, top, right, bottom] in pixels
    for index in indexes:
        if pdfium_c.FPDFText_IsGenerated(textpage, index) or \
                chr(pdfium_c.FPDFText_GetUnicode(textpage, index)).isspace():
            continue
        left, bottom, right, top = textpage.get_charbox(index, loose=True)
        x0, y0 = _device(page, left, top, width, height)
        x1, y1 = _device(page, right, bottom, width, height)
        x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
        line = lines[-1] if lines else None
        if line and y0 < line[3] and y1 > line[1] and x0 >= line[0] - 1:
            line[0], line[1], line[2], line[3] = (min(line[0], x0), min(line[1], y0),
                                                  max(line[2], x1), max(line[3], y1))
        else:
            lines.append([x0, y0, x1, y1])
    return tuple(Box(x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height)
                 for x0, y0, x1, y1 in lines)


def _device(page: pdfium.PdfPage, x: float, y: float, width: int, height: int) -> tuple[int, int]:
    """A point of the page in pixels of its rendering (crop box and rotation as PDFium
    renders them)."""
    dx, dy = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDF_PageToDevice(page, 0, 0, width, height, 0, x, y, dx, dy)
    return dx.value, dy.value
